//! Sentence embeddings from a pretrained encoder: `Encoder` pairs the model (nn/pretrained.rs)
//! with its tokenizer. Its Rhai functions are in `bindings/encoder.rs`.

use super::tokenizer::{EncodeOptions, Padding, Tokenizer};
use crate::error::{Error, Result};
use crate::nn::pretrained::{self, Frozen, Source};
use candle_core::{DType, Device};
use ladder_scripting::{MimeBundle, Render};
use std::sync::Arc;

crate::type_names! {
    Encoder => "Encoder",
}

/// A pretrained encoder with its tokenizer: texts → pooled, L2-normalised embeddings.
#[derive(Clone)]
pub struct Encoder {
    pub source: Arc<Source>,
    pub tokenizer: Tokenizer,
    frozen: Arc<Frozen>,
    /// Where the encoder runs and its embeddings are put.
    device: Device,
}

impl Encoder {
    /// The model in `path`, or the installed all-MiniLM-L6-v2.
    pub fn open(path: Option<&str>) -> Result<Encoder> {
        let dir = pretrained::locate(path)?;
        let source = Source::open(&dir)?;
        let tokenizer = Tokenizer::load(&dir.to_string_lossy())?;
        let pad = source.config.pad_token_id as u32;
        if tokenizer.pad_id() != pad {
            return Err(Error::new(format!(
                "encoder: {} pads with id {} but config.json says pad_token_id {pad}",
                dir.join("tokenizer.json").display(),
                tokenizer.pad_id()
            )));
        }
        Ok(Encoder {
            frozen: source.frozen(&Device::Cpu)?,
            source,
            tokenizer,
            device: Device::Cpu,
        })
    }

    /// The same encoder running on `device` (its weights copied there once per device).
    pub fn to_device(&self, device: &Device) -> Result<Encoder> {
        Ok(Encoder {
            frozen: self.source.frozen(device)?,
            source: self.source.clone(),
            tokenizer: self.tokenizer.clone(),
            device: device.clone(),
        })
    }

    pub fn device(&self) -> &Device {
        &self.device
    }

    /// Token rows of texts (special tokens added, cut to `max_len`, no padding).
    pub fn token_rows<S: AsRef<str>>(&self, texts: &[S], max_len: usize) -> Result<Vec<Vec<u32>>> {
        let e = self.tokenizer.encode_with(
            texts,
            &EncodeOptions {
                max_len,
                padding: Padding::Longest,
                truncation: true,
            },
        )?;
        Ok(e.ids
            .chunks(e.cols.max(1))
            .zip(e.mask.chunks(e.cols.max(1)))
            .take(e.rows)
            .map(|(ids, mask)| {
                ids.iter()
                    .zip(mask)
                    .filter(|(_, &m)| m == 1)
                    .map(|(&i, _)| i)
                    .collect()
            })
            .collect())
    }

    /// Embeddings (texts × dim): masked mean pooling, then L2 normalisation when asked
    /// (sentence-transformers' pipeline for all-MiniLM-L6-v2 normalises).
    pub fn embed<S: AsRef<str>>(
        &self,
        texts: &[S],
        normalize: bool,
        max_len: usize,
    ) -> Result<candle_core::Tensor> {
        self.embed_batched(texts, normalize, max_len, pretrained::EVAL_BATCH)
    }

    /// [`Encoder::embed`] with `batch` texts per encoder pass (texts are sorted by length first).
    pub fn embed_batched<S: AsRef<str>>(
        &self,
        texts: &[S],
        normalize: bool,
        max_len: usize,
        batch: usize,
    ) -> Result<candle_core::Tensor> {
        let rows = self.token_rows(texts, max_len)?;
        self.embed_rows(&rows, normalize, batch)
    }

    /// Embeddings of rows of token ids (a tokenised data set's features), each row cut to its
    /// first `max_len` ids (pads left out), `batch` rows per encoder pass.
    pub fn embed_ids(
        &self,
        x: &candle_core::Tensor,
        normalize: bool,
        max_len: usize,
        batch: usize,
    ) -> Result<candle_core::Tensor> {
        let rows = pretrained::token_rows(x, &self.source, max_len)?;
        self.embed_rows(&rows, normalize, batch)
    }

    fn embed_rows(
        &self,
        rows: &[Vec<u32>],
        normalize: bool,
        batch: usize,
    ) -> Result<candle_core::Tensor> {
        if rows.is_empty() {
            return Ok(candle_core::Tensor::zeros(
                (0, self.source.config.hidden_size),
                DType::F32,
                &self.device,
            )?);
        }
        let dims = [rows.len(), self.source.config.hidden_size];
        crate::tensor::budget::check_f32("embed", &dims)?;
        let pooled = self.frozen.pooled(rows, &self.device, false, batch)?;
        if normalize {
            pretrained::l2_normalize(&pooled)
        } else {
            Ok(pooled)
        }
    }

    pub fn describe(&self) -> String {
        let c = &self.source.config;
        let on = match &self.device {
            Device::Cpu => String::new(),
            d => format!(" on {}", crate::tensor::device::device_name(d)),
        };
        format!(
            "Encoder {} (BERT, {} layers, {} dims, {:.1}M parameters, max_len {}){on} from {}",
            self.source.name,
            c.num_hidden_layers,
            c.hidden_size,
            self.source.num_parameters() as f64 / 1e6,
            self.source.max_seq_length,
            self.source.dir.display()
        )
    }
}

impl Render for Encoder {
    fn mime_bundle(&self) -> MimeBundle {
        MimeBundle::text(self.describe())
    }
}

/// Cosine similarity: two vectors → a number; (n × d) and (m × d) → an (n × m) matrix.
pub fn cosine(a: &candle_core::Tensor, b: &candle_core::Tensor) -> Result<candle_core::Tensor> {
    let as_rows = |t: &candle_core::Tensor, name: &str| -> Result<candle_core::Tensor> {
        let t = t.to_dtype(DType::F32)?;
        match t.rank() {
            1 => Ok(t.unsqueeze(0)?),
            2 => Ok(t),
            _ => Err(Error::shape(format!(
                "cosine: {name} must be a vector or a matrix of row vectors, got shape {:?}",
                t.dims()
            ))),
        }
    };
    let (x, y) = (as_rows(a, "a")?, as_rows(b, "b")?);
    if x.dims()[1] != y.dims()[1] {
        return Err(Error::shape(format!(
            "cosine: the vectors have different lengths ({} and {})",
            x.dims()[1],
            y.dims()[1]
        )));
    }
    let (x, y) = (pretrained::l2_normalize(&x)?, pretrained::l2_normalize(&y)?);
    let y = y.to_device(x.device())?;
    Ok(x.matmul(&y.t()?)?)
}
