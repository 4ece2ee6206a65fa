//! Run records: every experiment call leaves a [`RunRecord`] in a [`RunStore`], one SQLite
//! file shared by the sessions and processes of one user (see the README, "Run records").
//! Bindings wrap their work in [`recorded`]; `bindings.rs` has the cell functions.

pub mod bindings;
pub mod export;
mod filter;
mod fingerprint;
pub mod json;
mod metrics;
pub mod origin;
mod record;
mod recorder;
mod store;
mod sweep;
#[cfg(test)]
mod tests;
pub mod view;

pub use filter::RunFilter;
pub use metrics::RunMetrics;
pub use record::{env_tags, RunRecord, FAILED, INTERRUPTED, OK, TAGS_ENV};
pub use recorder::{add_or_save, recorded, set_store_path, store_path, with_store, Call};
pub use store::{RunStore, STORE_ENV};
