//! Multi-head attention straight from the projections' outputs, as one candle custom op for
//! f32 CPU tensors: q, k and v packed as (tokens × heads·dim), as the projections give them;
//! optionally rotary embeddings (transformers' halves layout), grouped key/value heads, a
//! causal mask; softmax(s·q·kᵀ + key bias)·v with the heads merged back into q's layout; and
//! its backward pass.
//!
//! Why: around a 4-D attention op, each of q, k and v went through a reshape, a transpose and
//! a copy to (batch, heads, len, dim), a decoder's q and k through the rotation, and the
//! output back the same way: up to fourteen graph edges a layer, and candle's autograd writes
//! every edge's gradient as zeros, then adds to it, on one thread. Here each (row, key/value
//! head) task gathers its own heads, rotates them in scratch buffers, and tasks are spread
//! over the threads the policy gives.

use super::attention::{product, softmax_backward_rows, weights, Masks};
use super::dense::View;
use crate::threads;
use candle_core::{CpuStorage, CustomOp3, Device, Layout, Result, Shape, Tensor};
use rayon::prelude::*;

/// The sizes of a batch's attention: `rows` sequences of `len` tokens, `heads` query heads
/// sharing `kv_heads` key/value heads (heads / kv_heads consecutive query heads each), each
/// `head_dim` wide.
#[derive(Clone, Copy, Debug)]
pub struct Geometry {
    pub rows: usize,
    pub len: usize,
    pub heads: usize,
    pub kv_heads: usize,
    pub head_dim: usize,
}

/// The rotation of every position: cos and sin (len × head_dim / 2 each) of position × frequency.
pub struct Rotation<'a> {
    pub cos: &'a [f32],
    pub sin: &'a [f32],
}

/// What the scores get besides the product: a scale, a key bias (rows × len: 0 for a token,
/// −1e9 for padding), and for a decoder the causal mask and the rotation of q and k.
pub struct Options<'a> {
    pub scale: f32,
    pub key_bias: Vec<f32>,
    /// Query i sees keys 0..=i, the key bias added to keys before i only (so that a padding
    /// query still sees itself and every row of weights has a finite entry).
    pub causal: bool,
    pub rotation: Option<Rotation<'a>>,
}

/// softmax(s·rot(q)·rot(k)ᵀ + masks)·v for q (rows·len × heads·head_dim, any leading shape)
/// and k, v (rows·len × kv_heads·head_dim); the result has q's shape. `None` where the op does
/// not apply (not f32 on the CPU).
pub fn packed_attention(
    q: &Tensor,
    k: &Tensor,
    v: &Tensor,
    g: Geometry,
    options: Options,
) -> Result<Option<Tensor>> {
    let ok = super::takes_kernels;
    if !(ok(q) && ok(k) && ok(v)) {
        return Ok(None);
    }
    let tokens = g.rows * g.len;
    let half = g.head_dim / 2;
    let packed = |t: &Tensor, heads: usize| {
        t.elem_count() == tokens * heads * g.head_dim
            && t.dims().last() == Some(&(heads * g.head_dim))
    };
    let rotation_fits = options.rotation.as_ref().is_none_or(|r| {
        g.head_dim.is_multiple_of(2) && r.cos.len() >= g.len * half && r.sin.len() >= g.len * half
    });
    let agree = g.kv_heads > 0
        && g.heads.is_multiple_of(g.kv_heads)
        && packed(q, g.heads)
        && packed(k, g.kv_heads)
        && k.dims() == v.dims()
        && options.key_bias.len() == tokens
        && rotation_fits;
    if !agree {
        candle_core::bail!(
            "attention: q {:?}, k {:?}, v {:?} and {} key biases do not fit {g:?}",
            q.dims(),
            k.dims(),
            v.dims(),
            options.key_bias.len(),
        );
    }
    let table = |t: &[f32]| t[..g.len * half].to_vec();
    let op = PackedAttention {
        g,
        rotation: options.rotation.map(|r| (table(r.cos), table(r.sin))),
        masks: Masks {
            key_bias: options.key_bias,
            causal: options.causal,
            scale: options.scale,
        },
    };
    let (q, k, v) = (q.contiguous()?, k.contiguous()?, v.contiguous()?);
    Ok(Some(q.apply_op3(&k, &v, op)?))
}

struct PackedAttention {
    g: Geometry,
    /// cos and sin (len × head_dim / 2) when q and k are rotated.
    rotation: Option<(Vec<f32>, Vec<f32>)>,
    masks: Masks,
}

impl PackedAttention {
    /// Head `head` of sequence `row` from a (tokens × heads·dim) matrix, as len × dim rows.
    fn gather(&self, x: &[f32], heads: usize, row: usize, head: usize, out: &mut Vec<f32>) {
        let (l, d) = (self.g.len, self.g.head_dim);
        out.clear();
        for t in 0..l {
            out.extend_from_slice(&x[((row * l + t) * heads + head) * d..][..d]);
        }
    }

    /// The inverse of `gather`: rows of `src` (len × dim) into head `head` of sequence `row`.
    fn scatter(&self, src: &[f32], dst: &mut [f32], heads: usize, row: usize, head: usize) {
        let (l, d) = (self.g.len, self.g.head_dim);
        for (t, s) in src.chunks_exact(d).enumerate() {
            dst[((row * l + t) * heads + head) * d..][..d].copy_from_slice(s);
        }
    }

    /// Rotates each row (a position) of x (len × dim) in place, if the op rotates; `sign` −1
    /// rotates back, which is also the rotation's gradient (it is orthogonal).
    fn rotate(&self, x: &mut [f32], sign: f32) {
        let Some((cos, sin)) = &self.rotation else {
            return;
        };
        let h = self.g.head_dim / 2;
        for (t, row) in x.chunks_exact_mut(2 * h).enumerate() {
            let (cos, sin) = (&cos[t * h..][..h], &sin[t * h..][..h]);
            let (x1, x2) = row.split_at_mut(h);
            for i in 0..h {
                let (a, b, s) = (x1[i], x2[i], sign * sin[i]);
                x1[i] = a * cos[i] - b * s;
                x2[i] = b * cos[i] + a * s;
            }
        }
    }

    /// A head, gathered, then rotated if the op rotates.
    fn rotated(&self, x: &[f32], heads: usize, row: usize, head: usize, out: &mut Vec<f32>) {
        self.gather(x, heads, row, head, out);
        self.rotate(out, 1.0);
    }

    fn groups(&self) -> usize {
        self.g.heads / self.g.kv_heads
    }

    /// Threads for the op: its products count 2·len²·dim per query head and row.
    fn threads(&self) -> usize {
        let g = self.g;
        threads::threads_for(g.rows * g.heads * 2 * g.len * g.len * g.head_dim)
    }

    fn bias(&self, row: usize) -> &[f32] {
        &self.masks.key_bias[row * self.g.len..][..self.g.len]
    }
}

/// Per-task scratch: rotated keys, values, a rotated query, the weights, their gradient.
#[derive(Default)]
struct Scratch {
    k: Vec<f32>,
    v: Vec<f32>,
    q: Vec<f32>,
    p: Vec<f32>,
    ds: Vec<f32>,
}

fn f32s<'a>(s: &'a CpuStorage, l: &Layout) -> Result<&'a [f32]> {
    super::f32_values(s, l, "attention")
}

impl CustomOp3 for PackedAttention {
    fn name(&self) -> &'static str {
        "packed_attention"
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
        let (q, k, v) = (f32s(qs, ql)?, f32s(ks, kl)?, f32s(vs, vl)?);
        let g = self.g;
        let (l, d, groups) = (g.len, g.head_dim, self.groups());
        // One task per (row, key/value head): its query heads' outputs, one after another.
        let parts: Vec<Vec<f32>> = threads::with_threads(self.threads(), || {
            (0..g.rows * g.kv_heads)
                .into_par_iter()
                .map_init(Scratch::default, |s, task| {
                    let (row, kv) = (task / g.kv_heads, task % g.kv_heads);
                    self.rotated(k, g.kv_heads, row, kv, &mut s.k);
                    self.gather(v, g.kv_heads, row, kv, &mut s.v);
                    let mut out = vec![0f32; groups * l * d];
                    for (j, o) in out.chunks_exact_mut(l * d).enumerate() {
                        self.rotated(q, g.heads, row, kv * groups + j, &mut s.q);
                        weights(&s.q, &s.k, self.bias(row), &self.masks, d, &mut s.p);
                        product(o, false, View::dense(&s.p, l, l), View::dense(&s.v, l, d));
                    }
                    out
                })
                .collect()
        });
        let mut out = vec![0f32; q.len()];
        for (task, part) in parts.iter().enumerate() {
            let (row, kv) = (task / g.kv_heads, task % g.kv_heads);
            for (j, o) in part.chunks_exact(l * d).enumerate() {
                self.scatter(o, &mut out, g.heads, row, kv * groups + j);
            }
        }
        Ok((CpuStorage::F32(out), ql.shape().clone()))
    }

    fn bwd(
        &self,
        q: &Tensor,
        k: &Tensor,
        v: &Tensor,
        _out: &Tensor,
        grad: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let grad = grad.contiguous()?;
        let shapes = [q, k, v].map(|t| t.shape().clone());
        let storages = [q, k, v, &grad].map(|t| t.storage_and_layout());
        let mut values = Vec::with_capacity(4);
        for (s, l) in &storages {
            let candle_core::Storage::Cpu(c) = &**s else {
                candle_core::bail!("attention: backward expects CPU tensors")
            };
            values.push(f32s(c, l)?);
        }
        let (q, k, v, gr) = (values[0], values[1], values[2], values[3]);
        let g = self.g;
        let (l, d, groups) = (g.len, g.head_dim, self.groups());
        // Per task: the gradients of its query heads, then of its key head and value head.
        let parts: Vec<Vec<f32>> = threads::with_threads(self.threads(), || {
            (0..g.rows * g.kv_heads)
                .into_par_iter()
                .map_init(
                    || (Scratch::default(), Vec::new()),
                    |(s, gh), task| {
                        let (row, kv) = (task / g.kv_heads, task % g.kv_heads);
                        self.rotated(k, g.kv_heads, row, kv, &mut s.k);
                        self.gather(v, g.kv_heads, row, kv, &mut s.v);
                        let mut out = vec![0f32; (groups + 2) * l * d];
                        let (dq, rest) = out.split_at_mut(groups * l * d);
                        let (dk, dv) = rest.split_at_mut(l * d);
                        for (j, dq) in dq.chunks_exact_mut(l * d).enumerate() {
                            let head = kv * groups + j;
                            self.rotated(q, g.heads, row, head, &mut s.q);
                            self.gather(gr, g.heads, row, head, gh);
                            weights(&s.q, &s.k, self.bias(row), &self.masks, d, &mut s.p);
                            let p = s.p.as_slice();
                            // dv += pᵀ·g
                            product(dv, true, View::dense(p, l, l).t(), View::dense(gh, l, d));
                            // ds = s·p ⊙ (g·vᵀ − Σⱼ p·(g·vᵀ))
                            s.ds.clear();
                            s.ds.resize(l * l, 0.0);
                            let (gv, vv) = (View::dense(gh, l, d), View::dense(&s.v, l, d));
                            product(&mut s.ds, false, gv, vv.t());
                            softmax_backward_rows(&mut s.ds, p, self.masks.scale, l);
                            // d rot(q) = ds·rot(k), rotated back; d rot(k) += dsᵀ·rot(q)
                            let ds = View::dense(&s.ds, l, l);
                            product(dq, false, ds, View::dense(&s.k, l, d));
                            self.rotate(dq, -1.0);
                            product(dk, true, ds.t(), View::dense(&s.q, l, d));
                        }
                        self.rotate(dk, -1.0);
                        out
                    },
                )
                .collect()
        });
        let (mut dq, mut dk, mut dv) = (
            vec![0f32; q.len()],
            vec![0f32; k.len()],
            vec![0f32; v.len()],
        );
        for (task, part) in parts.iter().enumerate() {
            let (row, kv) = (task / g.kv_heads, task % g.kv_heads);
            let mut heads = part.chunks_exact(l * d);
            for j in 0..groups {
                let head = kv * groups + j;
                self.scatter(heads.next().unwrap_or(&[]), &mut dq, g.heads, row, head);
            }
            let (k_part, v_part) = (heads.next().unwrap_or(&[]), heads.next().unwrap_or(&[]));
            self.scatter(k_part, &mut dk, g.kv_heads, row, kv);
            self.scatter(v_part, &mut dv, g.kv_heads, row, kv);
        }
        let [qs, ks, vs] = shapes;
        let dev = Device::Cpu;
        Ok((
            Some(Tensor::from_vec(dq, qs, &dev)?),
            Some(Tensor::from_vec(dk, ks, &dev)?),
            Some(Tensor::from_vec(dv, vs, &dev)?),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::testing::{max_diff, weighted_grads};
    use candle_core::{Var, D};

    /// Outputs within 1e-5, and the gradients of q, k and v within 1e-5 under a loss that weighs
    /// every output differently.
    fn assert_same_values_and_gradients(ours: &Tensor, theirs: &Tensor, qkv: [&Var; 3]) {
        assert!(max_diff(ours, theirs) < 1e-5, "outputs differ");
        let weights = Tensor::arange(0f32, ours.elem_count() as f32, &Device::Cpu)
            .unwrap()
            .reshape(ours.shape())
            .unwrap()
            .affine(0.01, -0.5)
            .unwrap();
        let (g1, g2) = (
            weighted_grads(ours, &weights),
            weighted_grads(theirs, &weights),
        );
        for (x, name) in qkv.into_iter().zip(["dq", "dk", "dv"]) {
            let diff = max_diff(g1.get(x).unwrap(), g2.get(x).unwrap());
            assert!(diff < 1e-5, "{name} differs by {diff}");
        }
    }

    /// The op against candle's own ops (heads split by reshape and transpose, rotation from
    /// narrow and concatenate, key/value heads repeated, the decoder's full mask, softmax and
    /// products): outputs and the gradients of q, k and v, with a padded row and three query
    /// heads per key/value head.
    #[test]
    fn matches_the_composed_ops() {
        let g = Geometry {
            rows: 2,
            len: 5,
            heads: 6,
            kv_heads: 2,
            head_dim: 4,
        };
        let (tokens, half, lengths, scale) = (g.rows * g.len, g.head_dim / 2, [5usize, 3], 0.7f32);
        let mut rng = crate::rng::Rng::new(11);
        let mut var = |cols: usize| {
            let values = rng.normal_vec(tokens * cols, 0.0, 1.0);
            Var::from_tensor(&Tensor::from_vec(values, (tokens, cols), &Device::Cpu).unwrap())
                .unwrap()
        };
        let (q, k, v) = (
            var(g.heads * g.head_dim),
            var(g.kv_heads * g.head_dim),
            var(g.kv_heads * g.head_dim),
        );
        let angles: Vec<f32> = (0..g.len * half)
            .map(|i| (i / half) as f32 * 0.3f32.powi((i % half) as i32))
            .collect();
        let cos: Vec<f32> = angles.iter().map(|a| a.cos()).collect();
        let sin: Vec<f32> = angles.iter().map(|a| a.sin()).collect();
        let mut key_bias = vec![0f32; tokens];
        let mut mask = vec![0f32; g.rows * g.len * g.len];
        for (r, &len) in lengths.iter().enumerate() {
            key_bias[r * g.len + len..(r + 1) * g.len].fill(-1e9);
            for i in 0..g.len {
                for j in 0..g.len {
                    if j > i || (j >= len && j != i) {
                        mask[(r * g.len + i) * g.len + j] = -1e9;
                    }
                }
            }
        }
        let options = Options {
            scale,
            key_bias,
            causal: true,
            rotation: Some(Rotation {
                cos: &cos,
                sin: &sin,
            }),
        };
        let ours = packed_attention(&q, &k, &v, g, options).unwrap().unwrap();

        let dev = Device::Cpu;
        let table = |t: &[f32]| Tensor::from_vec(t.to_vec(), (g.len, half), &dev).unwrap();
        let (cos_t, sin_t) = (table(&cos), table(&sin));
        let split = |t: &Tensor, heads: usize| {
            t.reshape((g.rows, g.len, heads, g.head_dim))
                .unwrap()
                .transpose(1, 2)
                .unwrap()
        };
        let rotate = |t: &Tensor| {
            let (x1, x2) = (
                t.narrow(D::Minus1, 0, half).unwrap(),
                t.narrow(D::Minus1, half, half).unwrap(),
            );
            let a =
                (x1.broadcast_mul(&cos_t).unwrap() - x2.broadcast_mul(&sin_t).unwrap()).unwrap();
            let b =
                (x2.broadcast_mul(&cos_t).unwrap() + x1.broadcast_mul(&sin_t).unwrap()).unwrap();
            Tensor::cat(&[&a, &b], D::Minus1).unwrap()
        };
        let repeat = |t: &Tensor| {
            t.unsqueeze(2)
                .unwrap()
                .expand((g.rows, g.kv_heads, g.heads / g.kv_heads, g.len, g.head_dim))
                .unwrap()
                .reshape((g.rows, g.heads, g.len, g.head_dim))
                .unwrap()
        };
        let qh = rotate(&split(&q, g.heads));
        let kh = repeat(&rotate(&split(&k, g.kv_heads)));
        let vh = repeat(&split(&v, g.kv_heads));
        let mask = Tensor::from_vec(mask, (g.rows, 1, g.len, g.len), &dev).unwrap();
        let scores = (qh.matmul(&kh.t().unwrap()).unwrap() * scale as f64)
            .unwrap()
            .broadcast_add(&mask)
            .unwrap();
        let theirs = candle_nn::ops::softmax(&scores, D::Minus1)
            .unwrap()
            .matmul(&vh)
            .unwrap()
            .transpose(1, 2)
            .unwrap()
            .reshape((tokens, g.heads * g.head_dim))
            .unwrap();

        assert_same_values_and_gradients(&ours, &theirs, [&q, &k, &v]);
    }

    /// The encoder's form (no rotation, no causal mask, one key/value head per query head, q, k
    /// and v as (batch, len, dim)) against the 4-D op it replaces, which is itself checked
    /// against candle's ops: outputs and gradients.
    #[test]
    fn the_encoder_form_matches_the_four_dimensional_op() {
        let (b, l, heads, dh) = (2, 6, 3, 4);
        let mut rng = crate::rng::Rng::new(5);
        let mut var = || {
            let values = rng.normal_vec(b * l * heads * dh, 0.0, 1.0);
            let t = Tensor::from_vec(values, (b, l, heads * dh), &Device::Cpu).unwrap();
            Var::from_tensor(&t).unwrap()
        };
        let (q, k, v) = (var(), var(), var());
        let mut key_bias = vec![0f32; b * l];
        key_bias[l + 4..].fill(-1e9);
        let scale = 0.5f32;
        let g = Geometry {
            rows: b,
            len: l,
            heads,
            kv_heads: heads,
            head_dim: dh,
        };
        let options = Options {
            scale,
            key_bias: key_bias.clone(),
            causal: false,
            rotation: None,
        };
        let ours = packed_attention(&q, &k, &v, g, options).unwrap().unwrap();
        let split = |t: &Tensor| {
            t.reshape((b, l, heads, dh))
                .unwrap()
                .transpose(1, 2)
                .unwrap()
                .contiguous()
                .unwrap()
        };
        let scaled_q = (split(&q) * scale as f64).unwrap();
        let theirs =
            crate::kernels::attention::attention(&scaled_q, &split(&k), &split(&v), key_bias)
                .unwrap()
                .unwrap()
                .transpose(1, 2)
                .unwrap()
                .reshape((b, l, heads * dh))
                .unwrap();
        assert_same_values_and_gradients(&ours, &theirs, [&q, &k, &v]);
    }
}
