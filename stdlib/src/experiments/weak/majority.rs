//! Majority vote over a label matrix, as Snorkel's `MajorityLabelVoter`: per-class vote counts
//! ignoring abstains; probabilities share equally among the classes with the most votes (so
//! an all-abstain row is uniform); `predict` abstains (−1) on a tie.

use super::label_matrix::{LabelMatrix, ABSTAIN};

/// Probabilistic labels, one row of `n_classes` per example.
pub fn majority_proba(l: &LabelMatrix) -> Vec<Vec<f64>> {
    (0..l.rows())
        .map(|i| {
            let counts = l.counts(i);
            let max = *counts.iter().max().unwrap_or(&0);
            let tied = counts.iter().filter(|&&c| c == max).count() as f64;
            counts
                .iter()
                .map(|&c| if c == max { 1.0 / tied } else { 0.0 })
                .collect()
        })
        .collect()
}

/// Hard labels: the class with the most votes, −1 on a tie or when every function abstains.
pub fn majority_predict(l: &LabelMatrix) -> Vec<i64> {
    (0..l.rows())
        .map(|i| {
            let counts = l.counts(i);
            let max = *counts.iter().max().unwrap_or(&0);
            let winners: Vec<usize> = (0..counts.len()).filter(|&k| counts[k] == max).collect();
            if max == 0 || winners.len() > 1 {
                ABSTAIN
            } else {
                winners[0] as i64
            }
        })
        .collect()
}
