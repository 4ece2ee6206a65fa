//! `.plot()` for the standard library's result types: the chart a researcher would draw
//! first from each. `History`'s chart is `train::chart`; the experiment types (owned by
//! `experiments/`) build their charts with the plain functions below, e.g.
//! `fn plot(result: &mut W2sResult) -> Chart { crate::plot::results::weak_strong_bars(..) }`.

use super::chart::Chart;

/// A figure with its interval (e.g. a mean over seeds and its 95% t-interval).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    pub value: f64,
    pub lower: f64,
    pub upper: f64,
}

impl Estimate {
    /// The error bar's half-width: the larger side, so the bar covers the whole interval.
    fn half_width(&self) -> f64 {
        let w = (self.value - self.lower).max(self.upper - self.value);
        if w.is_finite() {
            w.max(0.0)
        } else {
            0.0
        }
    }
}

/// One weak-to-strong setting: the weak supervisor, the strong student trained on its labels
/// and the strong ceiling trained on ground truth.
#[derive(Clone, Debug, PartialEq)]
pub struct WeakStrong {
    pub setting: String,
    pub weak: Estimate,
    pub w2s: Estimate,
    pub ceiling: Estimate,
}

/// Grouped bars: weak / weak-to-strong / ceiling accuracy per setting, with interval bars.
pub fn weak_strong_bars(title: &str, settings: &[WeakStrong]) -> Chart {
    let categories = settings.iter().map(|s| s.setting.clone()).collect();
    let series = |pick: fn(&WeakStrong) -> Estimate| {
        let values = settings.iter().map(|s| pick(s).value).collect();
        let errors = settings.iter().map(|s| pick(s).half_width()).collect();
        (values, Some(errors))
    };
    let (weak, weak_e) = series(|s| s.weak);
    let (w2s, w2s_e) = series(|s| s.w2s);
    let (ceiling, ceiling_e) = series(|s| s.ceiling);
    Chart::bars(title, "accuracy", categories)
        .with_bars("weak", weak, weak_e)
        .with_bars("weak-to-strong", w2s, w2s_e)
        .with_bars("strong ceiling", ceiling, ceiling_e)
}

/// A confusion matrix (`counts[true][predicted]`) as an annotated heatmap.
pub fn confusion_chart(title: &str, counts: Vec<Vec<f64>>, labels: Vec<String>) -> Chart {
    Chart::heatmap(title, counts, labels.clone(), labels).with_labels("predicted", "true")
}

/// Accuracy after each boosting round (or distillation step), one curve per data set.
pub fn staged_chart(title: &str, curves: &[(&str, Vec<f64>)]) -> Chart {
    curves
        .iter()
        .fold(Chart::line(title, "round", "accuracy"), |c, (name, acc)| {
            let rounds = (1..=acc.len()).map(|r| r as f64).collect();
            c.with_line(name, rounds, acc.clone())
        })
}

/// Pairwise labelling-function statistics (overlaps, conflicts) as a heatmap with two
/// decimals, rows and columns named by LF.
pub fn lf_matrix_chart(title: &str, values: Vec<Vec<f64>>, names: Vec<String>) -> Chart {
    let mut c = Chart::heatmap(title, values, names.clone(), names);
    if let super::chart::Body::Heatmap(m) = &mut c.body {
        m.decimals = Some(2);
    }
    c
}

/// A result's chart with the user's options applied (`title`, `width`, `height`, `size`,
/// `log_y`, `legend`, ... as the chart constructors take them).
pub fn configured(
    mut chart: Chart,
    options: &ladder_scripting::rhai::Map,
    context: &str,
) -> Result<Chart, super::input::Fail> {
    super::options::apply(&mut chart, options, context)?;
    Ok(chart)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::chart::Body;

    #[test]
    fn weak_strong_bars_carry_intervals() {
        let e = |value, lower, upper| Estimate {
            value,
            lower,
            upper,
        };
        let c = weak_strong_bars(
            "w2s",
            &[WeakStrong {
                setting: "naive".into(),
                weak: e(0.6, 0.55, 0.65),
                w2s: e(0.7, 0.66, 0.76),
                ceiling: e(0.8, f64::NAN, f64::NAN),
            }],
        );
        let Body::Bar { categories, series } = &c.body else {
            panic!("bars")
        };
        assert_eq!(categories, &["naive"]);
        let errors: Vec<f64> = series
            .iter()
            .map(|s| s.style.errors.as_ref().unwrap()[0])
            .collect();
        assert!((errors[0] - 0.05).abs() < 1e-12 && (errors[1] - 0.06).abs() < 1e-12);
        assert_eq!(errors[2], 0.0);
        assert!(crate::plot::to_png(&c).is_ok());
    }

    #[test]
    fn staged_curves_count_rounds_from_one() {
        let c = staged_chart("SAMME", &[("test", vec![0.5, 0.7, 0.8])]);
        let Body::Line(series) = &c.body else {
            panic!("lines")
        };
        assert_eq!(series[0].xs, vec![1.0, 2.0, 3.0]);
        let m = confusion_chart(
            "cm",
            vec![vec![3.0, 1.0], vec![0.0, 4.0]],
            vec!["a".into(), "b".into()],
        );
        assert_eq!(
            (m.layout.x_label.as_str(), m.layout.y_label.as_str()),
            ("predicted", "true")
        );
        assert!(crate::plot::to_svg(&lf_matrix_chart(
            "overlaps",
            vec![vec![1.0]],
            vec!["lf".into()]
        ))
        .is_ok());
    }
}
