//! phi3 from a Hugging Face folder (candle-transformers' `phi3`).

use super::{cached_family, parse_config, CausalLm};
use crate::error::Result;
use candle_nn::VarBuilder;
use candle_transformers::models::phi3::{Config, Model};

cached_family!(HfPhi3, Model);

pub fn load(config: &serde_json::Value, file: &str, vb: VarBuilder) -> Result<Box<dyn CausalLm>> {
    let cfg: Config = parse_config(config, file, "phi3")?;
    Ok(Box::new(HfPhi3(Model::new(&cfg, vb)?)))
}
