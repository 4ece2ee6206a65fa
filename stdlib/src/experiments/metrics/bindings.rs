//! Rhai bindings of the evaluation metrics, bootstrap intervals and the results table.

mod reports;

use super::abstain::*;
use super::classification::*;
use super::reports::*;
use super::results::Results;
use super::stats::{bootstrap, BootstrapConfig, Interval};
use crate::bind;
use crate::data::Dataset;
use crate::experiments::convert::*;
use crate::opts::Opts;
use crate::tensor::Tensor;
use ladder_scripting::rhai::{Array, Dynamic, Engine, Map, NativeCallContext, INT};
use ladder_scripting::{MimeBundle, Render, Renderers};

crate::type_names! {
    Interval => "Interval",
    Results => "Results",
}

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
    let mut o = Opts::new(what, options.clone());
    let classes = o.int_opt("classes")?;
    let given_names = o.raw("class_names");
    o.finish()?;
    let mut k = n_classes(&s.y, &s.pred);
    if let Some(c) = classes {
        if c < 1 || (c as usize) < k {
            return Err(format!(
                "{what}: option 'classes' is {c} but the labels reach class {}",
                k - 1
            )
            .into());
        }
        k = c as usize;
    }
    let names: Vec<String> = match given_names {
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

/// `(y, pred)` as given, or for a model and a data set (`confusion_matrix(model, test)`) the
/// data set and the model's `method` (`predict` or `predict_proba`) on it: any model the
/// library or a script gives that method.
fn truth_and_predictions(
    ctx: &NativeCallContext,
    y: Dynamic,
    pred: Dynamic,
    method: &str,
) -> RhaiResult<(Dynamic, Dynamic)> {
    let values = y.is_array() || y.is::<Tensor>() || y.is::<Dataset>();
    if values || !pred.is::<Dataset>() {
        return Ok((y, pred));
    }
    let predicted = ctx.call_fn::<Dynamic>(method, (y, pred.clone()))?;
    Ok((pred, predicted))
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
    let mut o = Opts::new("bootstrap_ci", options);
    let config = BootstrapConfig {
        resamples: o.count("resamples", 1000)?,
        level: o.float("level", 0.95)?,
        seed: o.seed("seed")?,
    };
    o.finish()?;
    crate::tensor::budget::check("bootstrap_ci", &[config.resamples], candle_core::DType::F64)?;
    let y = classes_of(&y, "y")?;
    let needs_proba = matches!(metric, "roc_auc" | "log_loss" | "ece");
    let (pred, proba): (Vec<i64>, _) = if needs_proba {
        let p = proba_of(&scores, "proba")?;
        // Checked on all rows first: a resample's error would name a resampled row, and the
        // bootstrap skips resamples where the metric fails.
        check_proba(&y, &p, "bootstrap_ci")?;
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
                    "results.add: metric '{k}' is {}, not a number",
                    crate::error::a_type(v.type_name())
                )
                .into()
            })
        })
        .collect()
}

pub fn register(engine: &mut Engine, renderers: &mut Renderers) {
    crate::doc::register_rendered::<Interval>(engine, renderers);
    crate::doc::register_rendered::<Results>(engine, renderers);
    reports::register(engine, renderers);

    bind!(engine,
        /// Fraction of predictions equal to the true classes, over the rows that have a prediction.
        /// A prediction of -1 means "abstain" (weak supervision: `majority_vote(L)` answers -1 on ties and
        /// all-abstain rows); as Snorkel's `LabelModel.score` does, those rows are left out, and
        /// `coverage(pred)` gives the share that was scored. True labels of -1 are an error.
        ///
        /// accuracy(gold, majority_vote(L))   // accuracy where the vote answered
        /// coverage(majority_vote(L))         // and on how many rows
        /// accuracy(boosted, test)            // a model and a data set: its predict on it
        fn accuracy(ctx: NativeCallContext, y: Dynamic as "Array|Tensor|Dataset|model", pred: Dynamic as "Array|Tensor|Dataset") -> RhaiResult<f64> {
            let (y, pred) = truth_and_predictions(&ctx, y, pred, "predict")?;
            Ok(accuracy_abstaining(&votes_of(&y, "y")?, &votes_of(&pred, "pred")?, AbstainPolicy::Skip)?)
        }

        /// Accuracy with a choice for abstaining (-1) predictions: `#{abstain: "skip"}` (the default) leaves
        /// those rows out; `#{abstain: "wrong"}` counts them as errors, i.e. accuracy over all rows
        /// (= skip-accuracy x coverage).
        fn accuracy(ctx: NativeCallContext, y: Dynamic as "Array|Tensor|Dataset|model", pred: Dynamic as "Array|Tensor|Dataset", options: Map) -> RhaiResult<f64> {
            let (y, pred) = truth_and_predictions(&ctx, y, pred, "predict")?;
            let mut o = Opts::new("accuracy", options);
            let abstain = o.raw("abstain").map(|v| v.to_string());
            o.finish()?;
            let policy = match abstain.as_deref() {
                None | Some("skip") => AbstainPolicy::Skip,
                Some("wrong") => AbstainPolicy::Wrong,
                Some(other) => {
                    return Err(format!(
                        "accuracy: option 'abstain' must be \"skip\" or \"wrong\", got {other:?}"
                    )
                    .into())
                }
            };
            Ok(accuracy_abstaining(&votes_of(&y, "y")?, &votes_of(&pred, "pred")?, policy)?)
        }

        /// Share of predictions that are not -1 (abstain): the rows `accuracy` scores.
        fn coverage(pred: Dynamic as "Array|Tensor") -> RhaiResult<f64> { Ok(coverage(&votes_of(&pred, "pred")?)?) }

        /// Fraction of rows where two models predict the same class (e.g. student vs supervisor).
        fn agreement(a: Dynamic as "Array", b: Dynamic as "Array") -> RhaiResult<f64> {
            Ok(agreement(&classes_of(&a, "a")?, &classes_of(&b, "b")?)?)
        }

        /// Counts `m[true][predicted]` (scikit-learn's confusion_matrix); predictions of -1 (abstain) are
        /// left out and noted. Shows as a table; `m[i]` is row i as an array, `m.to_array()` all rows,
        /// `m.plot()` the heatmap.
        ///
        /// A model and a data set give the model's predictions on it: `confusion_matrix(model, test)`.
        ///
        /// let m = confusion_matrix(test, model.predict(test));
        /// m.plot()
        fn confusion_matrix(ctx: NativeCallContext, y: Dynamic as "Array|Tensor|Dataset|model", pred: Dynamic as "Array|Tensor|Dataset") -> RhaiResult<ConfusionMatrix> {
            let (y, pred) = truth_and_predictions(&ctx, y, pred, "predict")?;
            confusion(y, pred, Map::new())
        }
    );
    bind!(engine,
        /// The confusion matrix with options `class_names` (one name per class, shown on the table and
        /// the heatmap; a Dataset `y` with class names lends its own) and `classes` (the class count,
        /// to include classes absent from the sample).
        ///
        /// confusion_matrix(y, pred, #{class_names: ["malignant", "benign"]})
        fn confusion_matrix(ctx: NativeCallContext, y: Dynamic as "Array|Tensor|Dataset|model", pred: Dynamic as "Array|Tensor|Dataset", options: Map) -> RhaiResult<ConfusionMatrix> {
            let (y, pred) = truth_and_predictions(&ctx, y, pred, "predict")?;
            confusion(y, pred, options)
        }
    );
    bind!(engine,

        /// Precision, recall, F1 and support per class, accuracy, macro and weighted averages, as
        /// scikit-learn's classification_report (zero_division = 0); predictions of -1 (abstain) are left
        /// out and noted. `r.f1`, `r.macro_f1`, `r.table` read it; `r.plot()` draws grouped bars. A
        /// model and a data set give the model's predictions on it.
        fn classification_report(ctx: NativeCallContext, y: Dynamic as "Array|Tensor|Dataset|model", pred: Dynamic as "Array|Tensor|Dataset") -> RhaiResult<ClassificationReport> {
            let (y, pred) = truth_and_predictions(&ctx, y, pred, "predict")?;
            report(y, pred, Map::new())
        }
    );
    bind!(engine,
        /// The classification report with options `class_names` (one name per class) and `classes`
        /// (the class count).
        fn classification_report(ctx: NativeCallContext, y: Dynamic as "Array|Tensor|Dataset|model", pred: Dynamic as "Array|Tensor|Dataset", options: Map) -> RhaiResult<ClassificationReport> {
            let (y, pred) = truth_and_predictions(&ctx, y, pred, "predict")?;
            report(y, pred, options)
        }
    );
    bind!(engine,

        /// `#{precision, recall, f1, support}` per class plus `macro_precision`, `macro_recall`, `macro_f1`
        /// (predictions of -1, abstain, left out).
        fn precision_recall_f1(y: Dynamic as "Array|Tensor", pred: Dynamic as "Array|Tensor") -> RhaiResult<Map> {
            let r = report(y, pred, Map::new())?.report;
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
        }

        /// Macro-averaged F1 (predictions of -1, abstain, left out).
        fn f1(y: Dynamic as "Array|Tensor", pred: Dynamic as "Array|Tensor") -> RhaiResult<f64> {
            Ok(report(y, pred, Map::new())?.report.macro_avg().2)
        }

        /// ROC-AUC from class probabilities (binary: class 1's column; more classes: macro
        /// one-vs-rest), or for labels 0 and 1 from one score per row, higher for class 1 (any
        /// real number: a probability, log-odds, a log-probability gap).
        fn roc_auc(y: Dynamic as "Array|Tensor", proba: Dynamic as "Array|Tensor") -> RhaiResult<f64> {
            let y = classes_of(&y, "y")?;
            if let Some(scores) = scores_of(&proba, "scores")? {
                return Ok(roc_auc_scores(&y, &scores)?);
            }
            Ok(roc_auc(&y, &proba_of(&proba, "proba")?)?)
        }

        /// Mean negative log-probability of the true class (clipped at machine epsilon).
        fn log_loss(y: Dynamic as "Array|Tensor", proba: Dynamic as "Array|Tensor") -> RhaiResult<f64> {
            Ok(log_loss(&classes_of(&y, "y")?, &proba_of(&proba, "proba")?)?)
        }
    );
    bind!(engine,
        /// Reliability of the top-class confidence over `bins` equal-width bins ((lo, hi], as
        /// sklearn.calibration.calibration_curve bins them), with the expected calibration error.
        /// Shows as a table; `c.ece`, `c.bins` read it; `c.plot()` draws the reliability diagram.
        ///
        /// A model and a data set give the model's `predict_proba` on it: `calibration(model, test, 10)`.
        ///
        /// let c = calibration(test, model.predict_proba(test), 10);
        /// c.plot()
        fn calibration(ctx: NativeCallContext, y: Dynamic as "Array|Tensor|Dataset|model", proba: Dynamic as "Array|Tensor|Dataset", bins: i64) -> RhaiResult<Calibration> {
            let (y, proba) = truth_and_predictions(&ctx, y, proba, "predict_proba")?;
            calibrate(y, proba, bins)
        }
    );
    bind!(engine,

        /// Reliability of the top-class confidence over 10 equal-width bins, with the expected calibration error.
        fn calibration(ctx: NativeCallContext, y: Dynamic as "Array|Tensor|Dataset|model", proba: Dynamic as "Array|Tensor|Dataset") -> RhaiResult<Calibration> {
            let (y, proba) = truth_and_predictions(&ctx, y, proba, "predict_proba")?;
            calibrate(y, proba, 10)
        }

        /// Expected calibration error over 10 equal-width bins of the top-class confidence.
        fn ece(y: Dynamic as "Array|Tensor", proba: Dynamic as "Array|Tensor") -> RhaiResult<f64> {
            Ok(expected_calibration_error(&classes_of(&y, "y")?, &proba_of(&proba, "proba")?, 10)?.0)
        }
    );
    bind!(engine,
        /// Percentile bootstrap interval of a metric: "accuracy", "f1" (classes as predictions; -1 = abstain,
        /// left out of each resample) or "roc_auc", "log_loss", "ece" (probability rows).
        /// Options: `resamples` (1000), `level` (0.95), `seed` (0).
        fn bootstrap_ci(y: Dynamic as "Array", pred_or_proba: Dynamic as "Array", metric: &str, options: Map) -> RhaiResult<Interval> { bootstrap_ci(y, pred_or_proba, metric, options) }
    );
    bind!(engine,
        /// Percentile bootstrap 95% interval of a metric (1000 resamples, seed 0).
        fn bootstrap_ci(y: Dynamic as "Array", pred_or_proba: Dynamic as "Array", metric: &str) -> RhaiResult<Interval> {
            bootstrap_ci(y, pred_or_proba, metric, Map::new())
        }
    );
    engine.register_get("estimate", |i: &mut Interval| i.estimate);
    engine.register_get("lower", |i: &mut Interval| i.lower);
    engine.register_get("upper", |i: &mut Interval| i.upper);

    bind!(
        engine,
        /// An empty results table; `runs.add(config, metrics)` records a run, `runs.best("acc")` finds one.
        fn results(title: &str) -> Results {
            Results::new(title)
        },
        /// An empty results table.
        fn results() -> Results {
            Results::new("Results")
        },
        /// Record a run (its configuration and numeric metrics) with the current time; returns its id.
        fn add(runs: &mut Results, config: Map, metrics: Map) -> RhaiResult<i64> {
            Ok(runs.add(map_of(&config, "config")?, metrics_of(&metrics)?) as i64)
        },
        /// The run with the highest value of `metric`, as `#{id, time, config, metrics}`.
        fn best(runs: &mut Results, metric: &str) -> RhaiResult<Map> {
            let run = runs.best(metric, true)?;
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
        }
    );
    bind!(
        engine,
        /// The number of runs recorded.
        fn len(results: &mut Results) -> INT {
            results.runs.len() as INT
        }
    );
}
