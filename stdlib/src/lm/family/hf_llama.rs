//! Llama from a Hugging Face folder (candle-transformers' `llama`, whose cache lives outside
//! the model).

use super::{last_logits, parse_config, CausalLm};
use crate::error::Result;
use candle_core::{DType, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::llama::{Cache, Config, Llama, LlamaConfig};

pub struct HfLlama {
    model: Llama,
    config: Config,
    cache: Cache,
    dtype: DType,
    device: candle_core::Device,
}

impl CausalLm for HfLlama {
    fn forward(&mut self, tokens: &Tensor, offset: usize) -> Result<Tensor> {
        last_logits(self.model.forward(tokens, offset, &mut self.cache)?)
    }

    fn reset(&mut self) {
        if let Ok(cache) = Cache::new(true, self.dtype, &self.config, &self.device) {
            self.cache = cache;
        }
    }

    // The cache replaces each layer's tensors by their concatenation with the new step's.
    fn fork(&self) -> Option<Box<dyn CausalLm>> {
        Some(Box::new(HfLlama {
            model: self.model.clone(),
            config: self.config.clone(),
            cache: self.cache.clone(),
            dtype: self.dtype,
            device: self.device.clone(),
        }))
    }
}

pub fn load(config: &serde_json::Value, file: &str, vb: VarBuilder) -> Result<Box<dyn CausalLm>> {
    let cfg: LlamaConfig = parse_config(config, file, "llama")?;
    let config = cfg.into_config(false);
    let (dtype, device) = (vb.dtype(), vb.device().clone());
    let cache = Cache::new(true, dtype, &config, &device)?;
    Ok(Box::new(HfLlama {
        model: Llama::load(vb, &config)?,
        config,
        cache,
        dtype,
        device,
    }))
}
