//! Conversions between Rhai values and the plain Rust inputs of this module, with errors that
//! name the argument and the position of a bad element.

use super::matrix::Matrix;
use ladder_scripting::rhai::{Array, Dynamic};

pub use crate::error::RhaiResult;

/// A Rhai number (int or float) as f64.
pub fn number(v: &Dynamic) -> Option<f64> {
    v.as_float()
        .ok()
        .or_else(|| v.as_int().ok().map(|i| i as f64))
}

/// An array of numbers.
pub fn floats(a: &Array, what: &str) -> RhaiResult<Vec<f64>> {
    a.iter()
        .enumerate()
        .map(|(i, v)| {
            number(v).ok_or_else(|| {
                format!(
                    "{what}[{i}] is {}, not a number",
                    crate::error::a_type(v.type_name())
                )
                .into()
            })
        })
        .collect()
}

/// An array of class indices (non-negative integers).
pub fn classes(a: &Array, what: &str) -> RhaiResult<Vec<usize>> {
    a.iter()
        .enumerate()
        .map(|(i, v)| match v.as_int() {
            Ok(c) if c >= 0 => Ok(c as usize),
            Ok(c) => Err(format!("{what}[{i}] = {c} is not a class index (>= 0)").into()),
            Err(t) => Err(format!("{what}[{i}] is a {t}, not an integer class").into()),
        })
        .collect()
}

/// An array of integers (votes may be −1).
pub fn ints(a: &Array, what: &str) -> RhaiResult<Vec<i64>> {
    a.iter()
        .enumerate()
        .map(|(i, v)| {
            v.as_int()
                .map_err(|t| format!("{what}[{i}] is a {t}, not an integer").into())
        })
        .collect()
}

/// An array of equal-length numeric rows.
pub fn matrix(a: &Array, what: &str) -> RhaiResult<Matrix> {
    let mut rows = Vec::with_capacity(a.len());
    for (i, row) in a.iter().enumerate() {
        let r = row.read_lock::<Array>().ok_or_else(|| {
            format!(
                "{what}[{i}] is {}, expected an array of numbers (one row)",
                crate::error::a_type(row.type_name())
            )
        })?;
        rows.push(floats(&r, &format!("{what}[{i}]"))?);
    }
    Ok(Matrix::from_rows(&rows).map_err(|e| format!("{what}: {e}"))?)
}

/// Rows of probabilities.
pub fn proba_rows(a: &Array, what: &str) -> RhaiResult<Vec<Vec<f64>>> {
    let m = matrix(a, what)?;
    Ok(m.iter_rows().map(<[f64]>::to_vec).collect())
}

pub fn to_array<T: Clone + Into<Dynamic>>(v: &[T]) -> Array {
    v.iter().cloned().map(Into::into).collect()
}

pub fn usize_array(v: &[usize]) -> Array {
    v.iter().map(|&c| Dynamic::from_int(c as i64)).collect()
}

pub fn rows_array(rows: &[Vec<f64>]) -> Array {
    rows.iter()
        .map(|r| Dynamic::from_array(to_array(r)))
        .collect()
}

/// A tensor's values as f64, row-major, with its shape.
fn tensor_values(t: &crate::tensor::Tensor, what: &str) -> RhaiResult<(Vec<usize>, Vec<f64>)> {
    let dims = t.dims().to_vec();
    let v = t
        .to_dtype(candle_core::DType::F64)
        .and_then(|x| x.flatten_all())
        .and_then(|x| x.to_vec1::<f64>())
        .map_err(|e| format!("{what}: cannot read the tensor: {e}"))?;
    Ok((dims, v))
}

/// Classes from an array of ints, a 1-D tensor, or a data set's labels.
pub fn classes_of(v: &Dynamic, what: &str) -> RhaiResult<Vec<usize>> {
    if let Some(a) = v.read_lock::<Array>() {
        return classes(&a, what);
    }
    if let Some(d) = v.read_lock::<crate::data::Dataset>() {
        let l = d.labels().map_err(|e| format!("{what}: {e}"))?;
        return Ok(l.into_iter().map(|c| c as usize).collect());
    }
    if let Some(t) = v.read_lock::<crate::tensor::Tensor>() {
        let (dims, vals) = tensor_values(&t, what)?;
        if dims.len() != 1 {
            return Err(
                format!("{what}: expected a 1-D tensor of classes, got shape {dims:?}").into(),
            );
        }
        return vals
            .iter()
            .enumerate()
            .map(|(i, &x)| {
                if x >= 0.0 && x.fract() == 0.0 {
                    Ok(x as usize)
                } else {
                    Err(format!("{what}[{i}] = {x} is not a class index").into())
                }
            })
            .collect();
    }
    Err(format!(
        "{what}: expected an array of classes, a Tensor or a Dataset, got {}",
        v.type_name()
    )
    .into())
}

/// Integer labels that may be −1 (abstain) from an array of ints, a 1-D tensor, or a data
/// set's labels; other negative values are left for the caller to judge.
pub fn votes_of(v: &Dynamic, what: &str) -> RhaiResult<Vec<i64>> {
    if let Some(a) = v.read_lock::<Array>() {
        return ints(&a, what);
    }
    if let Some(t) = v.read_lock::<crate::tensor::Tensor>() {
        let (dims, vals) = tensor_values(&t, what)?;
        if dims.len() != 1 {
            return Err(
                format!("{what}: expected a 1-D tensor of classes, got shape {dims:?}").into(),
            );
        }
        return vals
            .iter()
            .enumerate()
            .map(|(i, &x)| {
                if x.fract() == 0.0 {
                    Ok(x as i64)
                } else {
                    Err(format!("{what}[{i}] = {x} is not a class index").into())
                }
            })
            .collect();
    }
    Ok(classes_of(v, what)?.into_iter().map(|c| c as i64).collect())
}

/// Rows of numbers from an array of arrays, a 2-D tensor, or a data set's features.
pub fn matrix_of(v: &Dynamic, what: &str) -> RhaiResult<Matrix> {
    if let Some(a) = v.read_lock::<Array>() {
        return matrix(&a, what);
    }
    let t = if let Some(d) = v.read_lock::<crate::data::Dataset>() {
        d.x.clone()
    } else if let Some(t) = v.read_lock::<crate::tensor::Tensor>() {
        t.clone()
    } else {
        return Err(format!(
            "{what}: expected rows (an array of arrays), a 2-D Tensor or a Dataset, got {}",
            v.type_name()
        )
        .into());
    };
    let (dims, vals) = tensor_values(&t, what)?;
    if dims.len() != 2 {
        return Err(
            format!("{what}: expected a 2-D tensor (rows × columns), got shape {dims:?}").into(),
        );
    }
    Ok(Matrix::new(dims[0], dims[1], vals).map_err(|e| format!("{what}: {e}"))?)
}

/// One number per row, from an array of numbers or a 1-D tensor; `None` for anything else
/// (rows of probabilities, say), which the caller reads its own way.
pub fn scores_of(v: &Dynamic, what: &str) -> RhaiResult<Option<Vec<f64>>> {
    if let Some(a) = v.read_lock::<Array>() {
        return match a.first().and_then(number) {
            Some(_) => floats(&a, what).map(Some),
            None => Ok(None),
        };
    }
    if let Some(t) = v.read_lock::<crate::tensor::Tensor>() {
        if t.dims().len() == 1 {
            return Ok(Some(tensor_values(&t, what)?.1));
        }
    }
    Ok(None)
}

/// Probability rows from an array of arrays or a 2-D tensor.
pub fn proba_of(v: &Dynamic, what: &str) -> RhaiResult<Vec<Vec<f64>>> {
    Ok(matrix_of(v, what)?
        .iter_rows()
        .map(<[f64]>::to_vec)
        .collect())
}
