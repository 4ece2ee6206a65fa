//! The `Tensor` type: a thin wrapper over candle's tensor with numpy-like rules
//! (broadcasting, dtype promotion, negative axes) and errors that name the operation and
//! both shapes.

pub mod bindings;
pub mod budget;
pub mod build;
pub mod device;
pub mod ops;
pub mod render;

use candle_core::DType;
use std::ops::Deref;

/// A tensor as Rhai scripts see it. Cloning is cheap (candle tensors share storage).
#[derive(Clone, Debug)]
pub struct Tensor(pub candle_core::Tensor);

impl Deref for Tensor {
    type Target = candle_core::Tensor;
    fn deref(&self) -> &candle_core::Tensor {
        &self.0
    }
}

impl From<candle_core::Tensor> for Tensor {
    fn from(t: candle_core::Tensor) -> Self {
        Tensor(t)
    }
}

/// The user-facing name of a dtype (`f32`, `i64`, ...).
pub fn dtype_name(dtype: DType) -> &'static str {
    dtype.as_str()
}

/// Parse a dtype name as users write it.
pub fn parse_dtype(name: &str) -> crate::error::Result<DType> {
    Ok(match name {
        "f32" | "float32" | "float" => DType::F32,
        "f64" | "float64" | "double" => DType::F64,
        "f16" | "float16" => DType::F16,
        "bf16" | "bfloat16" => DType::BF16,
        "i64" | "int64" | "int" => DType::I64,
        "u32" | "uint32" => DType::U32,
        "u8" | "uint8" | "bool" => DType::U8,
        other => crate::bail!(
            "unknown dtype \"{other}\" (expected one of f32, f64, f16, bf16, i64, u32, u8)"
        ),
    })
}

/// Shape as `[2, 3]`.
pub fn shape_str(t: &candle_core::Tensor) -> String {
    format!("{:?}", t.dims())
}
