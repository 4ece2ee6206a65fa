//! Dawid–Skene EM over a label matrix. π^j[y,l] = P(function j votes l | Y = y), prior p.
//! E-step: T_iy ∝ p_y Π_{j votes} π^j[y, λ_ij] (in log space; abstains carry no factor).
//! M-step: p_y = mean_i T_iy; π^j[y,l] = Σ_i T_iy [λ_ij = l] / Σ_i T_iy [λ_ij ≠ −1], clipped at
//! 1e-10 (a function that never votes gets uniform rows). Starts from the majority vote's
//! probabilities; stops after `max_iter` rounds or when no T_iy moves by `tol` or more.

use super::label_matrix::{LabelMatrix, ABSTAIN};
use super::majority::majority_proba;
use crate::error::Error;
use ladder_scripting::memory;

/// Settings (the reference defaults: 100 iterations, tolerance 1e-5).
#[derive(Clone, Debug)]
pub struct DawidSkeneConfig {
    pub max_iter: usize,
    pub tol: f64,
}

impl Default for DawidSkeneConfig {
    fn default() -> Self {
        Self {
            max_iter: 100,
            tol: 1e-5,
        }
    }
}

/// A fitted Dawid–Skene model.
#[derive(Clone, Debug)]
pub struct DawidSkene {
    /// Class prior p_y.
    pub prior: Vec<f64>,
    /// Per function, a K × K confusion matrix: `confusion[j][y][l]`.
    pub confusion: Vec<Vec<Vec<f64>>>,
    /// Posterior T_iy of every training row.
    pub posterior: Vec<Vec<f64>>,
    pub iterations: usize,
    pub converged: bool,
    pub names: Vec<String>,
}

const CLIP: f64 = 1e-10;

/// Fewer functions than this cannot identify the confusion matrices.
pub const MIN_LFS: usize = 3;

impl DawidSkene {
    pub fn fit(l: &LabelMatrix, config: &DawidSkeneConfig) -> Result<Self, Error> {
        if l.lfs() < MIN_LFS {
            return Err(Error::data(format!(
                "Dawid–Skene needs at least {MIN_LFS} labelling functions, got {}",
                l.lfs()
            )));
        }
        if config.max_iter == 0 {
            return Err(Error::options("Dawid–Skene: max_iter must be at least 1"));
        }
        // A K × K confusion matrix per function (and one more while the M-step builds it),
        // and two n × K posteriors, all f64: the class count is the script's choice, so ask
        // the memory budget before the first is built.
        let (n, k, m) = (l.rows(), l.n_classes, l.lfs());
        let values = k
            .saturating_mul(k)
            .saturating_mul(m + 1)
            .saturating_add(n.saturating_mul(k).saturating_mul(2));
        let bytes = values.saturating_mul(8);
        if let Some(budget) = memory::over_budget(bytes) {
            let what = format!(
                "dawid_skene: {k} classes × {m} labelling functions (confusion matrices and posteriors)"
            );
            return Err(Error::Memory(memory::refusal(&what, bytes, budget)));
        }
        let mut t = majority_proba(l);
        let mut model = DawidSkene {
            prior: Vec::new(),
            confusion: Vec::new(),
            posterior: Vec::new(),
            iterations: 0,
            converged: false,
            names: l.names.clone(),
        };
        for it in 0..config.max_iter {
            crate::error::check_interrupt()?;
            model.m_step(l, &t);
            let next = model.e_step(l);
            let change = t
                .iter()
                .flatten()
                .zip(next.iter().flatten())
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max);
            t = next;
            model.iterations = it + 1;
            if change < config.tol {
                model.converged = true;
                break;
            }
        }
        model.posterior = t;
        Ok(model)
    }

    fn m_step(&mut self, l: &LabelMatrix, t: &[Vec<f64>]) {
        let (n, k) = (l.rows(), l.n_classes);
        self.prior = (0..k)
            .map(|y| t.iter().map(|row| row[y]).sum::<f64>() / n as f64)
            .collect();
        self.confusion = (0..l.lfs())
            .map(|j| {
                let mut num = vec![vec![0.0; k]; k];
                let mut den = vec![0.0; k];
                for (i, ti) in t.iter().enumerate() {
                    let v = l.get(i, j);
                    if v == ABSTAIN {
                        continue;
                    }
                    for y in 0..k {
                        num[y][v as usize] += ti[y];
                        den[y] += ti[y];
                    }
                }
                (0..k)
                    .map(|y| {
                        (0..k)
                            .map(|v| {
                                if den[y] > 0.0 {
                                    (num[y][v] / den[y]).max(CLIP)
                                } else {
                                    1.0 / k as f64
                                }
                            })
                            .collect()
                    })
                    .collect()
            })
            .collect();
    }

    fn e_step(&self, l: &LabelMatrix) -> Vec<Vec<f64>> {
        (0..l.rows()).map(|i| self.posterior_of(l.row(i))).collect()
    }

    /// P(Y | votes) for one row of votes.
    pub fn posterior_of(&self, votes: &[i64]) -> Vec<f64> {
        let k = self.prior.len();
        let logs: Vec<f64> = (0..k)
            .map(|y| {
                let mut s = self.prior[y].max(CLIP).ln();
                for (j, &v) in votes.iter().enumerate() {
                    if v != ABSTAIN {
                        s += self.confusion[j][y][v as usize].ln();
                    }
                }
                s
            })
            .collect();
        crate::experiments::boost::samme::softmax(&logs)
    }

    /// Probabilistic labels for a (new) label matrix with the same functions.
    pub fn predict_proba(&self, l: &LabelMatrix) -> Result<Vec<Vec<f64>>, String> {
        if l.lfs() != self.confusion.len() || l.n_classes != self.prior.len() {
            return Err(format!(
                "Dawid–Skene was fitted on {} functions and {} classes, got {} and {}",
                self.confusion.len(),
                self.prior.len(),
                l.lfs(),
                l.n_classes
            ));
        }
        Ok(self.e_step(l))
    }
}
