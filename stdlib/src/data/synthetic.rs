//! Seeded synthetic data: Gaussian blobs, two moons, and parity (XOR) with label noise.

use super::{from_rows, Dataset};
use crate::bail;
use crate::error::Result;
use crate::rng::Rng;
use crate::tensor::budget;
use candle_core::DType;

fn names(d: usize) -> Vec<String> {
    (0..d).map(|i| format!("x{i}")).collect()
}

/// `centers` Gaussian blobs in `dim` dimensions; centres uniform in [-10, 10] (as scikit-learn's
/// make_blobs), rows split evenly between classes.
pub fn blobs(n: usize, centers: usize, dim: usize, std: f64, seed: u64) -> Result<Dataset> {
    if n == 0 || centers == 0 || dim == 0 {
        bail!(
            "blobs: n, centers and dim must be positive (got n={n}, centers={centers}, dim={dim})"
        );
    }
    // Sizes the script chooses ask the memory budget first (the rows, then the centres).
    budget::check_f32("blobs", &[n, dim])?;
    budget::check("blobs: the centres", &[centers, dim], DType::F64)?;
    let mut rng = Rng::new(seed);
    let c: Vec<f64> = (0..centers * dim)
        .map(|_| -10.0 + 20.0 * rng.uniform_f64())
        .collect();
    let (mut x, mut y) = (Vec::with_capacity(n * dim), Vec::with_capacity(n));
    for i in 0..n {
        let k = i % centers;
        for j in 0..dim {
            x.push((c[k * dim + j] + std * rng.normal()) as f32);
        }
        y.push(k as u32);
    }
    from_rows("blobs", x, dim, y, names(dim)).map(|mut d| {
        d.num_classes = centers.max(2);
        d
    })
}

/// Two interleaving half circles (scikit-learn's make_moons) with Gaussian noise.
pub fn moons(n: usize, noise: f64, seed: u64) -> Result<Dataset> {
    if n < 2 {
        bail!("moons: n must be at least 2, got {n}");
    }
    budget::check_f32("moons", &[n, 2])?;
    let mut rng = Rng::new(seed);
    let n_out = n / 2;
    let n_in = n - n_out;
    let (mut x, mut y) = (Vec::with_capacity(2 * n), Vec::with_capacity(n));
    for i in 0..n_out {
        let t = std::f64::consts::PI * i as f64 / (n_out.max(2) - 1) as f64;
        x.push((t.cos() + noise * rng.normal()) as f32);
        x.push((t.sin() + noise * rng.normal()) as f32);
        y.push(0);
    }
    for i in 0..n_in {
        let t = std::f64::consts::PI * i as f64 / (n_in.max(2) - 1) as f64;
        x.push((1.0 - t.cos() + noise * rng.normal()) as f32);
        x.push((0.5 - t.sin() + noise * rng.normal()) as f32);
        y.push(1);
    }
    // Shuffle rows so batches are mixed.
    let perm = rng.permutation(n);
    let xs: Vec<f32> = perm
        .iter()
        .flat_map(|&i| [x[2 * i], x[2 * i + 1]])
        .collect();
    let ys: Vec<u32> = perm.iter().map(|&i| y[i]).collect();
    from_rows("moons", xs, 2, ys, names(2))
}

/// Parity of `bits` random ±1 features (2 bits = XOR); each label is flipped with
/// probability `noise`.
pub fn parity(n: usize, bits: usize, noise: f64, seed: u64) -> Result<Dataset> {
    if n == 0 || bits == 0 {
        bail!("parity: n and bits must be positive (got n={n}, bits={bits})");
    }
    if !(0.0..=1.0).contains(&noise) {
        bail!("parity: label noise must be a probability in [0, 1], got {noise}");
    }
    budget::check_f32("parity", &[n, bits])?;
    let mut rng = Rng::new(seed);
    let (mut x, mut y) = (Vec::with_capacity(n * bits), Vec::with_capacity(n));
    for _ in 0..n {
        let mut ones = 0;
        for _ in 0..bits {
            let b = rng.below(2);
            ones += b;
            x.push(if b == 1 { 1.0 } else { -1.0 });
        }
        let mut label = (ones % 2) as u32;
        if rng.uniform_f64() < noise {
            label = 1 - label;
        }
        y.push(label);
    }
    from_rows(
        if bits == 2 { "xor" } else { "parity" },
        x,
        bits,
        y,
        names(bits),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generators_are_seeded() {
        let a = moons(100, 0.1, 1).unwrap();
        let b = moons(100, 0.1, 1).unwrap();
        let c = moons(100, 0.1, 2).unwrap();
        let v = |d: &Dataset| crate::tensor::ops::to_vec_f32(&d.x).unwrap();
        assert_eq!(v(&a), v(&b));
        assert_ne!(v(&a), v(&c));
        assert_eq!(
            blobs(90, 3, 2, 1.0, 0).unwrap().class_counts().unwrap(),
            vec![30, 30, 30]
        );
    }

    #[test]
    fn parity_without_noise_is_exact_and_noise_flips_about_that_share() {
        let d = parity(500, 3, 0.0, 0).unwrap();
        let x = crate::tensor::ops::to_vec_f32(&d.x).unwrap();
        let y = d.labels().unwrap();
        for i in 0..500 {
            let ones = x[3 * i..3 * i + 3].iter().filter(|v| **v > 0.0).count();
            assert_eq!(y[i] as usize, ones % 2);
        }
        let d = parity(4000, 2, 0.2, 5).unwrap();
        let x = crate::tensor::ops::to_vec_f32(&d.x).unwrap();
        let flipped = d
            .labels()
            .unwrap()
            .iter()
            .enumerate()
            .filter(|(i, &l)| {
                let ones = x[2 * i..2 * i + 2].iter().filter(|v| **v > 0.0).count();
                l as usize != ones % 2
            })
            .count() as f64
            / 4000.0;
        assert!((flipped - 0.2).abs() < 0.03, "{flipped}");
    }
}
