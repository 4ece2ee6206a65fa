//! The structured metric results a cell shows: a confusion matrix, a classification report and
//! a calibration (reliability) summary. Each renders as a table (text and HTML) and draws the
//! chart a researcher would look at first.

use super::classification::{CalibrationBin, ClassReport};
use crate::experiments::table::{Cell, Table};
use crate::plot::chart::Chart;
use ladder_scripting::{MimeBundle, Render};

/// `names` when given, otherwise the class indices "0", "1", ...
pub fn class_names(names: &[String], k: usize) -> Vec<String> {
    if names.len() == k {
        names.to_vec()
    } else {
        (0..k).map(|c| c.to_string()).collect()
    }
}

fn abstain_note(abstained: usize, total: usize) -> Option<String> {
    (abstained > 0).then(|| {
        format!(
            "{abstained} of {total} predictions abstained (-1) and are left out (coverage {:.4})",
            (total - abstained) as f64 / total as f64
        )
    })
}

/// `counts[true][predicted]` over the rows that have a prediction.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfusionMatrix {
    pub counts: Vec<Vec<usize>>,
    pub class_names: Vec<String>,
    /// Rows left out because the prediction was −1.
    pub abstained: usize,
}

impl ConfusionMatrix {
    /// Rows counted in the matrix.
    pub fn total(&self) -> usize {
        self.counts.iter().flatten().sum()
    }

    /// The diagonal's share of the counts (NaN when nothing was counted).
    pub fn accuracy(&self) -> f64 {
        let right: usize = (0..self.counts.len()).map(|k| self.counts[k][k]).sum();
        right as f64 / self.total() as f64
    }

    pub fn table(&self) -> Table {
        let mut columns = vec!["true \\ predicted".to_string()];
        columns.extend(self.class_names.iter().cloned());
        let mut t = Table {
            title: format!(
                "Confusion matrix: {} predictions, accuracy {}",
                self.total(),
                show4(self.accuracy())
            ),
            columns,
            ..Table::default()
        };
        for (name, row) in self.class_names.iter().zip(&self.counts) {
            let mut cells: Vec<Cell> = vec![name.clone().into()];
            cells.extend(row.iter().map(|&c| Cell::from(c)));
            t.push(cells);
        }
        if let Some(n) = abstain_note(self.abstained, self.total() + self.abstained) {
            t.note(n);
        }
        t
    }

    /// A heatmap of the counts: true class down, predicted class across.
    pub fn chart(&self) -> Chart {
        let counts = self
            .counts
            .iter()
            .map(|r| r.iter().map(|&c| c as f64).collect())
            .collect();
        crate::plot::results::confusion_chart(
            &format!("confusion matrix (accuracy {})", show3(self.accuracy())),
            counts,
            self.class_names.clone(),
        )
    }
}

/// Precision, recall, F1 and support per class, as scikit-learn's `classification_report`.
#[derive(Clone, Debug, PartialEq)]
pub struct ClassificationReport {
    pub report: ClassReport,
    pub class_names: Vec<String>,
    pub accuracy: f64,
    pub abstained: usize,
}

impl ClassificationReport {
    /// Means over classes weighted by support (scikit-learn's `average="weighted"`).
    pub fn weighted_avg(&self) -> (f64, f64, f64) {
        let r = &self.report;
        let n: usize = r.support.iter().sum();
        let mean = |v: &[f64]| {
            v.iter()
                .zip(&r.support)
                .map(|(x, &s)| x * s as f64)
                .sum::<f64>()
                / n as f64
        };
        (mean(&r.precision), mean(&r.recall), mean(&r.f1))
    }

    pub fn table(&self) -> Table {
        let r = &self.report;
        let mut t = Table::new(
            "Classification report",
            &["class", "precision", "recall", "f1", "support"],
        );
        for (k, name) in self.class_names.iter().enumerate() {
            t.push(vec![
                name.clone().into(),
                Cell::num(r.precision[k]),
                Cell::num(r.recall[k]),
                Cell::num(r.f1[k]),
                r.support[k].into(),
            ]);
        }
        let total: usize = r.support.iter().sum();
        t.push(vec![
            "accuracy".into(),
            Cell::Empty,
            Cell::Empty,
            Cell::num(self.accuracy),
            total.into(),
        ]);
        for (name, (p, rc, f)) in [
            ("macro avg", r.macro_avg()),
            ("weighted avg", self.weighted_avg()),
        ] {
            t.push(vec![
                name.into(),
                Cell::num(p),
                Cell::num(rc),
                Cell::num(f),
                total.into(),
            ]);
        }
        if let Some(n) = abstain_note(self.abstained, total + self.abstained) {
            t.note(n);
        }
        t
    }

    /// Grouped bars: precision, recall and F1 for each class.
    pub fn chart(&self) -> Chart {
        let r = &self.report;
        Chart::bars(
            &format!(
                "precision, recall and F1 per class (accuracy {})",
                show3(self.accuracy)
            ),
            "score",
            self.class_names.clone(),
        )
        .with_bars("precision", r.precision.clone(), None)
        .with_bars("recall", r.recall.clone(), None)
        .with_bars("F1", r.f1.clone(), None)
        .with_labels("class", "score")
    }
}

/// A reliability summary of the top-class confidence: the bins and the expected calibration
/// error, with each row's confidence and correctness kept for the diagram.
#[derive(Clone, Debug, PartialEq)]
pub struct Calibration {
    pub ece: f64,
    pub bins: Vec<CalibrationBin>,
    pub confidences: Vec<f64>,
    pub correct: Vec<bool>,
}

impl Calibration {
    pub fn table(&self) -> Table {
        let mut t = Table::new(
            format!("Calibration: ECE = {:.4}", self.ece),
            &["bin", "count", "accuracy", "confidence"],
        );
        for bin in &self.bins {
            t.push(vec![
                format!("({:.2}, {:.2}]", bin.lower, bin.upper).into(),
                bin.count.into(),
                Cell::num(bin.accuracy),
                Cell::num(bin.confidence),
            ]);
        }
        t
    }

    /// The reliability diagram: accuracy against mean confidence per occupied bin, with the
    /// diagonal of perfect calibration and the ECE in the title.
    pub fn chart(&self) -> Chart {
        Chart::reliability(
            &format!("reliability diagram (ECE {:.3})", self.ece),
            self.bins.len(),
        )
        .with_calibration("model", self.confidences.clone(), self.correct.clone())
    }
}

fn show4(v: f64) -> String {
    if v.is_nan() {
        "undefined".into()
    } else {
        format!("{v:.4}")
    }
}

fn show3(v: f64) -> String {
    if v.is_nan() {
        "undefined".into()
    } else {
        format!("{v:.3}")
    }
}

impl Render for ConfusionMatrix {
    fn mime_bundle(&self) -> MimeBundle {
        self.table().mime_bundle()
    }
}

impl Render for ClassificationReport {
    fn mime_bundle(&self) -> MimeBundle {
        self.table().mime_bundle()
    }
}

impl Render for Calibration {
    fn mime_bundle(&self) -> MimeBundle {
        self.table().mime_bundle()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::chart::Body;

    #[test]
    fn confusion_matrix_shows_names_counts_and_abstains() {
        let cm = ConfusionMatrix {
            counts: vec![vec![2, 0], vec![1, 1]],
            class_names: vec!["cat".into(), "dog".into()],
            abstained: 1,
        };
        assert_eq!(
            cm.table().to_text(),
            "Confusion matrix: 4 predictions, accuracy 0.7500\n\
             true \\ predicted  cat  dog\n\
             ----------------  ---  ---\n\
             cat                 2    0\n\
             dog                 1    1\n\
             1 of 5 predictions abstained (-1) and are left out (coverage 0.8000)"
        );
        let c = cm.chart();
        let Body::Heatmap(m) = &c.body else {
            panic!("a heatmap")
        };
        assert_eq!(m.values, vec![vec![2.0, 0.0], vec![1.0, 1.0]]);
        assert_eq!(m.row_labels, vec!["cat", "dog"]);
        assert!(c.layout.title.contains("0.750"));
    }
}
