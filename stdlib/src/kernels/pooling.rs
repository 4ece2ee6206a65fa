//! Weighted pooling over a sequence as one op for f32 CPU tensors: y[r] = Σ_t w[r, t] · h[r, t]
//! for h (batch, len, dim) and constant weights w (batch, len), such as a mask divided by each
//! row's token count (a mean over real tokens).
//!
//! Why: as candle's broadcast multiply and sum over the middle axis, the sum and its gradient
//! run value by value on one thread; as a batched product, candle's matmul was slower still.

use candle_core::{CpuStorage, CustomOp1, Device, Layout, Result, Shape, Tensor};

/// Σ_t w[r, t] · h[r, t] for h (batch, len, dim) and w (batch, len), w taking no gradient;
/// `None` where the op does not apply (the caller composes candle's ops).
pub fn weighted_sum(h: &Tensor, w: &Tensor) -> Result<Option<Tensor>> {
    if !super::takes_kernels(h) || !super::takes_kernels(w) || h.rank() != 3 {
        return Ok(None);
    }
    if w.dims() != &h.dims()[..2] {
        return Ok(None);
    }
    let weights = w.flatten_all()?.to_vec1::<f32>()?;
    Ok(Some(h.contiguous()?.apply_op1(WeightedSum { weights })?))
}

struct WeightedSum {
    weights: Vec<f32>,
}

impl CustomOp1 for WeightedSum {
    fn name(&self) -> &'static str {
        "weighted_sum"
    }

    fn cpu_fwd(&self, hs: &CpuStorage, hl: &Layout) -> Result<(CpuStorage, Shape)> {
        let h = super::f32_values(hs, hl, self.name())?;
        let (b, l, d) = hl.shape().dims3()?;
        let y = super::new_chunked(b * d, d, h.len(), |r, o| {
            let rows = h[r * l * d..][..l * d].chunks_exact(d);
            for (row, w) in rows.zip(&self.weights[r * l..][..l]) {
                o.iter_mut().zip(row).for_each(|(o, v)| *o += w * v);
            }
        });
        Ok((CpuStorage::F32(y), Shape::from((b, d))))
    }

    fn bwd(&self, h: &Tensor, _y: &Tensor, g: &Tensor) -> Result<Option<Tensor>> {
        let (b, l, d) = h.dims3()?;
        let g = g.contiguous()?;
        let (gs, gl) = g.storage_and_layout();
        let gv = super::storage_values(&gs, gl, self.name())?;
        // dh[r, t] = w[r, t] · g[r], a batch row per chunk.
        let dh = super::new_chunked(b * l * d, l * d, b * l * d, |r, o| {
            let g = &gv[r * d..][..d];
            for (row, w) in o.chunks_exact_mut(d).zip(&self.weights[r * l..][..l]) {
                row.iter_mut().zip(g).for_each(|(o, g)| *o = w * g);
            }
        });
        Ok(Some(Tensor::from_vec(dh, (b, l, d), &Device::Cpu)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::testing::{max_diff, weighted_grads};
    use candle_core::Var;

    /// Values and gradients match candle's broadcast multiply and sum (to rounding: the sums
    /// run in another order).
    #[test]
    fn values_and_gradients_match_candles_ops() {
        let (b, l, d) = (3, 7, 5);
        let mut rng = crate::rng::Rng::new(9);
        let t = |n, dims: &[usize], rng: &mut crate::rng::Rng| {
            Tensor::from_vec(rng.normal_vec(n, 0.0, 1.0), dims, &Device::Cpu).unwrap()
        };
        let h = Var::from_tensor(&t(b * l * d, &[b, l, d], &mut rng)).unwrap();
        let w = t(b * l, &[b, l], &mut rng);
        let weights = t(b * d, &[b, d], &mut rng);
        let ours = weighted_sum(&h, &w).unwrap().expect("the op applies");
        let theirs = h
            .broadcast_mul(&w.unsqueeze(2).unwrap())
            .unwrap()
            .sum(1)
            .unwrap();
        assert!(max_diff(&ours, &theirs) < 1e-5);
        let (a, c) = (
            weighted_grads(&ours, &weights),
            weighted_grads(&theirs, &weights),
        );
        assert!(max_diff(a.get(&h).unwrap(), c.get(&h).unwrap()) < 1e-6);
    }
}
