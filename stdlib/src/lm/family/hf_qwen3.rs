//! qwen3 from a Hugging Face folder (candle-transformers' `qwen3`).

use super::{cached_family, parse_config, CausalLm};
use crate::error::Result;
use candle_nn::VarBuilder;
use candle_transformers::models::qwen3::{Config, ModelForCausalLM};

cached_family!(HfQwen3, ModelForCausalLM);

pub fn load(config: &serde_json::Value, file: &str, vb: VarBuilder) -> Result<Box<dyn CausalLm>> {
    let cfg: Config = parse_config(config, file, "qwen3")?;
    Ok(Box::new(HfQwen3(ModelForCausalLM::new(&cfg, vb)?)))
}
