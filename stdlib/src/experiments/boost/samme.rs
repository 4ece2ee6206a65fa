//! SAMME, multi-class AdaBoost, as scikit-learn's `AdaBoostClassifier` computes it: weighted
//! error, α = lr·(ln((1−err)/err) + ln(K−1)), weights multiplied by exp(α) on mistakes (not
//! after the last round) and renormalised; stop (keeping h) at err ≤ 0, stop (discarding h) at
//! err ≥ 1 − 1/K. The decision function is Σ α_m·(1 if h_m = k else −1/(K−1)) / Σ α_m and
//! `predict_proba` = softmax(decision / (K−1)).

use super::learner::{Env, Hypothesis, WeakLearner};
use crate::error::Error;
use crate::experiments::matrix::Matrix;

/// Settings of a boosting run (scikit-learn's defaults).
#[derive(Clone, Debug)]
pub struct SammeConfig {
    pub rounds: usize,
    pub learning_rate: f64,
}

impl Default for SammeConfig {
    fn default() -> Self {
        Self {
            rounds: 50,
            learning_rate: 1.0,
        }
    }
}

/// One boosting round as it happened.
#[derive(Clone, Debug)]
pub struct Round {
    pub error: f64,
    pub alpha: f64,
    pub describe: String,
}

/// A boosted ensemble.
pub struct Samme {
    pub n_classes: usize,
    /// Columns of the training rows: predicting needs rows of the same width.
    pub n_features: usize,
    pub learner: String,
    pub config: SammeConfig,
    pub hypotheses: Vec<Box<dyn Hypothesis>>,
    pub rounds: Vec<Round>,
    /// Why boosting stopped before `config.rounds`, if it did.
    pub stopped: Option<String>,
}

impl Samme {
    /// Boost `learner` on `x`, `y` (classes `0..n_classes`, at least 2).
    pub fn fit(
        learner: &mut dyn WeakLearner,
        x: &Matrix,
        y: &[usize],
        n_classes: usize,
        config: SammeConfig,
        env: Env,
    ) -> Result<Samme, Error> {
        let n = y.len();
        if x.rows() != n {
            return Err(Error::shape(format!(
                "SAMME: {} feature rows but {n} labels",
                x.rows()
            )));
        }
        if n == 0 {
            return Err(Error::data("SAMME: the training set is empty"));
        }
        if n_classes < 2 {
            return Err(Error::data(format!(
                "SAMME needs at least 2 classes, got {n_classes}"
            )));
        }
        if let Some(&c) = y.iter().find(|&&c| c >= n_classes) {
            return Err(Error::data(format!(
                "SAMME: label {c} outside 0..{n_classes}"
            )));
        }
        crate::tensor::budget::check("SAMME", &[n, n_classes], candle_core::DType::F64)?;
        if config.rounds == 0 {
            return Err(Error::options("SAMME: rounds must be at least 1"));
        }
        if config.learning_rate.is_nan()
            || config.learning_rate <= 0.0
            || !config.learning_rate.is_finite()
        {
            return Err(Error::options(format!(
                "SAMME: learning rate must be positive, got {}",
                config.learning_rate
            )));
        }
        let k = n_classes as f64;
        let mut w = vec![1.0 / n as f64; n];
        let mut model = Samme {
            n_classes,
            n_features: x.cols(),
            learner: learner.name(),
            config: config.clone(),
            hypotheses: Vec::new(),
            rounds: Vec::new(),
            stopped: None,
        };
        learner.prepare(x);
        let mut first_pred: Option<Vec<usize>> = None;
        for m in 0..config.rounds {
            crate::error::check_interrupt()?;
            let h = learner.fit(x, y, &w, n_classes, env)?;
            let pred = h.predict(x, env)?;
            if pred.len() != n {
                return Err(Error::new(format!(
                    "SAMME: the learner ({}) returned {} predictions for {n} rows",
                    model.learner,
                    pred.len()
                )));
            }
            if let Some(&c) = pred.iter().find(|&&c| c >= n_classes) {
                return Err(Error::new(format!(
                    "SAMME: the learner ({}) predicted class {c}, outside 0..{n_classes}",
                    model.learner
                )));
            }
            // The same predictions after reweighting mean the weights were not used: the
            // weighted error is then exactly 1 − 1/K and boosting could never progress.
            if m == 1
                && first_pred.as_deref() == Some(&pred[..])
                && first_pred.as_deref() != Some(y)
            {
                return Err(Error::new(format!(
                    "SAMME: the learner ({}) returned the same predictions after the sample weights changed: it ignores sample weights, so it cannot be boosted",
                    model.learner
                )));
            }
            if m == 0 {
                first_pred = Some(pred.clone());
            }
            let w_sum: f64 = w.iter().sum();
            let wrong: f64 = (0..n).filter(|&i| pred[i] != y[i]).map(|i| w[i]).sum();
            let err = wrong / w_sum;
            if err <= 0.0 {
                model.hypotheses.push(h);
                model.rounds.push(Round {
                    error: 0.0,
                    alpha: 1.0,
                    describe: model.hypotheses.last().unwrap().describe(),
                });
                model.stopped = Some(format!("round {}: perfect fit (error 0)", m + 1));
                break;
            }
            if err >= 1.0 - 1.0 / k {
                let why = format!(
                    "round {}: weighted error {err:.4} >= 1 - 1/K = {:.4}, no better than chance",
                    m + 1,
                    1.0 - 1.0 / k
                );
                if model.hypotheses.is_empty() {
                    return Err(Error::new(format!(
                        "SAMME: the first learner is no better than chance ({why}); a learner that ignores sample weights cannot be boosted"
                    )));
                }
                model.stopped = Some(why);
                break;
            }
            let alpha = config.learning_rate * (((1.0 - err) / err).ln() + (k - 1.0).ln());
            model.rounds.push(Round {
                error: err,
                alpha,
                describe: h.describe(),
            });
            model.hypotheses.push(h);
            if m + 1 < config.rounds {
                for i in 0..n {
                    if pred[i] != y[i] && w[i] > 0.0 {
                        w[i] = (w[i].ln() + alpha).exp();
                    }
                }
                let total: f64 = w.iter().sum();
                if !total.is_finite() || total <= 0.0 {
                    model.stopped = Some(format!(
                        "round {}: sample weights overflowed (sum {total})",
                        m + 1
                    ));
                    break;
                }
                w.iter_mut().for_each(|v| *v /= total);
            }
        }
        Ok(model)
    }

    /// Each round's predictions on `x` (rows of classes), computed once.
    fn votes(&self, x: &Matrix, env: Env) -> Result<Vec<Vec<usize>>, Error> {
        // A stump reads one column by index, so wider rows would be scored silently.
        if x.cols() != self.n_features {
            return Err(Error::shape(format!(
                "SAMME: the model was trained on {} features but the data has {}",
                self.n_features,
                x.cols()
            )));
        }
        self.hypotheses.iter().map(|h| h.predict(x, env)).collect()
    }

    /// The normalised decision function, one row of K scores per sample.
    pub fn decision(&self, x: &Matrix, env: Env) -> Result<Vec<Vec<f64>>, Error> {
        let votes = self.votes(x, env)?;
        let mut f = vec![vec![0.0; self.n_classes]; x.rows()];
        let mut norm = 0.0;
        for (pred, round) in votes.iter().zip(&self.rounds) {
            accumulate(&mut f, pred, round.alpha, self.n_classes);
            norm += round.alpha;
        }
        for row in &mut f {
            row.iter_mut().for_each(|v| *v /= norm);
        }
        Ok(f)
    }

    /// The predicted class of each row.
    pub fn predict(&self, x: &Matrix, env: Env) -> Result<Vec<usize>, Error> {
        Ok(self
            .decision(x, env)?
            .iter()
            .map(|row| super::stump::argmax(row))
            .collect())
    }

    /// Class probabilities: softmax(decision / (K − 1)).
    pub fn predict_proba(&self, x: &Matrix, env: Env) -> Result<Vec<Vec<f64>>, Error> {
        let k1 = (self.n_classes - 1) as f64;
        Ok(self
            .decision(x, env)?
            .into_iter()
            .map(|row| softmax(&row.iter().map(|v| v / k1).collect::<Vec<_>>()))
            .collect())
    }

    /// Accuracy on `x`, `y` after each round (scikit-learn's `staged_score`).
    pub fn staged_accuracy(&self, x: &Matrix, y: &[usize], env: Env) -> Result<Vec<f64>, Error> {
        if x.rows() != y.len() {
            return Err(Error::shape(format!(
                "staged: {} rows but {} labels",
                x.rows(),
                y.len()
            )));
        }
        if y.is_empty() {
            return Err(Error::data("staged: no rows to score"));
        }
        let votes = self.votes(x, env)?;
        let mut f = vec![vec![0.0; self.n_classes]; x.rows()];
        let mut out = Vec::with_capacity(votes.len());
        for (pred, round) in votes.iter().zip(&self.rounds) {
            accumulate(&mut f, pred, round.alpha, self.n_classes);
            let correct = f
                .iter()
                .zip(y)
                .filter(|(row, &c)| super::stump::argmax(row) == c)
                .count();
            out.push(correct as f64 / y.len() as f64);
        }
        Ok(out)
    }
}

fn accumulate(f: &mut [Vec<f64>], pred: &[usize], alpha: f64, k: usize) {
    let off = -alpha / (k as f64 - 1.0);
    for (row, &c) in f.iter_mut().zip(pred) {
        for (j, v) in row.iter_mut().enumerate() {
            *v += if j == c { alpha } else { off };
        }
    }
}

pub(crate) fn softmax(z: &[f64]) -> Vec<f64> {
    let m = z.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> = z.iter().map(|v| (v - m).exp()).collect();
    let s: f64 = e.iter().sum();
    e.into_iter().map(|v| v / s).collect()
}
