//! Evaluation: classification metrics, bootstrap and across-seed intervals, and a results
//! table that collects runs.

pub mod abstain;
pub mod classification;
pub mod reports;
pub mod results;
pub mod stats;

pub use abstain::*;
pub use classification::*;
pub use reports::{Calibration, ClassificationReport, ConfusionMatrix};
pub use results::{Results, Run};
pub use stats::{bootstrap, mean_interval, BootstrapConfig, Interval};
pub mod bindings;
