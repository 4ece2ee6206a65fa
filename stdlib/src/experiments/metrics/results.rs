//! A results table that collects runs (an id, the time, the configuration and the metrics of
//! each) so runs can be compared side by side and the best one picked.

use crate::experiments::table::{Cell, Table};
use std::time::{SystemTime, UNIX_EPOCH};

/// One recorded run.
#[derive(Clone, Debug, PartialEq)]
pub struct Run {
    pub id: usize,
    /// UTC time the run was recorded, ISO 8601.
    pub time: String,
    pub config: Vec<(String, String)>,
    pub metrics: Vec<(String, f64)>,
}

/// Runs in the order they were added.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Results {
    pub title: String,
    pub runs: Vec<Run>,
}

impl Results {
    pub fn new(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            runs: Vec::new(),
        }
    }

    /// Record a run and return its id (1, 2, ...).
    pub fn add(&mut self, config: Vec<(String, String)>, metrics: Vec<(String, f64)>) -> usize {
        let id = self.runs.len() + 1;
        self.runs.push(Run {
            id,
            time: now_utc(),
            config,
            metrics,
        });
        id
    }

    /// Names in order of first appearance.
    fn names(&self, of: impl Fn(&Run) -> Vec<String>) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for r in &self.runs {
            for n in of(r) {
                if !out.contains(&n) {
                    out.push(n);
                }
            }
        }
        out
    }

    /// The run with the highest (or lowest) value of `metric`.
    pub fn best(&self, metric: &str, highest: bool) -> Result<&Run, String> {
        let value = |r: &Run| {
            r.metrics
                .iter()
                .find(|(n, _)| n == metric)
                .map(|(_, v)| *v)
                .filter(|v| !v.is_nan())
        };
        let mut best: Option<(&Run, f64)> = None;
        for r in &self.runs {
            if let Some(v) = value(r) {
                if best.is_none_or(|(_, b)| if highest { v > b } else { v < b }) {
                    best = Some((r, v));
                }
            }
        }
        best.map(|(r, _)| r)
            .ok_or_else(|| format!("no run has a value for metric '{metric}'"))
    }

    /// One row per run: id, time, each config key, each metric.
    pub fn table(&self) -> Table {
        let cfg = self.names(|r| r.config.iter().map(|(k, _)| k.clone()).collect());
        let met = self.names(|r| r.metrics.iter().map(|(k, _)| k.clone()).collect());
        let mut cols: Vec<&str> = vec!["id", "time"];
        cols.extend(cfg.iter().map(String::as_str));
        cols.extend(met.iter().map(String::as_str));
        let mut t = Table::new(self.title.clone(), &cols);
        for r in &self.runs {
            let mut row: Vec<Cell> = vec![r.id.into(), r.time.clone().into()];
            for k in &cfg {
                row.push(
                    r.config
                        .iter()
                        .find(|(n, _)| n == k)
                        .map_or(Cell::Empty, |(_, v)| v.clone().into()),
                );
            }
            for k in &met {
                row.push(
                    r.metrics
                        .iter()
                        .find(|(n, _)| n == k)
                        .map_or(Cell::Empty, |(_, v)| Cell::num(*v)),
                );
            }
            t.push(row);
        }
        if self.runs.is_empty() {
            t.note("(no runs yet)");
        }
        t
    }
}

/// The current UTC time as `YYYY-MM-DD HH:MM:SS`.
pub fn now_utc() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs()) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Howard Hinnant's days-since-epoch to (year, month, day).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_best_run() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_418), (2025, 11, 26));
        let mut r = Results::new("runs");
        r.add(vec![("lr".into(), "0.1".into())], vec![("acc".into(), 0.8)]);
        r.add(
            vec![("lr".into(), "0.01".into())],
            vec![("acc".into(), 0.9)],
        );
        assert_eq!(r.best("acc", true).unwrap().id, 2);
        assert_eq!(r.best("acc", false).unwrap().id, 1);
        assert!(r.best("f1", true).is_err());
        assert_eq!(r.table().columns, vec!["id", "time", "lr", "acc"]);
    }
}
