//! The shape of a decoder: read from a Hugging Face `config.json` or a GGUF header.

use crate::error::{Error, Result};
use candle_core::quantized::gguf_file::{Content, Value};
use serde_json::Value as Json;
use std::path::Path;

/// The families our forward pass implements. They differ only where `DecoderConfig` says:
/// Qwen2 has biases on the q/k/v projections; a Llama GGUF stores Q/K permuted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    Llama,
    Qwen2,
}

impl Family {
    pub const SUPPORTED: &'static str = "llama, qwen2";

    pub fn parse(name: &str, file: &Path) -> Result<Family> {
        match name {
            "llama" | "mistral" => Ok(Family::Llama),
            "qwen2" => Ok(Family::Qwen2),
            other => Err(Error::data(format!(
                "{}: architecture \"{other}\" has no trainable forward pass in Ladder (supported: {})",
                file.display(),
                Family::SUPPORTED
            ))),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct DecoderConfig {
    pub family: Family,
    pub vocab: usize,
    pub hidden: usize,
    pub intermediate: usize,
    pub layers: usize,
    pub heads: usize,
    pub kv_heads: usize,
    pub head_dim: usize,
    pub rms_eps: f64,
    pub rope_theta: f64,
    pub max_positions: usize,
    /// The output projection is the token embedding (no `lm_head.weight`).
    pub tied: bool,
    /// Biases on the q/k/v projections (Qwen2).
    pub qkv_bias: bool,
}

impl DecoderConfig {
    /// From a Hugging Face `config.json`.
    pub fn from_json(path: &Path) -> Result<DecoderConfig> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::io(
                path.display().to_string(),
                format!("cannot read {}: {e}", path.display()),
            )
        })?;
        let v: Json = serde_json::from_str(&text)
            .map_err(|e| Error::data(format!("{} is not valid JSON: {e}", path.display())))?;
        let family = Family::parse(v["model_type"].as_str().unwrap_or("(none)"), path)?;
        let int = |key: &str| -> Result<usize> {
            v[key]
                .as_u64()
                .map(|n| n as usize)
                .ok_or_else(|| Error::data(format!("{}: no integer \"{key}\"", path.display())))
        };
        let hidden = int("hidden_size")?;
        let heads = int("num_attention_heads")?;
        let rope_theta = v["rope_theta"]
            .as_f64()
            .or_else(|| v["rope_parameters"]["rope_theta"].as_f64())
            .unwrap_or(10000.0);
        let config = DecoderConfig {
            family,
            vocab: int("vocab_size")?,
            hidden,
            intermediate: int("intermediate_size")?,
            layers: int("num_hidden_layers")?,
            heads,
            kv_heads: v["num_key_value_heads"]
                .as_u64()
                .map_or(heads, |n| n as usize),
            head_dim: v["head_dim"]
                .as_u64()
                .map_or(hidden / heads.max(1), |n| n as usize),
            rms_eps: v["rms_norm_eps"].as_f64().unwrap_or(1e-6),
            rope_theta,
            max_positions: v["max_position_embeddings"].as_u64().unwrap_or(2048) as usize,
            tied: v["tie_word_embeddings"].as_bool().unwrap_or(false),
            qkv_bias: family == Family::Qwen2 || v["attention_bias"].as_bool().unwrap_or(false),
        };
        config.check(path)
    }

    /// From a GGUF header (`<arch>.block_count`, ...); the vocabulary is the embedding's rows.
    pub fn from_gguf(content: &Content, path: &Path) -> Result<DecoderConfig> {
        let arch = match content.metadata.get("general.architecture") {
            Some(Value::String(s)) => s.clone(),
            _ => "(none)".into(),
        };
        let family = Family::parse(&arch, path)?;
        let get = |key: &str| content.metadata.get(&format!("{arch}.{key}"));
        let int = |key: &str| -> Result<usize> {
            get(key)
                .and_then(|v| v.to_u64().ok().or_else(|| v.to_u32().ok().map(u64::from)))
                .map(|n| n as usize)
                .ok_or_else(|| Error::data(format!("{}: no \"{arch}.{key}\"", path.display())))
        };
        let float = |key: &str, default: f64| {
            get(key)
                .and_then(|v| v.to_f32().ok())
                .map_or(default, f64::from)
        };
        let embd = content
            .tensor_infos
            .get("token_embd.weight")
            .ok_or_else(|| {
                Error::data(format!("{}: no tensor token_embd.weight", path.display()))
            })?;
        let hidden = int("embedding_length")?;
        let heads = int("attention.head_count")?;
        let config = DecoderConfig {
            family,
            vocab: embd.shape.elem_count() / hidden.max(1),
            hidden,
            intermediate: int("feed_forward_length")?,
            layers: int("block_count")?,
            heads,
            kv_heads: int("attention.head_count_kv").unwrap_or(heads),
            head_dim: hidden / heads.max(1),
            rms_eps: float("attention.layer_norm_rms_epsilon", 1e-6),
            rope_theta: float("rope.freq_base", 10000.0),
            max_positions: int("context_length").unwrap_or(2048),
            tied: !content.tensor_infos.contains_key("output.weight"),
            qkv_bias: content.tensor_infos.contains_key("blk.0.attn_q.bias"),
        };
        config.check(path)
    }

    fn check(self, path: &Path) -> Result<DecoderConfig> {
        if self.heads == 0
            || self.kv_heads == 0
            || !self.heads.is_multiple_of(self.kv_heads)
            || !self.head_dim.is_multiple_of(2)
        {
            return Err(Error::data(format!(
                "{}: {} attention heads, {} key/value heads and head size {} do not fit (heads must be a multiple of key/value heads, head size even)",
                path.display(),
                self.heads,
                self.kv_heads,
                self.head_dim
            )));
        }
        Ok(self)
    }
}
