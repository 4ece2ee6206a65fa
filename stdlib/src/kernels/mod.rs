//! Numeric kernels at the bottom of the library: gemm calls, the fused dense op, masked
//! multi-head attention and layer normalisation with their backward passes, the vectorised
//! GELU, and the quantile that losses and statistics share. They work on candle tensors,
//! storages and slices only, so that every module can build on them; this module imports
//! nothing from the library above `error` and `threads` (stdlib/tests/layering.rs checks it).

pub mod attention;
pub mod cached_attention;
pub mod dense;
pub mod exp;
pub mod gelu;
pub mod layer_norm;
pub mod quantile;
pub mod quantised;

/// `f` over matching chunks of `dst` and `src` (`chunk` values each, the last maybe shorter),
/// spread over the threads the policy gives `cost` multiply-adds when there are at least two
/// chunks; otherwise one call on this thread. For element- and row-wise kernels, whose work
/// would otherwise stay on one core while the products around them use all.
pub(crate) fn map_chunks(
    dst: &mut [f32],
    src: &[f32],
    chunk: usize,
    cost: usize,
    f: impl Fn(&mut [f32], &[f32]) + Sync,
) {
    use rayon::prelude::*;
    let threads = crate::threads::threads_for(cost);
    if threads > 1 && src.len() >= 2 * chunk {
        crate::threads::with_threads(threads, || {
            dst.par_chunks_mut(chunk)
                .zip(src.par_chunks(chunk))
                .for_each(|(d, s)| f(d, s))
        });
    } else {
        f(dst, src);
    }
}
