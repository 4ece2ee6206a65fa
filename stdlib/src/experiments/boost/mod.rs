//! Boosting: SAMME with any weak learner that honours sample weights.

pub mod learner;
pub mod samme;
pub mod stump;

pub use learner::{Env, Hypothesis, WeakLearner};
pub use samme::{Samme, SammeConfig};
pub use stump::{Stump, StumpLearner};
pub mod bindings;
pub mod network_learner;
pub mod rhai_learner;
