//! Layer normalisation over the last axis for f32 CPU tensors as one candle custom op with its
//! backward: y = (x − mean) / √(var + eps) · γ + β.
//!
//! Why: composed from candle ops it is nine nodes per call, and autograd gives each a
//! zero-filled gradient and a sum; γ's and β's gradients are strided reductions over every
//! row, slow in candle. Here each row is one pass forward and one backward (the normalised
//! values are recomputed from x rather than stored).

use candle_core::{CpuStorage, CustomOp3, Device, Layout, Result, Shape, Tensor};

/// `None` when the tensors are not f32 on the CPU, or γ and β are not vectors of x's last size.
pub fn layer_norm(x: &Tensor, gamma: &Tensor, beta: &Tensor, eps: f32) -> Result<Option<Tensor>> {
    let ok = super::takes_kernels;
    let d = x.dims().last().copied().unwrap_or(0);
    if !(ok(x) && ok(gamma) && ok(beta)) || d == 0 || gamma.dims() != [d] || beta.dims() != [d] {
        return Ok(None);
    }
    let (x, gamma, beta) = (x.contiguous()?, gamma.contiguous()?, beta.contiguous()?);
    Ok(Some(x.apply_op3(&gamma, &beta, LayerNorm { eps })?))
}

struct LayerNorm {
    eps: f32,
}

/// (mean, 1/√(var + eps)) of one row.
fn stats(row: &[f32], eps: f32) -> (f32, f32) {
    let n = row.len() as f32;
    let mean = row.iter().sum::<f32>() / n;
    let var = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / n;
    (mean, 1.0 / (var + eps).sqrt())
}

fn f32s<'a>(s: &'a CpuStorage, l: &Layout) -> Result<&'a [f32]> {
    super::gelu::contiguous_f32("layer_norm", s, l)
}

impl CustomOp3 for LayerNorm {
    fn name(&self) -> &'static str {
        "layer_norm"
    }

    fn cpu_fwd(
        &self,
        xs: &CpuStorage,
        xl: &Layout,
        gs: &CpuStorage,
        gl: &Layout,
        bs: &CpuStorage,
        bl: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let (x, gamma, beta) = (f32s(xs, xl)?, f32s(gs, gl)?, f32s(bs, bl)?);
        let d = gamma.len();
        let norm = |(o, row): (&mut [f32], &[f32])| {
            let (mean, rstd) = stats(row, self.eps);
            for (o, (v, (g, b))) in o.iter_mut().zip(row.iter().zip(gamma.iter().zip(beta))) {
                *o = (v - mean) * rstd * g + b;
            }
        };
        // Runs of whole rows (about 8,192 values, so each is worth sending to a thread) split
        // over the threads; a value costs about 8 multiply-adds.
        let rows = (1 << 13) / d + 1;
        let out = super::new_chunked(x.len(), rows * d, x.len() * 8, |i, o| {
            let x = &x[i * rows * d..][..o.len()];
            o.chunks_mut(d).zip(x.chunks(d)).for_each(norm)
        });
        Ok((CpuStorage::F32(out), xl.shape().clone()))
    }

    fn bwd(
        &self,
        x: &Tensor,
        gamma: &Tensor,
        _beta: &Tensor,
        _out: &Tensor,
        dy: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let dy = dy.contiguous()?;
        let (xs, xl) = x.storage_and_layout();
        let (gs, gl) = gamma.storage_and_layout();
        let (ds, dl) = dy.storage_and_layout();
        let (xv, gv, dyv) = (
            super::storage_values(&xs, xl, "layer_norm")?,
            super::storage_values(&gs, gl, "layer_norm")?,
            super::storage_values(&ds, dl, "layer_norm")?,
        );
        let d = gv.len();
        // Rows are independent: chunks of them go to the threads, each chunk keeping its own
        // sums for dγ and dβ, added up in chunk order afterwards (the same result on any
        // number of threads).
        let chunk = super::rows_per_chunk(d) * d;
        let sums: Vec<std::sync::OnceLock<(Vec<f32>, Vec<f32>)>> =
            (0..xv.len().div_ceil(chunk.max(1)))
                .map(|_| Default::default())
                .collect();
        let dx = super::new_chunked(xv.len(), chunk, xv.len() * 8, |c, dxc| {
            let at = c * chunk;
            let (mut dgamma, mut dbeta, mut xhat) = (vec![0f32; d], vec![0f32; d], vec![0f32; d]);
            let rows = dxc
                .chunks_mut(d)
                .zip(xv[at..].chunks(d))
                .zip(dyv[at..].chunks(d));
            for ((dxr, row), g) in rows {
                let (mean, rstd) = stats(row, self.eps);
                xhat.iter_mut()
                    .zip(row)
                    .for_each(|(h, v)| *h = (v - mean) * rstd);
                let (mut sum_g, mut sum_gx) = (0.0f32, 0.0f32);
                for i in 0..d {
                    dbeta[i] += g[i];
                    dgamma[i] += g[i] * xhat[i];
                    let gh = g[i] * gv[i];
                    sum_g += gh;
                    sum_gx += gh * xhat[i];
                }
                let (mg, mgx) = (sum_g / d as f32, sum_gx / d as f32);
                for (i, o) in dxr.iter_mut().enumerate() {
                    *o = rstd * (g[i] * gv[i] - mg - xhat[i] * mgx);
                }
            }
            let _ = sums[c].set((dgamma, dbeta));
        });
        let (mut dgamma, mut dbeta) = (vec![0f32; d], vec![0f32; d]);
        for (g, b) in sums.iter().filter_map(|s| s.get()) {
            dgamma.iter_mut().zip(g).for_each(|(a, v)| *a += v);
            dbeta.iter_mut().zip(b).for_each(|(a, v)| *a += v);
        }
        let dev = Device::Cpu;
        Ok((
            Some(Tensor::from_vec(dx, x.shape(), &dev)?),
            Some(Tensor::from_vec(dgamma, d, &dev)?),
            Some(Tensor::from_vec(dbeta, d, &dev)?),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Var, D};

    /// The same normalisation from candle's ops.
    fn composed(x: &Tensor, gamma: &Tensor, beta: &Tensor) -> Tensor {
        let mean = x.mean_keepdim(D::Minus1).unwrap();
        let centred = x.broadcast_sub(&mean).unwrap();
        let var = centred.sqr().unwrap().mean_keepdim(D::Minus1).unwrap();
        let std = (var + 1e-5).unwrap().sqrt().unwrap();
        let y = centred
            .broadcast_div(&std)
            .unwrap()
            .broadcast_mul(gamma)
            .unwrap();
        y.broadcast_add(beta).unwrap()
    }

    #[test]
    fn values_and_gradients_match_the_composed_ops() {
        // (3, 500, 32): three chunks of rows, whose dγ and dβ sums are added up.
        for (b, l, d) in [(2, 3, 8), (3, 500, 32)] {
            check_against_composed(b, l, d);
        }
    }

    fn check_against_composed(b: usize, l: usize, d: usize) {
        let mut rng = crate::rng::Rng::new(5);
        let mut var = |dims: &[usize], mean: f32| {
            let n = dims.iter().product();
            let t = Tensor::from_vec(rng.normal_vec(n, mean, 1.0), dims, &Device::Cpu).unwrap();
            Var::from_tensor(&t).unwrap()
        };
        let (x, gamma, beta) = (var(&[b, l, d], 3.0), var(&[d], 1.0), var(&[d], 0.0));
        let weights = Tensor::arange(0f32, (b * l * d) as f32, &Device::Cpu)
            .unwrap()
            .reshape((b, l, d))
            .unwrap()
            .affine(0.1 / (b * l) as f64, -2.0)
            .unwrap();
        let loss = |y: &Tensor| y.mul(&weights).unwrap().sum_all().unwrap();
        let ours = layer_norm(&x, &gamma, &beta, 1e-5).unwrap().unwrap();
        let theirs = composed(&x, &gamma, &beta);
        let close = |a: &Tensor, b: &Tensor, what: &str| {
            // Relative to the values' scale: dγ and dβ are sums over every row.
            let max = |t: &Tensor| {
                t.abs()
                    .unwrap()
                    .max_all()
                    .unwrap()
                    .to_scalar::<f32>()
                    .unwrap()
            };
            let diff = max(&(a - b).unwrap()) / max(b).max(1.0);
            assert!(diff < 1e-5, "{what} differs by {diff} of its scale");
        };
        close(&ours, &theirs, "output");
        let (g1, g2) = (
            loss(&ours).backward().unwrap(),
            loss(&theirs).backward().unwrap(),
        );
        for (t, name) in [(&x, "dx"), (&gamma, "dγ"), (&beta, "dβ")] {
            let ours = g1
                .get(t)
                .unwrap_or_else(|| panic!("no {name} from the fused op"));
            let theirs = g2
                .get(t)
                .unwrap_or_else(|| panic!("no {name} from candle's ops"));
            close(ours, theirs, name);
        }
    }
}
