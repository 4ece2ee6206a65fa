//! The Rhai face of the structured metric results: each prints as its table, reads as plain
//! values, and draws its chart with `.plot()` (options as the chart constructors take them).

use super::reports::{Calibration, ClassificationReport, ConfusionMatrix};
use super::results::Results;
use crate::experiments::convert::{to_array, usize_array, RhaiResult};
use crate::experiments::table::Table;
use crate::plot::chart::Chart;
use crate::reg;
use ladder_scripting::rhai::{Array, Dynamic, Engine, Map, INT};
use ladder_scripting::{Render, Renderers};

fn names(v: &[String]) -> Array {
    v.iter().map(|n| Dynamic::from(n.clone())).collect()
}

fn rows(counts: &[Vec<usize>]) -> Array {
    counts
        .iter()
        .map(|r| Dynamic::from_array(usize_array(r)))
        .collect()
}

/// `for row in m { ... }` visits the confusion matrix's rows as arrays of counts.
impl IntoIterator for ConfusionMatrix {
    type Item = Dynamic;
    type IntoIter = std::vec::IntoIter<Dynamic>;

    fn into_iter(self) -> Self::IntoIter {
        rows(&self.counts).into_iter()
    }
}

/// What every result type offers: `to_string`/`to_debug`/`to_text` (the table's text, so
/// `print(r)` shows it), `.table` (the generic Table), `.plot()` and `.plot(options)`.
fn common<T: Render + Clone + Send + Sync + 'static>(
    engine: &mut Engine,
    renderers: &mut Renderers,
    name: &'static str,
    table: fn(&T) -> Table,
    chart: fn(&T) -> Chart,
    plot_doc: &str,
) {
    engine.register_type_with_name::<T>(name);
    renderers.register::<T>();
    let param = format!("result: {name}");
    for f in ["to_string", "to_debug", "to_text"] {
        reg!(
            engine,
            f,
            [param.as_str(), "String"],
            "The result as an aligned text table, as `print` shows it.",
            move |r: &mut T| table(r).to_text()
        );
    }
    reg!(
        engine,
        "get$table",
        [param.as_str(), "Table"],
        "The result as a Table: `.columns`, `t[row]`, `t.column(name)`, `t.cell(row, name)`, `to_maps()`.",
        move |r: &mut T| table(r)
    );
    reg!(
        engine,
        "plot",
        [param.as_str(), "Chart"],
        plot_doc,
        move |r: &mut T| chart(r)
    );
    reg!(
        engine,
        "plot",
        [param.as_str(), "options: Map", "Chart"],
        "The chart with options: `title`, `width`, `height`, `size: [w, h]`, `legend`, `svg`, ...",
        move |r: &mut T, o: Map| crate::plot::results::configured(chart(r), &o, "plot")
    );
}

fn confusion_matrix(engine: &mut Engine, renderers: &mut Renderers) {
    common::<ConfusionMatrix>(
        engine,
        renderers,
        "ConfusionMatrix",
        ConfusionMatrix::table,
        ConfusionMatrix::chart,
        "The confusion matrix as a heatmap of counts: true class down, predicted class across,\nnamed by `class_names` when given.\n\nconfusion_matrix(y, pred, #{class_names: [\"cat\", \"dog\"]}).plot()",
    );
    engine.register_iterator::<ConfusionMatrix>();
    engine.register_indexer_get(|m: &mut ConfusionMatrix, i: INT| -> RhaiResult<Array> {
        let n = m.counts.len() as INT;
        let j = if i < 0 { i + n } else { i };
        if !(0..n).contains(&j) {
            return Err(format!(
                "confusion matrix has {n} rows (classes 0..{n}); row {i} is out of range"
            )
            .into());
        }
        Ok(usize_array(&m.counts[j as usize]))
    });
    reg!(
        engine,
        "len",
        ["m: ConfusionMatrix", "int"],
        "The number of classes (rows).",
        |m: &mut ConfusionMatrix| m.counts.len() as INT
    );
    reg!(
        engine,
        "to_array",
        ["m: ConfusionMatrix", "Array"],
        "The counts as rows of ints, `[[...], ...]` (row = true class).",
        |m: &mut ConfusionMatrix| rows(&m.counts)
    );
    engine.register_get("counts", |m: &mut ConfusionMatrix| rows(&m.counts));
    engine.register_get("classes", |m: &mut ConfusionMatrix| names(&m.class_names));
    engine.register_get("total", |m: &mut ConfusionMatrix| m.total() as INT);
    engine.register_get("abstained", |m: &mut ConfusionMatrix| m.abstained as INT);
    engine.register_get("accuracy", |m: &mut ConfusionMatrix| m.accuracy());
}

fn classification_report(engine: &mut Engine, renderers: &mut Renderers) {
    common::<ClassificationReport>(
        engine,
        renderers,
        "ClassificationReport",
        ClassificationReport::table,
        ClassificationReport::chart,
        "Grouped bars of precision, recall and F1 for each class.\n\nclassification_report(y, pred).plot()",
    );
    engine.register_get("precision", |r: &mut ClassificationReport| {
        to_array(&r.report.precision)
    });
    engine.register_get("recall", |r: &mut ClassificationReport| {
        to_array(&r.report.recall)
    });
    engine.register_get("f1", |r: &mut ClassificationReport| to_array(&r.report.f1));
    engine.register_get("support", |r: &mut ClassificationReport| {
        usize_array(&r.report.support)
    });
    engine.register_get("macro_precision", |r: &mut ClassificationReport| {
        r.report.macro_avg().0
    });
    engine.register_get("macro_recall", |r: &mut ClassificationReport| {
        r.report.macro_avg().1
    });
    engine.register_get("macro_f1", |r: &mut ClassificationReport| {
        r.report.macro_avg().2
    });
    engine.register_get("weighted_f1", |r: &mut ClassificationReport| {
        r.weighted_avg().2
    });
    engine.register_get("accuracy", |r: &mut ClassificationReport| r.accuracy);
    engine.register_get("classes", |r: &mut ClassificationReport| {
        names(&r.class_names)
    });
    engine.register_get("abstained", |r: &mut ClassificationReport| {
        r.abstained as INT
    });
}

fn calibration(engine: &mut Engine, renderers: &mut Renderers) {
    common::<Calibration>(
        engine,
        renderers,
        "Calibration",
        Calibration::table,
        Calibration::chart,
        "The reliability diagram: accuracy against mean confidence in each occupied bin, the diagonal\nof perfect calibration, and the ECE in the title.\n\ncalibration(test, model.predict_proba(test)).plot()",
    );
    engine.register_get("ece", |c: &mut Calibration| c.ece);
    engine.register_get("bins", |c: &mut Calibration| -> Array {
        c.bins
            .iter()
            .map(|b| {
                let undefined = |v: f64| {
                    if v.is_nan() {
                        Dynamic::UNIT
                    } else {
                        Dynamic::from_float(v)
                    }
                };
                let mut m = Map::new();
                m.insert("lower".into(), b.lower.into());
                m.insert("upper".into(), b.upper.into());
                m.insert("count".into(), (b.count as INT).into());
                m.insert("accuracy".into(), undefined(b.accuracy));
                m.insert("confidence".into(), undefined(b.confidence));
                Dynamic::from_map(m)
            })
            .collect()
    });
    reg!(
        engine,
        "len",
        ["c: Calibration", "int"],
        "The number of bins.",
        |c: &mut Calibration| c.bins.len() as INT
    );
}

pub fn register(engine: &mut Engine, renderers: &mut Renderers) {
    confusion_matrix(engine, renderers);
    classification_report(engine, renderers);
    calibration(engine, renderers);
    reg!(
        engine,
        "get$table",
        ["runs: Results", "Table"],
        "The runs as a Table (one row per run: id, time, config keys, metrics).",
        |r: &mut Results| r.table()
    );
}
