//! A weak learner written in Rhai: a function `|x, y, w|` that fits on rows `x` (array of
//! arrays), classes `y` and sample weights `w`, and returns a predictor `|x|` giving one class
//! per row.

use super::learner::{Env, Hypothesis, WeakLearner};
use crate::error::Error;
use crate::experiments::convert::{classes, rows_array, to_array, usize_array};
use crate::experiments::matrix::Matrix;
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
                    format!("learner '{}' failed: {e}", self.fit.fn_name())
                })
            })?;
        let predict = out.try_cast::<FnPtr>().ok_or_else(|| {
            Error::new(format!(
                "learner '{}' must return a predictor function |x| -> classes",
                self.fit.fn_name()
            ))
        })?;
        Ok(Box::new(RhaiHypothesis { predict }))
    }

    fn name(&self) -> String {
        format!("Rhai function '{}'", self.fit.fn_name())
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
                    format!("predictor '{}' failed: {e}", self.predict.fn_name())
                })
            })?;
        let arr = out.try_cast::<Array>().ok_or_else(|| {
            Error::new(format!(
                "predictor '{}' must return an array of classes",
                self.predict.fn_name()
            ))
        })?;
        classes(&arr, "predictions").map_err(|e| Error::new(e.to_string()))
    }

    fn describe(&self) -> String {
        format!("Rhai predictor '{}'", self.predict.fn_name())
    }
}
