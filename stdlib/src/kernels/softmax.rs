//! Attention's softmax, softmax(scale · x + mask) over the last axis of f32 CPU scores
//! (batch × heads × queries × keys, the mask batch × 1 × queries × keys), as one op with its
//! backward pass (dx = scale · y ⊙ (g − Σ g ⊙ y)). Why: candle's fused softmax carries no
//! gradient, and the composed one with its scale and mask is seven ops each way; a fine-tuned
//! language model runs it on every layer.

use candle_core::{CpuStorage, CustomOp2, DType, Layout, Result, Shape, Tensor};

/// softmax(scale · scores + mask) for rank-4 scores and a (batch × 1 × queries × keys) mask
/// that carries no gradient; `None` where the op does not apply.
pub fn masked_softmax(scores: &Tensor, mask: &Tensor, scale: f32) -> Result<Option<Tensor>> {
    let ok = |t: &Tensor| t.device().is_cpu() && t.dtype() == DType::F32 && t.rank() == 4;
    if !ok(scores) || !ok(mask) {
        return Ok(None);
    }
    let (n, _, l, k) = scores.dims4()?;
    if mask.dims() != [n, 1, l, k] {
        return Ok(None);
    }
    Ok(Some(
        scores
            .contiguous()?
            .apply_op2(&mask.contiguous()?, MaskedSoftmax { scale })?,
    ))
}

struct MaskedSoftmax {
    scale: f32,
}

impl CustomOp2 for MaskedSoftmax {
    fn name(&self) -> &'static str {
        "masked_scores"
    }

    fn cpu_fwd(
        &self,
        s: &CpuStorage,
        sl: &Layout,
        m: &CpuStorage,
        ml: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let (x, mask) = (
            super::f32_values(s, sl, "softmax")?,
            super::f32_values(m, ml, "softmax")?,
        );
        let dims = sl.dims();
        let (heads, l, k) = (dims[1], dims[2], dims[3]);
        let per = super::rows_per_chunk(k);
        let mut y = vec![0f32; x.len()];
        super::for_chunks(&mut y, per * k, x.len() * 8, |c, yc| {
            let xc = &x[c * per * k..][..yc.len()];
            for (j, (yr, xr)) in yc.chunks_mut(k).zip(xc.chunks(k)).enumerate() {
                let r = c * per + j;
                let (b, i) = (r / (heads * l), r % l);
                let mr = &mask[(b * l + i) * k..][..k];
                for ((y, &x), &m) in yr.iter_mut().zip(xr).zip(mr) {
                    *y = self.scale * x + m;
                }
                softmax_row(yr);
            }
        });
        Ok((CpuStorage::F32(y), sl.shape().clone()))
    }

    fn bwd(
        &self,
        _x: &Tensor,
        _mask: &Tensor,
        y: &Tensor,
        g: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>)> {
        Ok((Some(backward(y, g, self.scale)?), None))
    }
}

fn softmax_row(row: &mut [f32]) {
    let max = row.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b));
    let mut total = 0f32;
    for v in row.iter_mut() {
        *v = super::exp::exp(*v - max);
        total += *v;
    }
    let inv = 1.0 / total;
    row.iter_mut().for_each(|v| *v *= inv);
}

/// d loss / d x for y = softmax(scale · x + c): scale · y ⊙ (g − Σ g ⊙ y).
fn backward(y: &Tensor, g: &Tensor, scale: f32) -> Result<Tensor> {
    let n = y.dims().last().copied().unwrap_or(1).max(1);
    let ys = y.flatten_all()?.to_vec1::<f32>()?;
    let mut dx = g.contiguous()?.flatten_all()?.to_vec1::<f32>()?;
    let per = super::rows_per_chunk(n);
    let cost = dx.len() * 4;
    super::for_chunks(&mut dx, per * n, cost, |c, dc| {
        for (d, yr) in dc.chunks_mut(n).zip(ys[c * per * n..].chunks(n)) {
            let dot: f32 = d.iter().zip(yr).map(|(g, y)| g * y).sum();
            d.iter_mut()
                .zip(yr)
                .for_each(|(g, y)| *g = scale * y * (*g - dot));
        }
    });
    Tensor::from_vec(dx, y.shape(), y.device())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::testing::{max_diff, weighted_grads};
    use candle_core::{Device, Var};

    #[test]
    fn masked_scaled_softmax_and_gradient_match_the_composed_ops() {
        let dev = Device::Cpu;
        let x = Var::from_tensor(
            &Tensor::arange(0f32, 36.0, &dev)
                .unwrap()
                .reshape((2, 2, 3, 3))
                .unwrap()
                .sin()
                .unwrap(),
        )
        .unwrap();
        let mask: Vec<f32> = (0..18)
            .map(|i| if i % 3 > (i / 3) % 3 { -1e9 } else { 0.0 })
            .collect();
        let mask = Tensor::from_vec(mask, (2, 1, 3, 3), &dev).unwrap();
        let fused = masked_softmax(x.as_tensor(), &mask, 0.5).unwrap().unwrap();
        let composed = candle_nn::ops::softmax(
            &(x.as_tensor() * 0.5).unwrap().broadcast_add(&mask).unwrap(),
            3,
        )
        .unwrap();
        assert!(max_diff(&fused, &composed) < 1e-6);
        let weights = x.as_tensor().cos().unwrap();
        let grads = |y: &Tensor| weighted_grads(y, &weights);
        let (a, b) = (grads(&fused), grads(&composed));
        assert!(max_diff(a.get(&x).unwrap(), b.get(&x).unwrap()) < 1e-6);
    }
}
