//! Uncertainty: percentile bootstrap confidence intervals of a metric, and the mean with a
//! Student-t interval over independent runs (seeds).

use crate::kernels::quantile::quantile;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// An estimate with a two-sided interval at `level`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Interval {
    pub estimate: f64,
    pub lower: f64,
    pub upper: f64,
    pub level: f64,
}

impl Interval {
    /// "0.912 [0.887, 0.936]"; NaN shows as "undefined".
    pub fn show(&self, decimals: usize) -> String {
        if self.estimate.is_nan() {
            return "undefined".into();
        }
        let d = decimals;
        if self.lower.is_nan() {
            return format!("{:.d$}", self.estimate);
        }
        format!(
            "{:.d$} [{:.d$}, {:.d$}]",
            self.estimate, self.lower, self.upper
        )
    }
}

/// Bootstrap settings: `resamples` draws of n rows with replacement, percentile interval.
#[derive(Clone, Debug)]
pub struct BootstrapConfig {
    pub resamples: usize,
    pub level: f64,
    pub seed: u64,
}

impl Default for BootstrapConfig {
    fn default() -> Self {
        Self {
            resamples: 1000,
            level: 0.95,
            seed: 0,
        }
    }
}

/// The percentile bootstrap interval of `metric` over `n` rows: `metric` receives the row
/// indices of one resample. Resamples whose metric is undefined (an error or NaN, e.g. AUC
/// with one class drawn) are skipped; fails if more than half are.
pub fn bootstrap(
    n: usize,
    metric: &mut dyn FnMut(&[usize]) -> Result<f64, String>,
    config: &BootstrapConfig,
) -> Result<Interval, String> {
    if n == 0 {
        return Err("bootstrap: no rows".into());
    }
    if !(config.level > 0.0 && config.level < 1.0) {
        return Err(format!(
            "bootstrap: level must be in (0, 1), got {}",
            config.level
        ));
    }
    if config.resamples < 10 {
        return Err(format!(
            "bootstrap: at least 10 resamples needed, got {}",
            config.resamples
        ));
    }
    let all: Vec<usize> = (0..n).collect();
    let estimate = metric(&all)?;
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let mut values = Vec::with_capacity(config.resamples);
    let mut idx = vec![0; n];
    for _ in 0..config.resamples {
        idx.iter_mut().for_each(|i| *i = rng.random_range(0..n));
        if let Ok(v) = metric(&idx) {
            if v.is_finite() {
                values.push(v);
            }
        }
    }
    if values.len() * 2 < config.resamples {
        return Err(format!(
            "bootstrap: the metric was undefined on {} of {} resamples",
            config.resamples - values.len(),
            config.resamples
        ));
    }
    let alpha = (1.0 - config.level) / 2.0;
    let bound = |q| quantile(&values, q).ok_or("bootstrap: no resample gave a value");
    Ok(Interval {
        estimate,
        lower: bound(alpha)?,
        upper: bound(1.0 - alpha)?,
        level: config.level,
    })
}

/// Mean of independent runs with a 95 % Student-t interval (NaN values, e.g. an undefined
/// PGR, are left out; the interval is NaN with fewer than 2 defined values).
pub fn mean_interval(values: &[f64]) -> Interval {
    let v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
    let n = v.len();
    if n == 0 {
        return Interval {
            estimate: f64::NAN,
            lower: f64::NAN,
            upper: f64::NAN,
            level: 0.95,
        };
    }
    let mean = v.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return Interval {
            estimate: mean,
            lower: f64::NAN,
            upper: f64::NAN,
            level: 0.95,
        };
    }
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let half = t_975(n - 1) * (var / n as f64).sqrt();
    Interval {
        estimate: mean,
        lower: mean - half,
        upper: mean + half,
        level: 0.95,
    }
}

/// The 97.5 % quantile of Student's t with `df` degrees of freedom.
fn t_975(df: usize) -> f64 {
    const T: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    match df {
        0 => f64::NAN,
        1..=30 => T[df - 1],
        31..=60 => 2.000,
        61..=120 => 1.980,
        _ => 1.960,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_interval_uses_student_t() {
        let i = mean_interval(&[1.0, 2.0, 3.0, f64::NAN]);
        assert_eq!(i.estimate, 2.0);
        assert!((i.upper - (2.0 + 4.303 * (1.0f64 / 3.0).sqrt())).abs() < 1e-12);
    }

    #[test]
    fn bootstrap_brackets_the_estimate_and_is_seeded() {
        let y: Vec<f64> = (0..200).map(|i| f64::from(u8::from(i % 3 == 0))).collect();
        let mut mean = |idx: &[usize]| -> Result<f64, String> {
            Ok(idx.iter().map(|&i| y[i]).sum::<f64>() / idx.len() as f64)
        };
        let c = BootstrapConfig::default();
        let a = bootstrap(200, &mut mean, &c).unwrap();
        let b = bootstrap(200, &mut mean, &c).unwrap();
        assert_eq!(a, b);
        assert!(a.lower < a.estimate && a.estimate < a.upper);
        // the normal approximation: ±1.96·sqrt(p(1−p)/n) ≈ ±0.065
        assert!((a.upper - a.lower - 0.13).abs() < 0.03, "{a:?}");
    }
}
