//! The numbers behind histograms and reliability diagrams, computed as numpy and
//! scikit-learn do so plots agree with the Python tools researchers compare against.

/// Counts of `values` in `bins` equal-width bins over `[lo, hi]`: each bin is half-open
/// `[a, b)` except the last, which includes `hi`. Edges and the bin of a value on an edge
/// follow numpy.histogram exactly (its edges are `lo + i * step`, and a value is moved to
/// the neighbouring bin when rounding put it on the wrong side of an edge). Values outside
/// the range and non-finite values are left out.
pub fn histogram_counts(values: &[f64], bins: usize, lo: f64, hi: f64) -> Vec<usize> {
    let mut counts = vec![0; bins];
    let step = (hi - lo) / bins as f64;
    let edges: Vec<f64> = (0..=bins)
        .map(|i| if i == bins { hi } else { i as f64 * step + lo })
        .collect();
    let norm = bins as f64 / (hi - lo);
    for &v in values {
        if !v.is_finite() || v < lo || v > hi {
            continue;
        }
        let mut i = if hi > lo {
            (((v - lo) * norm) as usize).min(bins - 1)
        } else {
            0
        };
        if v < edges[i] && i > 0 {
            i -= 1;
        } else if i + 1 < bins && v >= edges[i + 1] {
            i += 1;
        }
        counts[i] += 1;
    }
    counts
}

/// The finite minimum and maximum of `values`, if any.
pub fn finite_extent(values: &[f64]) -> Option<(f64, f64)> {
    values
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}

/// One occupied confidence bin of a reliability diagram.
#[derive(Clone, Debug, PartialEq)]
pub struct CalibrationBin {
    /// Mean confidence of the predictions in the bin.
    pub confidence: f64,
    /// Fraction of them that were right.
    pub accuracy: f64,
    pub count: usize,
}

/// Occupied bins over `[0, 1]` split into `bins` equal parts, as
/// `sklearn.calibration.calibration_curve(correct, confidences, n_bins=bins)` forms them
/// (a value on an inner edge goes to the lower bin), plus the expected calibration error:
/// the count-weighted mean of |accuracy - confidence|.
pub fn calibration(
    confidences: &[f64],
    correct: &[bool],
    bins: usize,
) -> (Vec<CalibrationBin>, f64) {
    let mut sums = vec![(0.0, 0usize, 0usize); bins];
    for (&c, &ok) in confidences.iter().zip(correct) {
        // searchsorted(edges[1:-1], c, side="left") with numpy's linspace edges k * (1 / bins):
        // the number of inner edges below c.
        let step = 1.0 / bins as f64;
        let i = (1..bins).filter(|&k| (k as f64 * step) < c).count();
        sums[i].0 += c;
        sums[i].1 += ok as usize;
        sums[i].2 += 1;
    }
    let total = confidences.len().max(1) as f64;
    let mut ece = 0.0;
    let mut out = Vec::new();
    for (sum, right, count) in sums {
        if count == 0 {
            continue;
        }
        let bin = CalibrationBin {
            confidence: sum / count as f64,
            accuracy: right as f64 / count as f64,
            count,
        };
        ece += count as f64 / total * (bin.accuracy - bin.confidence).abs();
        out.push(bin);
    }
    (out, ece)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected values: tests/reference/plot_reference.py (numpy 2.4, scikit-learn 1.9).
    #[test]
    fn histogram_follows_numpy_edges() {
        let counts = histogram_counts(&[0.0, 0.5, 1.0, 1.5, 2.0, 2.0, 3.0], 3, 0.0, 3.0);
        assert_eq!(counts, vec![2, 2, 3]);
        // Values that land on float-rounded edges.
        let counts = histogram_counts(&[0.5, 0.6, 0.6, 0.7, 0.9, 0.95, 0.99], 5, 0.5, 1.0);
        assert_eq!(counts, vec![1, 2, 1, 0, 3]);
        let counts = histogram_counts(&[0.1, 0.2, 0.3, 0.4, 0.7], 10, 0.0, 1.0);
        assert_eq!(counts, vec![0, 1, 2, 0, 1, 0, 1, 0, 0, 0]);
        // Out-of-range and NaN values are dropped.
        assert_eq!(
            histogram_counts(&[-1.0, f64::NAN, 4.0, 1.0], 3, 0.0, 3.0),
            vec![0, 1, 0]
        );
    }

    #[test]
    fn calibration_matches_sklearn_binning() {
        // sklearn.calibration.calibration_curve(
        //   [0, 1, 1, 0, 1, 1], [0.1, 0.2, 0.55, 0.6, 0.9, 1.0], n_bins=2)
        // -> prob_true [0.5, 0.75], prob_pred [0.15, 0.7625]
        let conf = [0.1, 0.2, 0.55, 0.6, 0.9, 1.0];
        let ok = [false, true, true, false, true, true];
        let (bins, ece) = calibration(&conf, &ok, 2);
        assert_eq!(bins.len(), 2);
        assert!((bins[0].accuracy - 0.5).abs() < 1e-12);
        assert!((bins[0].confidence - 0.15).abs() < 1e-12);
        assert!((bins[1].accuracy - 0.75).abs() < 1e-12);
        assert!((bins[1].confidence - 0.7625).abs() < 1e-12);
        // ECE = 2/6 * |0.5 - 0.15| + 4/6 * |0.75 - 0.7625|
        assert!((ece - (2.0 / 6.0 * 0.35 + 4.0 / 6.0 * 0.0125)).abs() < 1e-12);
        // A value exactly on the inner edge 0.5 goes to the lower bin, as in sklearn.
        let (bins, _) = calibration(&[0.5], &[true], 2);
        assert!((bins[0].confidence - 0.5).abs() < 1e-12 && bins.len() == 1);
        let (bins, _) = calibration(&[0.2, 0.4, 0.6], &[true, false, true], 5);
        let acc: Vec<f64> = bins.iter().map(|b| b.accuracy).collect();
        assert_eq!(acc, vec![1.0, 0.0, 1.0]);
        let conf = [0.55, 0.65, 0.75, 0.85, 0.95, 0.9];
        let ok = [true, false, true, true, true, false];
        let (bins, _) = calibration(&conf, &ok, 5);
        let acc: Vec<f64> = bins.iter().map(|b| b.accuracy).collect();
        let mean: Vec<f64> = bins.iter().map(|b| b.confidence).collect();
        assert_eq!(acc.len(), 3);
        for (a, b) in acc.iter().zip([1.0, 0.5, 2.0 / 3.0]) {
            assert!((a - b).abs() < 1e-12, "{acc:?}");
        }
        for (a, b) in mean.iter().zip([0.55, 0.7, 0.9]) {
            assert!((a - b).abs() < 1e-12, "{mean:?}");
        }
    }
}
