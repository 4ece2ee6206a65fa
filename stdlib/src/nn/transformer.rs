//! A small transformer encoder trained from scratch: token ids → pooled vector (n, dim).
//!
//! Token and learned position embeddings, `layers` pre-LN blocks (masked multi-head
//! self-attention, then a GELU feed-forward, each with a residual), a final layer norm and
//! the mean over real (non-pad) tokens. Padding is invisible: pad keys get no attention
//! and pad positions are left out of the mean, so extra padding leaves the output alone.
//! Weights are drawn from the project's seeded generator (BERT's N(0, 0.02) init), so the
//! same seed gives bit-identical models.

use super::functional::{dropout, var};
use crate::bail;
use crate::error::Result;
use crate::kernels::dense::{self, FusedAct};
use crate::kernels::packed_attention::{packed_attention, Geometry, Options};
use crate::rng::Rng;
use candle_core::{DType, Device, Tensor, Var, D};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// The architecture (saved in the model's JSON).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TransformerSpec {
    pub vocab: usize,
    pub dim: usize,
    pub heads: usize,
    pub ff: usize,
    pub layers: usize,
    pub max_len: usize,
    pub dropout: f64,
    pub pad_id: u32,
}

impl TransformerSpec {
    pub fn describe(&self) -> String {
        format!(
            "transformer(vocab {}, dim {}, {} layers × {} heads, ff {}, max_len {}{})",
            self.vocab,
            self.dim,
            self.layers,
            self.heads,
            self.ff,
            self.max_len,
            if self.dropout > 0.0 {
                format!(", dropout {}", self.dropout)
            } else {
                String::new()
            }
        )
    }

    /// How many weights the encoder holds (saturating: a spec too big to count is too big
    /// to build, and the memory budget refuses it).
    pub fn parameters(&self) -> usize {
        let (d, f) = (self.dim, self.ff);
        let mul = usize::saturating_mul;
        let linear = |i: usize, o: usize| mul(i, o).saturating_add(o);
        // Per block: q, k, v and out (d → d), up (d → f), down (f → d), two layer norms.
        let block = mul(4, linear(d, d))
            .saturating_add(linear(d, f))
            .saturating_add(linear(f, d))
            .saturating_add(mul(4, d));
        mul(self.vocab, d)
            .saturating_add(mul(self.max_len, d))
            .saturating_add(mul(self.layers, block))
            .saturating_add(mul(2, d))
    }

    fn check(&self) -> Result<()> {
        let s = self;
        if s.vocab == 0 || s.dim == 0 || s.heads == 0 || s.ff == 0 || s.max_len == 0 {
            bail!("transformer: vocab, dim, heads, ff and max_len must be positive, got {s:?}");
        }
        if !s.dim.is_multiple_of(s.heads) {
            bail!(
                "transformer: dim ({}) must be a multiple of heads ({})",
                s.dim,
                s.heads
            );
        }
        if !(0.0..1.0).contains(&s.dropout) {
            bail!("transformer: dropout must be in [0, 1), got {}", s.dropout);
        }
        if s.pad_id as usize >= s.vocab {
            bail!(
                "transformer: pad_id {} is not in the vocabulary (0..{})",
                s.pad_id,
                s.vocab
            );
        }
        Ok(())
    }
}

#[derive(Clone, Debug)]
struct Linear {
    w: Var, // (inputs, outputs)
    b: Var,
}

impl Linear {
    fn new(inputs: usize, outputs: usize, rng: &mut Rng, device: &Device) -> Result<Linear> {
        Ok(Linear {
            w: var(
                rng.normal_vec(inputs * outputs, 0.0, 0.02),
                &[inputs, outputs],
                device,
            )?,
            b: var(vec![0.0; outputs], &[outputs], device)?,
        })
    }

    /// x (..., inputs) → (..., outputs), as one product over the merged leading axes: the
    /// library's fused dense op where it applies (its backward sums the bias gradient in the
    /// same pass and follows the thread policy), candle's ops otherwise.
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let (w, b) = (self.w.as_tensor(), self.b.as_tensor());
        // On (batch, seq, dim) as it is: reshapes around the op would be autograd nodes, each
        // gradient zero-filled and added on one thread.
        if let Some(y) = dense::linear(x, w, Some(b), FusedAct::Identity)? {
            return Ok(y);
        }
        let dims = x.dims().to_vec();
        let inputs = *dims.last().unwrap();
        let rows = x.elem_count() / inputs;
        let x = x.reshape((rows, inputs))?;
        let y = x.matmul(w)?.broadcast_add(b)?;
        let mut out = dims;
        *out.last_mut().unwrap() = self.w.dims()[1];
        Ok(y.reshape(out)?)
    }

    /// GELU(x·W + b): the fused op where it applies; else the layer, then the vectorised exact
    /// GELU (candle's gelu_erf is several times slower on CPU).
    fn forward_gelu(&self, x: &Tensor) -> Result<Tensor> {
        let (w, b) = (self.w.as_tensor(), self.b.as_tensor());
        if let Some(y) = dense::linear_gelu(x, w, b)? {
            return Ok(y);
        }
        crate::kernels::gelu::gelu_erf(&self.forward(x)?)
    }
}

#[derive(Clone, Debug)]
struct Norm {
    gamma: Var,
    beta: Var,
}

impl Norm {
    fn new(dim: usize, device: &Device) -> Result<Norm> {
        Ok(Norm {
            gamma: var(vec![1.0; dim], &[dim], device)?,
            beta: var(vec![0.0; dim], &[dim], device)?,
        })
    }

    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let (gamma, beta) = (self.gamma.as_tensor(), self.beta.as_tensor());
        if let Some(y) = crate::kernels::layer_norm::layer_norm(x, gamma, beta, 1e-5)? {
            return Ok(y);
        }
        let mean = x.mean_keepdim(D::Minus1)?;
        let centred = x.broadcast_sub(&mean)?;
        let var = centred.sqr()?.mean_keepdim(D::Minus1)?;
        Ok(centred
            .broadcast_div(&(var + 1e-5)?.sqrt()?)?
            .broadcast_mul(self.gamma.as_tensor())?
            .broadcast_add(self.beta.as_tensor())?)
    }
}

#[derive(Clone, Debug)]
struct Block {
    ln1: Norm,
    q: Linear,
    k: Linear,
    v: Linear,
    out: Linear,
    ln2: Norm,
    up: Linear,
    down: Linear,
}

/// An initialised encoder.
#[derive(Clone, Debug)]
pub struct TransformerLayer {
    pub spec: TransformerSpec,
    tokens: Var,    // (vocab, dim)
    positions: Var, // (max_len, dim)
    blocks: Vec<Block>,
    final_norm: Norm,
}

/// Multi-head attention of q, k, v (batch, seq, dim) with a key mask (batch, seq) of 1 for
/// real tokens and 0 for padding: softmax(q kᵀ / √d_head + bias) v per head, where pad keys
/// get a bias of −1e9 (a weight of exactly 0 in f32).
pub fn attention(
    q: &Tensor,
    k: &Tensor,
    v: &Tensor,
    mask: &Tensor,
    heads: usize,
) -> Result<Tensor> {
    let (b, l, dim) = q.dims3()?;
    let dh = dim / heads;
    let scale = 1.0 / (dh as f64).sqrt();
    let bias = ((mask.to_dtype(DType::F32)? - 1.0)? * 1e9)?;
    let key_bias = bias
        .flatten_all()?
        .to_device(&Device::Cpu)?
        .to_vec1::<f32>()?;
    // The fused op on f32 CPU tensors, on q, k and v as they are; candle's ops elsewhere.
    let geometry = Geometry {
        rows: b,
        len: l,
        heads,
        kv_heads: heads,
        head_dim: dh,
    };
    let options = Options {
        scale: scale as f32,
        key_bias,
        causal: false,
        rotation: None,
    };
    if let Some(ctx) = packed_attention(q, k, v, geometry, options)? {
        return Ok(ctx);
    }
    let split = |t: &Tensor| -> Result<Tensor> {
        Ok(t.reshape((b, l, heads, dh))?
            .transpose(1, 2)?
            .contiguous()?)
    };
    // Scaling q instead of the scores: (b, heads, l, dh) values rather than (b, heads, l, l).
    let q = (split(q)? * scale)?;
    let (k, v) = (split(k)?, split(v)?);
    let scores = q.matmul(&k.transpose(2, 3)?.contiguous()?)?;
    let bias = bias.reshape((b, 1, 1, l))?;
    // candle_nn's softmax, not softmax_last_dim: that one has no backward pass, and q and k
    // would never learn.
    let ctx = candle_nn::ops::softmax(&scores.broadcast_add(&bias)?, D::Minus1)?.matmul(&v)?;
    Ok(ctx.transpose(1, 2)?.contiguous()?.reshape((b, l, dim))?)
}

impl TransformerLayer {
    pub fn init(
        spec: &TransformerSpec,
        rng: &mut Rng,
        device: &Device,
    ) -> Result<TransformerLayer> {
        spec.check()?;
        // Every size is the script's choice (a dim or vocabulary with extra zeros): ask the
        // memory budget for all the weights before the first is drawn.
        crate::tensor::budget::check_f32(
            &format!("{}: its weights", spec.describe()),
            &[spec.parameters()],
        )?;
        let (d, f) = (spec.dim, spec.ff);
        let tokens = var(
            rng.normal_vec(spec.vocab * d, 0.0, 0.02),
            &[spec.vocab, d],
            device,
        )?;
        let positions = var(
            rng.normal_vec(spec.max_len * d, 0.0, 0.02),
            &[spec.max_len, d],
            device,
        )?;
        let blocks = (0..spec.layers)
            .map(|_| {
                Ok(Block {
                    ln1: Norm::new(d, device)?,
                    q: Linear::new(d, d, rng, device)?,
                    k: Linear::new(d, d, rng, device)?,
                    v: Linear::new(d, d, rng, device)?,
                    out: Linear::new(d, d, rng, device)?,
                    ln2: Norm::new(d, device)?,
                    up: Linear::new(d, f, rng, device)?,
                    down: Linear::new(f, d, rng, device)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(TransformerLayer {
            spec: spec.clone(),
            tokens,
            positions,
            blocks,
            final_norm: Norm::new(d, device)?,
        })
    }

    /// Token ids (batch, seq) as any numeric dtype → u32 ids and the pad mask (1 = token).
    fn ids(&self, x: &Tensor) -> Result<(Tensor, Tensor)> {
        let s = &self.spec;
        if x.rank() != 2 {
            bail!(
                "transformer: expects token ids of shape (rows, tokens), got {:?}",
                x.dims()
            );
        }
        let l = x.dims()[1];
        if l == 0 {
            bail!("transformer: the input has no token columns; turn texts into ids first with tokenize(data, tok)");
        }
        if l > s.max_len {
            bail!("transformer: rows have {l} tokens but the model takes at most max_len = {} (tokenize with #{{max_len: {}}})", s.max_len, s.max_len);
        }
        let values = x.to_dtype(DType::F64)?.flatten_all()?.to_vec1::<f64>()?;
        if let Some(bad) = values
            .iter()
            .find(|&&i| !(i >= 0.0 && i < s.vocab as f64 && i.fract() == 0.0))
        {
            bail!(
                "transformer: {bad} is not a token id of this model's vocabulary (0..{}); was the data tokenized with another tokenizer?",
                s.vocab
            );
        }
        let ids: Vec<u32> = values.iter().map(|&i| i as u32).collect();
        let mask: Vec<f32> = ids.iter().map(|&i| (i != s.pad_id) as u8 as f32).collect();
        let dims = x.dims();
        Ok((
            Tensor::from_vec(ids, dims, &Device::Cpu)?.to_device(x.device())?,
            Tensor::from_vec(mask, dims, &Device::Cpu)?.to_device(x.device())?,
        ))
    }

    /// Pooled encodings (batch, dim); `rng` (training) turns dropout on.
    pub fn forward(&self, x: &Tensor, mut rng: Option<&mut Rng>) -> Result<Tensor> {
        let s = &self.spec;
        let (ids, mask) = self.ids(x)?;
        let (b, l) = ids.dims2()?;
        let tok = self
            .tokens
            .as_tensor()
            .index_select(&ids.flatten_all()?, 0)?
            .reshape((b, l, s.dim))?;
        let pos = self.positions.as_tensor().narrow(0, 0, l)?;
        let tok = match crate::kernels::positions::add_positions(&tok, &pos)? {
            Some(t) => t,
            None => tok.broadcast_add(&pos)?,
        };
        let mut h = dropout(&tok, s.dropout, rng.as_deref_mut())?;
        for blk in &self.blocks {
            let n = blk.ln1.forward(&h)?;
            let ctx = attention(
                &blk.q.forward(&n)?,
                &blk.k.forward(&n)?,
                &blk.v.forward(&n)?,
                &mask,
                s.heads,
            )?;
            h = (h + dropout(&blk.out.forward(&ctx)?, s.dropout, rng.as_deref_mut())?)?;
            let n = blk.ln2.forward(&h)?;
            let up = blk.up.forward_gelu(&n)?;
            let ff = blk.down.forward(&up)?;
            h = (h + dropout(&ff, s.dropout, rng.as_deref_mut())?)?;
        }
        let h = self.final_norm.forward(&h)?;
        let count = mask.sum_keepdim(1)?.clamp(1.0, f64::MAX)?; // (b, 1)
        let weights = mask.broadcast_div(&count)?; // the mean over real tokens
        if let Some(pooled) = crate::kernels::pooling::weighted_sum(&h, &weights)? {
            return Ok(pooled);
        }
        let m = mask.unsqueeze(2)?; // (b, l, 1)
        Ok(h.broadcast_mul(&m)?.sum(1)?.broadcast_div(&count)?)
    }

    /// Named trainable variables, in a fixed order.
    pub fn vars(&self) -> Vec<(Cow<'static, str>, &Var)> {
        let mut v: Vec<(Cow<'static, str>, &Var)> = vec![
            ("tokens".into(), &self.tokens),
            ("positions".into(), &self.positions),
        ];
        for (i, blk) in self.blocks.iter().enumerate() {
            for (name, var) in [
                ("ln1.weight", &blk.ln1.gamma),
                ("ln1.bias", &blk.ln1.beta),
                ("q.weight", &blk.q.w),
                ("q.bias", &blk.q.b),
                ("k.weight", &blk.k.w),
                ("k.bias", &blk.k.b),
                ("v.weight", &blk.v.w),
                ("v.bias", &blk.v.b),
                ("out.weight", &blk.out.w),
                ("out.bias", &blk.out.b),
                ("ln2.weight", &blk.ln2.gamma),
                ("ln2.bias", &blk.ln2.beta),
                ("up.weight", &blk.up.w),
                ("up.bias", &blk.up.b),
                ("down.weight", &blk.down.w),
                ("down.bias", &blk.down.b),
            ] {
                v.push((format!("blocks.{i}.{name}").into(), var));
            }
        }
        v.push(("norm.weight".into(), &self.final_norm.gamma));
        v.push(("norm.bias".into(), &self.final_norm.beta));
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// softmax(q·k / √d) v per head, written out with loops, skipping pad keys.
    fn direct(
        q: &[f32],
        k: &[f32],
        v: &[f32],
        mask: &[f32],
        l: usize,
        dim: usize,
        heads: usize,
    ) -> Vec<f32> {
        let dh = dim / heads;
        let mut out = vec![0.0f32; l * dim];
        for h in 0..heads {
            for i in 0..l {
                let scores: Vec<f64> = (0..l)
                    .map(|j| {
                        (0..dh)
                            .map(|c| (q[i * dim + h * dh + c] * k[j * dim + h * dh + c]) as f64)
                            .sum::<f64>()
                            / (dh as f64).sqrt()
                    })
                    .collect();
                let max = (0..l)
                    .filter(|&j| mask[j] > 0.0)
                    .map(|j| scores[j])
                    .fold(f64::MIN, f64::max);
                let w: Vec<f64> = (0..l)
                    .map(|j| {
                        if mask[j] > 0.0 {
                            (scores[j] - max).exp()
                        } else {
                            0.0
                        }
                    })
                    .collect();
                let total: f64 = w.iter().sum();
                for c in 0..dh {
                    out[i * dim + h * dh + c] = (0..l)
                        .map(|j| w[j] / total * v[j * dim + h * dh + c] as f64)
                        .sum::<f64>() as f32;
                }
            }
        }
        out
    }

    #[test]
    fn masked_attention_matches_a_direct_computation() {
        let (b, l, dim, heads) = (2, 5, 6, 3);
        let mut rng = Rng::new(9);
        let mk = |rng: &mut Rng| rng.normal_vec(b * l * dim, 0.0, 1.0);
        let (q, k, v) = (mk(&mut rng), mk(&mut rng), mk(&mut rng));
        let mask = vec![1.0, 1.0, 1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0];
        let t = |x: &[f32]| Tensor::from_vec(x.to_vec(), (b, l, dim), &Device::Cpu).unwrap();
        let m = Tensor::from_vec(mask.clone(), (b, l), &Device::Cpu).unwrap();
        let got = attention(&t(&q), &t(&k), &t(&v), &m, heads)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1::<f32>()
            .unwrap();
        let n = l * dim;
        for r in 0..b {
            let want = direct(
                &q[r * n..(r + 1) * n],
                &k[r * n..(r + 1) * n],
                &v[r * n..(r + 1) * n],
                &mask[r * l..(r + 1) * l],
                l,
                dim,
                heads,
            );
            for (g, w) in got[r * n..(r + 1) * n].iter().zip(&want) {
                assert!((g - w).abs() < 1e-5, "row {r}: {g} vs {w}");
            }
        }
    }

    #[test]
    fn bad_specs_are_named() {
        let spec = TransformerSpec {
            vocab: 10,
            dim: 8,
            heads: 2,
            ff: 16,
            layers: 1,
            max_len: 4,
            dropout: 0.0,
            pad_id: 10,
        };
        let e = TransformerLayer::init(&spec, &mut Rng::new(0), &Device::Cpu).unwrap_err();
        assert_eq!(
            e.message(),
            "transformer: pad_id 10 is not in the vocabulary (0..10)"
        );
        let x = Tensor::zeros((2, 0), DType::F32, &Device::Cpu).unwrap();
        let ok = TransformerSpec { pad_id: 0, ..spec };
        let layer = TransformerLayer::init(&ok, &mut Rng::new(0), &Device::Cpu).unwrap();
        let e = layer.forward(&x, None).unwrap_err();
        assert!(e.message().contains("tokenize(data, tok)"), "{e}");
        assert_eq!(layer.vars().len(), 2 + 16 + 2);
    }

    #[test]
    fn parameters_count_every_weight() {
        let spec = TransformerSpec {
            vocab: 10,
            dim: 8,
            heads: 2,
            ff: 16,
            layers: 2,
            max_len: 4,
            dropout: 0.0,
            pad_id: 0,
        };
        let layer = TransformerLayer::init(&spec, &mut Rng::new(0), &Device::Cpu).unwrap();
        let weights: usize = layer.vars().iter().map(|(_, v)| v.elem_count()).sum();
        assert_eq!(spec.parameters(), weights);
        let huge = TransformerSpec {
            dim: usize::MAX / 2,
            ..spec
        };
        assert_eq!(
            huge.parameters(),
            usize::MAX,
            "saturates instead of wrapping"
        );
    }
}
