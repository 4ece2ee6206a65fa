//! Boosting: SAMME with any weak learner that honours sample weights.

pub mod learner;
pub mod samme;
pub mod stump;

pub use learner::{Env, Hypothesis, WeakLearner};
pub use samme::{Samme, SammeConfig};
pub use stump::{Stump, StumpLearner};
pub mod network_learner;
pub mod rhai;
pub mod rhai_learner;
