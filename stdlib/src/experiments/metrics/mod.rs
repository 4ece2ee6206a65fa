//! Evaluation: classification metrics, bootstrap and across-seed intervals, and a results
//! table that collects runs.

pub mod classification;
pub mod results;
pub mod stats;

pub use classification::*;
pub use results::{Results, Run};
pub use stats::{bootstrap, mean_interval, BootstrapConfig, Interval};
pub mod rhai;
