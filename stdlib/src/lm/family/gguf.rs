//! GGUF files: Llama and Qwen2 on Ladder's own inference pass (`gguf_llama`, CPU), Qwen3, Llama
//! mixtures of experts, and every architecture on other devices (CUDA) on candle-transformers'
//! quantised models; on the file's own quantisation or dequantised to f32 (the reference path).

use super::gguf_llama::{self, GgufLlama};
use super::{last_logits, CausalLm, GGUF_ARCHITECTURES};
use crate::error::{Error, Result};
use crate::lm::metadata::Metadata;
use candle_core::quantized::gguf_file::{self, Content};
use candle_core::quantized::{GgmlDType, QTensor};
use candle_core::{Device, Tensor};
use candle_transformers::models::{quantized_llama, quantized_qwen2, quantized_qwen3};
use std::io::{Cursor, Read, Seek};

/// Quantisations candle reads (and so Ladder).
pub const QUANTISATIONS: &str =
    "F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, Q8_K";

/// The files our pass does not run: Qwen3, Llama mixtures of experts, and every file on a
/// device other than the CPU.
enum Weights {
    Llama(quantized_llama::ModelWeights),
    Qwen2(quantized_qwen2::ModelWeights),
    Qwen3(quantized_qwen3::ModelWeights),
}

pub struct GgufLm {
    weights: Weights,
}

impl CausalLm for GgufLm {
    fn forward(&mut self, tokens: &Tensor, offset: usize) -> Result<Tensor> {
        let logits = match &mut self.weights {
            Weights::Llama(m) => m.forward(tokens, offset)?,
            Weights::Qwen2(m) => m.forward(tokens, offset)?,
            Weights::Qwen3(m) => m.forward(tokens, offset)?,
        };
        last_logits(logits)
    }

    fn reset(&mut self) {
        match &mut self.weights {
            Weights::Llama(m) => m.clear_kv_cache(),
            Weights::Qwen2(m) => m.clear_kv_cache(),
            Weights::Qwen3(m) => m.clear_kv_cache(),
        }
    }

    // Quantised Llama's cache grows by concatenation; Qwen3's CPU cache is written in place,
    // and candle's quantised Qwen2 cannot be copied.
    fn fork(&self) -> Option<Box<dyn CausalLm>> {
        match &self.weights {
            Weights::Llama(m) => Some(Box::new(GgufLm {
                weights: Weights::Llama(m.clone()),
            })),
            Weights::Qwen2(_) | Weights::Qwen3(_) => None,
        }
    }
}

/// The architecture named in the header, if Ladder loads it.
pub fn architecture(meta: &Metadata) -> Result<String> {
    let arch = meta.string("general.architecture")?;
    if !GGUF_ARCHITECTURES.contains(&arch.as_str()) {
        return Err(Error::data(format!(
            "lm: {} is a \"{arch}\" model; Ladder loads GGUF architectures {}",
            meta.path.display(),
            GGUF_ARCHITECTURES.join(", ")
        )));
    }
    Ok(arch)
}

/// How the file's tensors are run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Precision {
    /// As stored.
    AsStored,
    /// Q4_1, Q5_0 and Q5_1 requantised to Q8_0, for a rounding error of at most 1/254 of a
    /// block's largest weight: candle has no SIMD kernel for them, so Qwen3 models run about 5x
    /// faster (a Llama's or Qwen2's Q4_1 already runs on Ladder's kernel).
    Fast,
    /// Every tensor dequantised to f32 (the reference path).
    F32,
}

/// Types candle's CPU kernels run without SIMD.
fn slow(t: GgmlDType) -> bool {
    matches!(t, GgmlDType::Q4_1 | GgmlDType::Q5_0 | GgmlDType::Q5_1)
}

/// Whether `Precision::Fast` changes anything in this file.
pub fn has_slow_tensors(meta: &Metadata) -> bool {
    meta.content
        .tensor_infos
        .values()
        .any(|t| slow(t.ggml_dtype))
}

/// Load the weights of a GGUF file whose header is `meta`, at the given precision.
pub fn load(meta: Metadata, precision: Precision, device: &Device) -> Result<Box<dyn CausalLm>> {
    let arch = architecture(&meta)?;
    let shown = meta.path.display().to_string();
    let mut file = std::fs::File::open(&meta.path)
        .map_err(|e| Error::io(shown.clone(), format!("lm: cannot open {shown}: {e}")))?;
    let corrupt = |e: candle_core::Error| {
        Error::io(
            shown.clone(),
            // Through the library's error: it drops the backtrace candle appends.
            format!(
                "lm: {shown} does not load as a {arch} model: {}",
                Error::from(e).message()
            ),
        )
    };
    // Our pass runs on host memory with the CPU kernels; elsewhere (and when a test asks for
    // the plain ops, to check on the CPU what a GPU runs) candle's models do.
    let own =
        gguf_llama::runs(&arch, &meta.content) && device.is_cpu() && !crate::kernels::plain_ops();
    let target = |t: GgmlDType| match precision {
        Precision::F32 => Some(GgmlDType::F32),
        Precision::Fast if slow(t) => Some(GgmlDType::Q8_0),
        _ => None,
    };
    let rewrite = meta
        .content
        .tensor_infos
        .values()
        .any(|t| target(t.ggml_dtype).is_some_and(|n| n != t.ggml_dtype));
    let build_any = |content: Content,
                     mut reader: &mut dyn ReadSeek|
     -> Result<Box<dyn CausalLm>> {
        if own {
            let m = GgufLlama::from_gguf(&arch, &content, &mut reader, device).map_err(|e| {
                Error::io(
                    shown.clone(),
                    format!("lm: {shown} does not load as a {arch} model: {e}"),
                )
            })?;
            return Ok(Box::new(m));
        }
        let weights =
            build(&arch, with_defaults(&arch, content), &mut reader, device).map_err(corrupt)?;
        Ok(Box::new(GgufLm { weights }))
    };
    if rewrite {
        let bytes = rewritten(&meta.content, &mut file, &shown, target)?;
        let mut cursor = Cursor::new(bytes);
        let content = Content::read(&mut cursor).map_err(corrupt)?;
        build_any(content, &mut cursor)
    } else {
        build_any(meta.content, &mut file)
    }
}

/// The header with what llama.cpp assumes when a key is absent and candle's models require:
/// the rotary dimension (a head's width).
fn with_defaults(arch: &str, mut content: Content) -> Content {
    let key = format!("{arch}.rope.dimension_count");
    let get = |k: &str| {
        content
            .metadata
            .get(&format!("{arch}.{k}"))
            .and_then(|v| v.to_u32().ok())
    };
    if let (None, Some(width), Some(heads)) = (
        content.metadata.get(&key),
        get("embedding_length"),
        get("attention.head_count"),
    ) {
        if let Some(head_width) = width.checked_div(heads) {
            content
                .metadata
                .insert(key, gguf_file::Value::U32(head_width));
        }
    }
    content
}

/// A reader the models can seek in (a file, or a converted file in memory).
trait ReadSeek: Read + Seek {}
impl<T: Read + Seek> ReadSeek for T {}

fn build<R: Read + Seek>(
    arch: &str,
    content: Content,
    reader: &mut R,
    device: &Device,
) -> candle_core::Result<Weights> {
    Ok(match arch {
        "llama" => Weights::Llama(quantized_llama::ModelWeights::from_gguf(
            content, reader, device,
        )?),
        "qwen2" => Weights::Qwen2(quantized_qwen2::ModelWeights::from_gguf(
            content, reader, device,
        )?),
        _ => Weights::Qwen3(quantized_qwen3::ModelWeights::from_gguf(
            content, reader, device,
        )?),
    })
}

/// The same GGUF file in memory with tensors converted where `target` names a type (metadata
/// unchanged), for candle's model code to read back.
fn rewritten<R: Read + Seek>(
    content: &Content,
    reader: &mut R,
    shown: &str,
    target: impl Fn(GgmlDType) -> Option<GgmlDType>,
) -> Result<Vec<u8>> {
    let elements: usize = content
        .tensor_infos
        .values()
        .map(|t| t.shape.elem_count())
        .sum();
    let bytes_per: usize = if content
        .tensor_infos
        .values()
        .any(|t| target(t.ggml_dtype) == Some(GgmlDType::F32))
    {
        4
    } else {
        2
    };
    // The converted tensors, the file written from them, and the model read back from it.
    crate::tensor::budget::check_f32("lm (converted GGUF)", &[3 * bytes_per / 4, elements])?;
    let mut tensors: Vec<(String, QTensor)> = Vec::with_capacity(content.tensor_infos.len());
    for name in content.tensor_infos.keys() {
        let q = content.tensor(reader, name, &Device::Cpu).map_err(|e| {
            Error::io(
                shown.to_string(),
                format!("lm: {shown}: tensor {name}: {e}"),
            )
        })?;
        let info = &content.tensor_infos[name];
        let q = match target(info.ggml_dtype) {
            Some(t) if t != info.ggml_dtype => QTensor::quantize(&q.dequantize(&Device::Cpu)?, t)?,
            _ => q,
        };
        tensors.push((name.clone(), q));
    }
    let metadata: Vec<(&str, &gguf_file::Value)> = content
        .metadata
        .iter()
        .map(|(k, v)| (k.as_str(), v))
        .collect();
    let tensor_refs: Vec<(&str, &QTensor)> = tensors.iter().map(|(n, t)| (n.as_str(), t)).collect();
    let mut out = Cursor::new(Vec::new());
    gguf_file::write(&mut out, &metadata, &tensor_refs)?;
    Ok(out.into_inner())
}
