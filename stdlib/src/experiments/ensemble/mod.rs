//! Ensembles: plain combinations of members (mean of probabilities, vote, logit fusion) and
//! the AILBoost mixture with its weighted replay sampler.

pub mod bindings;
pub mod combine;
pub mod mixture;

pub use combine::{logit_fusion, mean_proba, vote};
pub use mixture::{mixture_weights, Mixture};
