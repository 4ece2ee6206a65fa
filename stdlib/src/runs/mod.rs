//! Run records: every experiment call leaves a [`RunRecord`] in a [`RunStore`], one SQLite
//! file shared by the sessions and processes of one user (see the README, "Run records").

mod filter;
mod record;
mod store;
#[cfg(test)]
mod tests;

pub use filter::RunFilter;
pub use record::{env_tags, RunRecord, FAILED, INTERRUPTED, OK, TAGS_ENV};
pub use store::{RunStore, STORE_ENV};
