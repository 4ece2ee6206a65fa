//! The standard library's run store, as `ladder sweep` sees it.

use ladder_cli::sweep::{RecordRow, RecordStore};
use ladder_stdlib::runs::{RunFilter, RunStore};
use std::path::{Path, PathBuf};

pub struct StdlibStore;

impl RecordStore for StdlibStore {
    fn default_path(&self) -> Result<PathBuf, String> {
        Ok(RunStore::default_path())
    }

    fn merge(&self, from: &Path, into: &Path) -> Result<usize, String> {
        let mut store = RunStore::open(into).map_err(|e| e.to_string())?;
        store.merge_from(from).map_err(|e| e.to_string())
    }

    fn read(&self, db: &Path) -> Result<Vec<RecordRow>, String> {
        let store = RunStore::open(db).map_err(|e| e.to_string())?;
        let records = store
            .list(&RunFilter::default())
            .map_err(|e| e.to_string())?;
        Ok(records
            .into_iter()
            .map(|r| RecordRow {
                seconds: r.seconds(),
                id: r.id,
                name: r.name,
                status: r.status,
                error: r.error,
                metrics: r.metrics,
                tags: r.tags,
            })
            .collect())
    }
}
