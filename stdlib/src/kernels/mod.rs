//! Numeric kernels at the bottom of the library: gemm calls, the fused dense op and its
//! backward, the vectorised GELU. They work on candle tensors and storages only, so that
//! `tensor` and `nn` can both build on them; this module imports nothing from the library
//! above `error` and `threads` (stdlib/tests/layering.rs checks it).

pub mod dense;
pub mod gelu;
