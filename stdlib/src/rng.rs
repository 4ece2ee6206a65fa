//! The project's own seeded generator: candle's CPU generator cannot be seeded, and results
//! must be bit-identical for the same seed (initialisation, shuffles, splits, dropout).
//!
//! ChaCha8 is portable and fast; floats are made from the top bits of `next_u32`/`next_u64`
//! so the stream does not depend on any distribution crate's implementation.

use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

#[derive(Clone, Debug)]
pub struct Rng(ChaCha8Rng);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(ChaCha8Rng::seed_from_u64(seed))
    }

    /// A child generator for an independent purpose (e.g. dropout inside a fit).
    pub fn fork(&mut self) -> Rng {
        Rng::new(self.0.next_u64())
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in [0, 1) with 24 bits of precision.
    pub fn uniform_f32(&mut self) -> f32 {
        (self.0.next_u32() >> 8) as f32 * (1.0 / (1u32 << 24) as f32)
    }

    /// `out[i] = f(u)` for the next `out.len()` draws `u` of [`Rng::uniform_f32`]: the values
    /// and the generator's state afterwards are those of drawing them one by one, but a large
    /// fill is split over the threads the policy gives it (ChaCha can start anywhere in its
    /// stream, so each chunk starts at its own word).
    pub fn fill_uniform_f32(&mut self, out: &mut [f32], f: impl Fn(f32) -> f32 + Sync) {
        const CHUNK: usize = 1 << 14;
        let start = self.0.get_word_pos();
        let base = &self.0;
        crate::kernels::for_chunks(out, CHUNK, out.len() * 16, |i, chunk| {
            let mut r = Rng(base.clone());
            r.0.set_word_pos(start + (i * CHUNK) as u128);
            chunk.iter_mut().for_each(|v| *v = f(r.uniform_f32()));
        });
        self.0.set_word_pos(start + out.len() as u128);
    }

    /// Uniform in [0, 1) with 53 bits of precision.
    pub fn uniform_f64(&mut self) -> f64 {
        (self.0.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Standard normal (Box–Muller; one value per call keeps the stream simple).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform_f64(); // (0, 1]: log is finite
        let u2 = self.uniform_f64();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// Uniform integer in [0, n) (Lemire's method without bias for n < 2^32).
    pub fn below(&mut self, n: usize) -> usize {
        debug_assert!(n > 0);
        (((self.0.next_u64() >> 32) * n as u64) >> 32) as usize
    }

    /// A random permutation of 0..n (Fisher–Yates).
    pub fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut p: Vec<usize> = (0..n).collect();
        self.shuffle(&mut p);
        p
    }

    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }

    pub fn uniform_vec(&mut self, n: usize, low: f32, high: f32) -> Vec<f32> {
        (0..n)
            .map(|_| low + (high - low) * self.uniform_f32())
            .collect()
    }

    pub fn normal_vec(&mut self, n: usize, mean: f32, std: f32) -> Vec<f32> {
        (0..n).map(|_| mean + std * self.normal() as f32).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fill large enough to be split over the threads (auto gives it every core) equals the
    /// same draws one by one, from a stream position a u64 and a u32 draw left mid-block, and
    /// leaves the generator where drawing them would.
    #[test]
    fn a_split_fill_equals_drawing_one_by_one() {
        let n = (1 << 22) + 7;
        let (mut a, mut b) = (Rng::new(9), Rng::new(9));
        for r in [&mut a, &mut b] {
            r.next_u64();
            r.uniform_f32();
        }
        let mut filled = vec![0f32; n];
        a.fill_uniform_f32(&mut filled, |u| u * 2.0);
        let drawn: Vec<f32> = (0..n).map(|_| b.uniform_f32() * 2.0).collect();
        assert!(filled == drawn, "the fill differs from the draws");
        assert_eq!(a.next_u64(), b.next_u64());
    }

    #[test]
    fn same_seed_same_stream_different_seed_different_stream() {
        let a = Rng::new(7).normal_vec(100, 0.0, 1.0);
        let b = Rng::new(7).normal_vec(100, 0.0, 1.0);
        let c = Rng::new(8).normal_vec(100, 0.0, 1.0);
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn normal_has_unit_moments() {
        let v = Rng::new(1).normal_vec(20000, 0.0, 1.0);
        let mean = v.iter().map(|&x| x as f64).sum::<f64>() / v.len() as f64;
        let var = v.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / v.len() as f64;
        assert!(mean.abs() < 0.03, "{mean}");
        assert!((var - 1.0).abs() < 0.05, "{var}");
    }

    #[test]
    fn permutation_is_a_permutation() {
        let mut p = Rng::new(3).permutation(50);
        p.sort();
        assert_eq!(p, (0..50).collect::<Vec<_>>());
        assert!(Rng::new(3).below(10) < 10);
    }
}
