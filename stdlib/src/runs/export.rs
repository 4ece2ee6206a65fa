//! Records as CSV (one flat row each) or JSON lines (each record whole), for `ladder runs export`.

use super::record::RunRecord;
use crate::error::{Error, Result};
use serde_json::{Map, Value};

/// Where one group of a record's columns comes from.
type MapOf = fn(&RunRecord) -> Option<&Map<String, Value>>;

/// One line per record, the record's JSON as stored.
pub fn to_jsonl(records: &[RunRecord]) -> Result<String> {
    let mut out = String::new();
    for r in records {
        out.push_str(&serde_json::to_string(r).map_err(|e| Error::new(e.to_string()))?);
        out.push('\n');
    }
    Ok(out)
}

/// A header of the record's own fields, then `options.*`, `metrics.*` and `tags.*` columns for
/// every key any record has; arrays and maps are written as JSON text.
pub fn to_csv(records: &[RunRecord]) -> Result<String> {
    let own = [
        "id",
        "name",
        "status",
        "error",
        "started",
        "ended",
        "seconds",
        "dataset",
        "fingerprint",
        "seed",
        "source",
        "cell",
        "git_commit",
        "ladder_version",
    ];
    let places: [(&str, MapOf); 3] = [
        ("options", |r| r.options.as_object()),
        ("metrics", |r| Some(&r.metrics)),
        ("tags", |r| Some(&r.tags)),
    ];
    let mut columns: Vec<(Option<usize>, String)> =
        own.iter().map(|c| (None, c.to_string())).collect();
    for (i, (_, of)) in places.iter().enumerate() {
        let mut seen: Vec<String> = Vec::new();
        for key in records.iter().filter_map(of).flat_map(|m| m.keys()) {
            if !seen.contains(key) {
                seen.push(key.clone());
            }
        }
        columns.extend(seen.into_iter().map(|k| (Some(i), k)));
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| Error::new(format!("runs export: {e}"));
    let header = columns.iter().map(|(place, key)| match place {
        Some(i) => format!("{}.{key}", places[*i].0),
        None => key.clone(),
    });
    w.write_record(header).map_err(fail)?;
    for r in records {
        let whole = serde_json::to_value(r).map_err(|e| Error::new(e.to_string()))?;
        let row = columns.iter().map(|(place, key)| {
            let value = match place {
                Some(i) => places[*i].1(r).and_then(|m| m.get(key)).cloned(),
                None if key == "seconds" => Some(Value::from(r.seconds())),
                None => whole.get(key).cloned(),
            };
            text(value)
        });
        w.write_record(row).map_err(fail)?;
    }
    let bytes = w.into_inner().map_err(|e| Error::new(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| Error::new(e.to_string()))
}

fn text(v: Option<Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s,
        Some(other) => other.to_string(),
    }
}
