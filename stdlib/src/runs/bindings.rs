//! The cell functions of run records: `record`, `runs`, `run`, `compare`, `runs_db`, `sweep`.

use super::json::{map_to_json, to_dynamic};
use super::record::RunRecord;
use super::sweep::SweepConfig;
use super::view::{self, Runs};
use super::{recorder, RunFilter};
use crate::bind;
use crate::error::{Error, RhaiResult};
use crate::experiments::table::Table;
use crate::opts::Opts;
use crate::plot::chart::Chart;
use ladder_scripting::callback;
use ladder_scripting::rhai::{Array, Dynamic, Engine, FnPtr, Map, NativeCallContext, INT};
use ladder_scripting::{MimeBundle, Render, Renderers};

/// One record, shown as a table of its fields; `r["pgr"]` reads a field (see `runs().plot`).
#[derive(Clone, Debug)]
pub struct Run(pub RunRecord);

impl Render for Run {
    fn mime_bundle(&self) -> MimeBundle {
        view::one(&self.0).mime_bundle()
    }
}

crate::type_names! {
    Runs => "Runs",
    Run => "Run",
}

/// An option that must be a map, if given.
fn map_opt(o: &mut Opts, key: &str) -> crate::Result<Option<Map>> {
    match o.raw(key) {
        None => Ok(None),
        Some(v) => match v.try_cast::<Map>() {
            Some(m) => Ok(Some(m)),
            None => Err(o.fail(key, "must be a map")),
        },
    }
}

fn filter_from(options: Map) -> crate::Result<RunFilter> {
    let mut o = Opts::new("runs", options);
    let mut filter = RunFilter {
        name: o.string_opt("name")?,
        status: o.string_opt("status")?,
        dataset: o.string_opt("dataset")?,
        seed: o.int_opt("seed")?,
        limit: o.usize_opt("limit")?,
        ..RunFilter::default()
    };
    if let Some(status) = &filter.status {
        let known = [super::OK, super::FAILED, super::INTERRUPTED];
        if !known.contains(&status.as_str()) {
            return Err(o.fail(
                "status",
                format!("must be \"ok\", \"failed\" or \"interrupted\", got \"{status}\""),
            ));
        }
    }
    if let Some(sweep) = o.string_opt("sweep")? {
        filter.tags.insert("sweep".into(), sweep.into());
    }
    if let Some(tags) = map_opt(&mut o, "tags")? {
        filter.tags.extend(map_to_json(&tags));
    }
    if let Some(options) = map_opt(&mut o, "options")? {
        filter.options = map_to_json(&options);
    }
    o.finish()?;
    Ok(filter)
}

fn list(options: Map) -> crate::Result<Runs> {
    let filter = filter_from(options)?;
    let records = recorder::with_store(|store| store.list(&filter))?;
    Ok(Runs { records })
}

fn get(id: &str) -> crate::Result<RunRecord> {
    recorder::with_store(|store| store.get(id))?.ok_or_else(|| {
        Error::data(format!(
            "run: no run with id `{id}` in {}",
            recorder::store_path().display()
        ))
    })
}

/// `record(name, #{metrics, options, tags, seed, dataset})`.
fn record(name: &str, fields: Map) -> crate::Result<String> {
    if name.trim().is_empty() {
        return Err(Error::options(
            r#"record: the name is empty; name the run, as in record("probe", #{metrics: ...})"#,
        ));
    }
    let mut o = Opts::new("record", fields);
    let mut record = RunRecord::start(name);
    if let Some(m) = map_opt(&mut o, "metrics")? {
        record.metrics = map_to_json(&m);
    }
    if let Some(m) = map_opt(&mut o, "options")? {
        record.options = serde_json::Value::Object(map_to_json(&m));
    }
    if let Some(m) = map_opt(&mut o, "tags")? {
        record.tags.extend(map_to_json(&m));
    }
    record.seed = o.int_opt("seed")?;
    match o.raw("dataset") {
        None => {}
        Some(d) => match d.read_lock::<crate::data::Dataset>() {
            Some(data) => {
                record.dataset = Some(data.name.clone());
                record.fingerprint = super::fingerprint::fingerprint(&data);
            }
            None => record.dataset = Some(d.to_string()),
        },
    }
    o.finish()?;
    record.source = super::origin::source();
    record.cell = super::origin::cell();
    record.git_commit = super::origin::git_commit(record.source.as_deref());
    Ok(recorder::add_or_save(record))
}

/// `sweep(grid, f, #{name, resume, jobs, progress})`.
fn sweep(ctx: NativeCallContext, grid: Map, f: FnPtr, options: Map) -> RhaiResult<Runs> {
    let mut o = Opts::new("sweep", options);
    let config = SweepConfig {
        name: o.string("name", "sweep")?,
        resume: o.bool("resume", false)?,
        progress: o.bool("progress", true)?,
    };
    let jobs = o.count("jobs", 1)?;
    o.finish()?;
    if jobs > 1 {
        return Err(Error::options(format!(
            "sweep: `jobs: {jobs}` (points in parallel, each in its own session) is not supported \
             yet in a cell; run the points one at a time, or run the notebook with \
             `ladder sweep --jobs {jobs}`"
        ))
        .into());
    }
    super::sweep::run(&grid, &config, |point| {
        f.call_within_context::<Dynamic>(&ctx, (Dynamic::from_map(point),))
            .map_err(
                |e| match callback::arity_mismatch(&ctx, &e, &f, "one argument, the point") {
                    Some(why) => Error::options(why).into(),
                    None => e,
                },
            )
    })
}

fn plot(runs: &Runs, x: &str, y: &str, options: Map) -> crate::Result<Chart> {
    let mut o = Opts::new("runs.plot", options);
    let by = o.string_opt("by")?;
    o.finish()?;
    runs.chart(x, y, by.as_deref())
}

pub fn register(engine: &mut Engine, renderers: &mut Renderers) {
    crate::doc::register_rendered::<Runs>(engine, renderers);
    crate::doc::register_rendered::<Run>(engine, renderers);
    bind!(
        engine,
        /// Every run record in the store (`runs_db()` names it), oldest first, as a table.
        fn runs() -> RhaiResult<Runs> {
            Ok(list(Map::new())?)
        },
        /// Run records matching every filter given: `name` ("weak_to_strong"), `status` ("ok",
        /// "failed", "interrupted"), `dataset`, `seed`, `sweep` (a sweep's id), `tags` and
        /// `options` (maps: each key must match), `limit` (the newest n).
        /// Example: `runs(#{name: "weak_to_strong", options: #{loss: "logconf"}}).plot("weak_size", "pgr", #{by: "loss"})`
        fn runs(filters: Map) -> RhaiResult<Runs> {
            Ok(list(filters)?)
        },
        /// One run record by its id (or a unique start of it, as shown in `runs()`).
        fn run(id: &str) -> RhaiResult<Run> {
            Ok(Run(get(id)?))
        },
        /// Run records side by side (two or more: ids or records), one row per field, the fields that differ first.
        fn compare(ids: Array) -> RhaiResult<Table> {
            if ids.len() < 2 {
                return Err(Error::options(format!(
                    "compare: needs at least two runs (ids or run records) to compare, got {}",
                    ids.len()
                ))
                .into());
            }
            let records = ids
                .iter()
                .map(|id| match id.read_lock::<Run>() {
                    Some(r) => Ok(r.0.clone()),
                    None => get(&id.to_string()),
                })
                .collect::<crate::Result<Vec<_>>>()?;
            Ok(view::compare(&records))
        },
        /// Write this session's run records to another store (a SQLite file, created if missing).
        fn runs_db(path: &str) -> RhaiResult<String> {
            let path = std::path::PathBuf::from(path);
            super::RunStore::open(&path)?;
            recorder::set_store_path(Some(path.clone()));
            Ok(path.display().to_string())
        },
        /// The store this session writes run records to.
        fn runs_db() -> String {
            recorder::store_path().display().to_string()
        },
        /// Record a run by hand: `record("probe", #{metrics: #{acc: 0.91}, options: #{lr: 0.01},
        /// seed: 0, dataset: data, tags: #{...}})`; returns its id. Inside a recorded call (a
        /// sweep point) the metrics go into that call's record instead.
        fn record(name: &str, fields: Map) -> RhaiResult<String> {
            Ok(record(name, fields)?)
        }
    );
    bind!(
        engine,
        /// Run `f` on every point of a grid (a map: an array takes each of its values, anything else
        /// is fixed; `f` gets the point's map), one run record per point (tagged with the sweep's id
        /// and the point), with a live table as points finish. A failing point is recorded failed and
        /// the sweep goes on; an interrupt stops it. Options: `resume` (false: skip points already
        /// recorded ok with the same settings), `name` ("sweep": the points' record name),
        /// `progress` (true). Returns the points' runs.
        /// Example: `sweep(#{loss: ["xent", "logconf"], seed: [0, 1, 2]}, |cfg| weak_to_strong(train, #{test: test, weak: #{kind: "logistic"}, strong: #{kind: "mlp"}, loss: cfg.loss, seed: cfg.seed}))`
        fn sweep(ctx: NativeCallContext, grid: Map, f: FnPtr, options: Map) -> RhaiResult<Runs> {
            sweep(ctx, grid, f, options)
        },
        /// Run `f` on every point of a grid (see `sweep(grid, f, options)`).
        fn sweep(ctx: NativeCallContext, grid: Map, f: FnPtr) -> RhaiResult<Runs> {
            sweep(ctx, grid, f, Map::new())
        }
    );
    bind!(
        engine,
        /// The mean of metric `y` against parameter `x` (metrics, options, tags or sweep settings), one
        /// line per value of `by`; runs sharing a point (seeds) are averaged.
        fn plot(runs: &mut Runs, x: &str, y: &str, options: Map) -> RhaiResult<Chart> {
            Ok(plot(runs, x, y, options)?)
        },
        /// The mean of metric `y` against parameter `x`.
        fn plot(runs: &mut Runs, x: &str, y: &str) -> RhaiResult<Chart> {
            Ok(plot(runs, x, y, Map::new())?)
        }
    );
    // `r.len` and `r.len()`, as arrays have both.
    engine.register_get("len", |r: &mut Runs| r.records.len() as INT);
    engine.register_fn("len", |r: &mut Runs| r.records.len() as INT);
    engine.register_get("table", |r: &mut Runs| r.table());
    engine.register_get("ids", |r: &mut Runs| -> Array {
        r.records.iter().map(|r| r.id.clone().into()).collect()
    });
    engine.register_indexer_get(|r: &mut Runs, i: INT| -> RhaiResult<Run> {
        let n = r.records.len() as INT;
        let j = if i < 0 { i + n } else { i };
        match r.records.get(j as usize).filter(|_| j >= 0) {
            Some(rec) => Ok(Run(rec.clone())),
            None => Err(format!("runs: index {i} out of range ({n} runs)").into()),
        }
    });
    engine.register_iterator::<Runs>();
    engine.register_indexer_get(|r: &mut Run, name: &str| -> Dynamic {
        view::field(&r.0, name).map_or(Dynamic::UNIT, |v| to_dynamic(&v))
    });
    engine.register_get("id", |r: &mut Run| r.0.id.clone());
    engine.register_get("map", |r: &mut Run| -> Dynamic {
        serde_json::to_value(&r.0).map_or(Dynamic::UNIT, |v| to_dynamic(&v))
    });
}

impl IntoIterator for Runs {
    type Item = Run;
    type IntoIter = std::iter::Map<std::vec::IntoIter<RunRecord>, fn(RunRecord) -> Run>;
    fn into_iter(self) -> Self::IntoIter {
        self.records.into_iter().map(Run)
    }
}
