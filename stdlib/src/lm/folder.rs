//! Hugging Face model folders: `config.json`, `model.safetensors` (or a sharded index) and
//! `tokenizer.json`; the family comes from the config's `model_type` or `architectures`.

use super::family::{self, CausalLm, FOLDER_ARCHITECTURES};
use super::tokenizer::read_json;
use crate::error::{Error, Result};
use candle_core::{DType, Device};
use candle_nn::VarBuilder;
use std::path::{Path, PathBuf};

/// What a folder holds, checked before any weight is read.
pub struct Folder {
    pub dir: PathBuf,
    pub config: serde_json::Value,
    pub architecture: String,
    pub weights: Vec<PathBuf>,
}

impl Folder {
    pub fn open(dir: &Path) -> Result<Folder> {
        let config = normalised(read_json(&dir.join("config.json"))?);
        let shown = dir.join("config.json").display().to_string();
        let architecture = architecture(&config, &shown)?;
        let tokenizer = dir.join("tokenizer.json");
        if !tokenizer.is_file() {
            let t = tokenizer.display().to_string();
            return Err(Error::io(t.clone(), format!("lm: {t} is missing")));
        }
        Ok(Folder {
            dir: dir.to_path_buf(),
            weights: weight_files(dir)?,
            config,
            architecture,
        })
    }

    /// The model, in f32 on `device`.
    pub fn load(&self, device: &Device) -> Result<Box<dyn CausalLm>> {
        let bytes: u64 = self
            .weights
            .iter()
            .filter_map(|f| std::fs::metadata(f).ok())
            .map(|m| m.len())
            .sum();
        // f32 weights take up to twice a bf16 file's size.
        crate::tensor::budget::check_f32("lm", &[(bytes / 2) as usize])?;
        for f in &self.weights {
            let shown = f.display().to_string();
            // SAFETY: the file is only read; a file changed while mapped is the user's doing.
            unsafe { candle_core::safetensors::MmapedSafetensors::new(f) }.map_err(|e| {
                Error::io(
                    shown.clone(),
                    format!("lm: {shown} is not a readable safetensors file: {e}"),
                )
            })?;
        }
        // SAFETY: as above.
        let vb = unsafe { VarBuilder::from_mmaped_safetensors(&self.weights, DType::F32, device)? };
        let file = self.dir.join("config.json").display().to_string();
        let loaded = match self.architecture.as_str() {
            "llama" => family::hf_llama::load(&self.config, &file, vb),
            "qwen2" => family::hf_qwen2::load(&self.config, &file, vb),
            "qwen3" => family::hf_qwen3::load(&self.config, &file, vb),
            "mistral" => family::hf_mistral::load(&self.config, &file, vb),
            "gemma" => family::hf_gemma::load(&self.config, &file, vb),
            _ => family::hf_phi3::load(&self.config, &file, vb),
        };
        loaded.map_err(|e| {
            Error::io(
                self.dir.display().to_string(),
                format!(
                    "lm: the weights in {} do not fit a {} model: {e}",
                    self.dir.display(),
                    self.architecture
                ),
            )
        })
    }

    /// How many weights the files hold (0 where a file does not read; `load` names it).
    pub fn parameters(&self) -> usize {
        self.weights
            .iter()
            // SAFETY: the file is only read, as in `load`.
            .filter_map(|f| unsafe { candle_core::safetensors::MmapedSafetensors::new(f) }.ok())
            .flat_map(|st| {
                st.tensors()
                    .into_iter()
                    .map(|(_, t)| t.shape().iter().product::<usize>())
                    .collect::<Vec<_>>()
            })
            .sum()
    }

    /// The longest sequence the model takes.
    pub fn context_len(&self) -> usize {
        self.config["max_position_embeddings"]
            .as_u64()
            .unwrap_or(2048) as usize
    }
}

/// A configuration in the older layout candle-transformers reads: transformers 5 writes
/// `rope_parameters` (theta, scaling) where earlier versions wrote `rope_theta` and
/// `rope_scaling`, and `sliding_window: null` means no window.
fn normalised(mut config: serde_json::Value) -> serde_json::Value {
    let Some(map) = config.as_object_mut() else {
        return config;
    };
    if let Some(rope) = map.get("rope_parameters").cloned() {
        if !map.contains_key("rope_theta") {
            if let Some(theta) = rope.get("rope_theta") {
                map.insert("rope_theta".into(), theta.clone());
            }
        }
        let kind = rope
            .get("rope_type")
            .and_then(|t| t.as_str())
            .unwrap_or("default");
        if kind != "default" && !map.contains_key("rope_scaling") {
            map.insert("rope_scaling".into(), rope.clone());
        }
        if let Some(factor) = rope.get("partial_rotary_factor") {
            map.entry("partial_rotary_factor").or_insert(factor.clone());
        }
    }
    if map.get("sliding_window").is_some_and(|w| w.is_null()) {
        let whole = map
            .get("max_position_embeddings")
            .cloned()
            .unwrap_or(serde_json::Value::from(4096));
        map.insert("sliding_window".into(), whole);
    }
    config
}

/// The family of a configuration: `model_type`, else the first of `architectures`.
fn architecture(config: &serde_json::Value, shown: &str) -> Result<String> {
    let from_class = |c: &str| -> String {
        c.trim_end_matches("ForCausalLM")
            .trim_end_matches("Model")
            .to_lowercase()
    };
    let name = config["model_type"]
        .as_str()
        .map(str::to_string)
        .or_else(|| config["architectures"][0].as_str().map(from_class))
        .ok_or_else(|| Error::data(format!("lm: {shown} names no model_type or architectures")))?;
    if !FOLDER_ARCHITECTURES.contains(&name.as_str()) {
        return Err(Error::data(format!(
            "lm: {shown} describes a \"{name}\" model; Ladder loads {} from folders (and GGUF files)",
            FOLDER_ARCHITECTURES.join(", ")
        )));
    }
    Ok(name)
}

/// `model.safetensors`, or the shards a `model.safetensors.index.json` lists.
fn weight_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let single = dir.join("model.safetensors");
    if single.is_file() {
        return Ok(vec![single]);
    }
    let index = dir.join("model.safetensors.index.json");
    if !index.is_file() {
        let s = single.display().to_string();
        return Err(Error::io(
            s.clone(),
            format!("lm: {s} is missing (and there is no model.safetensors.index.json)"),
        ));
    }
    let json = read_json(&index)?;
    let map = json["weight_map"].as_object().ok_or_else(|| {
        Error::io(
            index.display().to_string(),
            format!("lm: {} has no weight_map", index.display()),
        )
    })?;
    let mut files: Vec<PathBuf> = Vec::new();
    for shard in map.values().filter_map(|v| v.as_str()) {
        let f = dir.join(shard);
        if !files.contains(&f) {
            if !f.is_file() {
                let s = f.display().to_string();
                return Err(Error::io(
                    s.clone(),
                    format!("lm: {s} (listed in {}) is missing", index.display()),
                ));
            }
            files.push(f);
        }
    }
    Ok(files)
}
