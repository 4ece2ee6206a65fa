//! What the sweep needs of the run-record store. The store lives in the standard library, which
//! this crate does not depend on; the `ladder` binary passes an implementation in.

use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// One record, as the summary shows it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RecordRow {
    pub id: String,
    pub name: String,
    pub status: String,
    pub error: Option<String>,
    pub seconds: f64,
    pub metrics: Map<String, Value>,
    pub tags: Map<String, Value>,
}

pub trait RecordStore {
    /// The user's store (`LADDER_RUNS`, else the default file).
    fn default_path(&self) -> Result<PathBuf, String>;
    /// Copy the records of the store file `from` into `into`; returns how many were new.
    fn merge(&self, from: &Path, into: &Path) -> Result<usize, String>;
    /// Every record in the store file `db`, oldest first.
    fn read(&self, db: &Path) -> Result<Vec<RecordRow>, String>;
}
