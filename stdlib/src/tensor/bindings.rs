//! The `tensor` Rhai module: constructors, operators, math, reductions, indexing, shape
//! changes and properties. Each function is a thin wrapper over `build` and `ops`.

use super::build::{self, shape_from_dynamic};
use super::ops::{self, BinOp, CmpOp, Reduce, Unary};
use super::{device, dtype_name, parse_dtype, Tensor};
use crate::bind;
use crate::error::RhaiResult;
use candle_core::{DType, Device};
use ladder_scripting::rhai::{Array, Dynamic, Engine, FLOAT, INT};
use ladder_scripting::Renderers;
use std::ops::{Range, RangeInclusive};

crate::type_names! {
    Tensor => "Tensor",
    DeviceHandle => "Device",
}

/// A user-visible device handle (`device("cpu")`).
#[derive(Clone, Debug)]
pub struct DeviceHandle(pub Device);

impl ladder_scripting::Render for DeviceHandle {
    fn mime_bundle(&self) -> ladder_scripting::MimeBundle {
        ladder_scripting::MimeBundle::text(format!("device(\"{}\")", device::device_name(&self.0)))
    }
}

fn seed(s: INT) -> u64 {
    s as u64
}

/// A count argument (`linspace`'s n, `eye`'s size): refused when negative, as `zeros` refuses a
/// negative dimension, rather than clamped to an empty tensor.
fn count(n: INT, what: &str) -> crate::error::Result<usize> {
    if n < 0 {
        return Err(crate::error::Error::new(format!(
            "{what}: n must not be negative, got {n}"
        )));
    }
    Ok(n as usize)
}

fn tensors(items: &Array, what: &str) -> RhaiResult<Vec<Tensor>> {
    items
        .iter()
        .enumerate()
        .map(|(i, v)| match v.clone().try_cast::<Tensor>() {
            Some(t) => Ok(t),
            None => {
                build::from_dynamic(v, None).map_err(|e| format!("{what}: item {i}: {e}").into())
            }
        })
        .collect()
}

fn ints(items: &Array, what: &str) -> RhaiResult<Vec<i64>> {
    items
        .iter()
        .map(|v| {
            v.as_int()
                .map_err(|t| format!("{what}: expected integers, found {t}").into())
        })
        .collect()
}

/// What `x[i]` returns: a number for 1-D tensors, otherwise a tensor.
fn scalar_or_tensor(t: Tensor) -> RhaiResult<Dynamic> {
    if t.rank() == 0 {
        let v = ops::item(&t)?;
        Ok(if t.dtype().is_float() {
            Dynamic::from_float(v)
        } else {
            Dynamic::from_int(v as INT)
        })
    } else {
        Ok(Dynamic::from(t))
    }
}

pub fn register(engine: &mut Engine, renderers: &mut Renderers) {
    crate::doc::register_rendered::<Tensor>(engine, renderers);
    crate::doc::register_rendered::<DeviceHandle>(engine, renderers);
    constructors(engine);
    operators(engine);
    math(engine);
    reductions(engine);
    shapes(engine);
    properties(engine);
}

fn constructors(engine: &mut Engine) {
    bind!(engine,
        /// A tensor from a (nested) array of numbers: floats give f32, integers i64, booleans u8.
        /// Example: `tensor([[1.0, 2.0], [3.0, 4.0]])`
        fn tensor(values: Array) -> RhaiResult<Tensor> { Ok(build::from_dynamic(&Dynamic::from_array(values), None)?) }

        /// A tensor from a (nested) array with an explicit dtype ("f32", "f64", "i64", "u32", "u8").
        fn tensor(values: Array, dtype: &str) -> RhaiResult<Tensor> { Ok(build::from_dynamic(&Dynamic::from_array(values), Some(parse_dtype(dtype)?))?) }

        /// An i64 tensor holding a range: `tensor(0..5)`.
        fn tensor(range: Range<INT>) -> RhaiResult<Tensor> {
            Ok(build::arange(range.start as f64, range.end as f64, 1.0, true)?)
        }

        /// An i64 tensor holding an inclusive range: `tensor(0..=5)`.
        fn tensor(range: RangeInclusive<INT>) -> RhaiResult<Tensor> {
            Ok(build::arange(
                *range.start() as f64,
                *range.end() as f64 + 1.0,
                1.0,
                true,
            )?)
        }

        /// A 0-d f32 tensor holding one number.
        fn tensor(value: FLOAT) -> RhaiResult<Tensor> {
            Ok(Tensor(
                candle_core::Tensor::new(value as f32, &Device::Cpu)
                    .map_err(crate::error::Error::from)?,
            ))
        }

        /// An f32 tensor of zeros: `zeros([2, 3])`.
        fn zeros(shape: Dynamic as "Array|int") -> RhaiResult<Tensor> {
            Ok(build::zeros(&shape_from_dynamic(&shape, "zeros")?, DType::F32)?)
        }

        /// An f32 tensor of ones: `ones([2, 3])`.
        fn ones(shape: Dynamic as "Array|int") -> RhaiResult<Tensor> {
            Ok(build::ones(&shape_from_dynamic(&shape, "ones")?, DType::F32)?)
        }

        /// An f32 tensor filled with one value.
        fn full(shape: Dynamic as "Array|int", value: FLOAT) -> RhaiResult<Tensor> {
            Ok(build::full(&shape_from_dynamic(&shape, "full")?, value)?)
        }

        /// Zeros with the shape, dtype and device of `x`.
        fn zeros_like(x: Tensor) -> RhaiResult<Tensor> {
            Ok(Tensor(x.zeros_like().map_err(crate::error::Error::from)?))
        }

        /// Ones with the shape, dtype and device of `x`.
        fn ones_like(x: Tensor) -> RhaiResult<Tensor> {
            Ok(Tensor(x.ones_like().map_err(crate::error::Error::from)?))
        }
    );
    bind!(engine,
        /// Uniform values in [0, 1) from the project's seeded generator: the same seed gives the same values on every machine.
        fn rand(shape: Dynamic as "Array|int", seed: INT) -> RhaiResult<Tensor> { Ok(build::rand(&shape_from_dynamic(&shape, "rand")?, self::seed(seed))?) }

        /// Standard normal values from the project's seeded generator (bit-identical for the same seed).
        fn randn(shape: Dynamic as "Array|int", seed: INT) -> RhaiResult<Tensor> { Ok(build::randn(&shape_from_dynamic(&shape, "randn")?, self::seed(seed))?) }
    );
    bind!(engine,
        /// Integers 0, 1, ..., end-1 (i64).
        fn arange(end: INT) -> RhaiResult<Tensor> { Ok(build::arange(0.0, end as f64, 1.0, true)?) }

        /// Integers start, ..., end-1 (i64).
        fn arange(start: INT, end: INT) -> RhaiResult<Tensor> {
            Ok(build::arange(start as f64, end as f64, 1.0, true)?)
        }

        /// Values from start up to (not including) end by step (f32).
        fn arange(start: FLOAT, end: FLOAT, step: FLOAT) -> RhaiResult<Tensor> {
            Ok(build::arange(start, end, step, false)?)
        }

        /// Integers from start up to (not including) end by step (i64).
        fn arange(start: INT, end: INT, step: INT) -> RhaiResult<Tensor> {
            Ok(build::arange(start as f64, end as f64, step as f64, true)?)
        }

        /// `n` evenly spaced f32 values from start to end inclusive.
        fn linspace(start: FLOAT, end: FLOAT, n: INT) -> RhaiResult<Tensor> {
            Ok(build::linspace(start, end, count(n, "linspace")?)?)
        }

        /// The n×n identity matrix (f32).
        fn eye(n: INT) -> RhaiResult<Tensor> { Ok(build::eye(count(n, "eye")?)?) }

        /// A device: "cpu" (the default), "cuda" or "cuda:N" (needs a build with the `cuda` feature and a GPU; the error says which is missing).
        fn device(name: &str) -> RhaiResult<DeviceHandle> { Ok(DeviceHandle(device::device(name)?)) }

        /// A copy of `x` on another device.
        fn to(x: Tensor, device: DeviceHandle) -> RhaiResult<Tensor> {
            Ok(Tensor(
                x.to_device(&device.0).map_err(crate::error::Error::from)?,
            ))
        }

        /// `x` converted to another dtype ("f32", "f64", "i64", "u32", "u8").
        fn to(x: Tensor, dtype: &str) -> RhaiResult<Tensor> {
            Ok(Tensor(
                x.to_dtype(parse_dtype(dtype)?)
                    .map_err(crate::error::Error::from)?,
            ))
        }

        /// The values as a nested Rhai array (a number for a 0-d tensor).
        fn to_array(x: Tensor) -> RhaiResult<Dynamic> as "Array" { Ok(build::to_dynamic(&x)?) }

        /// The single value of a one-element tensor.
        fn item(x: Tensor) -> RhaiResult<FLOAT> { Ok(ops::item(&x)?) }
    );
}

macro_rules! binop {
    ($engine:expr, $sym:expr, $name:expr, $op:expr, $doc:expr) => {{
        let op = $op;
        bind!($engine,
            #[doc = $doc]
            fn [$sym](a: Tensor, b: Tensor) -> RhaiResult<Tensor> { Ok(ops::binary(&a, &b, op)?) }

            #[doc = $doc]
            fn [$sym](a: Tensor, b: FLOAT) -> RhaiResult<Tensor> { Ok(ops::scalar(&a, b, op, false)?) }
        );
        bind!($engine,
            #[doc = $doc]
            fn [$sym](a: FLOAT, b: Tensor) -> RhaiResult<Tensor> { Ok(ops::scalar(&b, a, op, true)?) }
        );
        bind!($engine,
            #[doc = $doc]
            fn [$sym](a: Tensor, b: INT) -> RhaiResult<Tensor> {
                Ok(ops::scalar(&a, b as f64, op, false)?)
            }
        );
        bind!($engine,
            #[doc = $doc]
            fn [$sym](a: INT, b: Tensor) -> RhaiResult<Tensor> {
                Ok(ops::scalar(&b, a as f64, op, true)?)
            }
        );
        if $name != $sym {
            bind!($engine,
                #[doc = $doc]
                fn [$name](a: Tensor, b: Tensor) -> RhaiResult<Tensor> { Ok(ops::binary(&a, &b, op)?) }
            );
            bind!($engine,
                #[doc = $doc]
                fn [$name](a: Tensor, b: FLOAT) -> RhaiResult<Tensor> {
                    Ok(ops::scalar(&a, b, op, false)?)
                }
            );
        }
    }};
}

macro_rules! cmpop {
    ($engine:expr, $sym:expr, $name:expr, $op:expr) => {{
        let op = $op;
        let doc = concat!(
            "Elementwise comparison `",
            $sym,
            "` with broadcasting; a u8 tensor of 0/1."
        );
        for n in [$sym, $name] {
            bind!($engine,
                #[doc = doc]
                fn [n](a: Tensor, b: Tensor) -> RhaiResult<Tensor> { Ok(ops::compare(&a, &b, op)?) }

                #[doc = doc]
                fn [n](a: Tensor, b: FLOAT) -> RhaiResult<Tensor> {
                    Ok(ops::compare_scalar(&a, b, op)?)
                }
            );
            bind!($engine,
                #[doc = doc]
                fn [n](a: Tensor, b: INT) -> RhaiResult<Tensor> {
                    Ok(ops::compare_scalar(&a, b as f64, op)?)
                }
            );
        }
    }};
}

fn operators(engine: &mut Engine) {
    binop!(
        engine,
        "+",
        "add",
        BinOp::Add,
        "Elementwise sum with numpy broadcasting; scalars allowed."
    );
    binop!(
        engine,
        "-",
        "sub",
        BinOp::Sub,
        "Elementwise difference with numpy broadcasting; scalars allowed."
    );
    binop!(
        engine,
        "*",
        "mul",
        BinOp::Mul,
        "Elementwise product with numpy broadcasting (use `matmul` for matrix products)."
    );
    binop!(
        engine,
        "/",
        "div",
        BinOp::Div,
        "Elementwise quotient with numpy broadcasting; scalars allowed."
    );
    binop!(
        engine,
        "maximum",
        "maximum",
        BinOp::Maximum,
        "Elementwise maximum with broadcasting."
    );
    binop!(
        engine,
        "minimum",
        "minimum",
        BinOp::Minimum,
        "Elementwise minimum with broadcasting."
    );
    binop!(
        engine,
        "pow",
        "pow",
        BinOp::Pow,
        "Elementwise power with broadcasting."
    );
    cmpop!(engine, "==", "eq", CmpOp::Eq);
    cmpop!(engine, "!=", "ne", CmpOp::Ne);
    cmpop!(engine, "<", "lt", CmpOp::Lt);
    cmpop!(engine, "<=", "le", CmpOp::Le);
    cmpop!(engine, ">", "gt", CmpOp::Gt);
    cmpop!(engine, ">=", "ge", CmpOp::Ge);
    bind!(engine,
        /// Negation.
        fn ["-"](x: Tensor) -> RhaiResult<Tensor> { Ok(ops::unary(&x, Unary::Neg)?) }

        /// Matrix product (numpy rules: 1-D operands are vectors, 3-D+ are batches). Errors name both shapes.
        fn matmul(a: Tensor, b: Tensor) -> RhaiResult<Tensor> { Ok(ops::matmul(&a, &b)?) }
    );
}

fn math(engine: &mut Engine) {
    for (name, op, doc) in [
        ("exp", Unary::Exp, "Elementwise e^x."),
        ("log", Unary::Log, "Elementwise natural logarithm."),
        ("relu", Unary::Relu, "Elementwise max(x, 0)."),
        ("sigmoid", Unary::Sigmoid, "Elementwise 1 / (1 + e^-x)."),
        ("tanh", Unary::Tanh, "Elementwise hyperbolic tangent."),
        ("sqrt", Unary::Sqrt, "Elementwise square root."),
        ("abs", Unary::Abs, "Elementwise absolute value."),
        ("gelu", Unary::Gelu, "Elementwise GELU (erf form)."),
        ("silu", Unary::Silu, "Elementwise x * sigmoid(x)."),
        ("square", Unary::Square, "Elementwise x²."),
        ("sign", Unary::Sign, "Elementwise sign (-1, 0, 1)."),
    ] {
        bind!(engine,
            #[doc = doc]
            fn [name](x: Tensor) -> RhaiResult<Tensor> { Ok(ops::unary(&x, op)?) }
        );
    }
    bind!(
        engine,
        /// Softmax along an axis (numerically stable).
        fn softmax(x: Tensor, axis: INT) -> RhaiResult<Tensor> {
            let x = float(&x)?;
            let ax = ops::axis(&x, axis, "softmax")?;
            Ok(Tensor(ops::softmax(&x, ax)?))
        }
    );
    bind!(
        engine,
        /// Softmax along the last axis.
        fn softmax(x: Tensor) -> RhaiResult<Tensor> {
            let x = float(&x)?;
            let ax = ops::axis(&x, -1, "softmax")?;
            Ok(Tensor(ops::softmax(&x, ax)?))
        }
    );
    bind!(
        engine,
        /// log(softmax(x)) along an axis, computed stably.
        fn log_softmax(x: Tensor, axis: INT) -> RhaiResult<Tensor> {
            let x = float(&x)?;
            let ax = ops::axis(&x, axis, "log_softmax")?;
            Ok(Tensor(ops::log_softmax(&x, ax)?))
        }
    );
    bind!(
        engine,
        /// Clip values into [low, high].
        fn clamp(x: Tensor, low: FLOAT, high: FLOAT) -> RhaiResult<Tensor> {
            Ok(Tensor(
                x.clamp(low, high).map_err(crate::error::Error::from)?,
            ))
        }
    );
}

fn float(x: &Tensor) -> RhaiResult<candle_core::Tensor> {
    Ok(if x.dtype().is_float() {
        x.0.clone()
    } else {
        x.to_dtype(DType::F32).map_err(crate::error::Error::from)?
    })
}

fn reductions(engine: &mut Engine) {
    for (name, op, doc) in [
        ("sum", Reduce::Sum, "Sum"),
        ("mean", Reduce::Mean, "Mean"),
        ("max", Reduce::Max, "Maximum"),
        ("min", Reduce::Min, "Minimum"),
        ("argmax", Reduce::ArgMax, "Index of the maximum (i64)"),
        ("argmin", Reduce::ArgMin, "Index of the minimum (i64)"),
        ("std", Reduce::Std, "Population standard deviation (ddof 0)"),
        ("var", Reduce::Var, "Population variance (ddof 0)"),
    ] {
        let all = format!("{doc} of all elements, as a 0-d tensor.");
        let along = format!("{doc} along an axis (negative axes count from the end).");
        let keep = format!(
            "{doc} along an axis, keeping the reduced axis with size 1 when `keepdim` is true."
        );
        bind!(engine,
            #[doc = &all]
            fn [name](x: Tensor) -> RhaiResult<Tensor> { Ok(ops::reduce(&x, op, None, false)?) }

            #[doc = &along]
            fn [name](x: Tensor, axis: INT) -> RhaiResult<Tensor> {
                Ok(ops::reduce(&x, op, Some(axis), false)?)
            }

            #[doc = &keep]
            fn [name](x: Tensor, axis: INT, keepdim: bool) -> RhaiResult<Tensor> {
                Ok(ops::reduce(&x, op, Some(axis), keepdim)?)
            }
        );
    }
}

fn shapes(engine: &mut Engine) {
    engine.register_indexer_get(|x: &mut Tensor, i: INT| -> RhaiResult<Dynamic> {
        scalar_or_tensor(ops::index(x, i)?)
    });
    engine.register_indexer_get(|x: &mut Tensor, r: Range<INT>| -> RhaiResult<Tensor> {
        Ok(ops::slice(x, 0, r.start, r.end)?)
    });
    engine.register_indexer_get(
        |x: &mut Tensor, r: RangeInclusive<INT>| -> RhaiResult<Tensor> {
            Ok(ops::slice(x, 0, *r.start(), *r.end() + 1)?)
        },
    );
    engine.register_indexer_get(|x: &mut Tensor, idx: Array| -> RhaiResult<Tensor> {
        Ok(ops::take(x, &ints(&idx, "index")?, 0)?)
    });
    engine.register_indexer_get(|x: &mut Tensor, m: Tensor| -> RhaiResult<Tensor> {
        if m.dtype() == DType::U8 {
            Ok(ops::mask_rows(x, &m)?)
        } else {
            let idx = m
                .flatten_all()
                .and_then(|t| t.to_dtype(DType::I64))
                .and_then(|t| t.to_vec1::<i64>())
                .map_err(crate::error::Error::from)?;
            Ok(ops::take(x, &idx, 0)?)
        }
    });
    bind!(
        engine,
        /// Entries start..end along an axis (negative values count from the end; clamped like Python slices).
        fn slice(x: Tensor, axis: INT, start: INT, end: INT) -> RhaiResult<Tensor> {
            Ok(ops::slice(&x, axis, start, end)?)
        },
        /// Entries along an axis picked by an index list.
        fn take(x: Tensor, indices: Array, axis: INT) -> RhaiResult<Tensor> {
            Ok(ops::take(&x, &ints(&indices, "take")?, axis)?)
        },
        /// The same values in a new shape; one dimension may be -1.
        fn reshape(x: Tensor, shape: Array) -> RhaiResult<Tensor> {
            Ok(ops::reshape(&x, &ints(&shape, "reshape")?)?)
        },
        /// All values as a 1-D tensor.
        fn flatten(x: Tensor) -> RhaiResult<Tensor> {
            Ok(ops::reshape(&x, &[-1])?)
        },
        /// Swap the last two axes (a 1-D tensor is unchanged).
        fn transpose(x: Tensor) -> RhaiResult<Tensor> {
            Ok(ops::transpose(&x, -2, -1)?)
        },
        /// Swap the last two axes (`x.t()`).
        fn t(x: Tensor) -> RhaiResult<Tensor> {
            Ok(ops::transpose(&x, -2, -1)?)
        },
        /// Swap two axes.
        fn transpose(x: Tensor, a: INT, b: INT) -> RhaiResult<Tensor> {
            Ok(ops::transpose(&x, a, b)?)
        }
    );
    bind!(
        engine,
        /// Join tensors along an existing axis.
        fn concat(tensors: Array, axis: INT) -> RhaiResult<Tensor> {
            Ok(ops::concat(&self::tensors(&tensors, "concat")?, axis)?)
        },
        /// Join tensors along axis 0.
        fn concat(tensors: Array) -> RhaiResult<Tensor> {
            Ok(ops::concat(&self::tensors(&tensors, "concat")?, 0)?)
        },
        /// Join equal-shaped tensors along a new axis.
        fn stack(tensors: Array, axis: INT) -> RhaiResult<Tensor> {
            Ok(ops::stack(&self::tensors(&tensors, "stack")?, axis)?)
        },
        /// Join equal-shaped tensors along a new first axis.
        fn stack(tensors: Array) -> RhaiResult<Tensor> {
            Ok(ops::stack(&self::tensors(&tensors, "stack")?, 0)?)
        }
    );
    bind!(
        engine,
        /// Insert an axis of size 1.
        fn unsqueeze(x: Tensor, axis: INT) -> RhaiResult<Tensor> {
            let rank = x.rank() as INT + 1;
            let ax = if axis < 0 { axis + rank } else { axis };
            if ax < 0 || ax >= rank {
                return Err(format!(
                    "unsqueeze: axis {axis} is out of range for shape {:?}",
                    x.dims()
                )
                .into());
            }
            Ok(Tensor(
                x.unsqueeze(ax as usize)
                    .map_err(crate::error::Error::from)?,
            ))
        }
    );
    bind!(
        engine,
        /// Remove an axis of size 1.
        fn squeeze(x: Tensor, axis: INT) -> RhaiResult<Tensor> {
            let ax = ops::axis(&x, axis, "squeeze")?;
            if x.dims()[ax] != 1 {
                return Err(format!(
                    "squeeze: axis {axis} has size {} (shape {:?}); only size-1 axes can be removed",
                    x.dims()[ax],
                    x.dims()
                )
                .into());
            }
            Ok(Tensor(x.squeeze(ax).map_err(crate::error::Error::from)?))
        }
    );
}

fn properties(engine: &mut Engine) {
    engine.register_get("shape", |x: &mut Tensor| -> Array {
        x.dims()
            .iter()
            .map(|&d| Dynamic::from_int(d as INT))
            .collect()
    });
    engine.register_get("dtype", |x: &mut Tensor| -> String {
        dtype_name(x.dtype()).to_string()
    });
    engine.register_get("device", |x: &mut Tensor| -> String {
        device::device_name(x.device())
    });
    engine.register_get("ndim", |x: &mut Tensor| -> INT { x.rank() as INT });
    engine.register_get("numel", |x: &mut Tensor| -> INT { x.elem_count() as INT });
    bind!(
        engine,
        /// Size of the first axis (0 for a 0-d tensor).
        fn len(x: Tensor) -> INT {
            x.dims().first().copied().unwrap_or(0) as INT
        },
        /// The numpy-like text form.
        fn to_string(x: &mut Tensor) -> String {
            x.to_string()
        },
        /// The numpy-like text form.
        fn to_debug(x: &mut Tensor) -> String {
            x.to_string()
        }
    );
}
