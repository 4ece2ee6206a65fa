//! Decoder families behind one trait: each file adapts one candle-transformers model, from a
//! GGUF file (quantised) or a Hugging Face folder (f32).

pub mod gguf;
pub mod gguf_llama;
pub mod hf_gemma;
pub mod hf_llama;
pub mod hf_mistral;
pub mod hf_phi3;
pub mod hf_qwen2;
pub mod hf_qwen3;

use crate::error::Result;
use candle_core::Tensor;

/// A causal language model with a KV cache.
pub trait CausalLm: Send {
    /// Next-token logits (batch × vocab, f32) after feeding `tokens` (batch × seq, u32) at
    /// positions `offset..offset + seq`, extending the cache.
    fn forward(&mut self, tokens: &Tensor, offset: usize) -> Result<Tensor>;
    /// Forget the cache (the next forward starts at offset 0).
    fn reset(&mut self);
    /// A copy holding the same cache, which a forward of the copy leaves alone (the weights
    /// are shared): scoring reuses a prompt's cache for each of its continuations. `None`
    /// where the model's cache is written in place (the prompt is then run again).
    fn fork(&self) -> Option<Box<dyn CausalLm>> {
        None
    }
}

/// GGUF architectures (`general.architecture`) Ladder loads.
pub const GGUF_ARCHITECTURES: [&str; 3] = ["llama", "qwen2", "qwen3"];

/// Hugging Face `model_type`s Ladder loads from a folder.
pub const FOLDER_ARCHITECTURES: [&str; 6] = ["llama", "qwen2", "qwen3", "mistral", "gemma", "phi3"];

/// Logits as (batch × vocab) f32, whether a model returns (batch × 1 × vocab) or not.
pub(crate) fn last_logits(logits: Tensor) -> Result<Tensor> {
    let logits = if logits.rank() == 3 {
        logits.squeeze(1)?
    } else {
        logits
    };
    Ok(logits.to_dtype(candle_core::DType::F32)?)
}

/// A candle-transformers model with `forward(ids, offset)` and `clear_kv_cache()`, as a
/// [`CausalLm`]. Its cache must grow by concatenation (a new tensor per step, as in qwen2,
/// qwen3, mistral, gemma and phi3), so that a clone's forward leaves the original's alone.
macro_rules! cached_family {
    ($name:ident, $model:ty) => {
        pub struct $name(pub $model);

        impl $crate::lm::family::CausalLm for $name {
            fn forward(
                &mut self,
                tokens: &candle_core::Tensor,
                offset: usize,
            ) -> $crate::error::Result<candle_core::Tensor> {
                $crate::lm::family::last_logits(self.0.forward(tokens, offset)?)
            }

            fn reset(&mut self) {
                self.0.clear_kv_cache()
            }

            fn fork(&self) -> Option<Box<dyn $crate::lm::family::CausalLm>> {
                Some(Box::new($name(self.0.clone())))
            }
        }
    };
}
pub(crate) use cached_family;

/// A `config.json` read as the family's configuration; errors name the file.
pub(crate) fn parse_config<T: serde::de::DeserializeOwned>(
    config: &serde_json::Value,
    file: &str,
    family: &str,
) -> Result<T> {
    serde_json::from_value(config.clone()).map_err(|e| {
        crate::error::Error::io(
            file.to_string(),
            format!("lm: {file} is not a {family} configuration: {e}"),
        )
    })
}
