//! A language model's tokenizer: the text tokenizer plus what generation needs (the
//! beginning- and end-of-sequence ids, whether prompts start with BOS, the chat template).

use super::gguf_tokenizer;
use super::metadata::Metadata;
use crate::error::{Error, Result};
use crate::text::Tokenizer;
use std::path::Path;

#[derive(Clone, Debug)]
pub struct LmTokenizer {
    pub text: Tokenizer,
    pub bos: Option<u32>,
    /// Ids that end generation.
    pub eos: Vec<u32>,
    /// Prepend `bos` to prompts (when the tokenizer's own post-processor does not).
    pub add_bos: bool,
    /// The Jinja chat template, when the model has one.
    pub chat_template: Option<String>,
}

impl LmTokenizer {
    /// The tokenizer of a GGUF file: `tokenizer.json` beside it when there is one, else the one
    /// its metadata describes.
    pub fn for_gguf(meta: &Metadata) -> Result<LmTokenizer> {
        let file = meta.path.display().to_string();
        let beside = meta.path.with_file_name("tokenizer.json");
        let text = if beside.is_file() {
            Tokenizer::load(&beside.to_string_lossy())?
        } else {
            let inner = gguf_tokenizer::from_gguf(meta, &file)?;
            let pad = meta
                .uint("tokenizer.ggml.padding_token_id")?
                .or(meta.uint("tokenizer.ggml.eos_token_id")?)
                .unwrap_or(0) as u32;
            Tokenizer::from_parts(inner, pad, format!("{file} (GGUF metadata)"))?
        };
        let bos = meta.uint("tokenizer.ggml.bos_token_id")?.map(|i| i as u32);
        let eos: Vec<u32> = meta
            .uint("tokenizer.ggml.eos_token_id")?
            .map(|i| i as u32)
            .into_iter()
            .chain(meta.uint("tokenizer.ggml.eot_token_id")?.map(|i| i as u32))
            .collect();
        Ok(LmTokenizer {
            text,
            bos,
            eos,
            // llama.cpp's default (byte-level BPE and SentencePiece) when the file does not say.
            add_bos: meta.bool_or("tokenizer.ggml.add_bos_token", true)? && bos.is_some(),
            chat_template: meta
                .get("tokenizer.chat_template")
                .and_then(|v| v.to_string().ok().cloned()),
        })
    }

    /// The tokenizer of a Hugging Face folder: `tokenizer.json` (its post-processor adds BOS
    /// when the model wants it), `tokenizer_config.json` for the chat template, and the end
    /// ids from `generation_config.json` or `config.json`.
    pub fn for_folder(dir: &Path, config: &serde_json::Value) -> Result<LmTokenizer> {
        let text = Tokenizer::load(&dir.to_string_lossy())?;
        let tok_config = read_json_if_present(&dir.join("tokenizer_config.json"))?;
        let generation = read_json_if_present(&dir.join("generation_config.json"))?;
        let id_of = |key: &str| -> Vec<u32> {
            let from = |v: &serde_json::Value| match &v[key] {
                serde_json::Value::Number(n) => n.as_u64().map(|i| vec![i as u32]),
                serde_json::Value::Array(a) => Some(
                    a.iter()
                        .filter_map(|n| n.as_u64())
                        .map(|i| i as u32)
                        .collect(),
                ),
                _ => None,
            };
            from(&generation)
                .or_else(|| from(config))
                .unwrap_or_default()
        };
        let token_id = |key: &str| -> Option<u32> {
            let t = &tok_config[key];
            let name = t.as_str().or_else(|| t["content"].as_str())?;
            text.token_to_id(name)
        };
        let mut eos = id_of("eos_token_id");
        if eos.is_empty() {
            eos.extend(token_id("eos_token"));
        }
        let bos = id_of("bos_token_id")
            .first()
            .copied()
            .or(token_id("bos_token"));
        Ok(LmTokenizer {
            text,
            bos,
            eos,
            add_bos: false,
            chat_template: tok_config["chat_template"].as_str().map(str::to_string),
        })
    }

    /// Ids of a prompt: special-token strings in it are matched, BOS is prepended when the
    /// model wants it.
    pub fn encode_prompt(&self, text: &str) -> Result<Vec<u32>> {
        let mut ids = self.text.encode(text)?;
        if let (true, Some(bos)) = (self.add_bos, self.bos) {
            if ids.first() != Some(&bos) {
                ids.insert(0, bos);
            }
        }
        Ok(ids)
    }

    /// Ids of a continuation: no BOS, no post-processing.
    pub fn encode_continuation(&self, text: &str) -> Result<Vec<u32>> {
        let enc = self
            .text
            .inner()
            .encode(text, false)
            .map_err(|e| Error::new(format!("encode: {e}")))?;
        Ok(enc.get_ids().to_vec())
    }

    /// Text of ids, special tokens left out.
    pub fn decode(&self, ids: &[u32]) -> Result<String> {
        self.text.decode(ids)
    }

    pub fn is_eos(&self, id: u32) -> bool {
        self.eos.contains(&id)
    }
}

fn read_json_if_present(path: &Path) -> Result<serde_json::Value> {
    if !path.is_file() {
        return Ok(serde_json::Value::Null);
    }
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::io(shown.clone(), format!("lm: cannot read {shown}: {e}")))?;
    serde_json::from_str(&text)
        .map_err(|e| Error::io(shown.clone(), format!("lm: {shown} is not valid JSON: {e}")))
}

pub(crate) fn read_json(path: &Path) -> Result<serde_json::Value> {
    if !path.is_file() {
        let shown = path.display().to_string();
        return Err(Error::io(shown.clone(), format!("lm: {shown} is missing")));
    }
    read_json_if_present(path)
}
