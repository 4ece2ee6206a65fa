//! A GGUF Llama (SmolLM2, TinyLlama, Llama 3, ...) or Qwen2 (Qwen2, Qwen2.5) on Ladder's own
//! inference pass, so that Q4_1 and Q8_0 weights run on Ladder's kernels (`kernels::quantised`,
//! llama.cpp's arithmetic on every core) and attention on `kernels::cached_attention`; other
//! weight types go through candle's `QMatMul`.
//! The same computation as candle-transformers' quantised Llama and Qwen2 (RMSNorm, rotary
//! embeddings, interleaved for a Llama, whose Q and K rows llama.cpp stores permuted, in halves
//! for Qwen2, whose q/k/v projections have biases; grouped-query attention with a KV cache;
//! SwiGLU), on plain rows of f32: a decoding step is hundreds of tiny operations, and candle's
//! per-op overhead had been a third of it.

use super::CausalLm;
use crate::error::{Error, Result};
use crate::kernels::cached_attention::{attend, Heads, Rotary, RotaryPairs};
use crate::kernels::quantised::{products, Format, QuantMatrix};
use crate::kernels::rms_norm;
use candle_core::quantized::gguf_file::Content;
use candle_core::quantized::{GgmlDType, QMatMul, QTensor};
use candle_core::{Device, Module, Tensor};
use std::io::{Read, Seek};
use std::sync::Arc;

/// A projection: Q4_1 and Q8_0 on Ladder's kernels, any other type on candle's.
enum Linear {
    Own(QuantMatrix),
    Candle(QMatMul),
}

impl Linear {
    fn new(q: QTensor, name: &str) -> Result<Linear> {
        let (rows, cols) = q.shape().dims2()?;
        let format = match q.dtype() {
            GgmlDType::Q4_1 => Some(Format::Q4_1),
            GgmlDType::Q8_0 => Some(Format::Q8_0),
            _ => None,
        };
        if let Some(format) = format {
            let data = q.data()?.into_owned();
            return Ok(Linear::Own(QuantMatrix::new(
                format, rows, cols, data, name,
            )?));
        }
        Ok(Linear::Candle(QMatMul::from_qtensor(q)?))
    }

    /// x (rows × inputs) · Wᵀ for each projection, rows × outputs each. Projections of one
    /// input on Ladder's kernels share its quantised copy and one pass over the cores.
    fn apply(ps: &[&Linear], x: &[f32], rows: usize) -> Result<Vec<Vec<f32>>> {
        let own: Vec<&QuantMatrix> = ps
            .iter()
            .filter_map(|p| match p {
                Linear::Own(m) => Some(m),
                Linear::Candle(_) => None,
            })
            .collect();
        if own.len() == ps.len() {
            return Ok(products(&own, x, rows));
        }
        ps.iter()
            .map(|p| match p {
                Linear::Own(m) => Ok(m.product(x, rows)),
                Linear::Candle(w) => {
                    let t = Tensor::from_slice(x, (rows, x.len() / rows), &Device::Cpu)?;
                    Ok(w.forward(&t)?.flatten_all()?.to_vec1::<f32>()?)
                }
            })
            .collect()
    }

    fn apply_one(&self, x: &[f32], rows: usize) -> Result<Vec<f32>> {
        Ok(Linear::apply(&[self], x, rows)?.remove(0))
    }
}

/// Every core unless the user pinned a count: decoding one token is a chain of small products
/// that only keep up with llama.cpp when all of them use all cores (`auto` would give them one).
fn threads() -> usize {
    match crate::threads::setting() {
        0 => crate::threads::cores(),
        n => n,
    }
}

struct Layer {
    attn_norm: Vec<f32>,
    q: Linear,
    k: Linear,
    v: Linear,
    /// Qwen2's q, k and v biases.
    qkv_bias: Option<[Vec<f32>; 3]>,
    o: Linear,
    ffn_norm: Vec<f32>,
    gate: Linear,
    up: Linear,
    down: Linear,
}

struct Weights {
    /// vocab × hidden.
    embed: Vec<f32>,
    hidden: usize,
    vocab: usize,
    layers: Vec<Layer>,
    norm: Vec<f32>,
    head: Linear,
    shape: Heads,
    rope_base: f32,
    pairs: RotaryPairs,
    eps: f32,
}

/// One batch row's cached keys and values in one layer (positions × kv heads · head dim).
#[derive(Clone, Default)]
struct Cached {
    keys: Vec<f32>,
    values: Vec<f32>,
}

pub struct GgufLlama {
    weights: Arc<Weights>,
    /// Per layer, per batch row.
    cache: Vec<Vec<Cached>>,
    /// Positions in the cache.
    cached: usize,
}

/// Whether our pass runs a file of this architecture: Llama (not mixtures of experts, which
/// stay with candle's model) and Qwen2.
pub fn runs(arch: &str, content: &Content) -> bool {
    let experts = content
        .metadata
        .get(&format!("{arch}.expert_count"))
        .and_then(|v| v.to_u32().ok())
        .unwrap_or(0);
    matches!(arch, "llama" | "qwen2") && experts <= 1
}

impl GgufLlama {
    /// A file whose `general.architecture` is `arch` ("llama" or "qwen2").
    pub fn from_gguf<R: Read + Seek>(
        arch: &str,
        content: &Content,
        reader: &mut R,
        device: &Device,
    ) -> Result<GgufLlama> {
        let uint = |k: &str| -> Result<usize> {
            let k = format!("{arch}.{k}");
            let v = content
                .metadata
                .get(&k)
                .ok_or_else(|| Error::data(format!("lm: the file has no {k}")))?;
            Ok(v.to_u32()? as usize)
        };
        let float = |k: &str, default: f32| {
            content
                .metadata
                .get(&format!("{arch}.{k}"))
                .and_then(|v| v.to_f32().ok())
                .unwrap_or(default)
        };
        let heads = uint("attention.head_count")?;
        let kv_heads = uint("attention.head_count_kv")?;
        let hidden = uint("embedding_length")?;
        let layers = uint("block_count")?;
        let dim = hidden / heads.max(1);
        let rope_dim = uint("rope.dimension_count").unwrap_or(dim);
        if heads == 0 || kv_heads == 0 || heads % kv_heads != 0 || rope_dim != dim || dim % 2 != 0 {
            return Err(Error::data(format!(
                "lm: {heads} attention heads, {kv_heads} key/value heads, {hidden} hidden units and rotary dimension {rope_dim}: Ladder runs {arch} models whose heads divide evenly and rotate whole"
            )));
        }
        let tensor =
            |name: &str, r: &mut R| -> Result<QTensor> { Ok(content.tensor(r, name, device)?) };
        let linear = |name: &str, r: &mut R| Linear::new(tensor(name, r)?, name);
        let vector = |name: &str, r: &mut R| -> Result<Vec<f32>> {
            Ok(tensor(name, r)?
                .dequantize(device)?
                .flatten_all()?
                .to_vec1::<f32>()?)
        };
        let embed_q = tensor("token_embd.weight", reader)?;
        let (vocab, embed_cols) = embed_q.shape().dims2()?;
        if embed_cols != hidden {
            return Err(Error::data(format!(
                "lm: token_embd.weight has {embed_cols} columns, not the {hidden} of {arch}.embedding_length"
            )));
        }
        let embed = embed_q
            .dequantize(device)?
            .flatten_all()?
            .to_vec1::<f32>()?;
        let norm = vector("output_norm.weight", reader)?;
        let head = if content.tensor_infos.contains_key("output.weight") {
            linear("output.weight", reader)?
        } else {
            Linear::new(embed_q, "token_embd.weight")?
        };
        let mut blocks = Vec::with_capacity(layers);
        for i in 0..layers {
            let p = |s: &str| format!("blk.{i}.{s}.weight");
            let bias = |s: &str| format!("blk.{i}.{s}.bias");
            let qkv_bias = if content.tensor_infos.contains_key(&bias("attn_q")) {
                Some([
                    vector(&bias("attn_q"), reader)?,
                    vector(&bias("attn_k"), reader)?,
                    vector(&bias("attn_v"), reader)?,
                ])
            } else {
                None
            };
            blocks.push(Layer {
                attn_norm: vector(&p("attn_norm"), reader)?,
                q: linear(&p("attn_q"), reader)?,
                k: linear(&p("attn_k"), reader)?,
                v: linear(&p("attn_v"), reader)?,
                qkv_bias,
                o: linear(&p("attn_output"), reader)?,
                ffn_norm: vector(&p("ffn_norm"), reader)?,
                gate: linear(&p("ffn_gate"), reader)?,
                up: linear(&p("ffn_up"), reader)?,
                down: linear(&p("ffn_down"), reader)?,
            });
        }
        Ok(GgufLlama {
            weights: Arc::new(Weights {
                embed,
                hidden,
                vocab,
                layers: blocks,
                norm,
                head,
                shape: Heads {
                    heads,
                    kv_heads,
                    dim,
                },
                rope_base: float("rope.freq_base", 10_000.0),
                pairs: match arch {
                    "llama" => RotaryPairs::Interleaved,
                    _ => RotaryPairs::Halves,
                },
                eps: float("attention.layer_norm_rms_epsilon", 1e-5),
            }),
            cache: (0..layers).map(|_| Vec::new()).collect(),
            cached: 0,
        })
    }

    /// The forward pass on the current rayon pool: logits (batch × vocab) after the last
    /// position of each row.
    fn forward_here(&mut self, ids: &[u32], batch: usize, offset: usize) -> Result<Vec<f32>> {
        let w = self.weights.clone();
        let len = ids.len() / batch;
        let cached_batch = self.cache.first().map_or(0, |c| c.len());
        if offset == 0 {
            self.reset();
        } else if offset != self.cached || cached_batch != batch {
            return Err(Error::shape(format!(
                "lm: a forward pass at position {offset} (batch of {batch}) after {} cached positions (batch of {cached_batch})",
                self.cached
            )));
        }
        let Heads {
            heads,
            kv_heads,
            dim,
        } = w.shape;
        let mut x = Vec::with_capacity(ids.len() * w.hidden);
        for &id in ids {
            let id = id as usize;
            if id >= w.vocab {
                return Err(Error::data(format!(
                    "lm: token id {id} is outside the vocabulary of {}",
                    w.vocab
                )));
            }
            x.extend_from_slice(&w.embed[id * w.hidden..(id + 1) * w.hidden]);
        }
        let rows = ids.len();
        let rotary = Rotary::new(offset, len, dim, w.rope_base, w.pairs);
        for (layer, cache) in w.layers.iter().zip(self.cache.iter_mut()) {
            cache.resize_with(batch, Cached::default);
            let h = rms_norm::rows(&x, &layer.attn_norm, w.eps);
            let mut qkv = Linear::apply(&[&layer.q, &layer.k, &layer.v], &h, rows)?;
            let (v, mut k, mut q) = (qkv.pop(), qkv.pop(), qkv.pop());
            let (q, k, mut v) = match (q.as_mut(), k.as_mut(), v) {
                (Some(q), Some(k), Some(v)) => (q, k, v),
                _ => unreachable!("three projections give three outputs"),
            };
            if let Some([qb, kb, vb]) = &layer.qkv_bias {
                add_rows(q, qb);
                add_rows(k, kb);
                add_rows(&mut v, vb);
            }
            let mut attended = vec![0f32; rows * heads * dim];
            for r in 0..batch {
                let (qr, kr) = (
                    &mut q[r * len * heads * dim..(r + 1) * len * heads * dim],
                    &mut k[r * len * kv_heads * dim..(r + 1) * len * kv_heads * dim],
                );
                rotary.apply(qr, heads);
                rotary.apply(kr, kv_heads);
                let c = &mut cache[r];
                c.keys.extend_from_slice(kr);
                c.values.extend_from_slice(
                    &v[r * len * kv_heads * dim..(r + 1) * len * kv_heads * dim],
                );
                let out = &mut attended[r * len * heads * dim..(r + 1) * len * heads * dim];
                attend(qr, &c.keys, &c.values, w.shape, offset, out);
            }
            add(&mut x, &layer.o.apply_one(&attended, rows)?);
            let h = rms_norm::rows(&x, &layer.ffn_norm, w.eps);
            let mut gu = Linear::apply(&[&layer.gate, &layer.up], &h, rows)?;
            let up = gu.pop().unwrap_or_default();
            let mut a = gu.pop().unwrap_or_default();
            // The standard library's exp, not the fused SwiGLU's faster one: a last-bit change
            // here moves SmolLM2's near-ties away from llama.cpp's choices.
            a.iter_mut()
                .zip(&up)
                .for_each(|(g, u)| *g = *g / (1.0 + (-*g).exp()) * u);
            add(&mut x, &layer.down.apply_one(&a, rows)?);
        }
        self.cached = offset + len;
        let last: Vec<f32> = (0..batch)
            .flat_map(|r| x[((r + 1) * len - 1) * w.hidden..(r + 1) * len * w.hidden].to_vec())
            .collect();
        w.head
            .apply_one(&rms_norm::rows(&last, &w.norm, w.eps), batch)
    }
}

fn add(x: &mut [f32], y: &[f32]) {
    x.iter_mut().zip(y).for_each(|(a, b)| *a += b);
}

/// `bias` added to every row of x.
fn add_rows(x: &mut [f32], bias: &[f32]) {
    x.chunks_mut(bias.len()).for_each(|row| add(row, bias));
}

impl CausalLm for GgufLlama {
    fn forward(&mut self, tokens: &Tensor, offset: usize) -> Result<Tensor> {
        let (batch, len) = tokens.dims2()?;
        if len == 0 || batch == 0 {
            return Err(Error::shape(
                "lm: a forward pass needs at least one row of at least one token",
            ));
        }
        let ids = tokens.flatten_all()?.to_vec1::<u32>()?;
        let logits =
            crate::threads::with_threads(threads(), || self.forward_here(&ids, batch, offset))?;
        let vocab = logits.len() / batch;
        Ok(Tensor::from_vec(logits, (batch, vocab), tokens.device())?)
    }

    fn reset(&mut self) {
        self.cache.iter_mut().for_each(|c| c.clear());
        self.cached = 0;
    }

    fn fork(&self) -> Option<Box<dyn CausalLm>> {
        Some(Box::new(GgufLlama {
            weights: self.weights.clone(),
            cache: self.cache.clone(),
            cached: self.cached,
        }))
    }
}
