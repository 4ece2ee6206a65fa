//! Gemma from a Hugging Face folder (candle-transformers' `gemma`).

use super::{cached_family, parse_config, CausalLm};
use crate::error::Result;
use candle_nn::VarBuilder;
use candle_transformers::models::gemma::{Config, Model};

cached_family!(HfGemma, Model);

pub fn load(config: &serde_json::Value, file: &str, vb: VarBuilder) -> Result<Box<dyn CausalLm>> {
    // transformers writes both activations; its Gemma uses hidden_activation when set.
    let mut config = config.clone();
    if config["hidden_activation"].is_string() {
        if let Some(map) = config.as_object_mut() {
            map.remove("hidden_act");
        }
    }
    let cfg: Config = parse_config(&config, file, "gemma")?;
    Ok(Box::new(HfGemma(Model::new(false, &cfg, vb)?)))
}
