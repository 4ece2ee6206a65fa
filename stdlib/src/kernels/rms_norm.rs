//! RMSNorm (y = x / √(mean(x²) + ε) · w over the last axis) for f32 CPU tensors as one op with
//! its own backward pass. Why: composed from candle's ops (square, mean, add, sqrt, divide,
//! multiply) a decoder's 61 norms took a dozen passes each way, every gradient written as zeros
//! and then added to; training a language model's LoRA adapters runs through all of them.

use candle_core::{CpuStorage, CustomOp2, Layout, Result, Shape, Tensor};

/// `None` where the op does not apply (the caller composes candle's ops).
pub fn rms_norm(x: &Tensor, w: &Tensor, eps: f32) -> Result<Option<Tensor>> {
    let ok = super::takes_kernels;
    if !ok(x) || !ok(w) || w.rank() != 1 || x.dim(candle_core::D::Minus1)? != w.dim(0)? {
        return Ok(None);
    }
    Ok(Some(
        x.contiguous()?.apply_op2(&w.contiguous()?, RmsNorm(eps))?,
    ))
}

struct RmsNorm(f32);

/// 1 / √(mean(row²) + ε), accumulated in f64.
fn inverse_rms(row: &[f32], eps: f32) -> f32 {
    let ms = row.iter().map(|&v| (v as f64) * (v as f64)).sum::<f64>() / row.len() as f64;
    (1.0 / (ms + eps as f64).sqrt()) as f32
}

/// Each row of x (… × w.len()) divided by its root mean square, times w: the op's forward pass
/// on plain values (a decoding language model's norms run on these), over the policy's threads.
pub fn rows(x: &[f32], w: &[f32], eps: f32) -> Vec<f32> {
    let h = w.len();
    let chunk = super::rows_per_chunk(h) * h;
    let mut y = vec![0f32; x.len()];
    super::for_chunks(&mut y, chunk, x.len() * 4, |i, yc| {
        let xc = &x[i * chunk..][..yc.len()];
        for (yr, xr) in yc.chunks_mut(h).zip(xc.chunks(h)) {
            let r = inverse_rms(xr, eps);
            for ((y, &x), &g) in yr.iter_mut().zip(xr).zip(w) {
                *y = x * r * g;
            }
        }
    });
    y
}

impl CustomOp2 for RmsNorm {
    fn name(&self) -> &'static str {
        "rms_norm"
    }

    fn cpu_fwd(
        &self,
        x: &CpuStorage,
        xl: &Layout,
        w: &CpuStorage,
        wl: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let (x, w) = (
            super::f32_values(x, xl, "rms_norm")?,
            super::f32_values(w, wl, "rms_norm")?,
        );
        let y = rows(x, w, self.0);
        Ok((CpuStorage::F32(y), xl.shape().clone()))
    }

    /// dx = r·(g ⊙ w) − x · r³/H · Σ(g ⊙ w ⊙ x); dw = Σ over rows of g ⊙ x · r.
    fn bwd(
        &self,
        x: &Tensor,
        w: &Tensor,
        _y: &Tensor,
        g: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>)> {
        let h = w.dim(0)?;
        let ws = w.to_vec1::<f32>()?;
        // x and g in place (copies would be passes on one thread).
        let (x, g) = (x.contiguous()?, g.contiguous()?);
        let ((x_s, x_l), (g_s, g_l)) = (x.storage_and_layout(), g.storage_and_layout());
        let xs = super::storage_values(&x_s, x_l, "rms_norm")?;
        let gs = super::storage_values(&g_s, g_l, "rms_norm")?;
        let chunk = super::rows_per_chunk(h) * h;
        let dx = super::new_chunked(xs.len(), chunk, xs.len() * 8, |i, dc| {
            let at = i * chunk;
            let rows = dc
                .chunks_mut(h)
                .zip(xs[at..].chunks(h))
                .zip(gs[at..].chunks(h));
            for ((dr, xr), gr) in rows {
                let r = inverse_rms(xr, self.0);
                let dot: f64 = xr
                    .iter()
                    .zip(gr)
                    .zip(&ws)
                    .map(|((&x, &g), &w)| (g * w * x) as f64)
                    .sum();
                let c = (dot * (r as f64).powi(3) / h as f64) as f32;
                for (j, d) in dr.iter_mut().enumerate() {
                    *d = r * gr[j] * ws[j] - xr[j] * c;
                }
            }
        });
        // A frozen weight (a fine-tuned model's norms) needs no gradient.
        let mut dw = vec![0f64; h];
        if w.track_op() {
            for (xr, gr) in xs.chunks(h).zip(gs.chunks(h)) {
                let r = inverse_rms(xr, self.0);
                for j in 0..h {
                    dw[j] += (gr[j] * xr[j] * r) as f64;
                }
            }
        }
        let dx = Tensor::from_vec(dx, x.shape(), x.device())?;
        let dw: Vec<f32> = dw.into_iter().map(|v| v as f32).collect();
        let dw = Tensor::from_vec(dw, h, w.device())?;
        Ok((Some(dx), w.track_op().then_some(dw)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::testing::{max_diff, weighted_grads};
    use candle_core::{Device, Var, D};

    #[test]
    fn norm_and_gradients_match_the_composed_ops() {
        let dev = Device::Cpu;
        let x = Var::from_tensor(
            &Tensor::arange(0f32, 24.0, &dev)
                .unwrap()
                .reshape((2, 3, 4))
                .unwrap()
                .affine(0.9, -7.0)
                .unwrap()
                .sin()
                .unwrap(),
        )
        .unwrap();
        let w = Var::new(&[0.5f32, -1.0, 2.0, 1.5], &dev).unwrap();
        let eps = 1e-5;
        let fused = rms_norm(x.as_tensor(), w.as_tensor(), eps)
            .unwrap()
            .unwrap();
        let ms = x.sqr().unwrap().mean_keepdim(D::Minus1).unwrap();
        let composed = x
            .broadcast_div(&(ms + eps as f64).unwrap().sqrt().unwrap())
            .unwrap()
            .broadcast_mul(w.as_tensor())
            .unwrap();
        assert!(max_diff(&fused, &composed) < 1e-5);
        let weights = Tensor::arange(0f32, 24.0, &dev)
            .unwrap()
            .reshape((2, 3, 4))
            .unwrap()
            .cos()
            .unwrap();
        let grads = |y: &Tensor| weighted_grads(y, &weights);
        let (gf, gc) = (grads(&fused), grads(&composed));
        for v in [x.as_tensor(), w.as_tensor()] {
            let (a, b) = (gf.get(v).unwrap(), gc.get(v).unwrap());
            assert!(max_diff(a, b) < 1e-4, "{a} vs {b}");
        }
    }
}
