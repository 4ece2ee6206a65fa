//! Cross-entropy of f32 logits against class indices as one op with its own backward pass:
//! per row, loss = log Σ exp(z) − z[y]; d loss / dz = softmax(z) − onehot(y).
//!
//! Why: composed from candle's ops (max, subtract, exp, sum, log, gather), the loss and its
//! gradient are a dozen full passes over the logits, each gradient first written as zeros and
//! then added to. A language model's next-token loss has 49,152 logits a position, so those
//! passes were a fifth of a LoRA training step.

use candle_core::{CpuStorage, CustomOp2, DType, Layout, Result, Shape, Tensor};

/// Per-row losses (rows) of logits (rows × classes, f32 CPU) against labels (rows, any integer
/// or float type holding class indices); `None` where the op does not apply (the caller
/// composes candle's ops).
pub fn cross_entropy(logits: &Tensor, labels: &Tensor) -> Result<Option<Tensor>> {
    if !super::takes_kernels(logits) || logits.rank() != 2 {
        return Ok(None);
    }
    let labels = labels.to_dtype(DType::U32)?;
    Ok(Some(logits.contiguous()?.apply_op2(&labels, CrossEntropy)?))
}

struct CrossEntropy;

/// Logits per rayon task (whole rows).
const ROWS_PER_TASK_LOGITS: usize = 1 << 15;

fn slices<'a>(
    z: &'a CpuStorage,
    zl: &Layout,
    y: &'a CpuStorage,
    yl: &Layout,
) -> Result<(&'a [f32], &'a [u32], usize)> {
    let (CpuStorage::F32(z), CpuStorage::U32(y)) = (z, y) else {
        candle_core::bail!("cross_entropy: expected f32 logits and u32 labels")
    };
    let (rows, classes) = zl.shape().dims2()?;
    let z = &z[zl.start_offset()..][..rows * classes];
    let y = match yl.contiguous_offsets() {
        Some((a, b)) => &y[a..b],
        None => candle_core::bail!("cross_entropy: labels must be contiguous"),
    };
    if y.len() != rows {
        candle_core::bail!(
            "cross_entropy: {} labels for {rows} rows of logits",
            y.len()
        );
    }
    if let Some(bad) = y.iter().find(|&&c| c as usize >= classes) {
        candle_core::bail!("cross_entropy: label {bad} is not one of the {classes} classes");
    }
    Ok((z, y, classes))
}

/// log Σ exp(row), compiled for AVX2 where the CPU has it (the baseline x86-64 target has no
/// vector `floor`, so `exp` would stay scalar).
pub(super) fn log_sum_exp(row: &[f32]) -> f32 {
    #[cfg(target_arch = "x86_64")]
    if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
        // Safety: the CPU has the features.
        return unsafe { log_sum_exp_avx2(row) };
    }
    log_sum_exp_lanes(row)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn log_sum_exp_avx2(row: &[f32]) -> f32 {
    log_sum_exp_lanes(row)
}

/// row ← g · (exp(row − lse) − onehot(c)): the gradient of one row's loss.
pub(super) fn row_gradient(row: &mut [f32], lse: f32, g: f32, c: usize) {
    #[cfg(target_arch = "x86_64")]
    if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
        // Safety: the CPU has the features.
        return unsafe { row_gradient_avx2(row, lse, g, c) };
    }
    row_gradient_plain(row, lse, g, c)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn row_gradient_avx2(row: &mut [f32], lse: f32, g: f32, c: usize) {
    row_gradient_plain(row, lse, g, c)
}

#[inline(always)]
fn row_gradient_plain(row: &mut [f32], lse: f32, g: f32, c: usize) {
    row.iter_mut()
        .for_each(|v| *v = g * super::exp::exp((*v - lse).min(0.0)));
    row[c] -= g;
}

/// log Σ exp(row), in eight lanes so that the loops vectorise.
#[inline(always)]
fn log_sum_exp_lanes(row: &[f32]) -> f32 {
    let lanes = row.chunks_exact(8);
    let tail = lanes.remainder();
    let mut m = [f32::NEG_INFINITY; 8];
    for c in lanes.clone() {
        for k in 0..8 {
            m[k] = m[k].max(c[k]);
        }
    }
    let max = m
        .iter()
        .chain(tail)
        .fold(f32::NEG_INFINITY, |a, &b| a.max(b));
    // exp into a buffer first: the loop vectoriser handles an element-wise loop, while lanes
    // of sums of an inlined exp stayed scalar (4 ns a logit).
    let mut buf = [0f32; 256];
    let mut s = [0f32; 8];
    for chunk in row.chunks(256) {
        let buf = &mut buf[..chunk.len()];
        for (b, &v) in buf.iter_mut().zip(chunk) {
            *b = super::exp::exp(v - max);
        }
        let lanes = buf.chunks_exact(8);
        for &t in lanes.remainder() {
            s[0] += t;
        }
        for c in lanes {
            for k in 0..8 {
                s[k] += c[k];
            }
        }
    }
    let sum: f32 = s.iter().sum();
    max + sum.ln()
}

fn rows_per_task(classes: usize) -> usize {
    (ROWS_PER_TASK_LOGITS / classes.max(1)).max(1)
}

impl CustomOp2 for CrossEntropy {
    fn name(&self) -> &'static str {
        "cross_entropy"
    }

    fn cpu_fwd(
        &self,
        z: &CpuStorage,
        zl: &Layout,
        y: &CpuStorage,
        yl: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let (z, y, classes) = slices(z, zl, y, yl)?;
        let mut loss = vec![0f32; y.len()];
        let per = rows_per_task(classes);
        super::for_chunks(&mut loss, per, z.len() * 8, |t, l| {
            let rows = z[t * per * classes..].chunks(classes);
            for ((l, row), &c) in l.iter_mut().zip(rows).zip(&y[t * per..]) {
                *l = log_sum_exp(row) - row[c as usize];
            }
        });
        let n = loss.len();
        Ok((CpuStorage::F32(loss), Shape::from(n)))
    }

    fn bwd(
        &self,
        z: &Tensor,
        y: &Tensor,
        loss: &Tensor,
        g: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>)> {
        let (rows, classes) = z.dims2()?;
        let zs = z.flatten_all()?.to_vec1::<f32>()?;
        let ys = y.to_vec1::<u32>()?;
        let losses = loss.to_vec1::<f32>()?;
        let gs = g.to_dtype(DType::F32)?.to_vec1::<f32>()?;
        let mut dz = zs;
        let per = rows_per_task(classes);
        let cost = dz.len() * 8;
        super::for_chunks(&mut dz, per * classes, cost, |t, block| {
            for (i, row) in block.chunks_mut(classes).enumerate() {
                let r = t * per + i;
                let c = ys[r] as usize;
                // log Σ exp(z) = loss + z[y].
                let lse = losses[r] + row[c];
                row_gradient(row, lse, gs[r], c);
            }
        });
        let dz = Tensor::from_vec(dz, (rows, classes), z.device())?;
        Ok((Some(dz), None))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::testing::{max_diff, weighted_grads};
    use candle_core::{Device, Var};

    #[test]
    fn loss_and_gradient_match_the_composed_ops() {
        let dev = Device::Cpu;
        let z = Var::from_tensor(
            &Tensor::arange(0f32, 15.0, &dev)
                .unwrap()
                .reshape((3, 5))
                .unwrap()
                .affine(0.7, -4.0)
                .unwrap()
                .sin()
                .unwrap()
                .affine(9.0, 0.0)
                .unwrap(),
        )
        .unwrap();
        let y = Tensor::new(&[4u32, 0, 2], &dev).unwrap();
        let weights = Tensor::new(&[1f32, 2.0, 0.5], &dev).unwrap();
        let fused = cross_entropy(z.as_tensor(), &y).unwrap().unwrap();
        let composed = candle_nn::ops::log_softmax(z.as_tensor(), 1)
            .unwrap()
            .gather(&y.unsqueeze(1).unwrap(), 1)
            .unwrap()
            .squeeze(1)
            .unwrap()
            .neg()
            .unwrap();
        assert!(max_diff(&fused, &composed) < 1e-5);
        let (gf, gc) = (
            weighted_grads(&fused, &weights),
            weighted_grads(&composed, &weights),
        );
        let (a, b) = (gf.get(&z).unwrap(), gc.get(&z).unwrap());
        assert!(max_diff(a, b) < 1e-5, "{a} vs {b}");
    }

    #[test]
    fn a_label_outside_the_classes_is_an_error() {
        let z = Tensor::zeros((2, 3), DType::F32, &candle_core::Device::Cpu).unwrap();
        let y = Tensor::new(&[0u32, 3], &candle_core::Device::Cpu).unwrap();
        let e = cross_entropy(&z, &y).unwrap_err().to_string();
        assert!(e.contains("label 3") && e.contains("3 classes"), "{e}");
    }
}
