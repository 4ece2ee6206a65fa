//! Records as a table (`runs()`), one record as a table of fields (`run(id)`), records side
//! by side (`compare`), and a metric drawn against a parameter (`.plot(x, y, #{by})`).

use super::record::RunRecord;
use crate::error::{Error, Result};
use crate::experiments::table::{Cell, Table};
use crate::plot::chart::Chart;
use ladder_scripting::{MimeBundle, Render};
use serde_json::Value;
use std::collections::BTreeMap;

/// The records `runs()` selected, oldest first.
#[derive(Clone, Debug, Default)]
pub struct Runs {
    pub records: Vec<RunRecord>,
}

/// A record's value for `field`: a metric, an option, a tag, a sweep point's setting, or one
/// of the record's own fields; `options.lr` (any prefix and dots) names one place exactly.
pub fn field(r: &RunRecord, field: &str) -> Option<Value> {
    if let Some((place, key)) = field.split_once('.') {
        let map = match place {
            "metrics" => &r.metrics,
            "tags" => &r.tags,
            "options" => r.options.as_object()?,
            _ => return None,
        };
        return key
            .split('.')
            .try_fold(Value::Object(map.clone()), |v, k| v.get(k).cloned());
    }
    let point = r.tags.get("point").and_then(Value::as_object);
    r.metrics
        .get(field)
        .or_else(|| r.options.get(field))
        .or_else(|| point.and_then(|p| p.get(field)))
        .or_else(|| r.tags.get(field))
        .cloned()
        .or_else(|| own_field(r, field))
}

fn own_field(r: &RunRecord, field: &str) -> Option<Value> {
    let v = serde_json::to_value(r).ok()?;
    v.get(field).cloned().filter(|v| !v.is_null())
}

fn cell(v: Option<&Value>) -> Cell {
    match v {
        None | Some(Value::Null) => Cell::Empty,
        Some(Value::Number(n)) => match n.as_i64() {
            Some(i) => Cell::Int(i),
            None => Cell::num(n.as_f64().unwrap_or(f64::NAN)),
        },
        Some(Value::String(s)) => Cell::Text(s.clone()),
        Some(other) => Cell::Text(other.to_string()),
    }
}

/// Keys of `maps` in order of first appearance; `scalars_only` leaves out keys whose values
/// are arrays or maps (they would not fit a table column).
fn keys<'a>(
    maps: impl Iterator<Item = &'a serde_json::Map<String, Value>>,
    scalars_only: bool,
) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    for m in maps {
        for (k, v) in m {
            let fits = !scalars_only || !(v.is_array() || v.is_object());
            if fits && !keys.contains(k) {
                keys.push(k.clone());
            }
        }
    }
    keys
}

/// An error's first line, cut to fit a table column (`run(id)` shows it whole).
fn error_cell(error: &str) -> Cell {
    const WIDTH: usize = 100;
    let line = error.lines().next().unwrap_or_default().trim();
    Cell::Text(match line.char_indices().nth(WIDTH) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line.to_string(),
    })
}

impl Runs {
    pub fn table(&self) -> Table {
        let options = keys(
            self.records.iter().filter_map(|r| r.options.as_object()),
            true,
        );
        let metrics = keys(self.records.iter().map(|r| &r.metrics), true);
        // A metric named like an option (`loss`) is headed `metrics.loss`.
        let metric_headers: Vec<String> = metrics
            .iter()
            .map(|k| match options.contains(k) {
                true => format!("metrics.{k}"),
                false => k.clone(),
            })
            .collect();
        let mut columns = vec!["id", "name", "status", "started", "dataset", "seed"];
        // An option named like a record field (a sweep's `seed`) is headed `options.seed`.
        let option_headers: Vec<String> = options
            .iter()
            .map(|k| match columns.contains(&k.as_str()) {
                true => format!("options.{k}"),
                false => k.clone(),
            })
            .collect();
        columns.extend(option_headers.iter().map(String::as_str));
        columns.extend(metric_headers.iter().map(String::as_str));
        // Why a run failed, where one did: the table is often all a sweep shows.
        let with_errors = self.records.iter().any(|r| r.error.is_some());
        if with_errors {
            columns.push("error");
        }
        let title = match self.records.len() {
            1 => "1 run".to_string(),
            n => format!("{n} runs"),
        };
        let mut t = Table::new(title, &columns);
        for r in &self.records {
            let mut row = vec![
                Cell::Text(r.id[..8.min(r.id.len())].to_string()),
                Cell::Text(r.name.clone()),
                Cell::Text(r.status.clone()),
                Cell::Text(r.started.format("%Y-%m-%d %H:%M:%S").to_string()),
                cell(
                    r.dataset
                        .as_ref()
                        .map(|d| Value::String(d.clone()))
                        .as_ref(),
                ),
                r.seed.map_or(Cell::Empty, Cell::Int),
            ];
            row.extend(options.iter().map(|k| cell(r.options.get(k))));
            row.extend(metrics.iter().map(|k| cell(r.metrics.get(k))));
            if with_errors {
                row.push(r.error.as_deref().map_or(Cell::Empty, error_cell));
            }
            t.push(row);
        }
        t
    }

    /// Mean `y` against `x`, one line per value of `by`: records that share a point (seeds)
    /// are averaged. Records without a number for `x` or `y` (failed runs) are left out.
    pub fn chart(&self, x: &str, y: &str, by: Option<&str>) -> Result<Chart> {
        if self.records.is_empty() {
            return Err(Error::data("runs.plot: there are no runs to plot"));
        }
        let mut groups: BTreeMap<String, BTreeMap<OrdF64, (f64, usize)>> = BTreeMap::new();
        for r in &self.records {
            let (Some(xv), Some(yv)) = (
                field(r, x).and_then(|v| v.as_f64()),
                field(r, y).and_then(|v| v.as_f64()),
            ) else {
                continue;
            };
            let group = by.map_or_else(String::new, |b| match field(r, b) {
                Some(Value::String(s)) => s,
                Some(v) => v.to_string(),
                None => "(none)".to_string(),
            });
            let point = groups
                .entry(group)
                .or_default()
                .entry(OrdF64(xv))
                .or_default();
            point.0 += yv;
            point.1 += 1;
        }
        if groups.is_empty() {
            return Err(Error::data(format!(
                "runs.plot: no run has numbers for both `{x}` and `{y}` (metrics, options, \
                 tags or record fields)"
            )));
        }
        let title = match by {
            Some(b) => format!("{y} against {x}, by {b}"),
            None => format!("{y} against {x}"),
        };
        let mut chart = Chart::line(&title, x, y);
        for (name, points) in groups {
            let xs = points.keys().map(|k| k.0).collect();
            let ys = points.values().map(|(sum, n)| sum / *n as f64).collect();
            let name = match by {
                Some(b) => format!("{b} = {name}"),
                None => y.to_string(),
            };
            chart = chart.with_line(&name, xs, ys);
        }
        Ok(chart)
    }
}

/// An x value as a map key (x values are finite numbers here).
#[derive(Clone, Copy, Debug, PartialEq)]
struct OrdF64(f64);
impl Eq for OrdF64 {}
impl PartialOrd for OrdF64 {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for OrdF64 {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

impl Render for Runs {
    fn mime_bundle(&self) -> MimeBundle {
        self.table().mime_bundle()
    }
}

/// Records side by side: one row per field, one column per record (fields that differ first).
pub fn compare(records: &[RunRecord]) -> Table {
    let mut columns = vec!["field".to_string()];
    columns.extend(
        records
            .iter()
            .map(|r| r.id[..8.min(r.id.len())].to_string()),
    );
    let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
    let mut t = Table::new("Runs compared", &columns);
    let mut rows: Vec<(bool, Vec<Cell>)> = Vec::new();
    for (place, name) in field_names(records) {
        let values: Vec<Option<Value>> = records
            .iter()
            .map(|r| field(r, &format!("{place}{name}")))
            .collect();
        let differs = values.windows(2).any(|w| w[0] != w[1]);
        let mut row = vec![Cell::Text(format!("{place}{name}"))];
        row.extend(values.iter().map(|v| cell(v.as_ref())));
        rows.push((differs, row));
    }
    rows.sort_by_key(|(differs, _)| !differs);
    for (_, row) in rows {
        t.push(row);
    }
    t
}

/// `(prefix, key)` for every field worth a row: the record's own, then options, metrics, tags.
fn field_names(records: &[RunRecord]) -> Vec<(&'static str, String)> {
    let own = [
        "name",
        "status",
        "error",
        "started",
        "ended",
        "dataset",
        "fingerprint",
        "seed",
    ];
    let mut names: Vec<(&'static str, String)> = own.iter().map(|n| ("", n.to_string())).collect();
    let options = keys(records.iter().filter_map(|r| r.options.as_object()), false);
    names.extend(options.into_iter().map(|k| ("options.", k)));
    let metrics = keys(records.iter().map(|r| &r.metrics), false);
    names.extend(metrics.into_iter().map(|k| ("metrics.", k)));
    let tags = keys(records.iter().map(|r| &r.tags), false);
    names.extend(tags.into_iter().map(|k| ("tags.", k)));
    names.extend(
        ["source", "cell", "git_commit", "ladder_version"]
            .iter()
            .map(|n| ("", n.to_string())),
    );
    names
}

/// One record as a two-column table of its fields.
pub fn one(record: &RunRecord) -> Table {
    let mut t = compare(std::slice::from_ref(record));
    t.title = format!("Run {} ({})", record.id, record.name);
    t.columns = vec!["field".into(), "value".into()];
    t.rows
        .retain(|row| !matches!(row.get(1), Some(Cell::Empty)));
    t
}
