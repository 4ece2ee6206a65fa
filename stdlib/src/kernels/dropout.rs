//! Dropout's mask applied as one op for f32 CPU tensors: y = x ⊙ mask, and dy ⊙ mask back.
//! Why: as candle's `mul` by a constant tensor, the forward and the backward (which also
//! computes, and accumulates, a gradient for the mask) each ran on one thread; a training step
//! of the from-scratch transformer applies five masks of 4096 × 64 values.

use candle_core::{CpuStorage, CustomOp1, Device, Layout, Result, Shape, Tensor};

/// Values per chunk of work.
const CHUNK: usize = 1 << 14;

/// x ⊙ mask (mask: one value per element of x, row-major) for an f32 CPU tensor x (the caller
/// checks [`super::takes_kernels`]).
pub fn masked(x: &Tensor, mask: Vec<f32>) -> Result<Tensor> {
    if !super::takes_kernels(x) || mask.len() != x.elem_count() {
        candle_core::bail!("dropout: the mask op takes an f32 CPU tensor and a mask of its size");
    }
    x.contiguous()?.apply_op1(Masked(mask))
}

struct Masked(Vec<f32>);

impl Masked {
    /// values ⊙ mask, over the policy's threads.
    fn times(&self, values: &[f32]) -> Vec<f32> {
        super::new_chunked(values.len(), CHUNK, values.len(), |i, o| {
            let at = i * CHUNK;
            for ((o, v), m) in o.iter_mut().zip(&values[at..]).zip(&self.0[at..]) {
                *o = v * m;
            }
        })
    }
}

impl CustomOp1 for Masked {
    fn name(&self) -> &'static str {
        "dropout"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        let x = super::f32_values(s, l, "dropout")?;
        Ok((CpuStorage::F32(self.times(x)), l.shape().clone()))
    }

    fn bwd(&self, _x: &Tensor, _y: &Tensor, g: &Tensor) -> Result<Option<Tensor>> {
        let g = g.contiguous()?;
        let (s, l) = g.storage_and_layout();
        let dx = self.times(super::storage_values(&s, l, "dropout")?);
        Ok(Some(Tensor::from_vec(dx, g.shape(), &Device::Cpu)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::testing::{max_diff, weighted_grads};
    use candle_core::Var;

    /// Values and gradients equal candle's `mul` by the same mask, to the bit.
    #[test]
    fn values_and_gradients_equal_candles_product() {
        let rows = 3 * CHUNK / 5 + 1; // four chunks, the last short
        let n = rows * 5;
        let mut rng = crate::rng::Rng::new(3);
        let x = Tensor::from_vec(rng.normal_vec(n, 0.0, 1.0), (rows, 5), &Device::Cpu).unwrap();
        let x = Var::from_tensor(&x).unwrap();
        let mask: Vec<f32> = (0..n)
            .map(|_| {
                if rng.uniform_f32() < 0.9 {
                    1.0 / 0.9
                } else {
                    0.0
                }
            })
            .collect();
        let weights =
            Tensor::from_vec(rng.normal_vec(n, 0.0, 1.0), (rows, 5), &Device::Cpu).unwrap();
        let ours = masked(&x, mask.clone()).unwrap();
        let m = Tensor::from_vec(mask, (rows, 5), &Device::Cpu).unwrap();
        let theirs = x.mul(&m).unwrap();
        assert_eq!(max_diff(&ours, &theirs), 0.0);
        let (a, b) = (
            weighted_grads(&ours, &weights),
            weighted_grads(&theirs, &weights),
        );
        assert_eq!(max_diff(a.get(&x).unwrap(), b.get(&x).unwrap()), 0.0);
    }
}
