//! Numeric kernels at the bottom of the library: gemm and OpenBLAS calls, the fused dense op
//! (also with GELU) and its LoRA form, masked multi-head attention (on packed heads also with rotary
//! embeddings and a causal mask), layer and RMS normalisation, cross-entropy (also through a
//! language model's output projection, a block of logits at a time), SwiGLU, position
//! embeddings and weighted pooling with their backward passes, the vectorised GELU, quantised
//! (GGUF) products and cached attention for decoding, and the quantile that losses and
//! statistics share. They work on candle tensors, storages and slices only, so that every
//! module can build on them; this module imports nothing from the library above `error` and
//! `threads` (stdlib/tests/layering.rs checks it).

pub mod attention;
pub mod blas;
pub mod cached_attention;
pub mod cross_entropy;
pub mod dense;
pub mod dropout;
pub mod exp;
pub mod gelu;
pub mod head_loss;
pub mod layer_norm;
pub mod lora;
pub mod packed_attention;
pub mod pooling;
pub mod positions;
pub mod quantile;
pub mod quantised;
pub mod rms_norm;
pub mod swiglu;

thread_local! {
    static PLAIN: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether a tensor takes Ladder's kernels: f32 on the CPU, unless this thread asked for
/// candle's plain ops. Every other device (CUDA) and dtype runs the plain ops, so tests switch
/// to them on the CPU to check that path against the kernels.
pub fn takes_kernels(t: &candle_core::Tensor) -> bool {
    t.device().is_cpu() && t.dtype() == candle_core::DType::F32 && !plain_ops()
}

/// Whether this thread runs candle's plain ops instead of the kernels.
pub fn plain_ops() -> bool {
    PLAIN.with(|p| p.get())
}

/// Runs `f` with the kernels off on this thread (candle's plain ops instead): for tests and
/// benchmarks that compare the two, and for checking on the CPU the path a GPU takes.
pub fn with_plain_ops<T>(f: impl FnOnce() -> T) -> T {
    let before = PLAIN.with(|p| p.replace(true));
    let out = f();
    PLAIN.with(|p| p.set(before));
    out
}

/// The values of a contiguous f32 CPU storage; `op` names the op in the error.
pub(crate) fn f32_values<'a>(
    s: &'a candle_core::CpuStorage,
    l: &candle_core::Layout,
    op: &str,
) -> candle_core::Result<&'a [f32]> {
    match (s, l.contiguous_offsets()) {
        (candle_core::CpuStorage::F32(v), Some((a, b))) => Ok(&v[a..b]),
        _ => candle_core::bail!("{op}: expected contiguous f32 storage"),
    }
}

/// [`f32_values`] of a tensor's storage (from `storage_and_layout`), which must be on the CPU.
pub(crate) fn storage_values<'a>(
    s: &'a candle_core::Storage,
    l: &candle_core::Layout,
    op: &str,
) -> candle_core::Result<&'a [f32]> {
    match s {
        candle_core::Storage::Cpu(c) => f32_values(c, l, op),
        _ => candle_core::bail!("{op}: expected a CPU tensor"),
    }
}

/// `f(chunk index, chunk)` over chunks of `data` (`chunk` values each, the last maybe shorter),
/// on the threads the policy gives `cost` multiply-adds: for the fused ops whose rows are
/// independent, so that they use the cores the products around them use.
pub(crate) fn for_chunks(
    data: &mut [f32],
    chunk: usize,
    cost: usize,
    f: impl Fn(usize, &mut [f32]) + Sync,
) {
    on_chunks(data, chunk, cost, f)
}

/// A new vector of `len` values written by `f(chunk index, chunk)` as [`for_chunks`] would, each
/// chunk zeroed just before on the thread that writes it. Why: `vec![0.0; len]` first zeroes
/// the whole buffer on the calling thread, a full pass over memory on one core while the
/// other cores wait (several MB per op in a training step).
pub(crate) fn new_chunked(
    len: usize,
    chunk: usize,
    cost: usize,
    f: impl Fn(usize, &mut [f32]) + Sync,
) -> Vec<f32> {
    use std::mem::MaybeUninit;
    let mut out: Vec<f32> = Vec::with_capacity(len);
    on_chunks(
        &mut out.spare_capacity_mut()[..len],
        chunk,
        cost,
        |i, c: &mut [MaybeUninit<f32>]| {
            c.iter_mut().for_each(|v| {
                v.write(0.0);
            });
            // Safety: every value of `c` was just initialised, and f32 and MaybeUninit<f32>
            // share a layout.
            f(i, unsafe {
                &mut *(c as *mut [MaybeUninit<f32>] as *mut [f32])
            })
        },
    );
    // Safety: the chunks cover all `len` values and each was initialised above.
    unsafe { out.set_len(len) };
    out
}

/// The chunking and threading of [`for_chunks`] and [`new_chunked`].
fn on_chunks<T: Send>(
    data: &mut [T],
    chunk: usize,
    cost: usize,
    f: impl Fn(usize, &mut [T]) + Sync,
) {
    use rayon::prelude::*;
    let chunk = chunk.max(1);
    let threads = crate::threads::threads_for(cost);
    if threads > 1 && data.len() > chunk {
        crate::threads::with_threads(threads, || {
            data.par_chunks_mut(chunk)
                .enumerate()
                .for_each(|(i, c)| f(i, c))
        });
    } else {
        data.chunks_mut(chunk)
            .enumerate()
            .for_each(|(i, c)| f(i, c));
    }
}

/// Rows per chunk for row-wise kernels: about 2¹⁴ values a chunk, whole rows.
pub(crate) fn rows_per_chunk(row: usize) -> usize {
    ((1 << 14) / row.max(1)).max(1)
}

/// Checks shared by the fused ops' tests: each op against the candle ops it replaces.
#[cfg(test)]
pub(crate) mod testing {
    use candle_core::{backprop::GradStore, Tensor};

    /// The largest absolute difference between two tensors of one shape.
    pub fn max_diff(a: &Tensor, b: &Tensor) -> f32 {
        let d = (a - b).unwrap().abs().unwrap().flatten_all().unwrap();
        d.max(0).unwrap().to_scalar::<f32>().unwrap()
    }

    /// Gradients of Σ weights ⊙ y (weights make every output's gradient different).
    pub fn weighted_grads(y: &Tensor, weights: &Tensor) -> GradStore {
        (y * weights)
            .unwrap()
            .sum_all()
            .unwrap()
            .backward()
            .unwrap()
    }
}
