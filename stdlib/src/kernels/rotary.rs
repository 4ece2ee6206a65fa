//! Rotary position embeddings in transformers' layout (the two halves of each head rotate
//! together) for f32 CPU tensors, as one op with a backward pass: the rotation is orthogonal,
//! so the gradient is the gradient rotated back. Why: candle's fused rope carries no gradient,
//! and composed from narrow, negate, concatenate, multiply and add it was seven ops each way
//! for every query and key of every layer of a language model being fine-tuned.

use candle_core::{CpuStorage, CustomOp1, DType, Layout, Result, Shape, Tensor};

/// x (…, len, dim) rotated by position, with cos and sin (positions ≥ len, dim / 2); `None`
/// where the op does not apply.
pub fn rotate_halves(x: &Tensor, cos: &Tensor, sin: &Tensor) -> Result<Option<Tensor>> {
    if !x.device().is_cpu() || x.dtype() != DType::F32 || x.rank() < 2 {
        return Ok(None);
    }
    let dims = x.dims();
    let (len, dim) = (dims[dims.len() - 2], dims[dims.len() - 1]);
    if dim % 2 != 0 || cos.dims() != sin.dims() || cos.dim(1)? * 2 != dim || cos.dim(0)? < len {
        return Ok(None);
    }
    let table = |t: &Tensor| -> Result<Vec<f32>> {
        t.narrow(0, 0, len)?
            .flatten_all()?
            .to_dtype(DType::F32)?
            .to_vec1()
    };
    let op = Rotate {
        cos: table(cos)?,
        sin: table(sin)?,
        len,
        half: dim / 2,
        sign: 1.0,
    };
    Ok(Some(x.contiguous()?.apply_op1(op)?))
}

struct Rotate {
    /// (len × half) each.
    cos: Vec<f32>,
    sin: Vec<f32>,
    len: usize,
    half: usize,
    /// 1 rotates forward, −1 back.
    sign: f32,
}

impl CustomOp1 for Rotate {
    fn name(&self) -> &'static str {
        "rotate_halves"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        let x = super::f32_values(s, l, "rotate_halves")?;
        let h = self.half;
        let per = super::rows_per_chunk(2 * h);
        let mut y = vec![0f32; x.len()];
        super::for_chunks(&mut y, per * 2 * h, x.len() * 4, |c, yc| {
            let xc = &x[c * per * 2 * h..][..yc.len()];
            for (j, (yr, xr)) in yc.chunks_mut(2 * h).zip(xc.chunks(2 * h)).enumerate() {
                let t = (c * per + j) % self.len;
                let (cos, sin) = (&self.cos[t * h..][..h], &self.sin[t * h..][..h]);
                let (x1, x2) = xr.split_at(h);
                let (y1, y2) = yr.split_at_mut(h);
                for i in 0..h {
                    let s = self.sign * sin[i];
                    y1[i] = x1[i] * cos[i] - x2[i] * s;
                    y2[i] = x2[i] * cos[i] + x1[i] * s;
                }
            }
        });
        Ok((CpuStorage::F32(y), l.shape().clone()))
    }

    fn bwd(&self, _x: &Tensor, _y: &Tensor, g: &Tensor) -> Result<Option<Tensor>> {
        let back = Rotate {
            cos: self.cos.clone(),
            sin: self.sin.clone(),
            sign: -self.sign,
            ..*self
        };
        Ok(Some(g.contiguous()?.apply_op1(back)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::testing::{max_diff, weighted_grads};
    use candle_core::{Device, Var, D};

    #[test]
    fn rotation_and_gradient_match_the_composed_ops() {
        let dev = Device::Cpu;
        let (len, dim) = (3, 4);
        let x = Var::from_tensor(
            &Tensor::arange(0f32, (2 * len * dim) as f32, &dev)
                .unwrap()
                .reshape((1, 2, len, dim))
                .unwrap()
                .sin()
                .unwrap(),
        )
        .unwrap();
        let angles = Tensor::arange(0f32, (len * dim / 2) as f32, &dev)
            .unwrap()
            .reshape((len, dim / 2))
            .unwrap()
            .affine(0.3, 0.1)
            .unwrap();
        let (cos, sin) = (angles.cos().unwrap(), angles.sin().unwrap());
        let fused = rotate_halves(x.as_tensor(), &cos, &sin).unwrap().unwrap();
        let full = |t: &Tensor| Tensor::cat(&[t, t], 1).unwrap();
        let x1 = x.narrow(D::Minus1, 0, dim / 2).unwrap();
        let x2 = x.narrow(D::Minus1, dim / 2, dim / 2).unwrap();
        let rotated = Tensor::cat(&[&x2.neg().unwrap(), &x1], D::Minus1).unwrap();
        let composed = (x.broadcast_mul(&full(&cos)).unwrap()
            + rotated.broadcast_mul(&full(&sin)).unwrap())
        .unwrap();
        assert!(max_diff(&fused, &composed) < 1e-6);
        let weights = x.as_tensor().cos().unwrap();
        let grads = |y: &Tensor| weighted_grads(y, &weights);
        let (a, b) = (grads(&fused), grads(&composed));
        assert!(max_diff(a.get(&x).unwrap(), b.get(&x).unwrap()) < 1e-6);
    }
}
