//! Making tensors: from Rhai arrays and ranges, constants, seeded random values; and back.

use super::budget;
use super::Tensor;
use crate::bail;
use crate::error::Result;
use crate::rng::Rng;
use candle_core::{DType, Device};
use ladder_scripting::rhai::{Array, Dynamic};

/// A shape given as an int or an array of ints.
pub fn shape_from_dynamic(shape: &Dynamic, what: &str) -> Result<Vec<usize>> {
    if let Ok(n) = shape.as_int() {
        return Ok(vec![dim(n, what)?]);
    }
    match shape.clone().try_cast::<Array>() {
        Some(items) => items
            .iter()
            .map(|d| match d.as_int() {
                Ok(n) => dim(n, what),
                Err(t) => bail!("{what}: shape entries must be integers, found {t}"),
            })
            .collect(),
        None => bail!(
            "{what}: a shape is an integer or an array of integers, found {}",
            shape.type_name()
        ),
    }
}

fn dim(n: i64, what: &str) -> Result<usize> {
    if n < 0 {
        bail!("{what}: negative dimension {n}");
    }
    Ok(n as usize)
}

#[derive(Clone, Copy, PartialEq, PartialOrd)]
enum Kind {
    Bool,
    Int,
    Float,
}

/// Build a tensor from a (nested) Rhai array of numbers; floats give f32, integers i64,
/// booleans u8. Ragged rows are an error naming the row.
pub fn from_dynamic(value: &Dynamic, dtype: Option<DType>) -> Result<Tensor> {
    if let Some(t) = value.clone().try_cast::<Tensor>() {
        return Ok(match dtype {
            Some(d) => Tensor(t.to_dtype(d)?),
            None => t,
        });
    }
    let mut shape = Vec::new();
    probe_shape(value, &mut shape);
    let mut values = Vec::new();
    let mut kind = Kind::Bool;
    flatten(value, &shape, 0, &mut values, &mut kind, &mut Vec::new())?;
    let dtype = dtype.unwrap_or(match kind {
        Kind::Float => DType::F32,
        Kind::Int => DType::I64,
        Kind::Bool => {
            if values.is_empty() {
                DType::F32
            } else {
                DType::U8
            }
        }
    });
    let t = candle_core::Tensor::from_vec(values, shape, &Device::Cpu)?.to_dtype(dtype)?;
    Ok(Tensor(t))
}

fn probe_shape(value: &Dynamic, shape: &mut Vec<usize>) {
    if let Some(items) = value.read_lock::<Array>() {
        shape.push(items.len());
        if let Some(first) = items.first() {
            probe_shape(first, shape);
        }
    }
}

fn flatten(
    value: &Dynamic,
    shape: &[usize],
    depth: usize,
    out: &mut Vec<f64>,
    kind: &mut Kind,
    path: &mut Vec<usize>,
) -> Result<()> {
    if let Some(items) = value.read_lock::<Array>() {
        if depth >= shape.len() || items.len() != shape[depth] {
            crate::bail_shape!(
                "tensor: ragged array: element {} has {} entries where {} were expected",
                index_path(path),
                items.len(),
                shape
                    .get(depth)
                    .map_or("a number".to_string(), |n| n.to_string())
            );
        }
        for (i, item) in items.iter().enumerate() {
            path.push(i);
            flatten(item, shape, depth + 1, out, kind, path)?;
            path.pop();
        }
        return Ok(());
    }
    if depth != shape.len() {
        crate::bail_shape!(
            "tensor: ragged array: element {} is a number where an array of {} was expected",
            index_path(path),
            shape[depth]
        );
    }
    let (v, k) = if let Ok(f) = value.as_float() {
        (f, Kind::Float)
    } else if let Ok(i) = value.as_int() {
        (i as f64, Kind::Int)
    } else if let Ok(b) = value.as_bool() {
        (b as u8 as f64, Kind::Bool)
    } else {
        bail!(
            "tensor: element {} is {}, not a number",
            index_path(path),
            crate::error::a_type(value.type_name())
        );
    };
    if k > *kind {
        *kind = k;
    }
    out.push(v);
    Ok(())
}

fn index_path(path: &[usize]) -> String {
    path.iter().map(|i| format!("[{i}]")).collect()
}

/// Back to a nested Rhai array: floats as FLOAT, integers as INT; a 0-d tensor as a number.
pub fn to_dynamic(t: &Tensor) -> Result<Dynamic> {
    let is_float = t.dtype().is_float();
    let flat = t.flatten_all()?.to_dtype(DType::F64)?.to_vec1::<f64>()?;
    let dims = t.dims().to_vec();
    let scalar = |v: f64| {
        if is_float {
            Dynamic::from_float(v)
        } else {
            Dynamic::from_int(v as i64)
        }
    };
    fn nest(flat: &[f64], dims: &[usize], scalar: &dyn Fn(f64) -> Dynamic) -> Dynamic {
        if dims.is_empty() {
            return scalar(flat[0]);
        }
        let step = dims[1..].iter().product::<usize>();
        let items: Array = (0..dims[0])
            .map(|i| nest(&flat[i * step..(i + 1) * step], &dims[1..], scalar))
            .collect();
        Dynamic::from_array(items)
    }
    Ok(nest(&flat, &dims, &scalar))
}

pub fn zeros(shape: &[usize], dtype: DType) -> Result<Tensor> {
    budget::check("zeros", shape, dtype)?;
    Ok(Tensor(candle_core::Tensor::zeros(
        shape,
        dtype,
        &Device::Cpu,
    )?))
}

pub fn ones(shape: &[usize], dtype: DType) -> Result<Tensor> {
    budget::check("ones", shape, dtype)?;
    Ok(Tensor(candle_core::Tensor::ones(
        shape,
        dtype,
        &Device::Cpu,
    )?))
}

pub fn full(shape: &[usize], value: f64) -> Result<Tensor> {
    budget::check_f32("full", shape)?;
    Ok(Tensor(
        candle_core::Tensor::ones(shape, DType::F32, &Device::Cpu)?.affine(0.0, value)?,
    ))
}

/// Uniform in [0, 1), from the project's seeded generator.
pub fn rand(shape: &[usize], seed: u64) -> Result<Tensor> {
    budget::check_f32("rand", shape)?;
    let n = shape.iter().product();
    let v = Rng::new(seed).uniform_vec(n, 0.0, 1.0);
    Ok(Tensor(candle_core::Tensor::from_vec(
        v,
        shape,
        &Device::Cpu,
    )?))
}

/// Standard normal, from the project's seeded generator.
pub fn randn(shape: &[usize], seed: u64) -> Result<Tensor> {
    budget::check_f32("randn", shape)?;
    let n = shape.iter().product();
    let v = Rng::new(seed).normal_vec(n, 0.0, 1.0);
    Ok(Tensor(candle_core::Tensor::from_vec(
        v,
        shape,
        &Device::Cpu,
    )?))
}

/// Values from `start` up to (not including) `end` by `step`: i64 when all three are integers.
pub fn arange(start: f64, end: f64, step: f64, ints: bool) -> Result<Tensor> {
    if step == 0.0 || !step.is_finite() {
        bail!("arange: step must be a non-zero number, got {step}");
    }
    let n = ((end - start) / step).ceil().max(0.0) as usize;
    // The values are made as f64 first.
    budget::check("arange", &[n], DType::F64)?;
    let values: Vec<f64> = (0..n).map(|i| start + i as f64 * step).collect();
    let t = candle_core::Tensor::from_vec(values, n, &Device::Cpu)?;
    Ok(Tensor(t.to_dtype(if ints {
        DType::I64
    } else {
        DType::F32
    })?))
}

pub fn linspace(start: f64, end: f64, n: usize) -> Result<Tensor> {
    budget::check_f32("linspace", &[n])?;
    let values: Vec<f32> = (0..n)
        .map(|i| {
            if n == 1 {
                start as f32
            } else {
                (start + (end - start) * i as f64 / (n - 1) as f64) as f32
            }
        })
        .collect();
    Ok(Tensor(candle_core::Tensor::from_vec(
        values,
        n,
        &Device::Cpu,
    )?))
}

pub fn eye(n: usize) -> Result<Tensor> {
    budget::check_f32("eye", &[n, n])?;
    let mut v = vec![0f32; n * n];
    for i in 0..n {
        v[i * n + i] = 1.0;
    }
    Ok(Tensor(candle_core::Tensor::from_vec(
        v,
        (n, n),
        &Device::Cpu,
    )?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ladder_scripting::rhai::Engine;

    fn eval(code: &str) -> Dynamic {
        Engine::new().eval::<Dynamic>(code).unwrap()
    }

    #[test]
    fn nested_arrays_infer_shape_and_dtype() {
        let t = from_dynamic(&eval("[[1.0, 2.0], [3.0, 4.5]]"), None).unwrap();
        assert_eq!(t.dims(), &[2, 2]);
        assert_eq!(t.dtype(), DType::F32);
        let t = from_dynamic(&eval("[1, 2, 3]"), None).unwrap();
        assert_eq!(t.dtype(), DType::I64);
        let t = from_dynamic(&eval("[1, 2.5]"), None).unwrap();
        assert_eq!(t.dtype(), DType::F32);
        let back = to_dynamic(&from_dynamic(&eval("[[1, 2], [3, 4]]"), None).unwrap()).unwrap();
        assert_eq!(format!("{back:?}"), "[[1, 2], [3, 4]]");
    }

    #[test]
    fn ragged_arrays_name_the_row() {
        let e = from_dynamic(&eval("[[1, 2], [3]]"), None).unwrap_err();
        assert!(
            e.message().contains("element [1] has 1 entries where 2"),
            "{e}"
        );
        assert!(matches!(e, crate::error::Error::Shape(_)), "{e:?}");
        let e = from_dynamic(&eval("[1, \"x\"]"), None).unwrap_err();
        assert!(e.message().contains("element [1] is a string"), "{e}");
    }

    #[test]
    fn seeded_random_tensors_repeat() {
        let a = randn(&[3, 4], 5)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1::<f32>()
            .unwrap();
        let b = randn(&[3, 4], 5)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1::<f32>()
            .unwrap();
        let c = randn(&[3, 4], 6)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1::<f32>()
            .unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
        let r = arange(0.0, 1.0, 0.25, false)
            .unwrap()
            .to_vec1::<f32>()
            .unwrap();
        assert_eq!(r, vec![0.0, 0.25, 0.5, 0.75]);
    }
}
