//! Labelling functions that label a whole column in one call, `lf_column("text", f)`: `f` gets
//! the column as one array (each row's value as the row holds it) and returns one vote per row,
//! so a function written in Rust or over arrays pays one call, not one per row.

use crate::error::{Error, RhaiResult};
use crate::tensor::Tensor;
use candle_core::DType;
use ladder_scripting::callback;
use ladder_scripting::rhai::{Array, Dynamic, FnPtr, NativeCallContext};

/// A function of one column and the column it reads.
#[derive(Clone)]
pub struct ColumnFn {
    pub column: String,
    pub f: FnPtr,
}

impl ColumnFn {
    /// `column: name`, the function's name or `lf_<j>` for a closure.
    pub fn default_name(&self, j: usize) -> String {
        let n = self.f.fn_name();
        if n.starts_with("anon$") || n.is_empty() {
            format!("{}: lf_{j}", self.column)
        } else {
            format!("{}: {n}", self.column)
        }
    }

    /// The votes on `rows`, from one call of the function on the whole column. `name` names
    /// the labelling function in errors.
    pub fn votes(
        &self,
        ctx: &NativeCallContext,
        column: Array,
        name: &str,
    ) -> RhaiResult<Vec<i64>> {
        let n = column.len();
        let out = self
            .f
            .call_raw(ctx, None, [Dynamic::from_array(column)])
            .map_err(|e| {
                Error::callback(&e, |e| {
                    let why = callback::failure(ctx, e, &self.f, "one argument, the column");
                    format!("labelling function '{name}' failed: {why}")
                })
            })?;
        let votes = to_votes(out, name)?;
        if votes.len() != n {
            return Err(Error::shape(format!(
                "labelling function '{name}' returned {} votes for {n} rows; it must return one vote per row",
                votes.len()
            ))
            .into());
        }
        Ok(votes)
    }
}

/// An array of ints or a 1-D int tensor as votes.
fn to_votes(out: Dynamic, name: &str) -> RhaiResult<Vec<i64>> {
    if let Some(t) = out.read_lock::<Tensor>() {
        if t.rank() != 1 || !t.dtype().is_int() {
            return Err(Error::data(format!(
                "labelling function '{name}' returned a {:?} tensor of shape {:?}; it must return a 1-D int tensor or an array of ints (-1 to abstain)",
                t.dtype(),
                t.dims()
            ))
            .into());
        }
        let votes = t.to_dtype(DType::I64).and_then(|t| t.to_vec1::<i64>());
        return Ok(votes.map_err(Error::from)?);
    }
    let type_name = out.type_name();
    let Some(votes) = out.try_cast::<Array>() else {
        return Err(Error::data(format!(
            "labelling function '{name}' returned a {type_name}; it must return an array of votes, one per row (-1 to abstain)"
        ))
        .into());
    };
    votes
        .iter()
        .enumerate()
        .map(|(i, v)| {
            v.as_int().map_err(|t| {
                Error::data(format!(
                    "labelling function '{name}' voted a {t} for row {i}; a vote is a class or -1 to abstain"
                ))
                .into()
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn votes_are_ints_or_an_int_tensor() {
        let votes: Array = vec![Dynamic::from_int(1), Dynamic::from_int(-1)];
        assert_eq!(to_votes(Dynamic::from_array(votes), "f").unwrap(), [1, -1]);
        let t = candle_core::Tensor::new(&[0i64, -1, 2], &candle_core::Device::Cpu).unwrap();
        assert_eq!(to_votes(Dynamic::from(Tensor(t)), "f").unwrap(), [0, -1, 2]);
    }

    #[test]
    fn a_vote_that_is_not_an_int_names_the_function_and_row() {
        let votes: Array = vec![Dynamic::from_int(1), Dynamic::from_float(1.0)];
        let e = to_votes(Dynamic::from_array(votes), "text: f").unwrap_err();
        assert!(
            e.to_string()
                .contains("labelling function 'text: f' voted a f64 for row 1"),
            "{e}"
        );
        let t = candle_core::Tensor::new(&[0.5f32], &candle_core::Device::Cpu).unwrap();
        let e = to_votes(Dynamic::from(Tensor(t)), "f").unwrap_err();
        assert!(e.to_string().contains("F32 tensor"), "{e}");
        let e = to_votes(Dynamic::from("x"), "f").unwrap_err();
        assert!(e.to_string().contains("returned a string"), "{e}");
    }

    #[test]
    fn a_named_function_is_named_by_its_column_and_name() {
        // Closures (`lf_<j>`) are checked from Rhai: only the engine makes their names.
        let c = ColumnFn {
            column: "text".into(),
            f: FnPtr::new("great").unwrap(),
        };
        assert_eq!(c.default_name(2), "text: great");
    }
}
