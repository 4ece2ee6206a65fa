//! Gemma from a Hugging Face folder (candle-transformers' `gemma`).

use super::{cached_family, parse_config, CausalLm};
use crate::error::Result;
use candle_nn::VarBuilder;
use candle_transformers::models::gemma::{Config, Model};

cached_family!(HfGemma, Model);

pub fn load(config: &serde_json::Value, file: &str, vb: VarBuilder) -> Result<Box<dyn CausalLm>> {
    let cfg: Config = parse_config(config, file, "gemma")?;
    Ok(Box::new(HfGemma(Model::new(false, &cfg, vb)?)))
}
