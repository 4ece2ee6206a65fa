//! eˣ for x ≤ 0 in f32, written so that loops over it vectorise (the standard library's
//! `exp` is a scalar call): the softmax of attention and the GELU's backward pass use it.

/// eˣ for x ≤ 0 to about 1 ulp (Cephes' expf: 2ⁿ·e^r with |r| ≤ ln2/2), branch-free so that
/// loops over it vectorise; 0 below −87.3 (where f32 underflows), as the masked keys need.
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    let xc = x.max(-87.0);
    let n = (xc * std::f32::consts::LOG2_E + 0.5).floor();
    let r = xc - n * 0.693_359_4 + n * 2.121_944_4e-4;
    let mut y = 1.987_569_1e-4f32;
    y = y * r + 1.398_2e-3;
    y = y * r + 8.333_452e-3;
    y = y * r + 4.166_579_6e-2;
    y = y * r + 0.166_666_65;
    y = y * r + 0.5;
    y = y * r * r + r + 1.0;
    // 2ⁿ from the bits of n + 127 + 2²³ (float adds and shifts only: `as i32` would keep the
    // loop scalar).
    let scale = f32::from_bits((n + 8_388_735.0).to_bits() << 23);
    if x < -87.0 {
        0.0
    } else {
        y * scale
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_matches_the_standard_library_and_is_zero_where_f32_underflows() {
        for i in 0..=8700 {
            let x = -(i as f32) * 0.01;
            let (got, want) = (exp(x), x.exp());
            assert!(
                (got - want).abs() <= want * 3e-7,
                "exp({x}) = {got}, want {want}"
            );
        }
        assert_eq!(exp(-1e9), 0.0);
    }
}
