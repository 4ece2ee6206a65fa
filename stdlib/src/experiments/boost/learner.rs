//! The weak-learner interface of boosting: anything that fits on weighted rows and predicts a
//! class per row (a stump, a network trained with a weighted loss, a Rhai function).

use crate::error::Error;
use crate::experiments::matrix::Matrix;
use ladder_scripting::rhai::NativeCallContext;

/// Where a hypothesis runs: learners written in Rhai need the calling script's context to
/// call back into it; Rust learners ignore it.
pub type Env<'a, 'b> = Option<&'a NativeCallContext<'b>>;

/// A fitted weak hypothesis.
pub trait Hypothesis {
    /// One class in `0..n_classes` per row of `x`.
    fn predict(&self, x: &Matrix, env: Env) -> Result<Vec<usize>, Error>;

    /// A short description for tables ("x[12] <= 765").
    fn describe(&self) -> String;
}

/// A learner that honours sample weights.
pub trait WeakLearner {
    /// Called once with the training rows before the first round, so a learner can
    /// precompute what does not depend on the weights (a stump sorts each feature once).
    fn prepare(&mut self, _x: &Matrix) {}

    /// Fit on `x`, `y` with sample weights `w` (positive, summing to 1).
    fn fit(
        &mut self,
        x: &Matrix,
        y: &[usize],
        w: &[f64],
        n_classes: usize,
        env: Env,
    ) -> Result<Box<dyn Hypothesis>, Error>;

    /// The learner's name for reports.
    fn name(&self) -> String;
}
