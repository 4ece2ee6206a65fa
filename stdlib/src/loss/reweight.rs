//! Loss-based sample reweighting (Sow et al. 2025): per-sample losses ℓ, min–max normalised
//! into [−δ, δ]; a strategy f; weights = softmax(f / r); no gradient through the weights.

use crate::bail;
use crate::error::Result;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Strategy {
    /// f = min(ℓ̃ + δ, δ): the paper's best.
    LinUpper,
    /// f = 1 − ℓ̃²/δ²
    Quadratic,
    /// f = |ℓ̃|
    Extremes,
}

impl Strategy {
    pub fn parse(name: &str) -> Result<Strategy> {
        Ok(match name.to_ascii_lowercase().replace(['_', '-'], "").as_str() {
            "linupper" => Strategy::LinUpper,
            "quadratic" => Strategy::Quadratic,
            "extremes" => Strategy::Extremes,
            _ => bail!("unknown reweighting strategy \"{name}\" (expected lin_upper, quadratic or extremes)"),
        })
    }
}

/// Weights (summing to 1) for per-sample losses at temperature `r`.
pub fn weights(losses: &[f32], strategy: Strategy, r: f64, delta: f64) -> Result<Vec<f32>> {
    if losses.is_empty() {
        bail!("reweight: no losses");
    }
    if r <= 0.0 || delta <= 0.0 {
        bail!("reweight: temperature and delta must be positive (got r = {r}, delta = {delta})");
    }
    let (min, max) = losses
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &l| {
            (lo.min(l as f64), hi.max(l as f64))
        });
    if !min.is_finite() || !max.is_finite() {
        bail!("reweight: the losses contain NaN or infinity");
    }
    let f: Vec<f64> = losses
        .iter()
        .map(|&l| {
            let norm = if max > min {
                2.0 * delta * (l as f64 - min) / (max - min) - delta
            } else {
                0.0
            };
            match strategy {
                Strategy::LinUpper => (norm + delta).min(delta),
                Strategy::Quadratic => 1.0 - norm * norm / (delta * delta),
                Strategy::Extremes => norm.abs(),
            }
        })
        .collect();
    let top = f.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v / r));
    let e: Vec<f64> = f.iter().map(|&v| (v / r - top).exp()).collect();
    let total: f64 = e.iter().sum();
    Ok(e.iter().map(|&v| (v / total) as f32).collect())
}
