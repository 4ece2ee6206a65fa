//! `History.plot()`: the training curve, drawn with the plot module's charts.

use super::History;
use crate::plot::chart::{Chart, Style};

/// Loss against step: every step's loss (thin), the epoch means and, when `fit` had
/// validation data, the validation loss at the end of each epoch.
pub fn history_chart(h: &History) -> Chart {
    let steps = h.losses.len();
    let per_epoch = if h.epochs.is_empty() {
        0.0
    } else {
        steps as f64 / h.epochs.len() as f64
    };
    let ends: Vec<f64> = (1..=h.epochs.len()).map(|e| e as f64 * per_epoch).collect();
    let mut c = Chart::line("training loss", "step", "loss").with_styled_line(
        "step loss",
        (1..=steps).map(|s| s as f64).collect(),
        h.losses.clone(),
        Style {
            line_width: Some(1),
            ..Style::default()
        },
    );
    if h.epochs.len() > 1 {
        let means = h.epochs.iter().map(|e| e.loss).collect();
        let marked = Style {
            markers: true,
            ..Style::default()
        };
        c = c.with_styled_line("epoch mean", ends.clone(), means, marked);
    }
    let eval: Vec<(f64, f64)> = h
        .epochs
        .iter()
        .zip(&ends)
        .filter_map(|(e, x)| e.eval_loss.map(|l| (*x, l)))
        .collect();
    if !eval.is_empty() {
        let (xs, ys) = eval.into_iter().unzip();
        let style = Style {
            markers: true,
            dashed: true,
            ..Style::default()
        };
        c = c.with_styled_line("validation", xs, ys, style);
    }
    c
}
