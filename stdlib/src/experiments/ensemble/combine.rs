//! Plain ensembles over members' outputs: weighted average of probabilities, majority vote of
//! their classes, and weighted logit fusion (z = Σ w_i z_i; the static logit arithmetic
//! z_large + α(z_small_tuned − z_small) is weights [1, α, −α]).

use crate::experiments::boost::samme::softmax;
use crate::experiments::boost::stump::argmax;

fn check(
    members: &[Vec<Vec<f64>>],
    weights: Option<&[f64]>,
    what: &str,
) -> Result<Vec<f64>, String> {
    let first = members.first().ok_or(format!("{what}: no members"))?;
    for (i, m) in members.iter().enumerate() {
        if m.len() != first.len() {
            return Err(format!(
                "{what}: member {i} gives {} rows, member 0 gives {}",
                m.len(),
                first.len()
            ));
        }
        if let (Some(a), Some(b)) = (m.first(), first.first()) {
            if a.len() != b.len() {
                return Err(format!(
                    "{what}: member {i} has {} classes, member 0 has {}",
                    a.len(),
                    b.len()
                ));
            }
        }
    }
    match weights {
        None => Ok(vec![1.0; members.len()]),
        Some(w) if w.len() != members.len() => Err(format!(
            "{what}: {} weights for {} members",
            w.len(),
            members.len()
        )),
        Some(w) => Ok(w.to_vec()),
    }
}

/// Σ w_i p_i / Σ w_i, row by row (weights must be non-negative with a positive sum).
pub fn mean_proba(
    members: &[Vec<Vec<f64>>],
    weights: Option<&[f64]>,
) -> Result<Vec<Vec<f64>>, String> {
    let w = check(members, weights, "mean of probabilities")?;
    if w.iter().any(|&x| x < 0.0 || !x.is_finite()) || w.iter().sum::<f64>() <= 0.0 {
        return Err(
            "mean of probabilities: weights must be non-negative with a positive sum".into(),
        );
    }
    let total: f64 = w.iter().sum();
    let (n, k) = (members[0].len(), members[0].first().map_or(0, Vec::len));
    let mut out = vec![vec![0.0; k]; n];
    for (m, &wi) in members.iter().zip(&w) {
        for (row, r) in out.iter_mut().zip(m) {
            for (o, p) in row.iter_mut().zip(r) {
                *o += wi * p / total;
            }
        }
    }
    Ok(out)
}

/// Each member votes its argmax (weighted); ties go to the lowest class.
pub fn vote(members: &[Vec<Vec<f64>>], weights: Option<&[f64]>) -> Result<Vec<usize>, String> {
    let w = check(members, weights, "majority vote")?;
    let (n, k) = (members[0].len(), members[0].first().map_or(0, Vec::len));
    Ok((0..n)
        .map(|i| {
            let mut counts = vec![0.0; k];
            for (m, &wi) in members.iter().zip(&w) {
                counts[argmax(&m[i])] += wi;
            }
            argmax(&counts)
        })
        .collect())
}

/// softmax(Σ w_i z_i) from members' logits.
pub fn logit_fusion(
    members: &[Vec<Vec<f64>>],
    weights: Option<&[f64]>,
) -> Result<Vec<Vec<f64>>, String> {
    let w = check(members, weights, "logit fusion")?;
    let (n, k) = (members[0].len(), members[0].first().map_or(0, Vec::len));
    Ok((0..n)
        .map(|i| {
            let z: Vec<f64> = (0..k)
                .map(|c| members.iter().zip(&w).map(|(m, wi)| wi * m[i][c]).sum())
                .collect();
            softmax(&z)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combinations_by_hand() {
        let a = vec![vec![0.9, 0.1], vec![0.4, 0.6]];
        let b = vec![vec![0.3, 0.7], vec![0.2, 0.8]];
        let m = mean_proba(&[a.clone(), b.clone()], Some(&[3.0, 1.0])).unwrap();
        assert!((m[0][0] - 0.75).abs() < 1e-12 && (m[1][1] - 0.65).abs() < 1e-12);
        assert_eq!(vote(&[a.clone(), b.clone()], None).unwrap(), vec![0, 1]);
        assert_eq!(
            vote(&[a.clone(), b.clone()], Some(&[1.0, 2.0])).unwrap(),
            vec![1, 1]
        );
        let z = logit_fusion(
            &[vec![vec![1.0, 0.0]], vec![vec![0.0, 2.0]]],
            Some(&[1.0, -0.5]),
        )
        .unwrap();
        // z = [1, -1] → softmax
        assert!((z[0][0] - 1.0 / (1.0 + (-2.0f64).exp())).abs() < 1e-12);
        assert!(mean_proba(&[a, vec![vec![1.0, 0.0]]], None)
            .unwrap_err()
            .contains("member 1 gives 1 rows"));
    }
}
