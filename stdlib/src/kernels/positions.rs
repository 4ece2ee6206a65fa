//! Position embeddings added to token embeddings as one op for f32 CPU tensors:
//! y = x + p for x (batch, len, dim) and p (len, dim), with p's gradient summed over the batch
//! in one pass over the threads.
//!
//! Why: as candle's `broadcast_add`, p's gradient is a strided reduction over the batch axis
//! that runs on one thread, value by value (for the from-scratch transformer, 4096 × 64 values
//! a step, while the other cores wait).

use candle_core::{CpuStorage, CustomOp2, Device, Layout, Result, Shape, Tensor};

/// Values per chunk of work.
const CHUNK: usize = 1 << 14;

/// x + p broadcast over x's leading axis (x: (batch, len, dim), p: (len, dim)); `None` where
/// the op does not apply (the caller uses `broadcast_add`).
pub fn add_positions(x: &Tensor, p: &Tensor) -> Result<Option<Tensor>> {
    if !super::takes_kernels(x) || !super::takes_kernels(p) || x.rank() != 3 || p.rank() != 2 {
        return Ok(None);
    }
    if x.dims()[1..] != *p.dims() {
        return Ok(None);
    }
    Ok(Some(
        x.contiguous()?.apply_op2(&p.contiguous()?, AddPositions)?,
    ))
}

struct AddPositions;

impl CustomOp2 for AddPositions {
    fn name(&self) -> &'static str {
        "add_positions"
    }

    fn cpu_fwd(
        &self,
        xs: &CpuStorage,
        xl: &Layout,
        ps: &CpuStorage,
        pl: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let x = super::f32_values(xs, xl, self.name())?;
        let p = super::f32_values(ps, pl, self.name())?;
        let per_row = p.len();
        if per_row == 0 || x.len() % per_row != 0 {
            candle_core::bail!("add_positions: {} values and {per_row} positions", x.len());
        }
        let y = super::new_chunked(x.len(), CHUNK, x.len(), |i, o| {
            let mut k = (i * CHUNK) % per_row;
            for (o, v) in o.iter_mut().zip(&x[i * CHUNK..]) {
                *o = v + p[k];
                k = if k + 1 == per_row { 0 } else { k + 1 };
            }
        });
        Ok((CpuStorage::F32(y), xl.shape().clone()))
    }

    fn bwd(
        &self,
        _x: &Tensor,
        p: &Tensor,
        _y: &Tensor,
        g: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>)> {
        let g = g.contiguous()?;
        let dp = {
            let (gs, gl) = g.storage_and_layout();
            let gv = super::storage_values(&gs, gl, self.name())?;
            let per_row = p.elem_count();
            // Each chunk of p's values sums its own columns over the batch rows, in row order
            // (the same result on any number of threads).
            super::new_chunked(per_row, CHUNK, gv.len(), |i, o| {
                let at = i * CHUNK;
                for row in gv.chunks_exact(per_row) {
                    o.iter_mut().zip(&row[at..]).for_each(|(o, v)| *o += v);
                }
            })
        };
        Ok((
            Some(g),
            Some(Tensor::from_vec(dp, p.shape(), &Device::Cpu)?),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::testing::{max_diff, weighted_grads};
    use candle_core::Var;

    /// Values equal candle's `broadcast_add` to the bit; gradients to rounding (candle sums
    /// the batch in another order).
    #[test]
    fn values_and_gradients_match_candles_broadcast_add() {
        let (b, l, d) = (5, 70, 64); // p has 4480 values: one short chunk; x several chunks
        let mut rng = crate::rng::Rng::new(5);
        let t = |n, dims: &[usize], rng: &mut crate::rng::Rng| {
            Tensor::from_vec(rng.normal_vec(n, 0.0, 1.0), dims, &Device::Cpu).unwrap()
        };
        let x = Var::from_tensor(&t(b * l * d, &[b, l, d], &mut rng)).unwrap();
        let p = Var::from_tensor(&t(l * d, &[l, d], &mut rng)).unwrap();
        let weights = t(b * l * d, &[b, l, d], &mut rng);
        let ours = add_positions(&x, &p).unwrap().expect("the op applies");
        let theirs = x.broadcast_add(&p).unwrap();
        assert_eq!(max_diff(&ours, &theirs), 0.0);
        let (a, c) = (
            weighted_grads(&ours, &weights),
            weighted_grads(&theirs, &weights),
        );
        assert_eq!(max_diff(a.get(&x).unwrap(), c.get(&x).unwrap()), 0.0);
        assert!(max_diff(a.get(&p).unwrap(), c.get(&p).unwrap()) < 1e-5);
    }

    #[test]
    fn other_shapes_are_left_to_candle() {
        let x = Tensor::zeros((2, 3, 4), candle_core::DType::F32, &Device::Cpu).unwrap();
        let p = Tensor::zeros((3, 5), candle_core::DType::F32, &Device::Cpu).unwrap();
        assert!(add_positions(&x, &p).unwrap().is_none());
    }
}
