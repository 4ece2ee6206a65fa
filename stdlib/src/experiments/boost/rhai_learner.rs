//! A weak learner written in Rhai: a function `|x, y, w|` that fits on rows `x` (array of
//! arrays), classes `y` and sample weights `w`, and returns a predictor `|x|` giving one class
//! per row.

use super::learner::{Env, Hypothesis, WeakLearner};
use crate::error::Error;
use crate::experiments::convert::{classes, rows_array, to_array, usize_array};
use crate::experiments::matrix::Matrix;
use ladder_scripting::callback;
use ladder_scripting::rhai::{Array, Dynamic, FnPtr};

pub struct RhaiLearner {
    pub fit: FnPtr,
}

struct RhaiHypothesis {
    predict: FnPtr,
}

fn rows(x: &Matrix) -> Array {
    rows_array(&x.iter_rows().map(<[f64]>::to_vec).collect::<Vec<_>>())
}

impl WeakLearner for RhaiLearner {
    fn fit(
        &mut self,
        x: &Matrix,
        y: &[usize],
        w: &[f64],
        _n_classes: usize,
        env: Env,
    ) -> Result<Box<dyn Hypothesis>, Error> {
        let ctx = env.ok_or("a Rhai learner can only run inside a script")?;
        let out: Dynamic = self
            .fit
            .call_within_context(ctx, (rows(x), usize_array(y), to_array(w)))
            .map_err(|e| {
                Error::callback(&e, |e| {
                    let why = callback::failure(ctx, e, &self.fit, "three arguments: x, y, w");
                    format!("learner {} failed: {why}", callback::label(&self.fit))
                })
            })?;
        let predict = out.try_cast::<FnPtr>().ok_or_else(|| {
            Error::new(format!(
                "learner {} must return a predictor function |x| -> classes",
                callback::label(&self.fit)
            ))
        })?;
        Ok(Box::new(RhaiHypothesis { predict }))
    }

    fn name(&self) -> String {
        shown("Rhai function", &self.fit)
    }
}

impl Hypothesis for RhaiHypothesis {
    fn predict(&self, x: &Matrix, env: Env) -> Result<Vec<usize>, Error> {
        let ctx = env.ok_or("a Rhai predictor can only run inside a script")?;
        let out: Dynamic = self
            .predict
            .call_within_context(ctx, (rows(x),))
            .map_err(|e| {
                Error::callback(&e, |e| {
                    let why = callback::failure(ctx, e, &self.predict, "one argument, the rows x");
                    format!("predictor {} failed: {why}", callback::label(&self.predict))
                })
            })?;
        let arr = out.try_cast::<Array>().ok_or_else(|| {
            Error::new(format!(
                "predictor {} must return an array of classes",
                callback::label(&self.predict)
            ))
        })?;
        classes(&arr, "predictions").map_err(|e| Error::new(e.to_string()))
    }

    fn describe(&self) -> String {
        shown("Rhai predictor", &self.predict)
    }
}

/// A learner or predictor as tables show it: by its name, or as a closure.
fn shown(what: &str, f: &FnPtr) -> String {
    if f.is_anonymous() {
        "a Rhai closure".to_string()
    } else {
        format!("{what} '{}'", f.fn_name())
    }
}
