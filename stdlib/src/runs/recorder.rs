//! The one hook experiment bindings share: [`recorded`] runs a call and writes its record.
//!
//! A call made while another recorded call runs (the `fit`s a sweep point's function makes)
//! belongs to the outer call: it writes nothing, and its metrics, data set and seed fill in
//! what the outer record lacks. Writing never fails the user's call: a store that cannot be
//! written is reported once on stderr and the work goes on.

use super::fingerprint::fingerprint;
use super::json::map_to_json;
use super::metrics::RunMetrics;
use super::origin;
use super::record::{RunRecord, FAILED, INTERRUPTED};
use super::store::RunStore;
use crate::data::Dataset;
use ladder_scripting::rhai::{EvalAltResult, Map as RhaiMap};
use ladder_scripting::RhaiResult;
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::path::PathBuf;

thread_local! {
    /// The records of the calls running now, outermost first.
    static OPEN: RefCell<Vec<RunRecord>> = const { RefCell::new(Vec::new()) };
    /// This thread's session's store: `runs_db(path)` sets the path; opened on first write.
    static STORE: RefCell<(Option<PathBuf>, Option<RunStore>)> = const { RefCell::new((None, None)) };
}

/// One recorded call: its name, the data set it ran on and its options.
pub struct Call<'a> {
    pub name: &'a str,
    pub data: Option<&'a Dataset>,
    pub options: Map<String, Value>,
    pub tags: Map<String, Value>,
}

impl<'a> Call<'a> {
    pub fn new(name: &'a str, options: &RhaiMap) -> Self {
        Call {
            name,
            data: None,
            options: map_to_json(options),
            tags: Map::new(),
        }
    }

    pub fn on(mut self, data: &'a Dataset) -> Self {
        self.data = Some(data);
        self
    }

    pub fn tag(mut self, key: &str, value: Value) -> Self {
        self.tags.insert(key.to_string(), value);
        self
    }
}

/// Pops the call's record even when its body panics, so later calls are not taken as nested.
struct Opened;

impl Drop for Opened {
    fn drop(&mut self) {
        OPEN.with(|o| o.borrow_mut().pop());
    }
}

/// Run `body` as the call `call`, recording it when no recorded call is running already.
pub fn recorded<T: RunMetrics>(call: Call, body: impl FnOnce() -> RhaiResult<T>) -> RhaiResult<T> {
    let record = start(call);
    OPEN.with(|o| o.borrow_mut().push(record));
    let opened = Opened;
    let outcome = body();
    let mut record = OPEN
        .with(|o| o.borrow_mut().last().cloned())
        .expect("open record");
    drop(opened);
    finish(&mut record, &outcome);
    add_or_save(record);
    outcome
}

/// Add metrics to the running call's record, or write `record` as a run of its own when no
/// call is running; returns the id of the record they went into.
pub fn add_or_save(record: RunRecord) -> String {
    if OPEN.with(|o| o.borrow().is_empty()) {
        save(&record);
        record.id
    } else {
        fold_into_parent(&record)
    }
}

fn start(call: Call) -> RunRecord {
    let mut record = RunRecord::start(call.name);
    record.seed = call.options.get("seed").and_then(Value::as_i64);
    record.options = Value::Object(call.options);
    record.tags.extend(call.tags);
    // An inner call's record only lends its parent what the parent lacks (fold_into_parent):
    // skip the hashing and the reads of .git that would be thrown away.
    let parent_has_data = OPEN.with(|o| o.borrow().last().map(|p| p.dataset.is_some()));
    if let Some(data) = call.data {
        record.dataset = Some(data.name.clone());
        if parent_has_data != Some(true) {
            record.fingerprint = fingerprint(data);
        }
    }
    if parent_has_data.is_none() {
        record.source = origin::source();
        record.cell = origin::cell();
        record.git_commit = origin::git_commit(record.source.as_deref());
    }
    record
}

fn finish<T: RunMetrics>(record: &mut RunRecord, outcome: &RhaiResult<T>) {
    record.ended = chrono::Utc::now();
    match outcome {
        // The result's own figures win over those its inner calls left.
        Ok(value) => record.metrics.extend(value.run_metrics()),
        Err(e) => {
            let interrupted = matches!(**e, EvalAltResult::ErrorTerminated(..))
                || ladder_scripting::context::interrupted();
            record.status = if interrupted { INTERRUPTED } else { FAILED }.to_string();
            record.error = Some(e.to_string());
        }
    }
}

/// Fill in what the running call's record lacks from a finished inner one; its id.
fn fold_into_parent(inner: &RunRecord) -> String {
    OPEN.with(|o| {
        let mut open = o.borrow_mut();
        let parent = open.last_mut().expect("a running call");
        for (k, v) in &inner.metrics {
            parent.metrics.entry(k.clone()).or_insert_with(|| v.clone());
        }
        if parent.dataset.is_none() {
            parent.dataset = inner.dataset.clone();
            parent.fingerprint = inner.fingerprint.clone();
        }
        parent.seed = parent.seed.or(inner.seed);
        parent.id.clone()
    })
}

/// Move this session's store (`runs_db`); `None` goes back to the default.
pub fn set_store_path(path: Option<PathBuf>) {
    STORE.with(|s| *s.borrow_mut() = (path, None));
}

/// The store this session writes to.
pub fn store_path() -> PathBuf {
    STORE
        .with(|s| s.borrow().0.clone())
        .unwrap_or_else(RunStore::default_path)
}

/// Run `f` on this session's store, opening it first if needed.
pub fn with_store<R>(f: impl FnOnce(&mut RunStore) -> crate::Result<R>) -> crate::Result<R> {
    let path = store_path();
    STORE.with(|s| {
        let mut s = s.borrow_mut();
        // LADDER_RUNS may change between calls (tests): reopen when the path moved.
        if s.1.as_ref().is_none_or(|open| open.path() != path) {
            s.1 = Some(RunStore::open(&path)?);
        }
        f(s.1.as_mut().expect("opened"))
    })
}

fn save(record: &RunRecord) {
    if let Err(e) = with_store(|store| store.insert(record)) {
        static WARNED: std::sync::Once = std::sync::Once::new();
        WARNED.call_once(|| {
            eprintln!("ladder: run records are not being saved ({e}); the work goes on")
        });
    }
}
