//! `sweep(grid, |cfg| ...)`: a function run over every point of a grid, one record per point,
//! with a live table of the points done so far.

use super::json::map_to_json;
use super::recorder::{self, recorded, Call};
use super::view::Runs;
use super::{RunFilter, OK};
use crate::error::{Error, Result};
use ladder_scripting::rhai::{Dynamic, EvalAltResult, Map};
use ladder_scripting::{context, MimeBundle, Render, RhaiResult, Stream};
use serde_json::Value;

/// What `sweep`'s options say.
pub struct SweepConfig {
    /// The points' record name.
    pub name: String,
    /// Skip points already recorded ok under `name` with the same settings.
    pub resume: bool,
    /// Show the live table.
    pub progress: bool,
}

/// Every point of `grid`: one map per combination, the first key varying slowest. A key whose
/// value is an array takes each element in turn; any other value is fixed.
pub fn points(grid: &Map) -> Result<Vec<Map>> {
    if grid.is_empty() {
        return Err(Error::options(
            "sweep: the grid is empty; give at least one setting, e.g. #{seed: [0, 1, 2]}",
        ));
    }
    let mut points = vec![Map::new()];
    for (key, values) in grid {
        let values = match values.read_lock::<ladder_scripting::rhai::Array>() {
            Some(a) if a.is_empty() => {
                return Err(Error::options(format!(
                    "sweep: grid setting `{key}` has no values (an empty array)"
                )))
            }
            Some(a) => a.clone(),
            None => vec![values.clone()],
        };
        points = points
            .into_iter()
            .flat_map(|p| {
                values.iter().map(move |v| {
                    let mut p = p.clone();
                    p.insert(key.clone(), v.clone());
                    p
                })
            })
            .collect();
    }
    Ok(points)
}

/// Run `point_fn` on each point in turn, recording each; a failing point is recorded failed
/// and the sweep goes on, an interrupt stops it (the running point is recorded interrupted).
pub fn run(
    grid: &Map,
    config: &SweepConfig,
    mut point_fn: impl FnMut(Map) -> RhaiResult<Dynamic>,
) -> RhaiResult<Runs> {
    let points = points(grid)?;
    let sweep_id = format!("sweep-{}", &uuid::Uuid::new_v4().to_string()[..8]);
    let done_before = if config.resume {
        recorded_points(&config.name)?
    } else {
        Vec::new()
    };
    let mut live = Live::new(&sweep_id, points.len(), config.progress);
    for point in points {
        context::check_interrupt()?;
        let settings = Value::Object(map_to_json(&point));
        if let Some(done) = done_before
            .iter()
            .find(|r| r.tags.get("point") == Some(&settings))
        {
            live.skipped.push(done.clone());
            live.show();
            continue;
        }
        let call = Call::new(&config.name, &point)
            .tag("sweep", sweep_id.clone().into())
            .tag("point", settings.clone());
        let outcome = recorded(call, || point_fn(point.clone()));
        live.show();
        if let Err(e) = outcome {
            if matches!(*e, EvalAltResult::ErrorTerminated(..)) || context::interrupted() {
                return Err(e);
            }
            // The sweep goes on; say why this point failed where the cell's output shows it.
            let why = e.to_string();
            let why = why.lines().next().unwrap_or_default();
            context::stream(
                Stream::Stderr,
                &format!("sweep: point {settings} failed: {why}\n"),
            );
        }
    }
    Ok(live.runs())
}

/// Records of points that finished ok under `name`, from earlier sweeps.
fn recorded_points(name: &str) -> Result<Vec<super::RunRecord>> {
    let filter = RunFilter {
        name: Some(name.to_string()),
        status: Some(OK.to_string()),
        ..RunFilter::default()
    };
    recorder::with_store(|store| store.list(&filter))
}

/// The live table: the points done so far (skipped ones first), redrawn after each point.
struct Live {
    sweep_id: String,
    total: usize,
    shown: bool,
    enabled: bool,
    skipped: Vec<super::RunRecord>,
}

impl Live {
    fn new(sweep_id: &str, total: usize, enabled: bool) -> Self {
        Live {
            sweep_id: sweep_id.to_string(),
            total,
            shown: false,
            enabled,
            skipped: Vec::new(),
        }
    }

    /// This sweep's records so far (an unreadable store shows as none: the sweep goes on).
    fn runs(&self) -> Runs {
        let mut filter = RunFilter::default();
        filter
            .tags
            .insert("sweep".into(), self.sweep_id.clone().into());
        let mut records = self.skipped.clone();
        records.extend(recorder::with_store(|s| s.list(&filter)).unwrap_or_default());
        Runs { records }
    }

    fn show(&mut self) {
        if !self.enabled {
            return;
        }
        let runs = self.runs();
        let failed = runs.records.iter().filter(|r| r.status != OK).count();
        let mut table = runs.table();
        table.title = format!(
            "sweep {}: {}/{} points{}{}",
            self.sweep_id,
            runs.records.len(),
            self.total,
            match failed {
                0 => String::new(),
                n => format!(", {n} failed"),
            },
            match self.skipped.len() {
                0 => String::new(),
                n => format!(", {n} recorded before (resume)"),
            },
        );
        let bundle: MimeBundle = table.mime_bundle();
        let id = format!("ladder-{}", self.sweep_id);
        if self.shown {
            context::update_display(&bundle, &id);
        } else {
            context::display(&bundle, Some(&id));
            self.shown = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(pairs: &[(&str, Dynamic)]) -> Map {
        pairs
            .iter()
            .map(|(k, v)| ((*k).into(), v.clone()))
            .collect()
    }

    #[test]
    fn points_are_the_product_of_the_arrays() {
        let g = grid(&[
            ("loss", Dynamic::from_array(vec!["a".into(), "b".into()])),
            (
                "seed",
                Dynamic::from_array(vec![0i64.into(), 1i64.into(), 2i64.into()]),
            ),
            ("epochs", 5i64.into()),
        ]);
        let p = points(&g).unwrap();
        assert_eq!(p.len(), 6);
        assert!(p.iter().all(|p| p["epochs"].as_int() == Ok(5)));
        let distinct: std::collections::HashSet<String> =
            p.iter().map(|p| format!("{p:?}")).collect();
        assert_eq!(distinct.len(), 6);
    }

    #[test]
    fn an_empty_grid_or_setting_is_an_error() {
        let e = points(&Map::new()).unwrap_err().to_string();
        assert!(e.contains("grid is empty"), "{e}");
        let e = points(&grid(&[("seed", Dynamic::from_array(vec![]))]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("`seed` has no values"), "{e}");
    }
}
