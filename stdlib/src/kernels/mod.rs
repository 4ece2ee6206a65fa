//! Numeric kernels at the bottom of the library: gemm calls, the fused dense op, masked
//! multi-head attention and layer normalisation with their backward passes, the vectorised
//! GELU, and the quantile that losses and statistics share. They work on candle tensors,
//! storages and slices only, so that every module can build on them; this module imports
//! nothing from the library above `error` and `threads` (stdlib/tests/layering.rs checks it).

pub mod attention;
pub mod dense;
pub mod exp;
pub mod gelu;
pub mod layer_norm;
pub mod quantile;
