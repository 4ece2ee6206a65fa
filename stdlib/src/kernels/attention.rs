//! Masked multi-head attention for f32 CPU tensors as one candle custom op:
//! softmax(q·kᵀ + key bias)·v per (row, head), and its backward. Its pieces (the weights of
//! one pair, with an optional causal mask and score scale, and the softmax's backward) also
//! make up [`super::packed_attention`].
//!
//! Why: composed from candle ops, attention makes several (batch, heads, l, l) tensors (scores,
//! biased scores, weights) and autograd adds a zero-filled gradient and a sum for each. For the
//! from-scratch transformer (l = 128, dh = 16) those full passes over memory cost more than the
//! products. Here each (row, head) pair keeps its l × l weights in a scratch buffer; the
//! backward pass recomputes them from q and k instead of storing them. Pairs are spread over
//! the threads the policy gives the whole product.

use super::dense::{gemm_on, View};
use super::exp::exp;
use crate::threads;
use candle_core::{CpuStorage, CustomOp3, Device, Layout, Result, Shape, Tensor};
use rayon::prelude::*;

/// softmax(q·kᵀ + bias)·v for q, k, v (batch, heads, l, dh) and `key_bias` (batch × l values,
/// added to every query's score for that key: 0 for a token, −1e9 for padding). q must carry
/// the 1/√dh scale already. `None` when the tensors are not f32 on the CPU.
pub fn attention(q: &Tensor, k: &Tensor, v: &Tensor, key_bias: Vec<f32>) -> Result<Option<Tensor>> {
    let ok = |t: &Tensor| super::takes_kernels(t) && t.rank() == 4;
    if !(ok(q) && ok(k) && ok(v)) {
        return Ok(None);
    }
    let (b, _, l, _) = q.dims4()?;
    if q.dims() != k.dims() || q.dims() != v.dims() || key_bias.len() != b * l {
        candle_core::bail!(
            "attention: q {:?}, k {:?}, v {:?} and {} key biases do not agree",
            q.dims(),
            k.dims(),
            v.dims(),
            key_bias.len()
        );
    }
    let masks = Masks {
        key_bias,
        causal: false,
        scale: 1.0,
    };
    let (q, k, v) = (q.contiguous()?, k.contiguous()?, v.contiguous()?);
    Ok(Some(q.apply_op3(&k, &v, Attention { masks })?))
}

/// What is added to and multiplies the scores before the softmax.
pub(super) struct Masks {
    /// batch × l: added to each key's score (0 for a token, −1e9 for padding).
    pub(super) key_bias: Vec<f32>,
    /// Query i sees keys 0..=i, the key bias added before i only.
    pub(super) causal: bool,
    pub(super) scale: f32,
}

struct Attention {
    masks: Masks,
}

/// (batch, heads, l, dh) of a 4-D tensor.
#[derive(Clone, Copy)]
struct Dims {
    heads: usize,
    l: usize,
    dh: usize,
    pairs: usize,
}

impl Dims {
    fn of(shape: &Shape) -> Result<Dims> {
        let (b, heads, l, dh) = shape.dims4()?;
        Ok(Dims {
            heads,
            l,
            dh,
            pairs: b * heads,
        })
    }

    /// Threads for the whole op: its products, q·kᵀ and weights·v, count 2·l²·dh per pair.
    fn threads(&self) -> usize {
        threads::threads_for(self.pairs * 2 * self.l * self.l * self.dh)
    }

    /// Pairs per rayon task: all of them on one thread (a caller that runs pieces of work on
    /// each core, see `threads::on_this_thread`, keeps them on its thread), else one.
    fn min_pairs_per_task(&self) -> usize {
        if self.threads() == 1 {
            usize::MAX
        } else {
            1
        }
    }
}

impl Masks {
    /// The key biases of query pair `pair`'s batch row.
    fn bias(&self, pair: usize, d: Dims) -> &[f32] {
        &self.key_bias[(pair / d.heads) * d.l..][..d.l]
    }
}

/// p (l × l) = row-wise softmax(s·q·kᵀ + bias [+ causal mask]) for one pair.
pub(super) fn weights(
    q: &[f32],
    k: &[f32],
    bias: &[f32],
    masks: &Masks,
    dh: usize,
    p: &mut Vec<f32>,
) {
    let l = q.len() / dh;
    p.clear();
    p.reserve(l * l);
    gemm_on(
        p.spare_capacity_mut(),
        false,
        View::dense(q, l, dh),
        View::dense(k, l, dh).t(),
        1,
    );
    // Safety: with `accumulate` off gemm_on stores all l × l values.
    unsafe { p.set_len(l * l) };
    softmax_rows(p, bias, masks, l);
}

/// Each row of `p` (l wide) becomes softmax(s·row + bias); with the causal mask, row i keeps
/// keys 0..=i (the bias added before i only) and is zero after.
fn softmax_rows(p: &mut [f32], bias: &[f32], masks: &Masks, l: usize) {
    #[cfg(target_arch = "x86_64")]
    if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
        // SAFETY: the CPU supports the features the function is compiled for.
        unsafe { softmax_rows_avx2(p, bias, masks, l) };
        return;
    }
    softmax_rows_plain(p, bias, masks, l)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn softmax_rows_avx2(p: &mut [f32], bias: &[f32], masks: &Masks, l: usize) {
    softmax_rows_plain(p, bias, masks, l)
}

#[inline(always)]
fn softmax_rows_plain(p: &mut [f32], bias: &[f32], masks: &Masks, l: usize) {
    let s = masks.scale;
    for (i, row) in p.chunks_exact_mut(l).enumerate() {
        let (seen, unseen) = row.split_at_mut(if masks.causal { i + 1 } else { l });
        unseen.fill(0.0);
        let biased = if masks.causal { i } else { l };
        seen[..biased]
            .iter_mut()
            .zip(bias)
            .for_each(|(x, b)| *x = *x * s + b);
        seen[biased..].iter_mut().for_each(|x| *x *= s);
        let max =
            lanes(seen, f32::NEG_INFINITY, |acc, x| acc.max(x)).fold(f32::NEG_INFINITY, f32::max);
        seen.iter_mut().for_each(|x| *x = exp(*x - max));
        let inv = 1.0 / lanes(seen, 0.0, |acc, x| acc + x).sum::<f32>();
        seen.iter_mut().for_each(|x| *x *= inv);
    }
}

/// The softmax's backward pass, row by row: ds = s·p ⊙ (ds − Σⱼ p·ds), ds holding dp on entry
/// (s the scores' scale; masked weights are zero, so their entries stay zero).
pub(super) fn softmax_backward_rows(ds: &mut [f32], p: &[f32], s: f32, l: usize) {
    #[cfg(target_arch = "x86_64")]
    if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
        // SAFETY: the CPU supports the features the function is compiled for.
        unsafe { softmax_backward_rows_avx2(ds, p, s, l) };
        return;
    }
    softmax_backward_rows_plain(ds, p, s, l)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn softmax_backward_rows_avx2(ds: &mut [f32], p: &[f32], s: f32, l: usize) {
    softmax_backward_rows_plain(ds, p, s, l)
}

#[inline(always)]
fn softmax_backward_rows_plain(ds: &mut [f32], p: &[f32], s: f32, l: usize) {
    let mut prod = vec![0f32; l];
    for (dr, pr) in ds.chunks_exact_mut(l).zip(p.chunks_exact(l)) {
        prod.iter_mut()
            .zip(dr.iter().zip(pr))
            .for_each(|(o, (a, b))| *o = a * b);
        let dot = lanes(&prod, 0.0, |acc, x| acc + x).sum::<f32>();
        dr.iter_mut()
            .zip(pr)
            .for_each(|(x, p)| *x = s * p * (*x - dot));
    }
}

/// A reduction over `x` in 16 independent lanes (so that it vectorises: one running value
/// would chain every step on the last); the caller folds the lanes it returns.
#[inline(always)]
fn lanes(x: &[f32], init: f32, f: impl Fn(f32, f32) -> f32) -> impl Iterator<Item = f32> {
    let mut acc = [init; 16];
    let mut chunks = x.chunks_exact(16);
    for c in &mut chunks {
        for (a, &v) in acc.iter_mut().zip(c) {
            *a = f(*a, v);
        }
    }
    for (a, &v) in acc.iter_mut().zip(chunks.remainder()) {
        *a = f(*a, v);
    }
    acc.into_iter()
}

/// dst (l × dh) = [dst +] a (l × l, or its transpose) · b (l × dh), on this thread.
pub(super) fn product(dst: &mut [f32], accumulate: bool, a: View, b: View) {
    // Safety: f32 and MaybeUninit<f32> share a layout; dst is initialised.
    let dst = unsafe { std::slice::from_raw_parts_mut(dst.as_mut_ptr().cast(), dst.len()) };
    gemm_on(dst, accumulate, a, b, 1);
}

fn f32s<'a>(s: &'a CpuStorage, l: &Layout) -> Result<&'a [f32]> {
    super::gelu::contiguous_f32("attention", s, l)
}

impl CustomOp3 for Attention {
    fn name(&self) -> &'static str {
        "attention"
    }

    fn cpu_fwd(
        &self,
        qs: &CpuStorage,
        ql: &Layout,
        ks: &CpuStorage,
        kl: &Layout,
        vs: &CpuStorage,
        vl: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let d = Dims::of(ql.shape())?;
        let (q, k, v) = (f32s(qs, ql)?, f32s(ks, kl)?, f32s(vs, vl)?);
        let n = d.l * d.dh;
        let mut out = vec![0f32; d.pairs * n];
        threads::with_threads(d.threads(), || {
            out.par_chunks_mut(n)
                .with_min_len(d.min_pairs_per_task())
                .enumerate()
                .for_each_init(Vec::new, |p, (i, o)| {
                    let s = i * n..(i + 1) * n;
                    let bias = self.masks.bias(i, d);
                    weights(&q[s.clone()], &k[s.clone()], bias, &self.masks, d.dh, p);
                    let (l, dh) = (d.l, d.dh);
                    product(o, false, View::dense(p, l, l), View::dense(&v[s], l, dh));
                })
        });
        Ok((CpuStorage::F32(out), ql.shape().clone()))
    }

    fn bwd(
        &self,
        q: &Tensor,
        k: &Tensor,
        v: &Tensor,
        _out: &Tensor,
        g: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let d = Dims::of(q.shape())?;
        let flat = |t: &Tensor| t.flatten_all()?.to_vec1::<f32>();
        let (q, k, v, g) = (flat(q)?, flat(k)?, flat(v)?, flat(g)?);
        let n = d.l * d.dh;
        let (mut dq, mut dk, mut dv) = (
            vec![0f32; q.len()],
            vec![0f32; q.len()],
            vec![0f32; q.len()],
        );
        threads::with_threads(d.threads(), || {
            dq.par_chunks_mut(n)
                .zip(dk.par_chunks_mut(n))
                .zip(dv.par_chunks_mut(n))
                .with_min_len(d.min_pairs_per_task())
                .enumerate()
                .for_each_init(
                    || (Vec::new(), Vec::new()),
                    |(p, ds), (i, ((dq, dk), dv))| {
                        let s = i * n..(i + 1) * n;
                        let (q, k, v, g) = (&q[s.clone()], &k[s.clone()], &v[s.clone()], &g[s]);
                        weights(q, k, self.masks.bias(i, d), &self.masks, d.dh, p);
                        let (p, l, dh) = (p.as_slice(), d.l, d.dh);
                        // dv = pᵀ·g
                        product(dv, false, View::dense(p, l, l).t(), View::dense(g, l, dh));
                        // dp = g·vᵀ, then the softmax's backward: ds = p ⊙ (dp − Σⱼ p·dp).
                        ds.clear();
                        ds.resize(l * l, 0.0);
                        product(ds, false, View::dense(g, l, dh), View::dense(v, l, dh).t());
                        softmax_backward_rows(ds, p, self.masks.scale, l);
                        // dq = ds·k, dk = dsᵀ·q
                        product(dq, false, View::dense(ds, l, l), View::dense(k, l, dh));
                        product(dk, false, View::dense(ds, l, l).t(), View::dense(q, l, dh));
                    },
                )
        });
        let shape = (d.pairs / d.heads, d.heads, d.l, d.dh);
        let t = |v: Vec<f32>| Tensor::from_vec(v, shape, &Device::Cpu);
        Ok((Some(t(dq)?), Some(t(dk)?), Some(t(dv)?)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Var;

    /// softmax(q·kᵀ + bias)·v from candle's own differentiable ops.
    fn composed(q: &Tensor, k: &Tensor, v: &Tensor, bias: &Tensor) -> Tensor {
        let scores = q.matmul(&k.transpose(2, 3).unwrap()).unwrap();
        let scores = scores.broadcast_add(bias).unwrap();
        let w = candle_nn::ops::softmax(&scores, candle_core::D::Minus1).unwrap();
        w.matmul(v).unwrap()
    }

    #[test]
    fn values_and_gradients_match_the_composed_ops() {
        let (b, h, l, dh) = (2, 3, 5, 4);
        let mut rng = crate::rng::Rng::new(4);
        let mut var = || {
            let t = Tensor::from_vec(
                rng.normal_vec(b * h * l * dh, 0.0, 1.0),
                (b, h, l, dh),
                &Device::Cpu,
            );
            Var::from_tensor(&t.unwrap()).unwrap()
        };
        let (q, k, v) = (var(), var(), var());
        let key_bias = vec![0.0, 0.0, 0.0, -1e9, -1e9, 0.0, 0.0, 0.0, 0.0, 0.0];
        let bias = Tensor::from_vec(key_bias.clone(), (b, 1, 1, l), &Device::Cpu).unwrap();
        // A loss that weighs every output differently, so each gradient is exercised.
        let weights = Tensor::arange(0f32, (b * h * l * dh) as f32, &Device::Cpu)
            .unwrap()
            .reshape((b, h, l, dh))
            .unwrap()
            .affine(0.01, -0.5)
            .unwrap();
        let loss = |o: &Tensor| o.mul(&weights).unwrap().sum_all().unwrap();
        let ours = attention(&q, &k, &v, key_bias).unwrap().unwrap();
        let theirs = composed(&q, &k, &v, &bias);
        let close = |a: &Tensor, b: &Tensor, what: &str| {
            let diff = (a - b).unwrap().abs().unwrap().max_all().unwrap();
            let diff = diff.to_scalar::<f32>().unwrap();
            assert!(diff < 1e-5, "{what} differs by {diff}");
        };
        close(&ours, &theirs, "output");
        let (g1, g2) = (
            loss(&ours).backward().unwrap(),
            loss(&theirs).backward().unwrap(),
        );
        for (x, name) in [(&q, "dq"), (&k, "dk"), (&v, "dv")] {
            let ours = g1
                .get(x)
                .unwrap_or_else(|| panic!("no {name} from the fused op"));
            let theirs = g2
                .get(x)
                .unwrap_or_else(|| panic!("no {name} from candle's ops"));
            close(ours, theirs, name);
        }
    }
}
