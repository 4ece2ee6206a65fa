//! qwen2 from a Hugging Face folder (candle-transformers' `qwen2`).

use super::{cached_family, parse_config, CausalLm};
use crate::error::Result;
use candle_nn::VarBuilder;
use candle_transformers::models::qwen2::{Config, ModelForCausalLM};

cached_family!(HfQwen2, ModelForCausalLM);

pub fn load(config: &serde_json::Value, file: &str, vb: VarBuilder) -> Result<Box<dyn CausalLm>> {
    let cfg: Config = parse_config(config, file, "qwen2")?;
    Ok(Box::new(HfQwen2(ModelForCausalLM::new(&cfg, vb)?)))
}
