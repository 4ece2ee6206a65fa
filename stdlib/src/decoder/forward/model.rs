//! The decoder: embeddings, `layers` blocks of (RMSNorm, attention, RMSNorm, SwiGLU), a final
//! RMSNorm and the output projection. `train` selects differentiable compositions of basic
//! ops; otherwise candle's fused RMSNorm, rotary and softmax kernels (which carry no
//! gradients) run.

use super::config::DecoderConfig;
use super::weights::{self, Proj, Weights};
use super::{Adapters, Target};
use crate::error::{Error, Result};
use crate::kernels::dense::{linear, FusedAct};
use crate::kernels::packed_attention::{packed_attention, Geometry, Options, Rotation};
use candle_core::{DType, Device, Tensor, D};
use std::path::{Path, PathBuf};

/// Right-padded token rows: ids (rows × longest, u32) and each row's length.
#[derive(Clone, Debug)]
pub struct Batch {
    pub ids: Tensor,
    pub lengths: Vec<usize>,
}

impl Batch {
    /// Pad `rows` on the right with `pad` (any id: padded positions are never attended to).
    pub fn new(rows: &[&[u32]], pad: u32, device: &Device) -> Result<Batch> {
        let len = rows.iter().map(|r| r.len()).max().unwrap_or(0).max(1);
        let mut ids = vec![pad; rows.len() * len];
        for (i, r) in rows.iter().enumerate() {
            ids[i * len..i * len + r.len()].copy_from_slice(r);
        }
        Ok(Batch {
            ids: Tensor::from_vec(ids, (rows.len(), len), device)?,
            lengths: rows.iter().map(|r| r.len()).collect(),
        })
    }

    pub fn rows(&self) -> usize {
        self.lengths.len()
    }

    pub fn width(&self) -> usize {
        self.ids.dims()[1]
    }

    /// The attention mask: query i may see key j when j ≤ i and j is a token of the row, or
    /// j = i (so that every row of scores has a finite entry).
    fn mask(&self) -> Mask {
        let l = self.width();
        let mut key_bias = vec![0f32; self.rows() * l];
        for (r, &len) in self.lengths.iter().enumerate() {
            key_bias[r * l + len.min(l)..(r + 1) * l].fill(-1e9);
        }
        Mask {
            key_bias,
            lengths: self.lengths.clone(),
            width: l,
            full: std::cell::OnceCell::new(),
        }
    }
}

/// A batch's attention mask, as key biases (the fused CPU attention adds the causal part) and,
/// for candle's ops on other devices, as a full additive mask built on first use.
struct Mask {
    /// rows × width: 0 for a token, -1e9 for padding.
    key_bias: Vec<f32>,
    lengths: Vec<usize>,
    width: usize,
    full: std::cell::OnceCell<Tensor>,
}

impl Mask {
    /// (rows, 1, width, width), additive: -1e9 where a query may not look.
    fn full(&self, device: &Device) -> Result<&Tensor> {
        if let Some(t) = self.full.get() {
            return Ok(t);
        }
        let l = self.width;
        let mut m = vec![0f32; self.lengths.len() * l * l];
        for (r, &len) in self.lengths.iter().enumerate() {
            for i in 0..l {
                for j in 0..l {
                    if j > i || (j >= len && j != i) {
                        m[(r * l + i) * l + j] = -1e9;
                    }
                }
            }
        }
        let t = Tensor::from_vec(m, (self.lengths.len(), 1, l, l), device)?;
        Ok(self.full.get_or_init(|| t))
    }
}

/// A decoder LM with f32 weights.
pub struct Decoder {
    pub config: DecoderConfig,
    pub weights: Weights,
    /// The file or folder it was read from.
    pub source: PathBuf,
}

impl std::fmt::Debug for Decoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Decoder({})", self.source.display())
    }
}

impl Decoder {
    /// Read a Hugging Face folder (`config.json` + safetensors) or a `.gguf` file.
    pub fn open(path: &Path) -> Result<Decoder> {
        let (config, named) = if path.is_dir() {
            let config = DecoderConfig::from_json(&path.join("config.json"))?;
            (config, weights::read_folder(path)?)
        } else if path.is_file() {
            weights::read_gguf(path)?
        } else {
            return Err(Error::io(
                path.display().to_string(),
                format!(
                    "{} is neither a model folder nor a GGUF file",
                    path.display()
                ),
            ));
        };
        let weights = Weights::from_named(named, &config, path)?;
        Ok(Decoder {
            config,
            weights,
            source: path.to_path_buf(),
        })
    }

    /// Weights (embedding and output projection included).
    pub fn num_parameters(&self) -> usize {
        let w = &self.weights;
        let blocks: usize = w
            .layers
            .iter()
            .map(|l| {
                l.attn_norm.elem_count()
                    + l.mlp_norm.elem_count()
                    + l.proj
                        .iter()
                        .map(|p| p.wt.elem_count() + p.b.as_ref().map_or(0, |b| b.elem_count()))
                        .sum::<usize>()
            })
            .sum();
        w.embed.elem_count()
            + blocks
            + w.norm.elem_count()
            + w.head.as_ref().map_or(0, |h| h.elem_count())
    }

    pub fn device(&self) -> &Device {
        self.weights.embed.device()
    }

    /// The same weights on another device.
    pub fn to_device(&self, device: &Device) -> Result<Decoder> {
        let mv = |t: &Tensor| t.to_device(device);
        let proj = |p: &Proj| -> Result<Proj> {
            Ok(Proj {
                wt: mv(&p.wt)?,
                b: p.b.as_ref().map(mv).transpose()?,
            })
        };
        let w = &self.weights;
        let layers = w
            .layers
            .iter()
            .map(|l| {
                Ok(weights::LayerWeights {
                    attn_norm: mv(&l.attn_norm)?,
                    mlp_norm: mv(&l.mlp_norm)?,
                    proj: [
                        proj(&l.proj[0])?,
                        proj(&l.proj[1])?,
                        proj(&l.proj[2])?,
                        proj(&l.proj[3])?,
                        proj(&l.proj[4])?,
                        proj(&l.proj[5])?,
                        proj(&l.proj[6])?,
                    ],
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Decoder {
            config: self.config.clone(),
            weights: Weights {
                embed: mv(&w.embed)?,
                layers,
                norm: mv(&w.norm)?,
                head: w.head.as_ref().map(mv).transpose()?,
            },
            source: self.source.clone(),
        })
    }

    /// Hidden states (rows × width × hidden) after the first `layers` blocks; with all of
    /// them, after the final norm too (as transformers' last `hidden_states`).
    pub fn hidden(
        &self,
        batch: &Batch,
        layers: usize,
        adapters: Option<&dyn Adapters>,
        train: bool,
    ) -> Result<Tensor> {
        let x = self.hidden_rows(batch, layers, adapters, train)?;
        Ok(x.reshape((batch.rows(), batch.width(), self.config.hidden))?)
    }

    /// [`Decoder::hidden`] as (rows · width) × hidden, a token a row.
    pub(super) fn hidden_rows(
        &self,
        batch: &Batch,
        layers: usize,
        adapters: Option<&dyn Adapters>,
        train: bool,
    ) -> Result<Tensor> {
        let c = &self.config;
        if layers > c.layers {
            return Err(Error::options(format!(
                "layer {layers} does not exist: the model has {} layers (0 = the embeddings)",
                c.layers
            )));
        }
        let (n, l) = (batch.rows(), batch.width());
        if l > c.max_positions {
            return Err(Error::shape(format!(
                "{} tokens are more than the {} positions the model has",
                l, c.max_positions
            )));
        }
        crate::tensor::budget::check_f32("language model attention scores", &[n, c.heads, l, l])?;
        crate::tensor::budget::check_f32(
            "language model activations",
            &[n, l, c.intermediate.max(c.hidden) * 4],
        )?;
        let device = self.device();
        let flat = batch.ids.flatten_all()?;
        // The residual stream stays (tokens × hidden) through every block: a reshape is a node of
        // the autograd graph, whose gradient candle writes as zeros, then adds to.
        let mut x = self.weights.embed.index_select(&flat, 0)?;
        let mask = batch.mask();
        let rope = Rope::new(c, l, device)?;
        for i in 0..layers {
            x = self.block(i, &x, &mask, &rope, adapters, train)?;
        }
        if layers == c.layers {
            x = rms_norm(&x, &self.weights.norm, c.rms_eps, train)?;
        }
        Ok(x)
    }

    /// Next-token logits (rows × width × vocab) at every position.
    pub fn logits(
        &self,
        batch: &Batch,
        adapters: Option<&dyn Adapters>,
        train: bool,
    ) -> Result<Tensor> {
        let h = self.hidden(batch, self.config.layers, adapters, train)?;
        self.head(&h)
    }

    /// The output projection of final hidden states (any leading shape).
    pub fn head(&self, h: &Tensor) -> Result<Tensor> {
        let w = self.head_weight();
        let dims = h.dims().to_vec();
        let rows = h.elem_count() / self.config.hidden;
        let h = h.reshape((rows, self.config.hidden))?;
        // The fused product's backward skips the frozen matrix's gradient, which candle's
        // matmul computes (49,152 × hidden for SmolLM2) whether or not anything needs it.
        let out = match crate::kernels::dense::matmul(&h, &w.t()?)? {
            Some(out) => out,
            None => h.matmul(&w.t()?)?,
        };
        let mut shape = dims[..dims.len() - 1].to_vec();
        shape.push(self.config.vocab);
        Ok(out.reshape(shape)?)
    }

    /// The output projection's matrix (vocabulary × hidden): its own or the tied embeddings.
    pub(super) fn head_weight(&self) -> &Tensor {
        self.weights.head.as_ref().unwrap_or(&self.weights.embed)
    }

    fn project(
        &self,
        layer: usize,
        target: Target,
        x: &Tensor,
        adapters: Option<&dyn Adapters>,
    ) -> Result<Tensor> {
        let p = &self.weights.layers[layer].proj[target as usize];
        let adapter = adapters.and_then(|a| a.factors(layer, target));
        if let Some(ad) = &adapter {
            if let Some(y) = crate::kernels::lora::lora_linear(x, &p.wt, p.b.as_ref(), ad)? {
                return Ok(y);
            }
        }
        let y = match linear(x, &p.wt, p.b.as_ref(), FusedAct::Identity)? {
            Some(y) => y,
            None => {
                let y = x.matmul(&p.wt)?;
                match &p.b {
                    Some(b) => y.broadcast_add(b)?,
                    None => y,
                }
            }
        };
        match adapter {
            Some(ad) => {
                // Scaling B (rank × outputs) rather than the delta (rows × outputs) keeps a
                // full-size op out of the forward and backward pass.
                let low = x.matmul(&ad.a.t()?)?;
                let b = (ad.b * ad.scale as f64)?;
                Ok((y + low.matmul(&b.t()?)?)?)
            }
            None => Ok(y),
        }
    }

    /// Block i of the residual stream x (rows·len × hidden), the batch's shape given by its mask.
    fn block(
        &self,
        i: usize,
        x: &Tensor,
        mask: &Mask,
        rope: &Rope,
        adapters: Option<&dyn Adapters>,
        train: bool,
    ) -> Result<Tensor> {
        let c = &self.config;
        let w = &self.weights.layers[i];
        let (n, l) = (mask.lengths.len(), mask.width);
        let hd = c.head_dim;
        let h = rms_norm(x, &w.attn_norm, c.rms_eps, train)?;
        let q = self.project(i, Target::Q, &h, adapters)?;
        let k = self.project(i, Target::K, &h, adapters)?;
        let v = self.project(i, Target::V, &h, adapters)?;
        let scale = 1.0 / (hd as f64).sqrt();
        let geometry = Geometry {
            rows: n,
            len: l,
            heads: c.heads,
            kv_heads: c.kv_heads,
            head_dim: hd,
        };
        let options = Options {
            scale: scale as f32,
            key_bias: mask.key_bias.clone(),
            causal: true,
            rotation: Some(Rotation {
                cos: &rope.cos_values,
                sin: &rope.sin_values,
            }),
        };
        let o = match packed_attention(&q, &k, &v, geometry, options)? {
            Some(o) => o,
            None => {
                // Other devices: heads split, rotated and attended with candle's ops.
                let heads = |t: Tensor, count: usize| -> Result<Tensor> {
                    Ok(t.reshape((n, l, count, hd))?
                        .transpose(1, 2)?
                        .contiguous()?)
                };
                let q = rope.apply(&heads(q, c.heads)?, train)?;
                let k = rope.apply(&heads(k, c.kv_heads)?, train)?;
                let (k, v) = (
                    repeat_kv(&k, c.heads / c.kv_heads)?,
                    repeat_kv(&heads(v, c.kv_heads)?, c.heads / c.kv_heads)?,
                );
                let scores = (q.matmul(&k.t()?)? * scale)?.broadcast_add(mask.full(q.device())?)?;
                let p = if train {
                    candle_nn::ops::softmax(&scores, D::Minus1)?
                } else {
                    candle_nn::ops::softmax_last_dim(&scores)?
                };
                p.matmul(&v)?
                    .transpose(1, 2)?
                    .contiguous()?
                    .reshape((n * l, c.heads * hd))?
            }
        };
        let x = (x + self.project(i, Target::O, &o, adapters)?)?;
        let h = rms_norm(&x, &w.mlp_norm, c.rms_eps, train)?;
        let gate = self.project(i, Target::Gate, &h, adapters)?;
        let up = self.project(i, Target::Up, &h, adapters)?;
        let a = match crate::kernels::swiglu::swiglu(&gate, &up)? {
            Some(a) => a,
            None => (gate.silu()? * up)?,
        };
        let down = self.project(i, Target::Down, &a, adapters)?;
        Ok((x + down)?)
    }
}

/// x / sqrt(mean(x²) + eps) · w over the last axis.
fn rms_norm(x: &Tensor, w: &Tensor, eps: f64, train: bool) -> Result<Tensor> {
    if !train {
        return Ok(candle_nn::ops::rms_norm(&x.contiguous()?, w, eps as f32)?);
    }
    if let Some(y) = crate::kernels::rms_norm::rms_norm(x, w, eps as f32)? {
        return Ok(y);
    }
    let ms = x.sqr()?.mean_keepdim(D::Minus1)?;
    let normed = x.broadcast_div(&(ms + eps)?.sqrt()?)?;
    Ok(normed.broadcast_mul(w)?)
}

/// Each key/value head shared by `groups` query heads: (n, kv, l, d) → (n, kv·groups, l, d).
fn repeat_kv(x: &Tensor, groups: usize) -> Result<Tensor> {
    if groups == 1 {
        return Ok(x.clone());
    }
    let (n, kv, l, d) = x.dims4()?;
    Ok(x.unsqueeze(2)?
        .expand((n, kv, groups, l, d))?
        .reshape((n, kv * groups, l, d))?)
}

/// Rotary embeddings in transformers' layout (the two halves of each head rotate together).
struct Rope {
    /// (positions, head_dim / 2), for candle's fused kernel.
    cos: Tensor,
    sin: Tensor,
    /// The same values, for the fused CPU attention.
    cos_values: Vec<f32>,
    sin_values: Vec<f32>,
    /// (positions, head_dim): the halves repeated, for the differentiable form.
    cos_full: Tensor,
    sin_full: Tensor,
}

impl Rope {
    fn new(c: &DecoderConfig, len: usize, device: &Device) -> Result<Rope> {
        let half = c.head_dim / 2;
        let inv: Vec<f32> = (0..half)
            .map(|i| 1.0 / c.rope_theta.powf(2.0 * i as f64 / c.head_dim as f64) as f32)
            .collect();
        let inv = Tensor::from_vec(inv, (1, half), device)?;
        let pos = Tensor::arange(0u32, len as u32, device)?
            .to_dtype(DType::F32)?
            .reshape((len, 1))?;
        let freqs = pos.broadcast_mul(&inv)?;
        let (cos, sin) = (freqs.cos()?, freqs.sin()?);
        let values = |t: &Tensor| -> Result<Vec<f32>> { Ok(t.flatten_all()?.to_vec1::<f32>()?) };
        Ok(Rope {
            cos_values: values(&cos)?,
            sin_values: values(&sin)?,
            cos_full: Tensor::cat(&[&cos, &cos], 1)?,
            sin_full: Tensor::cat(&[&sin, &sin], 1)?,
            cos,
            sin,
        })
    }

    /// x (n, heads, len, head_dim) rotated by position.
    fn apply(&self, x: &Tensor, train: bool) -> Result<Tensor> {
        if !train {
            return Ok(candle_nn::rotary_emb::rope(x, &self.cos, &self.sin)?);
        }
        let d = x.dim(D::Minus1)?;
        let x1 = x.narrow(D::Minus1, 0, d / 2)?;
        let x2 = x.narrow(D::Minus1, d / 2, d / 2)?;
        let rotated = Tensor::cat(&[&x2.neg()?, &x1], D::Minus1)?;
        Ok((x.broadcast_mul(&self.cos_full)? + rotated.broadcast_mul(&self.sin_full)?)?)
    }
}
