//! mistral from a Hugging Face folder (candle-transformers' `mistral`).

use super::{cached_family, parse_config, CausalLm};
use crate::error::Result;
use candle_nn::VarBuilder;
use candle_transformers::models::mistral::{Config, Model};

cached_family!(HfMistral, Model);

pub fn load(config: &serde_json::Value, file: &str, vb: VarBuilder) -> Result<Box<dyn CausalLm>> {
    let cfg: Config = parse_config(config, file, "mistral")?;
    Ok(Box::new(HfMistral(Model::new(&cfg, vb)?)))
}
