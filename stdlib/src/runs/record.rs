//! One run record: what a recorded call (or `record(...)`) leaves in the store.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// How a recorded call ended.
pub const OK: &str = "ok";
pub const FAILED: &str = "failed";
pub const INTERRUPTED: &str = "interrupted";

/// The environment variable whose JSON object is merged into every record's `tags` (a sweep
/// sets its id and the point's configuration there for the processes it starts).
pub const TAGS_ENV: &str = "LADDER_RUN_TAGS";

/// A run of one experiment call. Serialised whole as JSON in the store; the fields filters use
/// are also kept in their own columns.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// A uuid (v4).
    pub id: String,
    /// The call's name: `fit`, `weak_to_strong`, a `record(...)`'s name, `sweep`, ...
    pub name: String,
    /// [`OK`], [`FAILED`] or [`INTERRUPTED`].
    pub status: String,
    pub error: Option<String>,
    pub started: DateTime<Utc>,
    pub ended: DateTime<Utc>,
    /// The call's options map.
    pub options: Value,
    pub dataset: Option<String>,
    /// `sha256:` and the first 16 hex digits of the data set's content hash.
    pub fingerprint: Option<String>,
    pub seed: Option<i64>,
    /// Metrics and figures of merit (`pgr`, `pgr_low`, `pgr_high`, accuracies, ...).
    pub metrics: Map<String, Value>,
    pub ladder_version: String,
    /// The notebook or script the call came from.
    pub source: Option<String>,
    /// The cell (execution count) it ran in.
    pub cell: Option<String>,
    /// The git commit of the source's folder, when it is in a repository.
    pub git_commit: Option<String>,
    #[serde(default)]
    pub tags: Map<String, Value>,
}

impl RunRecord {
    /// A record named `name` starting now, status ok, tagged from [`TAGS_ENV`].
    pub fn start(name: &str) -> Self {
        let now = Utc::now();
        RunRecord {
            id: uuid::Uuid::new_v4().to_string(),
            name: name.to_string(),
            status: OK.to_string(),
            error: None,
            started: now,
            ended: now,
            options: Value::Object(Map::new()),
            dataset: None,
            fingerprint: None,
            seed: None,
            metrics: Map::new(),
            ladder_version: env!("CARGO_PKG_VERSION").to_string(),
            source: None,
            cell: None,
            git_commit: None,
            tags: env_tags(),
        }
    }

    /// The run's length in seconds.
    pub fn seconds(&self) -> f64 {
        (self.ended - self.started).num_microseconds().unwrap_or(0) as f64 / 1e6
    }
}

/// The tags [`TAGS_ENV`] sets; a value that is not a JSON object is warned about once.
pub fn env_tags() -> Map<String, Value> {
    let Ok(text) = std::env::var(TAGS_ENV) else {
        return Map::new();
    };
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(tags)) => tags,
        _ => {
            static WARNED: std::sync::Once = std::sync::Once::new();
            WARNED.call_once(|| {
                eprintln!(
                    "ladder: {TAGS_ENV} is not a JSON object; run records get no tags from it"
                )
            });
            Map::new()
        }
    }
}
