//! The Rhai face of the structured metric results: each prints as its table, reads as plain
//! values, and draws its chart with `.plot()` (options as the chart constructors take them).

use crate::bind;
use crate::doc::TypeName;
use crate::experiments::convert::{to_array, usize_array, RhaiResult};
use crate::experiments::metrics::reports::{Calibration, ClassificationReport, ConfusionMatrix};
use crate::experiments::metrics::results::Results;
use crate::experiments::table::Table;
use crate::plot::chart::Chart;
use ladder_scripting::rhai::{Array, Dynamic, Engine, Map, INT};
use ladder_scripting::{Render, Renderers};

crate::type_names! {
    ConfusionMatrix => "ConfusionMatrix",
    ClassificationReport => "ClassificationReport",
    Calibration => "Calibration",
}

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
fn common<T: TypeName + Render + Clone + 'static>(
    engine: &mut Engine,
    renderers: &mut Renderers,
    table: fn(&T) -> Table,
    chart: fn(&T) -> Chart,
    plot_doc: &str,
) {
    crate::doc::register_rendered::<T>(engine, renderers);
    for f in ["to_string", "to_debug", "to_text"] {
        bind!(engine,
            /// The result as an aligned text table, as `print` shows it.
            fn [f](result: &mut T) -> String { table(result).to_text() }
        );
    }
    bind!(engine,
        /// The result as a Table: `.columns`, `t[row]`, `t.column(name)`, `t.cell(row, name)`, `to_maps()`.
        fn ["get$table"](result: &mut T) -> Table { table(result) }

        #[doc = plot_doc]
        fn plot(result: &mut T) -> Chart { chart(result) }

        /// The chart with options: `title`, `width`, `height`, `size: [w, h]`, `legend`, `svg`, ...
        fn plot(result: &mut T, options: Map) -> RhaiResult<Chart> {
            crate::plot::results::configured(chart(result), &options, "plot")
        }
    );
}

fn confusion_matrix(engine: &mut Engine, renderers: &mut Renderers) {
    common::<ConfusionMatrix>(
        engine,
        renderers,
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
    bind!(
        engine,
        /// The number of classes (rows).
        fn len(m: &mut ConfusionMatrix) -> INT {
            m.counts.len() as INT
        },
        /// The counts as rows of ints, `[[...], ...]` (row = true class).
        fn to_array(m: &mut ConfusionMatrix) -> Array {
            rows(&m.counts)
        }
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
    bind!(
        engine,
        /// The number of bins.
        fn len(c: &mut Calibration) -> INT {
            c.bins.len() as INT
        }
    );
}

pub fn register(engine: &mut Engine, renderers: &mut Renderers) {
    confusion_matrix(engine, renderers);
    classification_report(engine, renderers);
    calibration(engine, renderers);
    bind!(engine,
        /// The runs as a Table (one row per run: id, time, config keys, metrics).
        fn ["get$table"](runs: &mut Results) -> Table { runs.table() }
    );
}
