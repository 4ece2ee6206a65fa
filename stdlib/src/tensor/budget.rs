//! Tensors whose size the script chooses ask the session's memory budget (`max_memory`)
//! before they are allocated: Rust cannot recover from a failed allocation, so
//! `zeros([200000, 200000])` would otherwise abort the process and every variable with it.

use crate::error::{Error, Result};
use candle_core::DType;
use ladder_scripting::memory;

/// Refuse a `dims` tensor of `dtype` that alone would take the process over `max_memory`;
/// `what` names the call in the error, which also gives the shape, the bytes and the budget.
pub fn check(what: &str, dims: &[usize], dtype: DType) -> Result<()> {
    let bytes = dims
        .iter()
        .try_fold(dtype.size_in_bytes(), |n, &d| n.checked_mul(d));
    let tensor = format!("{what}: a {dims:?} {} tensor", dtype.as_str());
    match bytes {
        None => Err(Error::Memory(format!(
            "{tensor} has more bytes than a machine can address (max_memory)"
        ))),
        Some(bytes) => match memory::over_budget(bytes) {
            Some(budget) => Err(Error::Memory(memory::refusal(&tensor, bytes, budget))),
            None => Ok(()),
        },
    }
}

/// [`check`] for the f32 tensors most constructors make.
pub fn check_f32(what: &str, dims: &[usize]) -> Result<()> {
    check(what, dims, DType::F32)
}
