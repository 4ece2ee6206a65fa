//! A GGUF file's header, read once: its metadata with typed getters whose errors name the
//! file and the key.

use crate::error::{Error, Result};
use candle_core::quantized::gguf_file::{Content, Value};
use std::path::{Path, PathBuf};

pub struct Metadata {
    pub path: PathBuf,
    pub content: Content,
}

impl Metadata {
    /// Read the header (metadata and tensor index, not the tensors).
    pub fn read(path: &Path) -> Result<Metadata> {
        let shown = path.display().to_string();
        let mut file = std::fs::File::open(path)
            .map_err(|e| Error::io(shown.clone(), format!("lm: cannot open {shown}: {e}")))?;
        let content = Content::read(&mut file).map_err(|e| {
            let message = crate::error::candle_message(&e);
            match unknown_type(&message) {
                Some(t) => Error::data(format!(
                    "lm: {shown} holds tensors of GGML type {t} ({}), a quantisation Ladder (candle) does not read; supported: {}",
                    ggml_type_name(t),
                    crate::lm::family::gguf::QUANTISATIONS
                )),
                None => Error::io(
                    shown.clone(),
                    format!("lm: {shown} is not a readable GGUF file: {message}"),
                ),
            }
        })?;
        Ok(Metadata {
            path: path.to_path_buf(),
            content,
        })
    }

    fn shown(&self) -> String {
        self.path.display().to_string()
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.content.metadata.get(key)
    }

    fn need(&self, key: &str) -> Result<&Value> {
        self.get(key)
            .ok_or_else(|| Error::data(format!("lm: {} has no metadata key {key}", self.shown())))
    }

    fn bad(&self, key: &str, e: impl std::fmt::Display) -> Error {
        Error::data(format!("lm: {}: metadata {key}: {e}", self.shown()))
    }

    pub fn string(&self, key: &str) -> Result<String> {
        self.need(key)?
            .to_string()
            .cloned()
            .map_err(|e| self.bad(key, e))
    }

    pub fn string_or(&self, key: &str, default: &str) -> Result<String> {
        match self.get(key) {
            None => Ok(default.to_string()),
            Some(v) => v.to_string().cloned().map_err(|e| self.bad(key, e)),
        }
    }

    pub fn strings(&self, key: &str) -> Result<Vec<String>> {
        self.need(key)?
            .to_vec()
            .map_err(|e| self.bad(key, e))?
            .iter()
            .map(|v| v.to_string().cloned().map_err(|e| self.bad(key, e)))
            .collect()
    }

    /// A float array (f32 or f64 elements).
    pub fn floats(&self, key: &str) -> Result<Vec<f32>> {
        self.need(key)?
            .to_vec()
            .map_err(|e| self.bad(key, e))?
            .iter()
            .map(|v| match v {
                Value::F32(x) => Ok(*x),
                Value::F64(x) => Ok(*x as f32),
                other => Err(self.bad(key, format!("expected a float, found {other:?}"))),
            })
            .collect()
    }

    /// An integer array; empty when the key is absent.
    pub fn ints_or_empty(&self, key: &str) -> Result<Vec<i32>> {
        let Some(v) = self.get(key) else {
            return Ok(Vec::new());
        };
        v.to_vec()
            .map_err(|e| self.bad(key, e))?
            .iter()
            .map(|v| int(v).map(|i| i as i32).map_err(|e| self.bad(key, e)))
            .collect()
    }

    /// An unsigned integer of any width, if present.
    pub fn uint(&self, key: &str) -> Result<Option<u64>> {
        self.get(key)
            .map(|v| int(v).map(|i| i as u64).map_err(|e| self.bad(key, e)))
            .transpose()
    }

    pub fn bool_or(&self, key: &str, default: bool) -> Result<bool> {
        match self.get(key) {
            None => Ok(default),
            Some(v) => v.to_bool().map_err(|e| self.bad(key, e)),
        }
    }
}

fn int(v: &Value) -> std::result::Result<i64, String> {
    Ok(match v {
        Value::U8(x) => *x as i64,
        Value::I8(x) => *x as i64,
        Value::U16(x) => *x as i64,
        Value::I16(x) => *x as i64,
        Value::U32(x) => *x as i64,
        Value::I32(x) => *x as i64,
        Value::U64(x) => *x as i64,
        Value::I64(x) => *x,
        other => return Err(format!("expected an integer, found {other:?}")),
    })
}

/// The type number in candle's "unknown dtype for tensor N".
fn unknown_type(message: &str) -> Option<u32> {
    let rest = message.split("unknown dtype for tensor ").nth(1)?;
    rest.split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

/// GGML's names for the types candle does not read (ggml.h).
fn ggml_type_name(t: u32) -> &'static str {
    match t {
        9 => "Q8_1",
        16 => "IQ2_XXS",
        17 => "IQ2_XS",
        18 => "IQ3_XXS",
        19 => "IQ1_S",
        20 => "IQ4_NL",
        21 => "IQ3_S",
        22 => "IQ2_S",
        23 => "IQ4_XS",
        24 => "I8",
        25 => "I16",
        26 => "I32",
        27 => "I64",
        28 => "F64",
        29 => "IQ1_M",
        34 => "TQ1_0",
        35 => "TQ2_0",
        39 => "MXFP4",
        _ => "unknown",
    }
}
