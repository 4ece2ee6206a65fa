//! Causal grouped-query attention of new positions against a key/value cache, for decoding
//! language models. Why not candle's ops: a decoding step is 30 layers of a 9 × 64 query
//! against a few hundred keys; composed from candle's rotary, repeat, matmul and softmax ops it
//! took 3 ms of a 10 ms step, in copies and per-op overhead rather than arithmetic.

use rayon::prelude::*;

/// Heads of a query row (`heads` × `dim`) and of a cached key or value row (`kv_heads` × `dim`).
#[derive(Clone, Copy, Debug)]
pub struct Heads {
    pub heads: usize,
    pub kv_heads: usize,
    pub dim: usize,
}

/// How a head's elements pair up for rotary embeddings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RotaryPairs {
    /// Elements 2i and 2i + 1 (llama.cpp's Llama layout, its Q/K rows permuted).
    Interleaved,
    /// Elements i and i + dim/2 (Qwen2's, transformers' layout).
    Halves,
}

/// Rotary embeddings for positions start..start + len: the cos and sin of each position at each
/// pair's frequency base^(−2i/dim), computed once per forward pass for every layer's queries
/// and keys.
pub struct Rotary {
    pairs: RotaryPairs,
    /// (len × dim/2) each.
    cos: Vec<f32>,
    sin: Vec<f32>,
    half: usize,
}

impl Rotary {
    pub fn new(start: usize, len: usize, dim: usize, base: f32, pairs: RotaryPairs) -> Rotary {
        let half = dim / 2;
        let inv: Vec<f32> = (0..half)
            .map(|i| 1.0 / base.powf((2 * i) as f32 / dim as f32))
            .collect();
        let (sin, cos) = (start..start + len)
            .flat_map(|p| inv.iter().map(move |f| (p as f32 * f).sin_cos()))
            .unzip();
        Rotary {
            pairs,
            cos,
            sin,
            half,
        }
    }

    /// Rotates each head of each row of `x` (rows × count·dim, row r at position start + r) in
    /// place.
    pub fn apply(&self, x: &mut [f32], count: usize) {
        let (h, dim) = (self.half, 2 * self.half);
        for (r, row) in x.chunks_mut(count * dim).enumerate() {
            let (cos, sin) = (&self.cos[r * h..][..h], &self.sin[r * h..][..h]);
            for head in row.chunks_mut(dim) {
                for i in 0..h {
                    let (j, k) = match self.pairs {
                        RotaryPairs::Interleaved => (2 * i, 2 * i + 1),
                        RotaryPairs::Halves => (i, i + h),
                    };
                    let (a, b) = (head[j], head[k]);
                    head[j] = a * cos[i] - b * sin[i];
                    head[k] = a * sin[i] + b * cos[i];
                }
            }
        }
    }
}

/// Below this many multiply-adds a decoding step's attention stays on one thread (sharing it
/// costs more than it saves).
const MIN_PARALLEL_MACS: usize = 1 << 14;

/// out (len × heads·dim) for queries q (len × heads·dim) at positions start..start + len, against
/// keys and values (positions × kv_heads·dim, at least start + len positions): query i sees
/// positions 0..=start + i; query head h reads key/value head h / (heads / kv_heads).
pub fn attend(
    q: &[f32],
    keys: &[f32],
    values: &[f32],
    shape: Heads,
    start: usize,
    out: &mut [f32],
) {
    let Heads {
        heads,
        kv_heads,
        dim,
    } = shape;
    let (width, kv_width) = (heads * dim, kv_heads * dim);
    let groups = heads / kv_heads;
    let scale = 1.0 / (dim as f32).sqrt();
    // Head h of a query that sees `seen` positions, into oh; `scores` is scratch space.
    let head = |h: usize, qh: &[f32], oh: &mut [f32], seen: usize, scores: &mut Vec<f32>| {
        let g = h / groups;
        scores.clear();
        scores.resize(seen, 0.0);
        let mut max = f32::NEG_INFINITY;
        for (j, s) in scores.iter_mut().enumerate() {
            *s = dot(qh, &keys[j * kv_width + g * dim..][..dim]) * scale;
            max = max.max(*s);
        }
        let mut total = 0f32;
        for s in scores.iter_mut() {
            *s = (*s - max).exp();
            total += *s;
        }
        oh.fill(0.0);
        for (j, &p) in scores.iter().enumerate() {
            let w = p / total;
            let v = &values[j * kv_width + g * dim..][..dim];
            oh.iter_mut().zip(v).for_each(|(a, b)| *a += w * b);
        }
    };
    let row = |(i, (o, qr)): (usize, (&mut [f32], &[f32]))| {
        let mut scores = Vec::new();
        for (h, oh) in o.chunks_mut(dim).enumerate() {
            head(
                h,
                &qr[h * dim..(h + 1) * dim],
                oh,
                start + i + 1,
                &mut scores,
            );
        }
    };
    let len = q.len() / width;
    let parallel = rayon::current_num_threads() > 1;
    if len > 1 && parallel {
        out.par_chunks_mut(width)
            .zip(q.par_chunks(width))
            .enumerate()
            .for_each(row);
    } else if len == 1 && parallel && heads * (start + 1) * dim >= MIN_PARALLEL_MACS {
        // One query (a decoding step): its heads are the work to share. Serial, they were
        // 12-18% of a SmolLM2 step on two threads with the cache at 128-192 positions.
        out.par_chunks_mut(dim)
            .enumerate()
            .for_each_init(Vec::new, |scores, (h, oh)| {
                head(h, &q[h * dim..(h + 1) * dim], oh, start + 1, scores)
            });
    } else {
        out.chunks_mut(width)
            .zip(q.chunks(width))
            .enumerate()
            .for_each(row);
    }
    debug_assert_eq!(len * width, out.len());
}

/// Eight partial sums, so that the compiler vectorises the loop.
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for k in 0..8 {
            acc[k] += x[k] * y[k];
        }
    }
    acc.iter().sum::<f32>() + tail
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, Tensor};

    fn values(n: usize, seed: usize) -> Vec<f32> {
        (0..n)
            .map(|i| (((i * 31 + seed * 17) % 97) as f32 - 48.0) / 30.0)
            .collect()
    }

    /// The same attention from candle's ops: scores, causal mask, softmax, weighted values.
    fn reference(q: &[f32], k: &[f32], v: &[f32], s: Heads, start: usize) -> Vec<f32> {
        let dev = Device::Cpu;
        let len = q.len() / (s.heads * s.dim);
        let total = start + len;
        let groups = s.heads / s.kv_heads;
        let q = Tensor::from_slice(q, (len, s.heads, s.dim), &dev).unwrap();
        let kv = |t: &[f32]| {
            Tensor::from_slice(t, (total, s.kv_heads, 1, s.dim), &dev)
                .unwrap()
                .repeat((1, 1, groups, 1))
                .unwrap()
                .reshape((total, s.heads, s.dim))
                .unwrap()
                .transpose(0, 1)
                .unwrap()
        };
        let (k, v) = (kv(k), kv(v));
        let q = q.transpose(0, 1).unwrap();
        let scores = (q.matmul(&k.t().unwrap()).unwrap() / (s.dim as f64).sqrt()).unwrap();
        let mask: Vec<f32> = (0..len)
            .flat_map(|i| (0..total).map(move |j| if j > start + i { -1e30 } else { 0.0 }))
            .collect();
        let mask = Tensor::from_vec(mask, (len, total), &dev).unwrap();
        let p = candle_nn::ops::softmax_last_dim(&scores.broadcast_add(&mask).unwrap()).unwrap();
        p.matmul(&v.contiguous().unwrap())
            .unwrap()
            .transpose(0, 1)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap()
    }

    #[test]
    fn cached_attention_matches_masked_softmax_attention() {
        let s = Heads {
            heads: 6,
            kv_heads: 2,
            dim: 12,
        };
        // (300, 1): a decoding step long enough to share its heads between threads.
        for (start, len) in [(0, 5), (7, 1), (4, 3), (300, 1)] {
            let q = values(len * 72, 1);
            let k = values((start + len) * 24, 2);
            let v = values((start + len) * 24, 3);
            let want = reference(&q, &k, &v, s, start);
            for threads in [1, 2] {
                let mut out = vec![0f32; len * 72];
                crate::threads::with_threads(threads, || attend(&q, &k, &v, s, start, &mut out));
                for (a, b) in out.iter().zip(&want) {
                    assert!((a - b).abs() < 1e-5, "{a} vs {b} (start {start})");
                }
            }
        }
    }

    #[test]
    fn interleaved_rotation_matches_candles() {
        let (rows, count, dim, start) = (3, 2, 8, 5);
        let mut x = values(rows * count * dim, 4);
        let t = Tensor::from_slice(&x, (1, rows, count, dim), &Device::Cpu)
            .unwrap()
            .transpose(1, 2)
            .unwrap()
            .contiguous()
            .unwrap();
        let inv: Vec<f32> = (0..dim / 2)
            .map(|i| 1.0 / 10_000f32.powf((2 * i) as f32 / dim as f32))
            .collect();
        let angles: Vec<f32> = (start..start + rows)
            .flat_map(|p| inv.iter().map(move |f| p as f32 * f))
            .collect();
        let a = Tensor::from_vec(angles, (rows, dim / 2), &Device::Cpu).unwrap();
        let want = candle_nn::rotary_emb::rope_i(&t, &a.cos().unwrap(), &a.sin().unwrap())
            .unwrap()
            .transpose(1, 2)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1::<f32>()
            .unwrap();
        Rotary::new(start, rows, dim, 10_000.0, RotaryPairs::Interleaved).apply(&mut x, count);
        for (a, b) in x.iter().zip(&want) {
            assert!((a - b).abs() < 1e-5, "{a} vs {b}");
        }
    }
}
