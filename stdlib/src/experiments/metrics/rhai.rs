//! Rhai bindings of the evaluation metrics, bootstrap intervals and the results table.

use super::abstain::*;
use super::classification::*;
use super::reports::*;
use super::results::Results;
use super::stats::{bootstrap, BootstrapConfig, Interval};
use crate::experiments::convert::*;
use crate::reg;
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

/// True labels and predictions (−1 = abstain) with the abstaining rows left out.
fn scored(y: &Dynamic, pred: &Dynamic, what: &str) -> RhaiResult<Scored> {
    Ok(drop_abstains(
        &votes_of(y, "y")?,
        &votes_of(pred, "pred")?,
        what,
    )?)
}

/// Class count and names for a per-class result: up to the largest label seen (at least 2),
/// or options `classes` (a count) and `class_names` (one name per class); without the
/// option, a Dataset `y` that has class names lends them.
fn classes_for(y: &Dynamic, s: &Scored, options: &Map, what: &str) -> RhaiResult<Vec<String>> {
    check_keys(options, &["class_names", "classes"], what)?;
    let mut k = n_classes(&s.y, &s.pred);
    if let Some(c) = opt_int(options, "classes", what)? {
        if c < 1 || (c as usize) < k {
            return Err(format!(
                "{what}: option 'classes' is {c} but the labels reach class {}",
                k - 1
            )
            .into());
        }
        k = c as usize;
    }
    let names: Vec<String> = match options.get("class_names") {
        None => {
            // Class i is class_names[i], so the first k names fit when the sample lacks the last classes.
            let lent = y
                .read_lock::<crate::data::Dataset>()
                .map(|d| d.class_names.clone());
            return Ok(match lent {
                Some(n) if n.len() >= k => n[..k].to_vec(),
                _ => class_names(&[], k),
            });
        }
        Some(v) => {
            let a = v.read_lock::<Array>().ok_or_else(|| {
                format!(
                    "{what}: option 'class_names' must be an array of names, got {}",
                    v.type_name()
                )
            })?;
            a.iter().map(|n| n.to_string()).collect()
        }
    };
    if !names.is_empty() && names.len() < k {
        return Err(format!(
            "{what}: {} class names for {k} classes (labels reach class {}); give one name per class",
            names.len(),
            k - 1
        )
        .into());
    }
    Ok(class_names(&names, k.max(names.len())))
}

fn confusion(y: Dynamic, p: Dynamic, options: Map) -> RhaiResult<ConfusionMatrix> {
    let s = scored(&y, &p, "confusion_matrix")?;
    let names = classes_for(&y, &s, &options, "confusion_matrix")?;
    Ok(ConfusionMatrix {
        counts: if s.pred.is_empty() {
            vec![vec![0; names.len()]; names.len()]
        } else {
            confusion_matrix(&s.y, &s.pred, names.len())?
        },
        abstained: s.abstained(),
        class_names: names,
    })
}

fn report(y: Dynamic, p: Dynamic, options: Map) -> RhaiResult<ClassificationReport> {
    let s = scored(&y, &p, "classification_report")?;
    if s.pred.is_empty() {
        return Err(format!(
            "classification_report: all {} predictions abstain (-1); there is no row to score",
            s.total
        )
        .into());
    }
    let names = classes_for(&y, &s, &options, "classification_report")?;
    Ok(ClassificationReport {
        report: precision_recall_f1(&s.y, &s.pred, names.len())?,
        accuracy: accuracy(&s.y, &s.pred)?,
        abstained: s.abstained(),
        class_names: names,
    })
}

fn calibrate(y: Dynamic, p: Dynamic, bins: i64) -> RhaiResult<Calibration> {
    if bins < 1 {
        return Err(format!("calibration: bins must be at least 1, got {bins}").into());
    }
    let y = classes_of(&y, "y")?;
    let proba = proba_of(&p, "proba")?;
    let (ece, b) = expected_calibration_error(&y, &proba, bins as usize)?;
    let top: Vec<usize> = proba
        .iter()
        .map(|r| crate::experiments::boost::stump::argmax(r))
        .collect();
    Ok(Calibration {
        ece,
        bins: b,
        confidences: proba.iter().zip(&top).map(|(r, &k)| r[k]).collect(),
        correct: y.iter().zip(&top).map(|(a, b)| a == b).collect(),
    })
}

/// The named metric on the rows `idx` of (y, pred, proba), for the bootstrap.
fn metric_on(
    name: &str,
    y: &[usize],
    pred: &[i64],
    proba: &[Vec<f64>],
    idx: &[usize],
) -> Result<f64, String> {
    let ys: Vec<usize> = idx.iter().map(|&i| y[i]).collect();
    // The resample's rows that have a prediction (abstains, -1, left out).
    let scored = || -> Result<Scored, String> {
        let yv: Vec<i64> = ys.iter().map(|&c| c as i64).collect();
        let pv: Vec<i64> = idx.iter().map(|&i| pred[i]).collect();
        let s = drop_abstains(&yv, &pv, name)?;
        if s.pred.is_empty() {
            return Err(format!("{name}: every prediction in the resample abstains"));
        }
        Ok(s)
    };
    let selp = || idx.iter().map(|&i| proba[i].clone()).collect::<Vec<_>>();
    match name {
        "accuracy" => {
            let s = scored()?;
            accuracy(&s.y, &s.pred)
        }
        "f1" | "macro_f1" => {
            let predicted: Vec<usize> = pred
                .iter()
                .filter_map(|&p| usize::try_from(p).ok())
                .collect();
            let s = scored()?;
            Ok(
                precision_recall_f1(&s.y, &s.pred, n_classes(y, &predicted))?
                    .macro_avg()
                    .2,
            )
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
    let (pred, proba): (Vec<i64>, _) = if needs_proba {
        let p = proba_of(&scores, "proba")?;
        let pred = p
            .iter()
            .map(|r| crate::experiments::boost::stump::argmax(r) as i64)
            .collect();
        (pred, p)
    } else {
        (votes_of(&scores, "pred")?, Vec::new())
    };
    if let Some((i, p)) = pred.iter().enumerate().find(|(_, &p)| p < -1) {
        return Err(
            format!("bootstrap_ci: pred[{i}] = {p} is neither a class nor -1 (abstain)").into(),
        );
    }
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
    super::reports_rhai::register(engine, renderers);

    reg!(
        engine,
        "accuracy",
        ["y: Array|Tensor|Dataset", "pred: Array|Tensor", "f64"],
        "Fraction of predictions equal to the true classes, over the rows that have a prediction.\n\
         A prediction of -1 means \"abstain\" (weak supervision: `majority_vote(L)` answers -1 on ties and\n\
         all-abstain rows); as Snorkel's `LabelModel.score` does, those rows are left out, and\n\
         `coverage(pred)` gives the share that was scored. True labels of -1 are an error.\n\n\
         accuracy(gold, majority_vote(L))   // accuracy where the vote answered\n\
         coverage(majority_vote(L))         // and on how many rows",
        |y: Dynamic, p: Dynamic| -> RhaiResult<f64> {
            Ok(accuracy_abstaining(&votes_of(&y, "y")?, &votes_of(&p, "pred")?, AbstainPolicy::Skip)?)
        }
    );
    reg!(
        engine,
        "accuracy",
        ["y: Array|Tensor|Dataset", "pred: Array|Tensor", "options: Map", "f64"],
        "Accuracy with a choice for abstaining (-1) predictions: `#{abstain: \"skip\"}` (the default) leaves\n\
         those rows out; `#{abstain: \"wrong\"}` counts them as errors, i.e. accuracy over all rows\n\
         (= skip-accuracy x coverage).",
        |y: Dynamic, p: Dynamic, o: Map| -> RhaiResult<f64> {
            check_keys(&o, &["abstain"], "accuracy")?;
            let policy = match o.get("abstain").map(|v| v.to_string()).as_deref() {
                None | Some("skip") => AbstainPolicy::Skip,
                Some("wrong") => AbstainPolicy::Wrong,
                Some(other) => {
                    return Err(format!(
                        "accuracy: option 'abstain' must be \"skip\" or \"wrong\", got {other:?}"
                    )
                    .into())
                }
            };
            Ok(accuracy_abstaining(&votes_of(&y, "y")?, &votes_of(&p, "pred")?, policy)?)
        }
    );
    reg!(
        engine,
        "coverage",
        ["pred: Array|Tensor", "f64"],
        "Share of predictions that are not -1 (abstain): the rows `accuracy` scores.",
        |p: Dynamic| -> RhaiResult<f64> { Ok(coverage(&votes_of(&p, "pred")?)?) }
    );
    FuncRegistration::new("agreement")
        .with_params_info(["a: Array", "b: Array", "f64"])
        .with_comments(["/// Fraction of rows where two models predict the same class (e.g. student vs supervisor)."])
        .register_into_engine(engine, |a: Dynamic, b: Dynamic| -> RhaiResult<f64> {
            Ok(agreement(&classes_of(&a, "a")?, &classes_of(&b, "b")?)?)
        });
    reg!(
        engine,
        "confusion_matrix",
        ["y: Array|Tensor|Dataset", "pred: Array|Tensor", "ConfusionMatrix"],
        "Counts `m[true][predicted]` (scikit-learn's confusion_matrix); predictions of -1 (abstain) are\n\
         left out and noted. Shows as a table; `m[i]` is row i as an array, `m.to_array()` all rows,\n\
         `m.plot()` the heatmap.\n\n\
         let m = confusion_matrix(test, model.predict(test));\n\
         m.plot()",
        |y: Dynamic, p: Dynamic| confusion(y, p, Map::new())
    );
    reg!(
        engine,
        "confusion_matrix",
        ["y: Array|Tensor|Dataset", "pred: Array|Tensor", "options: Map", "ConfusionMatrix"],
        "The confusion matrix with options `class_names` (one name per class, shown on the table and\n\
         the heatmap; a Dataset `y` with class names lends its own) and `classes` (the class count,\n\
         to include classes absent from the sample).\n\n\
         confusion_matrix(y, pred, #{class_names: [\"malignant\", \"benign\"]})",
        confusion
    );
    reg!(
        engine,
        "classification_report",
        ["y: Array|Tensor|Dataset", "pred: Array|Tensor", "ClassificationReport"],
        "Precision, recall, F1 and support per class, accuracy, macro and weighted averages, as\n\
         scikit-learn's classification_report (zero_division = 0); predictions of -1 (abstain) are left\n\
         out and noted. `r.f1`, `r.macro_f1`, `r.table` read it; `r.plot()` draws grouped bars.",
        |y: Dynamic, p: Dynamic| report(y, p, Map::new())
    );
    reg!(
        engine,
        "classification_report",
        [
            "y: Array|Tensor|Dataset",
            "pred: Array|Tensor",
            "options: Map",
            "ClassificationReport"
        ],
        "The classification report with options `class_names` (one name per class) and `classes`\n\
         (the class count).",
        report
    );
    FuncRegistration::new("precision_recall_f1")
        .with_params_info(["y: Array|Tensor", "pred: Array|Tensor", "Map"])
        .with_comments(["/// `#{precision, recall, f1, support}` per class plus `macro_precision`, `macro_recall`, `macro_f1`\n/// (predictions of -1, abstain, left out)."])
        .register_into_engine(engine, |y: Dynamic, p: Dynamic| -> RhaiResult<Map> {
            let r = report(y, p, Map::new())?.report;
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
        .with_comments(["/// Macro-averaged F1 (predictions of -1, abstain, left out)."])
        .register_into_engine(engine, |y: Dynamic, p: Dynamic| -> RhaiResult<f64> {
            Ok(report(y, p, Map::new())?.report.macro_avg().2)
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
    reg!(
        engine,
        "calibration",
        [
            "y: Array|Tensor|Dataset",
            "proba: Array|Tensor",
            "bins: i64",
            "Calibration"
        ],
        "Reliability of the top-class confidence over `bins` equal-width bins ((lo, hi], as\n\
         sklearn.calibration.calibration_curve bins them), with the expected calibration error.\n\
         Shows as a table; `c.ece`, `c.bins` read it; `c.plot()` draws the reliability diagram.\n\n\
         let c = calibration(test, model.predict_proba(test), 10);\n\
         c.plot()",
        calibrate
    );
    reg!(
        engine,
        "calibration",
        ["y: Array|Tensor|Dataset", "proba: Array|Tensor", "Calibration"],
        "Reliability of the top-class confidence over 10 equal-width bins, with the expected calibration error.",
        |y: Dynamic, p: Dynamic| calibrate(y, p, 10)
    );
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
            "/// Percentile bootstrap interval of a metric: \"accuracy\", \"f1\" (classes as predictions; -1 = abstain,\n\
             /// left out of each resample) or \"roc_auc\", \"log_loss\", \"ece\" (probability rows).\n\
             /// Options: `resamples` (1000), `level` (0.95), `seed` (0).",
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
