//! The linear-interpolated quantile (numpy's default, torch.quantile), shared by the W2S
//! confidence loss and the bootstrap intervals.

/// The `q`-quantile of `values` (any order; `q` clamped to [0, 1]), interpolating linearly
/// between the two nearest order statistics. `None` for an empty slice, which has no quantile.
pub fn quantile(values: &[f64], q: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let pos = q.clamp(0.0, 1.0) * (v.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    Some(v[lo] + (v[hi] - v[lo]) * (pos - lo as f64))
}

#[cfg(test)]
mod tests {
    use super::quantile;

    #[test]
    fn interpolates_between_order_statistics_like_numpy() {
        let v = [3.0, 1.0, 4.0, 1.0, 5.0];
        // numpy.quantile([3, 1, 4, 1, 5], [0, 0.1, 0.5, 0.9, 1]) = [1, 1, 3, 4.6, 5]
        let got: Vec<f64> = [0.0, 0.1, 0.5, 0.9, 1.0]
            .iter()
            .map(|&q| quantile(&v, q).unwrap())
            .collect();
        let want = [1.0, 1.0, 3.0, 4.6, 5.0];
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < 1e-12, "{got:?} != {want:?}");
        }
        assert_eq!(quantile(&v, -1.0), Some(1.0));
        assert_eq!(quantile(&v, 2.0), Some(5.0));
        assert_eq!(quantile(&[7.5], 0.3), Some(7.5));
    }

    #[test]
    fn an_empty_input_has_no_quantile() {
        assert_eq!(quantile(&[], 0.5), None);
    }
}
