//! AILBoost-style mixture (Chang et al. 2024): π_t = (1−η)·π_{t−1} + η·h_t, so after t learners
//! w_1 = (1−η)^(t−1) and w_i = η(1−η)^(t−i) for i ≥ 2 (they sum to 1). At most `max` learners are
//! kept: the oldest is dropped and the weights of the rest renormalised. A weighted replay
//! buffer samples a learner by its weight, then one of its stored samples.

use crate::rng::Rng;

/// The mixture weights of t learners, oldest first.
pub fn mixture_weights(t: usize, eta: f64) -> Vec<f64> {
    (1..=t)
        .map(|i| {
            if i == 1 {
                (1.0 - eta).powi(t as i32 - 1)
            } else {
                eta * (1.0 - eta).powi((t - i) as i32)
            }
        })
        .collect()
}

/// Members (anything: models, data sets) with AILBoost weights.
#[derive(Clone, Debug)]
pub struct Mixture<T> {
    pub eta: f64,
    pub max: usize,
    pub members: Vec<T>,
    /// Learners added so far (including dropped ones).
    pub added: usize,
}

impl<T> Mixture<T> {
    pub fn new(eta: f64, max: usize) -> Result<Self, String> {
        if !(eta > 0.0 && eta < 1.0) {
            return Err(format!("mixture: eta must be in (0, 1), got {eta}"));
        }
        if max == 0 {
            return Err("mixture: max must be at least 1".into());
        }
        Ok(Self {
            eta,
            max,
            members: Vec::new(),
            added: 0,
        })
    }

    pub fn add(&mut self, member: T) {
        self.members.push(member);
        self.added += 1;
        if self.members.len() > self.max {
            self.members.remove(0);
        }
    }

    /// Weights of the kept members, oldest first, summing to 1.
    pub fn weights(&self) -> Vec<f64> {
        let all = mixture_weights(self.added, self.eta);
        let kept = &all[all.len() - self.members.len()..];
        let s: f64 = kept.iter().sum();
        kept.iter().map(|w| w / s).collect()
    }

    /// Draw `n` (member, sample) pairs: a member by its weight, then one of its `sizes[m]`
    /// samples uniformly.
    pub fn sample(
        &self,
        sizes: &[usize],
        n: usize,
        seed: u64,
    ) -> Result<Vec<(usize, usize)>, String> {
        if self.members.is_empty() {
            return Err("mixture: no members to sample from".into());
        }
        if sizes.len() != self.members.len() || sizes.contains(&0) {
            return Err("mixture: every member needs at least one stored sample".into());
        }
        let w = self.weights();
        let mut rng = Rng::new(seed);
        Ok((0..n)
            .map(|_| {
                let u = rng.uniform_f64();
                let mut acc = 0.0;
                let mut m = w.len() - 1;
                for (i, wi) in w.iter().enumerate() {
                    acc += wi;
                    if u < acc {
                        m = i;
                        break;
                    }
                }
                (m, rng.below(sizes[m]))
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_follow_the_recursion_and_sum_to_one() {
        let w = mixture_weights(3, 0.05);
        assert!((w[0] - 0.95f64.powi(2)).abs() < 1e-15);
        assert!((w[1] - 0.05 * 0.95).abs() < 1e-15);
        assert!((w[2] - 0.05).abs() < 1e-15);
        assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        // the recursion: π_t = (1-η)π_{t-1} + η h_t
        let prev = mixture_weights(2, 0.05);
        assert!((w[0] - 0.95 * prev[0]).abs() < 1e-15 && (w[1] - 0.95 * prev[1]).abs() < 1e-15);
        let mut m = Mixture::new(0.05, 10).unwrap();
        (0..12).for_each(|i| m.add(i));
        assert_eq!(m.members, (2..12).collect::<Vec<_>>());
        assert!((m.weights().iter().sum::<f64>() - 1.0).abs() < 1e-12);
        let draws = m.sample(&[5; 10], 2000, 0).unwrap();
        let newest = draws.iter().filter(|(i, _)| *i == 9).count() as f64 / 2000.0;
        assert!((newest - m.weights()[9]).abs() < 0.03, "{newest}");
    }
}
