//! Decision stumps (depth-1 trees) with scikit-learn's `DecisionTreeClassifier` rule: the
//! weighted Gini split with the best proxy improvement, thresholds at midpoints of
//! consecutive distinct values (in f32, as scikit-learn stores features), samples of zero
//! weight left out, a pure node left unsplit. Features are visited in column order (scikit-learn
//! visits them in a seeded random order, which only matters when two splits tie exactly).

use super::learner::{Env, Hypothesis, WeakLearner};
use crate::error::Error;
use crate::experiments::matrix::Matrix;

/// scikit-learn's `FEATURE_THRESHOLD`: values closer than this count as equal.
const FEATURE_THRESHOLD: f32 = 1e-7;

/// A fitted stump: `x[feature] <= threshold` goes left. A leaf-only stump has no split.
#[derive(Clone, Debug, PartialEq)]
pub struct Stump {
    pub split: Option<(usize, f64)>,
    pub left_class: usize,
    pub right_class: usize,
}

impl Stump {
    pub fn predict_row(&self, row: &[f64]) -> usize {
        match self.split {
            Some((f, t)) if (row[f] as f32 as f64) > t => self.right_class,
            _ => self.left_class,
        }
    }
}

impl Hypothesis for Stump {
    fn predict(&self, x: &Matrix, _env: Env) -> Result<Vec<usize>, Error> {
        if let Some((f, _)) = self.split {
            if f >= x.cols() {
                return Err(Error::shape(format!(
                    "stump splits on feature {f} but the data has {} columns",
                    x.cols()
                )));
            }
        }
        Ok(x.iter_rows().map(|r| self.predict_row(r)).collect())
    }

    fn describe(&self) -> String {
        match self.split {
            Some((f, t)) => format!("x[{f}] <= {t} ? {} : {}", self.left_class, self.right_class),
            None => format!("always {}", self.left_class),
        }
    }
}

/// Fits stumps; sorts each feature of the training rows once (in `prepare`).
#[derive(Default)]
pub struct StumpLearner {
    /// Per feature: row indices sorted by value, and the values as f32.
    sorted: Vec<(Vec<usize>, Vec<f32>)>,
    rows: usize,
}

impl StumpLearner {
    pub fn new() -> Self {
        Self::default()
    }

    fn sort(&mut self, x: &Matrix) {
        self.rows = x.rows();
        self.sorted = (0..x.cols())
            .map(|f| {
                let values: Vec<f32> = (0..x.rows()).map(|i| x.get(i, f) as f32).collect();
                let mut order: Vec<usize> = (0..x.rows()).collect();
                order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
                let sorted_values = order.iter().map(|&i| values[i]).collect();
                (order, sorted_values)
            })
            .collect();
    }

    /// Fit one stump. Weights must be non-negative; rows of zero weight are ignored.
    pub fn fit_stump(
        &mut self,
        x: &Matrix,
        y: &[usize],
        w: &[f64],
        n_classes: usize,
    ) -> Result<Stump, String> {
        if x.rows() != y.len() || y.len() != w.len() {
            return Err(format!(
                "stump: {} rows, {} labels, {} weights",
                x.rows(),
                y.len(),
                w.len()
            ));
        }
        if self.rows != x.rows() || self.sorted.len() != x.cols() {
            self.sort(x);
        }
        let mut total = vec![0.0; n_classes];
        for (&c, &wi) in y.iter().zip(w) {
            if c >= n_classes {
                return Err(format!("stump: label {c} outside 0..{n_classes}"));
            }
            if wi.is_nan() || wi < 0.0 || !wi.is_finite() {
                return Err(format!(
                    "stump: sample weight {wi} is not a finite value >= 0"
                ));
            }
            total[c] += wi;
        }
        let w_total: f64 = total.iter().sum();
        if w_total <= 0.0 {
            return Err("stump: all sample weights are zero".into());
        }
        let majority = argmax(&total);
        let leaf = Stump {
            split: None,
            left_class: majority,
            right_class: majority,
        };
        let sq_total: f64 = total.iter().map(|c| c * c).sum();
        let root_gini = 1.0 - sq_total / (w_total * w_total);
        if root_gini <= f64::EPSILON {
            return Ok(leaf);
        }

        let mut best: Option<(f64, usize, f64, Vec<f64>)> = None;
        let mut left = vec![0.0; n_classes];
        let mut order_nz: Vec<(usize, f32)> = Vec::with_capacity(x.rows());
        for (f, (order, values)) in self.sorted.iter().enumerate() {
            order_nz.clear();
            order_nz.extend(
                order
                    .iter()
                    .zip(values)
                    .filter(|(&i, _)| w[i] != 0.0)
                    .map(|(&i, &v)| (i, v)),
            );
            let n = order_nz.len();
            if n < 2 || order_nz[n - 1].1 <= order_nz[0].1 + FEATURE_THRESHOLD {
                continue;
            }
            left.iter_mut().for_each(|v| *v = 0.0);
            let mut w_left = 0.0;
            for p in 1..n {
                let (i, v_prev) = order_nz[p - 1];
                left[y[i]] += w[i];
                w_left += w[i];
                let v = order_nz[p].1;
                if v <= v_prev + FEATURE_THRESHOLD {
                    continue;
                }
                let w_right = w_total - w_left;
                let (mut sq_left, mut sq_right) = (0.0, 0.0);
                for k in 0..n_classes {
                    let r = total[k] - left[k];
                    sq_left += left[k] * left[k];
                    sq_right += r * r;
                }
                let gini_left = 1.0 - sq_left / (w_left * w_left);
                let gini_right = 1.0 - sq_right / (w_right * w_right);
                let proxy = -w_right * gini_right - w_left * gini_left;
                if best.as_ref().is_none_or(|b| proxy > b.0) {
                    let mut threshold = v_prev as f64 / 2.0 + v as f64 / 2.0;
                    if threshold == v as f64 || !threshold.is_finite() {
                        threshold = v_prev as f64;
                    }
                    best = Some((proxy, f, threshold, left.clone()));
                }
            }
        }
        let Some((_, feature, threshold, left_counts)) = best else {
            return Ok(leaf);
        };
        let right_counts: Vec<f64> = total.iter().zip(&left_counts).map(|(t, l)| t - l).collect();
        Ok(Stump {
            split: Some((feature, threshold)),
            left_class: argmax(&left_counts),
            right_class: argmax(&right_counts),
        })
    }
}

impl WeakLearner for StumpLearner {
    fn prepare(&mut self, x: &Matrix) {
        self.sort(x);
    }

    fn fit(
        &mut self,
        x: &Matrix,
        y: &[usize],
        w: &[f64],
        n_classes: usize,
        _env: Env,
    ) -> Result<Box<dyn Hypothesis>, Error> {
        Ok(Box::new(self.fit_stump(x, y, w, n_classes)?))
    }

    fn name(&self) -> String {
        "stump".into()
    }
}

/// The first index of the largest value (numpy's argmax).
pub(crate) fn argmax(values: &[f64]) -> usize {
    let mut best = 0;
    for (i, &v) in values.iter().enumerate() {
        if v > values[best] {
            best = i;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_at_the_midpoint_of_the_best_gap() {
        let x = Matrix::new(4, 1, vec![1.0, 2.0, 4.0, 5.0]).unwrap();
        let s = StumpLearner::new()
            .fit_stump(&x, &[0, 0, 1, 1], &[0.25; 4], 2)
            .unwrap();
        assert_eq!(s.split, Some((0, 3.0)));
        assert_eq!((s.left_class, s.right_class), (0, 1));
    }

    #[test]
    fn weights_move_the_split_and_pure_nodes_stay_leaves() {
        let x = Matrix::new(4, 1, vec![1.0, 2.0, 3.0, 4.0]).unwrap();
        let y = [0, 1, 0, 1];
        let s = StumpLearner::new()
            .fit_stump(&x, &y, &[0.01, 0.01, 0.97, 0.01], 2)
            .unwrap();
        assert_eq!(s.split, Some((0, 3.5)));
        let pure = StumpLearner::new()
            .fit_stump(&x, &[1, 1, 1, 1], &[0.25; 4], 2)
            .unwrap();
        assert_eq!(pure.split, None);
        assert_eq!(pure.left_class, 1);
    }
}
