//! Rhai bindings of the evaluation metrics, bootstrap intervals and the results table.

use super::classification::*;
use super::results::Results;
use super::stats::{bootstrap, BootstrapConfig, Interval};
use crate::experiments::convert::*;
use crate::experiments::table::{Cell, Table};
use ladder_scripting::rhai::{Array, Dynamic, Engine, FuncRegistration, Map};
use ladder_scripting::{MimeBundle, Render, Renderers};

impl Render for Interval {
    fn mime_bundle(&self) -> MimeBundle {
        let text = format!("{} ({:.0}% interval)", self.show(4), self.level * 100.0);
        MimeBundle::text(text.clone()).with_html(format!("<span>{text}</span>"))
    }
}

impl Render for Results {
    fn mime_bundle(&self) -> MimeBundle {
        self.table().mime_bundle()
    }
}

fn n_classes(y: &[usize], pred: &[usize]) -> usize {
    y.iter().chain(pred).max().map_or(0, |m| m + 1).max(2)
}

fn pair(y: &Dynamic, pred: &Dynamic) -> RhaiResult<(Vec<usize>, Vec<usize>)> {
    Ok((classes_of(y, "y")?, classes_of(pred, "pred")?))
}

fn report_table(r: &ClassReport) -> Table {
    let mut t = Table::new(
        "Classification report",
        &["class", "precision", "recall", "f1", "support"],
    );
    for k in 0..r.f1.len() {
        t.push(vec![
            k.into(),
            Cell::num(r.precision[k]),
            Cell::num(r.recall[k]),
            Cell::num(r.f1[k]),
            r.support[k].into(),
        ]);
    }
    let (p, rc, f) = r.macro_avg();
    let total: usize = r.support.iter().sum();
    t.push(vec![
        "macro avg".into(),
        Cell::num(p),
        Cell::num(rc),
        Cell::num(f),
        total.into(),
    ]);
    t
}

/// The named metric on the rows `idx` of (y, pred, proba), for the bootstrap.
fn metric_on(
    name: &str,
    y: &[usize],
    pred: &[usize],
    proba: &[Vec<f64>],
    idx: &[usize],
) -> Result<f64, String> {
    let ys: Vec<usize> = idx.iter().map(|&i| y[i]).collect();
    let sel = |v: &[usize]| idx.iter().map(|&i| v[i]).collect::<Vec<_>>();
    let selp = || idx.iter().map(|&i| proba[i].clone()).collect::<Vec<_>>();
    match name {
        "accuracy" => accuracy(&ys, &sel(pred)),
        "f1" | "macro_f1" => {
            let k = n_classes(y, pred);
            Ok(precision_recall_f1(&ys, &sel(pred), k)?.macro_avg().2)
        }
        "roc_auc" => roc_auc(&ys, &selp()),
        "log_loss" => log_loss(&ys, &selp()),
        "ece" => Ok(expected_calibration_error(&ys, &selp(), 10)?.0),
        other => Err(format!(
            "bootstrap: unknown metric '{other}' (known: accuracy, f1, roc_auc, log_loss, ece)"
        )),
    }
}

fn bootstrap_ci(y: Dynamic, scores: Dynamic, metric: &str, options: Map) -> RhaiResult<Interval> {
    check_keys(&options, &["resamples", "level", "seed"], "bootstrap_ci")?;
    let y = classes_of(&y, "y")?;
    let needs_proba = matches!(metric, "roc_auc" | "log_loss" | "ece");
    let (pred, proba) = if needs_proba {
        let p = proba_of(&scores, "proba")?;
        let pred = p
            .iter()
            .map(|r| crate::experiments::boost::stump::argmax(r))
            .collect();
        (pred, p)
    } else {
        (classes_of(&scores, "pred")?, Vec::new())
    };
    if pred.len() != y.len() {
        return Err(format!(
            "bootstrap_ci: {} labels but {} predictions",
            y.len(),
            pred.len()
        )
        .into());
    }
    let config = BootstrapConfig {
        resamples: opt_count(&options, "resamples", 1000, "bootstrap_ci")?,
        level: opt_f64(&options, "level", "bootstrap_ci")?.unwrap_or(0.95),
        seed: opt_int(&options, "seed", "bootstrap_ci")?.unwrap_or(0) as u64,
    };
    let mut f = |idx: &[usize]| metric_on(metric, &y, &pred, &proba, idx);
    Ok(bootstrap(y.len(), &mut f, &config)?)
}

fn map_of(m: &Map, what: &str) -> RhaiResult<Vec<(String, String)>> {
    let _ = what;
    Ok(m.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect())
}

fn metrics_of(m: &Map) -> RhaiResult<Vec<(String, f64)>> {
    m.iter()
        .map(|(k, v)| {
            number(v).map(|x| (k.to_string(), x)).ok_or_else(|| {
                format!(
                    "results.add: metric '{k}' is a {}, not a number",
                    v.type_name()
                )
                .into()
            })
        })
        .collect()
}

pub fn register(engine: &mut Engine, renderers: &mut Renderers) {
    engine.register_type_with_name::<Interval>("Interval");
    engine.register_type_with_name::<Results>("Results");
    renderers.register::<Interval>();
    renderers.register::<Results>();

    FuncRegistration::new("accuracy")
        .with_params_info(["y: Array|Tensor", "pred: Array|Tensor", "f64"])
        .with_comments(["/// Fraction of predictions equal to the true classes."])
        .register_into_engine(engine, |y: Dynamic, p: Dynamic| -> RhaiResult<f64> {
            let (y, p) = pair(&y, &p)?;
            Ok(accuracy(&y, &p)?)
        });
    FuncRegistration::new("agreement")
        .with_params_info(["a: Array", "b: Array", "f64"])
        .with_comments(["/// Fraction of rows where two models predict the same class (e.g. student vs supervisor)."])
        .register_into_engine(engine, |a: Dynamic, b: Dynamic| -> RhaiResult<f64> {
            Ok(agreement(&classes_of(&a, "a")?, &classes_of(&b, "b")?)?)
        });
    FuncRegistration::new("confusion_matrix")
        .with_params_info(["y: Array|Tensor", "pred: Array|Tensor", "Array"])
        .with_comments(["/// Counts `m[true][predicted]` (scikit-learn's confusion_matrix)."])
        .register_into_engine(engine, |y: Dynamic, p: Dynamic| -> RhaiResult<Array> {
            let (y, p) = pair(&y, &p)?;
            let m = confusion_matrix(&y, &p, n_classes(&y, &p))?;
            Ok(m.iter()
                .map(|r| Dynamic::from_array(usize_array(r)))
                .collect())
        });
    FuncRegistration::new("classification_report")
        .with_params_info(["y: Array|Tensor", "pred: Array|Tensor", "Table"])
        .with_comments(["/// Precision, recall, F1 and support per class with the macro average (zero_division = 0)."])
        .register_into_engine(engine, |y: Dynamic, p: Dynamic| -> RhaiResult<Table> {
            let (y, p) = pair(&y, &p)?;
            Ok(report_table(&precision_recall_f1(&y, &p, n_classes(&y, &p))?))
        });
    FuncRegistration::new("precision_recall_f1")
        .with_params_info(["y: Array|Tensor", "pred: Array|Tensor", "Map"])
        .with_comments(["/// `#{precision, recall, f1, support}` per class plus `macro_precision`, `macro_recall`, `macro_f1`."])
        .register_into_engine(engine, |y: Dynamic, p: Dynamic| -> RhaiResult<Map> {
            let (y, p) = pair(&y, &p)?;
            let r = precision_recall_f1(&y, &p, n_classes(&y, &p))?;
            let (mp, mr, mf) = r.macro_avg();
            let mut m = Map::new();
            m.insert("precision".into(), to_array(&r.precision).into());
            m.insert("recall".into(), to_array(&r.recall).into());
            m.insert("f1".into(), to_array(&r.f1).into());
            m.insert("support".into(), usize_array(&r.support).into());
            m.insert("macro_precision".into(), mp.into());
            m.insert("macro_recall".into(), mr.into());
            m.insert("macro_f1".into(), mf.into());
            Ok(m)
        });
    FuncRegistration::new("f1")
        .with_params_info(["y: Array|Tensor", "pred: Array|Tensor", "f64"])
        .with_comments(["/// Macro-averaged F1."])
        .register_into_engine(engine, |y: Dynamic, p: Dynamic| -> RhaiResult<f64> {
            let (y, p) = pair(&y, &p)?;
            Ok(precision_recall_f1(&y, &p, n_classes(&y, &p))?
                .macro_avg()
                .2)
        });
    FuncRegistration::new("roc_auc")
        .with_params_info(["y: Array|Tensor", "proba: Array|Tensor", "f64"])
        .with_comments(["/// ROC-AUC from class probabilities (binary: class 1's column; more classes: macro one-vs-rest)."])
        .register_into_engine(engine, |y: Dynamic, p: Dynamic| -> RhaiResult<f64> {
            Ok(roc_auc(&classes_of(&y, "y")?, &proba_of(&p, "proba")?)?)
        });
    FuncRegistration::new("log_loss")
        .with_params_info(["y: Array|Tensor", "proba: Array|Tensor", "f64"])
        .with_comments([
            "/// Mean negative log-probability of the true class (clipped at machine epsilon).",
        ])
        .register_into_engine(engine, |y: Dynamic, p: Dynamic| -> RhaiResult<f64> {
            Ok(log_loss(&classes_of(&y, "y")?, &proba_of(&p, "proba")?)?)
        });
    FuncRegistration::new("calibration")
        .with_params_info(["y: Array|Tensor", "proba: Array|Tensor", "bins: i64", "Table"])
        .with_comments(["/// Reliability table over `bins` equal-width confidence bins, with the expected calibration error."])
        .register_into_engine(engine, |y: Dynamic, p: Dynamic, bins: i64| -> RhaiResult<Table> {
            if bins < 1 {
                return Err(format!("calibration: bins must be at least 1, got {bins}").into());
            }
            let (ece, b) = expected_calibration_error(&classes_of(&y, "y")?, &proba_of(&p, "proba")?, bins as usize)?;
            let mut t = Table::new(format!("Calibration: ECE = {ece:.4}"), &["bin", "count", "accuracy", "confidence"]);
            for bin in &b {
                t.push(vec![
                    format!("({:.2}, {:.2}]", bin.lower, bin.upper).into(),
                    bin.count.into(),
                    Cell::num(bin.accuracy),
                    Cell::num(bin.confidence),
                ]);
            }
            Ok(t)
        });
    FuncRegistration::new("ece")
        .with_params_info(["y: Array|Tensor", "proba: Array|Tensor", "f64"])
        .with_comments([
            "/// Expected calibration error over 10 equal-width bins of the top-class confidence.",
        ])
        .register_into_engine(engine, |y: Dynamic, p: Dynamic| -> RhaiResult<f64> {
            Ok(expected_calibration_error(&classes_of(&y, "y")?, &proba_of(&p, "proba")?, 10)?.0)
        });
    FuncRegistration::new("bootstrap_ci")
        .with_params_info(["y: Array", "pred_or_proba: Array", "metric: &str", "options: Map", "Interval"])
        .with_comments([
            "/// Percentile bootstrap interval of a metric: \"accuracy\", \"f1\" (classes as predictions) or\n\
             /// \"roc_auc\", \"log_loss\", \"ece\" (probability rows). Options: `resamples` (1000), `level` (0.95), `seed` (0).",
        ])
        .register_into_engine(engine, bootstrap_ci);
    FuncRegistration::new("bootstrap_ci")
        .with_params_info([
            "y: Array",
            "pred_or_proba: Array",
            "metric: &str",
            "Interval",
        ])
        .with_comments([
            "/// Percentile bootstrap 95% interval of a metric (1000 resamples, seed 0).",
        ])
        .register_into_engine(engine, |y: Dynamic, s: Dynamic, metric: &str| {
            bootstrap_ci(y, s, metric, Map::new())
        });
    engine.register_get("estimate", |i: &mut Interval| i.estimate);
    engine.register_get("lower", |i: &mut Interval| i.lower);
    engine.register_get("upper", |i: &mut Interval| i.upper);

    FuncRegistration::new("results")
        .with_params_info(["title: &str", "Results"])
        .with_comments(["/// An empty results table; `runs.add(config, metrics)` records a run, `runs.best(\"acc\")` finds one."])
        .register_into_engine(engine, |title: &str| Results::new(title));
    FuncRegistration::new("results")
        .with_params_info(["Results"])
        .with_comments(["/// An empty results table."])
        .register_into_engine(engine, || Results::new("Results"));
    FuncRegistration::new("add")
        .with_params_info(["runs: Results", "config: Map", "metrics: Map", "i64"])
        .with_comments(["/// Record a run (its configuration and numeric metrics) with the current time; returns its id."])
        .register_into_engine(engine, |r: &mut Results, config: Map, metrics: Map| -> RhaiResult<i64> {
            Ok(r.add(map_of(&config, "config")?, metrics_of(&metrics)?) as i64)
        });
    FuncRegistration::new("best")
        .with_params_info(["runs: Results", "metric: &str", "Map"])
        .with_comments([
            "/// The run with the highest value of `metric`, as `#{id, time, config, metrics}`.",
        ])
        .register_into_engine(engine, |r: &mut Results, metric: &str| -> RhaiResult<Map> {
            let run = r.best(metric, true)?;
            let mut m = Map::new();
            m.insert("id".into(), (run.id as i64).into());
            m.insert("time".into(), run.time.clone().into());
            let cfg: Map = run
                .config
                .iter()
                .map(|(k, v)| (k.into(), v.clone().into()))
                .collect();
            let met: Map = run
                .metrics
                .iter()
                .map(|(k, v)| (k.into(), (*v).into()))
                .collect();
            m.insert("config".into(), cfg.into());
            m.insert("metrics".into(), met.into());
            Ok(m)
        });
    engine.register_fn("len", |r: &mut Results| r.runs.len() as i64);
}
