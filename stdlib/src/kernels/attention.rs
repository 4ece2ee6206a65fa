//! Masked multi-head attention for f32 CPU tensors as one candle custom op:
//! softmax(s·q·kᵀ + key bias [+ causal mask])·v per (row, head), with grouped-query heads
//! (several query heads sharing one key/value head), and its backward.
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
use candle_core::{CpuStorage, CustomOp3, DType, Device, Layout, Result, Shape, Tensor};
use rayon::prelude::*;

/// softmax(q·kᵀ + bias)·v for q, k, v (batch, heads, l, dh) and `key_bias` (batch × l values,
/// added to every query's score for that key: 0 for a token, −1e9 for padding). q must carry
/// the 1/√dh scale already. `None` when the tensors are not f32 on the CPU.
pub fn attention(q: &Tensor, k: &Tensor, v: &Tensor, key_bias: Vec<f32>) -> Result<Option<Tensor>> {
    let masks = Masks {
        key_bias,
        causal: false,
        scale: 1.0,
    };
    apply(q, k, v, masks)
}

/// A decoder's attention: softmax(scale·q·kᵀ + key bias + causal mask)·v for q (batch, heads,
/// l, dh) and k, v (batch, kv_heads, l, dh), each key/value head serving heads / kv_heads
/// consecutive query heads. Query i sees keys 0..=i; `key_bias` (batch × l) is added to keys
/// before i only, so that a padding query still sees itself and every row of weights has a
/// finite entry. `None` when the tensors are not f32 on the CPU.
pub fn causal_attention(
    q: &Tensor,
    k: &Tensor,
    v: &Tensor,
    key_bias: Vec<f32>,
    scale: f32,
) -> Result<Option<Tensor>> {
    let masks = Masks {
        key_bias,
        causal: true,
        scale,
    };
    apply(q, k, v, masks)
}

fn apply(q: &Tensor, k: &Tensor, v: &Tensor, masks: Masks) -> Result<Option<Tensor>> {
    let ok = |t: &Tensor| t.device().is_cpu() && t.dtype() == DType::F32 && t.rank() == 4;
    if !(ok(q) && ok(k) && ok(v)) {
        return Ok(None);
    }
    let (b, heads, l, dh) = q.dims4()?;
    let kv_heads = k.dims()[1];
    let agree = k.dims() == v.dims()
        && k.dims() == [b, kv_heads, l, dh]
        && kv_heads > 0
        && heads % kv_heads == 0
        && masks.key_bias.len() == b * l;
    if !agree {
        candle_core::bail!(
            "attention: q {:?}, k {:?}, v {:?} and {} key biases do not agree",
            q.dims(),
            k.dims(),
            v.dims(),
            masks.key_bias.len()
        );
    }
    let (q, k, v) = (q.contiguous()?, k.contiguous()?, v.contiguous()?);
    Ok(Some(q.apply_op3(&k, &v, Attention { masks })?))
}

struct Masks {
    key_bias: Vec<f32>,
    causal: bool,
    scale: f32,
}

struct Attention {
    masks: Masks,
}

/// (batch, heads, l, dh) of the queries, and how many query heads share a key/value head.
#[derive(Clone, Copy)]
struct Dims {
    heads: usize,
    l: usize,
    dh: usize,
    pairs: usize,
    groups: usize,
}

impl Dims {
    fn of(q: &Shape, k: &Shape) -> Result<Dims> {
        let (b, heads, l, dh) = q.dims4()?;
        let kv_heads = k.dims4()?.1;
        Ok(Dims {
            heads,
            l,
            dh,
            pairs: b * heads,
            groups: heads / kv_heads,
        })
    }

    /// Threads for the whole op: its products, q·kᵀ and weights·v, count 2·l²·dh per pair.
    fn threads(&self) -> usize {
        threads::threads_for(self.pairs * 2 * self.l * self.l * self.dh)
    }
}

impl Masks {
    /// The key biases of query pair `pair`'s batch row.
    fn bias(&self, pair: usize, d: Dims) -> &[f32] {
        &self.key_bias[(pair / d.heads) * d.l..][..d.l]
    }
}

/// p (l × l) = row-wise softmax(s·q·kᵀ + bias [+ causal mask]) for one pair.
fn weights(q: &[f32], k: &[f32], bias: &[f32], masks: &Masks, d: Dims, p: &mut Vec<f32>) {
    let l = d.l;
    p.clear();
    p.reserve(l * l);
    gemm_on(
        p.spare_capacity_mut(),
        false,
        View::dense(q, l, d.dh),
        View::dense(k, l, d.dh).t(),
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
fn softmax_backward_rows(ds: &mut [f32], p: &[f32], s: f32, l: usize) {
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
fn product(dst: &mut [f32], accumulate: bool, a: View, b: View) {
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
        let d = Dims::of(ql.shape(), kl.shape())?;
        let (q, k, v) = (f32s(qs, ql)?, f32s(ks, kl)?, f32s(vs, vl)?);
        let n = d.l * d.dh;
        let mut out = vec![0f32; d.pairs * n];
        threads::with_threads(d.threads(), || {
            out.par_chunks_mut(n)
                .enumerate()
                .for_each_init(Vec::new, |p, (i, o)| {
                    // Query pair i reads key/value pair i / groups (heads of a group are adjacent).
                    let (s, kv) = (
                        i * n..(i + 1) * n,
                        (i / d.groups) * n..(i / d.groups + 1) * n,
                    );
                    let bias = self.masks.bias(i, d);
                    weights(&q[s], &k[kv.clone()], bias, &self.masks, d, p);
                    let (l, dh) = (d.l, d.dh);
                    product(o, false, View::dense(p, l, l), View::dense(&v[kv], l, dh));
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
        let d = Dims::of(q.shape(), k.shape())?;
        let flat = |t: &Tensor| t.flatten_all()?.to_vec1::<f32>();
        let (q, k, v, g) = (flat(q)?, flat(k)?, flat(v)?, flat(g)?);
        let n = d.l * d.dh;
        let (mut dq, mut dk, mut dv) = (
            vec![0f32; q.len()],
            vec![0f32; k.len()],
            vec![0f32; v.len()],
        );
        // One task per key/value pair: its query heads add into its dk and dv in turn.
        threads::with_threads(d.threads(), || {
            dq.par_chunks_mut(n * d.groups)
                .zip(dk.par_chunks_mut(n))
                .zip(dv.par_chunks_mut(n))
                .enumerate()
                .for_each_init(
                    || (Vec::new(), Vec::new()),
                    |(p, ds), (u, ((dq, dk), dv))| {
                        let kv = u * n..(u + 1) * n;
                        let (k, v) = (&k[kv.clone()], &v[kv]);
                        let (l, dh) = (d.l, d.dh);
                        for (h, dq) in dq.chunks_exact_mut(n).enumerate() {
                            let i = u * d.groups + h;
                            let s = i * n..(i + 1) * n;
                            let (q, g) = (&q[s.clone()], &g[s]);
                            weights(q, k, self.masks.bias(i, d), &self.masks, d, p);
                            let p = p.as_slice();
                            // dv += pᵀ·g
                            product(dv, true, View::dense(p, l, l).t(), View::dense(g, l, dh));
                            // dp = g·vᵀ, then the softmax's backward: ds = s·p ⊙ (dp − Σⱼ p·dp).
                            ds.clear();
                            ds.resize(l * l, 0.0);
                            product(ds, false, View::dense(g, l, dh), View::dense(v, l, dh).t());
                            softmax_backward_rows(ds, p, self.masks.scale, l);
                            // dq = ds·k, dk += dsᵀ·q
                            product(dq, false, View::dense(ds, l, l), View::dense(k, l, dh));
                            product(dk, true, View::dense(ds, l, l).t(), View::dense(q, l, dh));
                        }
                    },
                )
        });
        let (b, kv_heads) = (d.pairs / d.heads, d.heads / d.groups);
        let t =
            |v: Vec<f32>, heads: usize| Tensor::from_vec(v, (b, heads, d.l, d.dh), &Device::Cpu);
        Ok((
            Some(t(dq, d.heads)?),
            Some(t(dk, kv_heads)?),
            Some(t(dv, kv_heads)?),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::testing::{max_diff, weighted_grads};
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

    /// The decoder's form: causal, a padded row, three query heads per key/value head and a
    /// scale, against candle's ops with the key/value heads repeated and the decoder's mask
    /// (a query sees keys up to itself, padding keys only when the key is itself).
    #[test]
    fn causal_grouped_attention_matches_the_composed_ops() {
        let (b, heads, kv_heads, l, dh) = (2, 6, 2, 5, 4);
        let lengths = [5usize, 3];
        let scale = 0.7f32;
        let mut rng = crate::rng::Rng::new(9);
        let mut var = |h: usize| {
            let t = Tensor::from_vec(
                rng.normal_vec(b * h * l * dh, 0.0, 1.0),
                (b, h, l, dh),
                &Device::Cpu,
            );
            Var::from_tensor(&t.unwrap()).unwrap()
        };
        let (q, k, v) = (var(heads), var(kv_heads), var(kv_heads));
        let mut key_bias = vec![0f32; b * l];
        let mut mask = vec![0f32; b * l * l];
        for (r, &len) in lengths.iter().enumerate() {
            key_bias[r * l + len..(r + 1) * l].fill(-1e9);
            for i in 0..l {
                for j in 0..l {
                    if j > i || (j >= len && j != i) {
                        mask[(r * l + i) * l + j] = -1e9;
                    }
                }
            }
        }
        let mask = Tensor::from_vec(mask, (b, 1, l, l), &Device::Cpu).unwrap();
        let repeat = |t: &Tensor| {
            t.unsqueeze(2)
                .unwrap()
                .expand((b, kv_heads, heads / kv_heads, l, dh))
                .unwrap()
                .reshape((b, heads, l, dh))
                .unwrap()
        };
        let scaled_q = (q.as_tensor() * scale as f64).unwrap();
        let theirs = composed(&scaled_q, &repeat(&k), &repeat(&v), &mask);
        let ours = causal_attention(&q, &k, &v, key_bias, scale)
            .unwrap()
            .unwrap();
        let weights = Tensor::arange(0f32, (b * heads * l * dh) as f32, &Device::Cpu)
            .unwrap()
            .reshape((b, heads, l, dh))
            .unwrap()
            .affine(0.01, -0.5)
            .unwrap();
        assert!(max_diff(&ours, &theirs) < 1e-5, "outputs differ");
        let (g1, g2) = (
            weighted_grads(&ours, &weights),
            weighted_grads(&theirs, &weights),
        );
        for (x, name) in [(&q, "dq"), (&k, "dk"), (&v, "dv")] {
            let diff = max_diff(g1.get(x).unwrap(), g2.get(x).unwrap());
            assert!(diff < 1e-5, "{name} differs by {diff}");
        }
    }
}
