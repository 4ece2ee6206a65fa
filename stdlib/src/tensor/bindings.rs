//! The `tensor` Rhai module: constructors, operators, math, reductions, indexing, shape
//! changes and properties. Each function is a thin wrapper over `build` and `ops`.

use super::build::{self, shape_from_dynamic};
use super::ops::{self, BinOp, CmpOp, Reduce, Unary};
use super::{device, dtype_name, parse_dtype, Tensor};
use crate::error::RhaiResult;
use crate::reg;
use candle_core::{DType, Device};
use ladder_scripting::rhai::{Array, Dynamic, Engine, FLOAT, INT};
use ladder_scripting::Renderers;
use std::ops::{Range, RangeInclusive};

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
    engine.register_type_with_name::<Tensor>("Tensor");
    engine.register_type_with_name::<DeviceHandle>("Device");
    renderers.register::<Tensor>();
    renderers.register::<DeviceHandle>();
    constructors(engine);
    operators(engine);
    math(engine);
    reductions(engine);
    shapes(engine);
    properties(engine);
}

fn constructors(engine: &mut Engine) {
    reg!(engine, "tensor", ["values: Array", "Tensor"],
        "A tensor from a (nested) array of numbers: floats give f32, integers i64, booleans u8.\nExample: `tensor([[1.0, 2.0], [3.0, 4.0]])`",
        |v: Array| -> RhaiResult<Tensor> { Ok(build::from_dynamic(&Dynamic::from_array(v), None)?) });
    reg!(engine, "tensor", ["values: Array", "dtype: string", "Tensor"],
        "A tensor from a (nested) array with an explicit dtype (\"f32\", \"f64\", \"i64\", \"u32\", \"u8\").",
        |v: Array, d: &str| -> RhaiResult<Tensor> { Ok(build::from_dynamic(&Dynamic::from_array(v), Some(parse_dtype(d)?))?) });
    reg!(
        engine,
        "tensor",
        ["range: Range<int>", "Tensor"],
        "An i64 tensor holding a range: `tensor(0..5)`.",
        |r: Range<INT>| -> RhaiResult<Tensor> {
            Ok(build::arange(r.start as f64, r.end as f64, 1.0, true)?)
        }
    );
    reg!(
        engine,
        "tensor",
        ["range: RangeInclusive<int>", "Tensor"],
        "An i64 tensor holding an inclusive range: `tensor(0..=5)`.",
        |r: RangeInclusive<INT>| -> RhaiResult<Tensor> {
            Ok(build::arange(
                *r.start() as f64,
                *r.end() as f64 + 1.0,
                1.0,
                true,
            )?)
        }
    );
    reg!(
        engine,
        "tensor",
        ["value: float", "Tensor"],
        "A 0-d f32 tensor holding one number.",
        |v: FLOAT| -> RhaiResult<Tensor> {
            Ok(Tensor(
                candle_core::Tensor::new(v as f32, &Device::Cpu)
                    .map_err(crate::error::Error::from)?,
            ))
        }
    );
    reg!(
        engine,
        "zeros",
        ["shape: Array|int", "Tensor"],
        "An f32 tensor of zeros: `zeros([2, 3])`.",
        |s: Dynamic| -> RhaiResult<Tensor> {
            Ok(build::zeros(&shape_from_dynamic(&s, "zeros")?, DType::F32)?)
        }
    );
    reg!(
        engine,
        "ones",
        ["shape: Array|int", "Tensor"],
        "An f32 tensor of ones: `ones([2, 3])`.",
        |s: Dynamic| -> RhaiResult<Tensor> {
            Ok(build::ones(&shape_from_dynamic(&s, "ones")?, DType::F32)?)
        }
    );
    reg!(
        engine,
        "full",
        ["shape: Array|int", "value: float", "Tensor"],
        "An f32 tensor filled with one value.",
        |s: Dynamic, v: FLOAT| -> RhaiResult<Tensor> {
            Ok(build::full(&shape_from_dynamic(&s, "full")?, v)?)
        }
    );
    reg!(
        engine,
        "zeros_like",
        ["x: Tensor", "Tensor"],
        "Zeros with the shape, dtype and device of `x`.",
        |x: Tensor| -> RhaiResult<Tensor> {
            Ok(Tensor(x.zeros_like().map_err(crate::error::Error::from)?))
        }
    );
    reg!(
        engine,
        "ones_like",
        ["x: Tensor", "Tensor"],
        "Ones with the shape, dtype and device of `x`.",
        |x: Tensor| -> RhaiResult<Tensor> {
            Ok(Tensor(x.ones_like().map_err(crate::error::Error::from)?))
        }
    );
    reg!(engine, "rand", ["shape: Array|int", "seed: int", "Tensor"],
        "Uniform values in [0, 1) from the project's seeded generator: the same seed gives the same values on every machine.",
        |s: Dynamic, sd: INT| -> RhaiResult<Tensor> { Ok(build::rand(&shape_from_dynamic(&s, "rand")?, seed(sd))?) });
    reg!(engine, "randn", ["shape: Array|int", "seed: int", "Tensor"],
        "Standard normal values from the project's seeded generator (bit-identical for the same seed).",
        |s: Dynamic, sd: INT| -> RhaiResult<Tensor> { Ok(build::randn(&shape_from_dynamic(&s, "randn")?, seed(sd))?) });
    reg!(
        engine,
        "arange",
        ["end: int", "Tensor"],
        "Integers 0, 1, ..., end-1 (i64).",
        |e: INT| -> RhaiResult<Tensor> { Ok(build::arange(0.0, e as f64, 1.0, true)?) }
    );
    reg!(
        engine,
        "arange",
        ["start: int", "end: int", "Tensor"],
        "Integers start, ..., end-1 (i64).",
        |s: INT, e: INT| -> RhaiResult<Tensor> {
            Ok(build::arange(s as f64, e as f64, 1.0, true)?)
        }
    );
    reg!(
        engine,
        "arange",
        ["start: float", "end: float", "step: float", "Tensor"],
        "Values from start up to (not including) end by step (f32).",
        |s: FLOAT, e: FLOAT, st: FLOAT| -> RhaiResult<Tensor> {
            Ok(build::arange(s, e, st, false)?)
        }
    );
    reg!(
        engine,
        "arange",
        ["start: int", "end: int", "step: int", "Tensor"],
        "Integers from start up to (not including) end by step (i64).",
        |s: INT, e: INT, st: INT| -> RhaiResult<Tensor> {
            Ok(build::arange(s as f64, e as f64, st as f64, true)?)
        }
    );
    reg!(
        engine,
        "linspace",
        ["start: float", "end: float", "n: int", "Tensor"],
        "`n` evenly spaced f32 values from start to end inclusive.",
        |s: FLOAT, e: FLOAT, n: INT| -> RhaiResult<Tensor> {
            Ok(build::linspace(s, e, n.max(0) as usize)?)
        }
    );
    reg!(
        engine,
        "eye",
        ["n: int", "Tensor"],
        "The n×n identity matrix (f32).",
        |n: INT| -> RhaiResult<Tensor> { Ok(build::eye(n.max(0) as usize)?) }
    );
    reg!(engine, "device", ["name: string", "Device"],
        "A device: \"cpu\" (the default), \"cuda\" or \"cuda:N\" (needs a build with the `cuda` feature and a GPU; the error says which is missing).",
        |n: &str| -> RhaiResult<DeviceHandle> { Ok(DeviceHandle(device::device(n)?)) });
    reg!(
        engine,
        "to",
        ["x: Tensor", "device: Device", "Tensor"],
        "A copy of `x` on another device.",
        |x: Tensor, d: DeviceHandle| -> RhaiResult<Tensor> {
            Ok(Tensor(
                x.to_device(&d.0).map_err(crate::error::Error::from)?,
            ))
        }
    );
    reg!(
        engine,
        "to",
        ["x: Tensor", "dtype: string", "Tensor"],
        "`x` converted to another dtype (\"f32\", \"f64\", \"i64\", \"u32\", \"u8\").",
        |x: Tensor, d: &str| -> RhaiResult<Tensor> {
            Ok(Tensor(
                x.to_dtype(parse_dtype(d)?)
                    .map_err(crate::error::Error::from)?,
            ))
        }
    );
    reg!(
        engine,
        "to_array",
        ["x: Tensor", "Array"],
        "The values as a nested Rhai array (a number for a 0-d tensor).",
        |x: Tensor| -> RhaiResult<Dynamic> { Ok(build::to_dynamic(&x)?) }
    );
    reg!(
        engine,
        "item",
        ["x: Tensor", "float"],
        "The single value of a one-element tensor.",
        |x: Tensor| -> RhaiResult<FLOAT> { Ok(ops::item(&x)?) }
    );
}

macro_rules! binop {
    ($engine:expr, $sym:expr, $name:expr, $op:expr, $doc:expr) => {{
        let op = $op;
        reg!(
            $engine,
            $sym,
            ["a: Tensor", "b: Tensor", "Tensor"],
            $doc,
            move |a: Tensor, b: Tensor| -> RhaiResult<Tensor> { Ok(ops::binary(&a, &b, op)?) }
        );
        reg!(
            $engine,
            $sym,
            ["a: Tensor", "b: float", "Tensor"],
            $doc,
            move |a: Tensor, b: FLOAT| -> RhaiResult<Tensor> { Ok(ops::scalar(&a, b, op, false)?) }
        );
        reg!(
            $engine,
            $sym,
            ["a: float", "b: Tensor", "Tensor"],
            $doc,
            move |a: FLOAT, b: Tensor| -> RhaiResult<Tensor> { Ok(ops::scalar(&b, a, op, true)?) }
        );
        reg!(
            $engine,
            $sym,
            ["a: Tensor", "b: int", "Tensor"],
            $doc,
            move |a: Tensor, b: INT| -> RhaiResult<Tensor> {
                Ok(ops::scalar(&a, b as f64, op, false)?)
            }
        );
        reg!(
            $engine,
            $sym,
            ["a: int", "b: Tensor", "Tensor"],
            $doc,
            move |a: INT, b: Tensor| -> RhaiResult<Tensor> {
                Ok(ops::scalar(&b, a as f64, op, true)?)
            }
        );
        if $name != $sym {
            reg!(
                $engine,
                $name,
                ["a: Tensor", "b: Tensor", "Tensor"],
                $doc,
                move |a: Tensor, b: Tensor| -> RhaiResult<Tensor> { Ok(ops::binary(&a, &b, op)?) }
            );
            reg!(
                $engine,
                $name,
                ["a: Tensor", "b: float", "Tensor"],
                $doc,
                move |a: Tensor, b: FLOAT| -> RhaiResult<Tensor> {
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
            reg!(
                $engine,
                n,
                ["a: Tensor", "b: Tensor", "Tensor"],
                doc,
                move |a: Tensor, b: Tensor| -> RhaiResult<Tensor> { Ok(ops::compare(&a, &b, op)?) }
            );
            reg!(
                $engine,
                n,
                ["a: Tensor", "b: float", "Tensor"],
                doc,
                move |a: Tensor, b: FLOAT| -> RhaiResult<Tensor> {
                    Ok(ops::compare_scalar(&a, b, op)?)
                }
            );
            reg!(
                $engine,
                n,
                ["a: Tensor", "b: int", "Tensor"],
                doc,
                move |a: Tensor, b: INT| -> RhaiResult<Tensor> {
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
    reg!(
        engine,
        "-",
        ["x: Tensor", "Tensor"],
        "Negation.",
        |x: Tensor| -> RhaiResult<Tensor> { Ok(ops::unary(&x, Unary::Neg)?) }
    );
    reg!(engine, "matmul", ["a: Tensor", "b: Tensor", "Tensor"],
        "Matrix product (numpy rules: 1-D operands are vectors, 3-D+ are batches). Errors name both shapes.",
        |a: Tensor, b: Tensor| -> RhaiResult<Tensor> { Ok(ops::matmul(&a, &b)?) });
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
        reg!(
            engine,
            name,
            ["x: Tensor", "Tensor"],
            doc,
            move |x: Tensor| -> RhaiResult<Tensor> { Ok(ops::unary(&x, op)?) }
        );
    }
    reg!(
        engine,
        "softmax",
        ["x: Tensor", "axis: int", "Tensor"],
        "Softmax along an axis (numerically stable).",
        |x: Tensor, a: INT| -> RhaiResult<Tensor> {
            let x = float(&x)?;
            let ax = ops::axis(&x, a, "softmax")?;
            Ok(Tensor(ops::softmax(&x, ax)?))
        }
    );
    reg!(
        engine,
        "softmax",
        ["x: Tensor", "Tensor"],
        "Softmax along the last axis.",
        |x: Tensor| -> RhaiResult<Tensor> {
            let x = float(&x)?;
            let ax = ops::axis(&x, -1, "softmax")?;
            Ok(Tensor(ops::softmax(&x, ax)?))
        }
    );
    reg!(
        engine,
        "log_softmax",
        ["x: Tensor", "axis: int", "Tensor"],
        "log(softmax(x)) along an axis, computed stably.",
        |x: Tensor, a: INT| -> RhaiResult<Tensor> {
            let x = float(&x)?;
            let ax = ops::axis(&x, a, "log_softmax")?;
            Ok(Tensor(ops::log_softmax(&x, ax)?))
        }
    );
    reg!(
        engine,
        "clamp",
        ["x: Tensor", "low: float", "high: float", "Tensor"],
        "Clip values into [low, high].",
        |x: Tensor, l: FLOAT, h: FLOAT| -> RhaiResult<Tensor> {
            Ok(Tensor(x.clamp(l, h).map_err(crate::error::Error::from)?))
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
        reg!(
            engine,
            name,
            ["x: Tensor", "Tensor"],
            &all,
            move |x: Tensor| -> RhaiResult<Tensor> { Ok(ops::reduce(&x, op, None, false)?) }
        );
        reg!(
            engine,
            name,
            ["x: Tensor", "axis: int", "Tensor"],
            &along,
            move |x: Tensor, a: INT| -> RhaiResult<Tensor> {
                Ok(ops::reduce(&x, op, Some(a), false)?)
            }
        );
        reg!(
            engine,
            name,
            ["x: Tensor", "axis: int", "keepdim: bool", "Tensor"],
            &keep,
            move |x: Tensor, a: INT, k: bool| -> RhaiResult<Tensor> {
                Ok(ops::reduce(&x, op, Some(a), k)?)
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
    reg!(engine, "slice", ["x: Tensor", "axis: int", "start: int", "end: int", "Tensor"],
        "Entries start..end along an axis (negative values count from the end; clamped like Python slices).",
        |x: Tensor, a: INT, s: INT, e: INT| -> RhaiResult<Tensor> { Ok(ops::slice(&x, a, s, e)?) });
    reg!(
        engine,
        "take",
        ["x: Tensor", "indices: Array", "axis: int", "Tensor"],
        "Entries along an axis picked by an index list.",
        |x: Tensor, i: Array, a: INT| -> RhaiResult<Tensor> {
            Ok(ops::take(&x, &ints(&i, "take")?, a)?)
        }
    );
    reg!(
        engine,
        "reshape",
        ["x: Tensor", "shape: Array", "Tensor"],
        "The same values in a new shape; one dimension may be -1.",
        |x: Tensor, s: Array| -> RhaiResult<Tensor> {
            Ok(ops::reshape(&x, &ints(&s, "reshape")?)?)
        }
    );
    reg!(
        engine,
        "flatten",
        ["x: Tensor", "Tensor"],
        "All values as a 1-D tensor.",
        |x: Tensor| -> RhaiResult<Tensor> { Ok(ops::reshape(&x, &[-1])?) }
    );
    reg!(
        engine,
        "transpose",
        ["x: Tensor", "Tensor"],
        "Swap the last two axes (a 1-D tensor is unchanged).",
        |x: Tensor| -> RhaiResult<Tensor> { Ok(ops::transpose(&x, -2, -1)?) }
    );
    reg!(
        engine,
        "t",
        ["x: Tensor", "Tensor"],
        "Swap the last two axes (`x.t()`).",
        |x: Tensor| -> RhaiResult<Tensor> { Ok(ops::transpose(&x, -2, -1)?) }
    );
    reg!(
        engine,
        "transpose",
        ["x: Tensor", "a: int", "b: int", "Tensor"],
        "Swap two axes.",
        |x: Tensor, a: INT, b: INT| -> RhaiResult<Tensor> { Ok(ops::transpose(&x, a, b)?) }
    );
    reg!(
        engine,
        "concat",
        ["tensors: Array", "axis: int", "Tensor"],
        "Join tensors along an existing axis.",
        |ts: Array, a: INT| -> RhaiResult<Tensor> { Ok(ops::concat(&tensors(&ts, "concat")?, a)?) }
    );
    reg!(
        engine,
        "concat",
        ["tensors: Array", "Tensor"],
        "Join tensors along axis 0.",
        |ts: Array| -> RhaiResult<Tensor> { Ok(ops::concat(&tensors(&ts, "concat")?, 0)?) }
    );
    reg!(
        engine,
        "stack",
        ["tensors: Array", "axis: int", "Tensor"],
        "Join equal-shaped tensors along a new axis.",
        |ts: Array, a: INT| -> RhaiResult<Tensor> { Ok(ops::stack(&tensors(&ts, "stack")?, a)?) }
    );
    reg!(
        engine,
        "stack",
        ["tensors: Array", "Tensor"],
        "Join equal-shaped tensors along a new first axis.",
        |ts: Array| -> RhaiResult<Tensor> { Ok(ops::stack(&tensors(&ts, "stack")?, 0)?) }
    );
    reg!(
        engine,
        "unsqueeze",
        ["x: Tensor", "axis: int", "Tensor"],
        "Insert an axis of size 1.",
        |x: Tensor, a: INT| -> RhaiResult<Tensor> {
            let rank = x.rank() as INT + 1;
            let ax = if a < 0 { a + rank } else { a };
            if ax < 0 || ax >= rank {
                return Err(format!(
                    "unsqueeze: axis {a} is out of range for shape {:?}",
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
    reg!(
        engine,
        "squeeze",
        ["x: Tensor", "axis: int", "Tensor"],
        "Remove an axis of size 1.",
        |x: Tensor, a: INT| -> RhaiResult<Tensor> {
            let ax = ops::axis(&x, a, "squeeze")?;
            if x.dims()[ax] != 1 {
                return Err(format!(
                    "squeeze: axis {a} has size {} (shape {:?}); only size-1 axes can be removed",
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
    reg!(
        engine,
        "len",
        ["x: Tensor", "int"],
        "Size of the first axis (0 for a 0-d tensor).",
        |x: Tensor| -> INT { x.dims().first().copied().unwrap_or(0) as INT }
    );
    reg!(
        engine,
        "to_string",
        ["x: Tensor", "string"],
        "The numpy-like text form.",
        |x: &mut Tensor| -> String { x.to_string() }
    );
    reg!(
        engine,
        "to_debug",
        ["x: Tensor", "string"],
        "The numpy-like text form.",
        |x: &mut Tensor| -> String { x.to_string() }
    );
}
