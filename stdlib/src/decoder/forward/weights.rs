//! Decoder weights in f32, from a Hugging Face folder (`model.safetensors`, or the shards a
//! `model.safetensors.index.json` names; f32, bf16 or f16) or a GGUF file (dequantised).
//!
//! Projections are kept transposed, (inputs × outputs) and contiguous, the layout the fused
//! dense kernel multiplies fastest; the originals are dropped as each is converted.

use super::config::{DecoderConfig, Family};
use crate::error::{Error, Result};
use candle_core::quantized::gguf_file::Content;
use candle_core::{DType, Device, Tensor};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// One projection: y = x · wt (+ b).
#[derive(Clone, Debug)]
pub struct Proj {
    pub wt: Tensor,
    pub b: Option<Tensor>,
}

impl Proj {
    pub fn inputs(&self) -> usize {
        self.wt.dims()[0]
    }
    pub fn outputs(&self) -> usize {
        self.wt.dims()[1]
    }
}

#[derive(Clone, Debug)]
pub struct LayerWeights {
    pub attn_norm: Tensor,
    /// q, k, v, o, gate, up, down: in [`super::Target::ALL`]'s order.
    pub proj: [Proj; 7],
    pub mlp_norm: Tensor,
}

#[derive(Clone, Debug)]
pub struct Weights {
    pub embed: Tensor,
    pub layers: Vec<LayerWeights>,
    pub norm: Tensor,
    /// `lm_head.weight` (vocab × hidden), or `None` when tied to the embedding.
    pub head: Option<Tensor>,
}

/// HF names (after "model.layers.N.") of the seven projections, in `Target::ALL`'s order.
pub const PROJ_NAMES: [&str; 7] = [
    "self_attn.q_proj",
    "self_attn.k_proj",
    "self_attn.v_proj",
    "self_attn.o_proj",
    "mlp.gate_proj",
    "mlp.up_proj",
    "mlp.down_proj",
];

/// The GGUF names of the same projections.
const GGUF_PROJ: [&str; 7] = [
    "attn_q",
    "attn_k",
    "attn_v",
    "attn_output",
    "ffn_gate",
    "ffn_up",
    "ffn_down",
];

fn io_error(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::io(
        path.display().to_string(),
        format!("cannot read {}: {e}", path.display()),
    )
}

/// The safetensors files of a folder: the shards of an index, else `model.safetensors`.
fn safetensors_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let index = dir.join("model.safetensors.index.json");
    if index.is_file() {
        let text = std::fs::read_to_string(&index).map_err(|e| io_error(&index, e))?;
        let v: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| Error::data(format!("{} is not valid JSON: {e}", index.display())))?;
        let map = v["weight_map"]
            .as_object()
            .ok_or_else(|| Error::data(format!("{} has no \"weight_map\"", index.display())))?;
        let mut files: Vec<PathBuf> = map
            .values()
            .filter_map(|f| f.as_str())
            .map(|f| dir.join(f))
            .collect();
        files.sort();
        files.dedup();
        return Ok(files);
    }
    let single = dir.join("model.safetensors");
    if !single.is_file() {
        return Err(Error::io(
            single.display().to_string(),
            format!(
                "{} has no model.safetensors (nor model.safetensors.index.json)",
                dir.display()
            ),
        ));
    }
    Ok(vec![single])
}

/// Every tensor of a Hugging Face folder, by name, as read (any dtype).
pub fn read_folder(dir: &Path) -> Result<HashMap<String, Tensor>> {
    let mut all = HashMap::new();
    for file in safetensors_files(dir)? {
        all.extend(read_safetensors(&file)?);
    }
    Ok(all)
}

/// The tensors of one safetensors file, read one at a time (candle's `load` holds the whole
/// file and every tensor at once: twice the model at the peak).
fn read_safetensors(path: &Path) -> Result<HashMap<String, Tensor>> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = std::fs::File::open(path).map_err(|e| io_error(path, e))?;
    let mut len = [0u8; 8];
    f.read_exact(&mut len).map_err(|e| io_error(path, e))?;
    let n = u64::from_le_bytes(len);
    if n > 100 << 20 {
        return Err(Error::data(format!(
            "{}: not a safetensors file (header of {n} bytes)",
            path.display()
        )));
    }
    let mut header = vec![0u8; n as usize];
    f.read_exact(&mut header).map_err(|e| io_error(path, e))?;
    let v: serde_json::Value = serde_json::from_slice(&header)
        .map_err(|e| Error::data(format!("{}: not a safetensors header: {e}", path.display())))?;
    let entries = v
        .as_object()
        .ok_or_else(|| Error::data(format!("{}: not a safetensors header", path.display())))?;
    let mut out = HashMap::new();
    for (name, info) in entries.iter().filter(|(k, _)| *k != "__metadata__") {
        let bad = || {
            Error::data(format!(
                "{}: tensor \"{name}\" is malformed",
                path.display()
            ))
        };
        let dtype = match info["dtype"].as_str() {
            Some("F32") => DType::F32,
            Some("BF16") => DType::BF16,
            Some("F16") => DType::F16,
            Some("F64") => DType::F64,
            other => {
                return Err(Error::data(format!(
                    "{}: tensor \"{name}\" has dtype {other:?} (Ladder reads F32, BF16, F16, F64)",
                    path.display()
                )))
            }
        };
        let shape: Vec<usize> = info["shape"]
            .as_array()
            .ok_or_else(bad)?
            .iter()
            .map(|d| d.as_u64().map(|d| d as usize).ok_or_else(bad))
            .collect::<Result<_>>()?;
        let offsets = info["data_offsets"].as_array().ok_or_else(bad)?;
        let (start, end) = (
            offsets.first().and_then(|o| o.as_u64()).ok_or_else(bad)?,
            offsets.get(1).and_then(|o| o.as_u64()).ok_or_else(bad)?,
        );
        let bytes = end.checked_sub(start).ok_or_else(bad)? as usize;
        if bytes != shape.iter().product::<usize>() * dtype.size_in_bytes() {
            return Err(bad());
        }
        crate::tensor::budget::check(
            &format!("reading {name} of {}", path.display()),
            &shape,
            DType::F32,
        )?;
        let mut buf = vec![0u8; bytes];
        f.seek(SeekFrom::Start(8 + n + start))
            .and_then(|_| f.read_exact(&mut buf))
            .map_err(|e| io_error(path, e))?;
        let t = Tensor::from_raw_buffer(&buf, dtype, &shape, &Device::Cpu)?.to_dtype(DType::F32)?;
        out.insert(name.clone(), t);
    }
    Ok(out)
}

/// Every tensor of a GGUF file under its Hugging Face name, dequantised to f32; a Llama
/// file's Q/K rows are put back in Hugging Face's order (llama.cpp's converter permutes them
/// for its interleaved rotary embedding).
pub fn read_gguf(path: &Path) -> Result<(DecoderConfig, HashMap<String, Tensor>)> {
    let mut file = std::fs::File::open(path).map_err(|e| io_error(path, e))?;
    let content = Content::read(&mut file).map_err(|e| io_error(path, Error::from(e)))?;
    let config = DecoderConfig::from_gguf(&content, path)?;
    let mut out = HashMap::new();
    let mut get = |gguf: &str, hf: String, permute_heads: Option<usize>| -> Result<()> {
        if !content.tensor_infos.contains_key(gguf) {
            return Ok(());
        }
        let info = &content.tensor_infos[gguf];
        crate::tensor::budget::check_f32(
            &format!("dequantising {gguf} of {}", path.display()),
            info.shape.dims(),
        )?;
        let q = content
            .tensor(&mut file, gguf, &Device::Cpu)
            .map_err(|e| io_error(path, Error::from(e)))?;
        let mut t = q.dequantize(&Device::Cpu)?;
        if let Some(heads) = permute_heads {
            t = unpermute(&t, heads)?;
        }
        out.insert(hf, t);
        Ok(())
    };
    get(
        "token_embd.weight",
        "model.embed_tokens.weight".into(),
        None,
    )?;
    get("output_norm.weight", "model.norm.weight".into(), None)?;
    get("output.weight", "lm_head.weight".into(), None)?;
    let llama = config.family == Family::Llama;
    let config = &config;
    for i in 0..config.layers {
        let layer = format!("model.layers.{i}");
        get(
            &format!("blk.{i}.attn_norm.weight"),
            format!("{layer}.input_layernorm.weight"),
            None,
        )?;
        get(
            &format!("blk.{i}.ffn_norm.weight"),
            format!("{layer}.post_attention_layernorm.weight"),
            None,
        )?;
        for (j, (g, hf)) in GGUF_PROJ.iter().zip(PROJ_NAMES).enumerate() {
            let heads = match j {
                0 if llama => Some(config.heads),
                1 if llama => Some(config.kv_heads),
                _ => None,
            };
            get(
                &format!("blk.{i}.{g}.weight"),
                format!("{layer}.{hf}.weight"),
                heads,
            )?;
            get(
                &format!("blk.{i}.{g}.bias"),
                format!("{layer}.{hf}.bias"),
                heads,
            )?;
        }
    }
    Ok((config.clone(), out))
}

/// Undo llama.cpp's `permute(w, heads)`: rows (heads, 2, half) were stored as (heads, half, 2).
pub fn unpermute(w: &Tensor, heads: usize) -> Result<Tensor> {
    let dims = w.dims().to_vec();
    let rows = dims[0];
    let half = rows / heads / 2;
    let rest: usize = dims[1..].iter().product();
    Ok(w.reshape((heads, half, 2, rest))?
        .transpose(1, 2)?
        .contiguous()?
        .reshape(dims)?)
}

impl Weights {
    /// Take the decoder's tensors out of `all` (Hugging Face names), checking their shapes.
    pub fn from_named(
        mut all: HashMap<String, Tensor>,
        c: &DecoderConfig,
        source: &Path,
    ) -> Result<Weights> {
        let has_head = all.contains_key("lm_head.weight");
        let mut take = |name: &str, shape: &[usize]| -> Result<Tensor> {
            let t = all.remove(name).ok_or_else(|| {
                Error::data(format!(
                    "{} has no tensor \"{name}\" (its configuration describes {} layers)",
                    source.display(),
                    c.layers
                ))
            })?;
            if t.dims() != shape {
                return Err(Error::shape(format!(
                    "{}: tensor \"{name}\" has shape {:?} where the configuration needs {shape:?}",
                    source.display(),
                    t.dims()
                )));
            }
            Ok(t.to_dtype(DType::F32)?)
        };
        let (h, q, kv, m) = (
            c.hidden,
            c.heads * c.head_dim,
            c.kv_heads * c.head_dim,
            c.intermediate,
        );
        let embed = take("model.embed_tokens.weight", &[c.vocab, h])?;
        let mut layers = Vec::with_capacity(c.layers);
        for i in 0..c.layers {
            let p = format!("model.layers.{i}");
            let shapes = [(q, h), (kv, h), (kv, h), (h, q), (m, h), (m, h), (h, m)];
            let mut proj = Vec::with_capacity(7);
            for (j, (name, (out, inp))) in PROJ_NAMES.iter().zip(shapes).enumerate() {
                let w = take(&format!("{p}.{name}.weight"), &[out, inp])?;
                let b = if c.qkv_bias && j < 3 {
                    Some(take(&format!("{p}.{name}.bias"), &[out])?)
                } else {
                    None
                };
                proj.push(Proj {
                    wt: w.t()?.contiguous()?,
                    b,
                });
            }
            layers.push(LayerWeights {
                attn_norm: take(&format!("{p}.input_layernorm.weight"), &[h])?,
                proj: proj
                    .try_into()
                    .map_err(|_| Error::new("seven projections"))?,
                mlp_norm: take(&format!("{p}.post_attention_layernorm.weight"), &[h])?,
            });
        }
        let norm = take("model.norm.weight", &[h])?;
        let head = if c.tied && !has_head {
            None
        } else {
            Some(take("lm_head.weight", &[c.vocab, h])?)
        };
        Ok(Weights {
            embed,
            layers,
            norm,
            head,
        })
    }
}
