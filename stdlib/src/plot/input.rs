//! Chart inputs from Rhai values: arrays of numbers (ints or floats) or tensors, with errors
//! that say which argument and which element was wrong.

use crate::tensor::Tensor;
use ladder_scripting::rhai::{Array, Dynamic, EvalAltResult};

pub type Fail = Box<EvalAltResult>;

pub fn fail(message: impl Into<String>) -> Fail {
    message.into().into()
}

/// A tensor as nested Rhai arrays; other values unchanged.
fn plain(v: &Dynamic) -> Result<Dynamic, Fail> {
    match v.read_lock::<Tensor>() {
        Some(t) => crate::tensor::build::to_dynamic(&t).map_err(|e| fail(e.to_string())),
        None => Ok(v.clone()),
    }
}

fn number(v: &Dynamic) -> Option<f64> {
    v.as_float()
        .ok()
        .or_else(|| v.as_int().ok().map(|i| i as f64))
}

fn array(v: &Dynamic, what: &str) -> Result<Array, Fail> {
    let v = plain(v)?;
    v.into_array()
        .map_err(|t| fail(format!("{what} must be an array or a tensor, not {t}")))
}

/// A 1-D list of numbers.
pub fn numbers(v: &Dynamic, what: &str) -> Result<Vec<f64>, Fail> {
    array(v, what)?
        .iter()
        .enumerate()
        .map(|(i, x)| {
            number(x)
                .ok_or_else(|| fail(format!("{what}[{i}] is {}, expected a number", describe(x))))
        })
        .collect()
}

/// One label per point: whole numbers, or any value shown as text.
pub fn labels(v: &Dynamic, what: &str) -> Result<Vec<Dynamic>, Fail> {
    let items = array(v, what)?;
    for (i, x) in items.iter().enumerate() {
        if x.is_array() || x.is_map() {
            return Err(fail(format!(
                "{what}[{i}] is {}, expected a class label (a number or a string)",
                describe(x)
            )));
        }
    }
    Ok(items)
}

/// Whether each prediction was right: booleans, or 0/1 numbers.
pub fn flags(v: &Dynamic, what: &str) -> Result<Vec<bool>, Fail> {
    array(v, what)?
        .iter()
        .enumerate()
        .map(|(i, x)| match (x.as_bool(), number(x)) {
            (Ok(b), _) => Ok(b),
            (_, Some(n)) if n == 0.0 || n == 1.0 => Ok(n == 1.0),
            _ => Err(fail(format!(
                "{what}[{i}] is {}, expected true/false or 0/1",
                describe(x)
            ))),
        })
        .collect()
}

/// Text labels (strings as they are, other values printed).
pub fn strings(v: &Dynamic, what: &str) -> Result<Vec<String>, Fail> {
    Ok(array(v, what)?.iter().map(text).collect())
}

/// A value as a label: strings without quotes.
pub fn text(v: &Dynamic) -> String {
    v.clone().into_string().unwrap_or_else(|_| v.to_string())
}

/// A rectangular 2-D array of numbers: `rows[i][j]`.
pub fn matrix(v: &Dynamic, what: &str) -> Result<Vec<Vec<f64>>, Fail> {
    let rows = array(v, what)?;
    let mut out = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        if !row.is_array() {
            return Err(fail(format!(
                "{what}[{i}] is {}, expected a row (an array of numbers)",
                describe(row)
            )));
        }
        let r = numbers(row, &format!("{what}[{i}]"))?;
        if let Some(first) = out.first().map(Vec::len) {
            if r.len() != first {
                return Err(fail(format!(
                    "{what} must be rectangular: row 0 has {first} values but row {i} has {}",
                    r.len()
                )));
            }
        }
        out.push(r);
    }
    Ok(out)
}

/// Points as `[[x, y], ...]` (or an n x 2 tensor): their x and y coordinates.
pub fn points(v: &Dynamic, what: &str) -> Result<(Vec<f64>, Vec<f64>), Fail> {
    let rows = matrix(v, what)?;
    if let Some(r) = rows.first() {
        if r.len() != 2 {
            return Err(fail(format!(
                "{what} must hold [x, y] pairs, but its rows have {} values",
                r.len()
            )));
        }
    }
    Ok(rows.iter().map(|r| (r[0], r[1])).unzip())
}

/// The same number of values in two inputs, or an error naming both.
pub fn same_length(a: usize, a_name: &str, b: usize, b_name: &str) -> Result<(), Fail> {
    if a != b {
        return Err(fail(format!(
            "{a_name} has {a} values but {b_name} has {b}: they must have the same length"
        )));
    }
    Ok(())
}

/// How a value reads in an error message: its type and, if short, its value.
pub fn describe(v: &Dynamic) -> String {
    let shown = v.to_string();
    if v.is_string() && shown.len() <= 20 {
        format!("the string {shown:?}")
    } else if v.is_string() {
        "a string".to_string()
    } else if shown.len() <= 20 && !v.is_unit() {
        format!("{shown} ({})", v.type_name())
    } else {
        format!("a value of type {}", v.type_name())
    }
}
