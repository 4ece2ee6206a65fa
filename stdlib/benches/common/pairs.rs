//! Figures taken in pairs, ours right beside the reference's, so that a host whose speed
//! drifts from second to second moves both sides of a pair alike; the ratio to quote is the
//! median of the pairs' ratios.

/// The figures of `n` pairs, and each pair's ratio ours / theirs (pairs the reference could
/// not give have no ratio).
pub struct Pairs {
    pub ours: Vec<f64>,
    pub theirs: Vec<f64>,
    pub ratios: Vec<f64>,
}

/// Takes `n` pairs of `ours()` and `theirs()`, alternating which side goes first so that
/// neither always follows a rest.
pub fn paired(
    n: usize,
    mut ours: impl FnMut() -> f64,
    mut theirs: impl FnMut() -> Option<f64>,
) -> Pairs {
    let mut pairs = Pairs {
        ours: vec![],
        theirs: vec![],
        ratios: vec![],
    };
    for pair in 0..n {
        let (o, p) = if pair % 2 == 0 {
            let o = ours();
            (o, theirs())
        } else {
            let p = theirs();
            (ours(), p)
        };
        pairs.ours.push(o);
        if let Some(p) = p {
            pairs.theirs.push(p);
            pairs.ratios.push(o / p);
        }
    }
    pairs
}

/// The median; None for no values.
pub fn median(mut v: Vec<f64>) -> Option<f64> {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    (n > 0).then(|| (v[(n - 1) / 2] + v[n / 2]) / 2.0)
}
