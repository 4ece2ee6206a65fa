//! Losses, per sample, as METHODS.md defines them. Each returns an (n,) tensor of per-sample
//! losses that keeps the autograd graph; [`reduce`] applies optional per-sample weights.

pub mod bindings;
pub mod reweight;

use crate::bail;
use crate::error::Result;
use crate::kernels::quantile::quantile;
use crate::tensor::ops::{log_softmax, softmax};
use candle_core::{DType, Tensor};

/// Checks that hard labels fit the logits: a label out of range is named with its row.
pub fn check_labels(logits: &Tensor, y: &Tensor, op: &str) -> Result<()> {
    let (n, k) = logits.dims2().map_err(|_| {
        crate::error::Error::new(format!(
            "{op}: logits must be 2-D (rows × classes), got shape {:?}",
            logits.dims()
        ))
    })?;
    if y.rank() != 1 || y.dims()[0] != n {
        bail!(
            "{op}: logits of shape {:?} need one label per row, got labels of shape {:?}",
            logits.dims(),
            y.dims()
        );
    }
    let labels = y.to_dtype(DType::F64)?.to_vec1::<f64>()?;
    if let Some((i, v)) = labels
        .iter()
        .enumerate()
        .find(|(_, &v)| v < 0.0 || v >= k as f64 || v.fract() != 0.0)
    {
        bail!(
            "{op}: label {v} in row {i} is out of range for {k} classes (logits shape {:?})",
            logits.dims()
        );
    }
    Ok(())
}

fn check_soft(logits: &Tensor, target: &Tensor, op: &str) -> Result<()> {
    if logits.dims() != target.dims() || logits.rank() != 2 {
        bail!("{op}: logits of shape {:?} and soft targets of shape {:?} must both be (rows × classes) and equal", logits.dims(), target.dims());
    }
    Ok(())
}

fn pick(t: &Tensor, y: &Tensor) -> Result<Tensor> {
    Ok(t.gather(&y.to_dtype(DType::U32)?.unsqueeze(1)?, 1)?
        .squeeze(1)?)
}

/// −log softmax(z)[y]: one fused op on f32 CPU logits, candle's ops elsewhere.
pub fn cross_entropy(logits: &Tensor, y: &Tensor) -> Result<Tensor> {
    if let Some(loss) = crate::kernels::cross_entropy::cross_entropy(logits, y)? {
        return Ok(loss);
    }
    Ok(pick(&log_softmax(logits, 1)?, y)?.neg()?)
}

/// −Σ_c target_c · log softmax(z)_c
pub fn soft_cross_entropy(logits: &Tensor, target: &Tensor) -> Result<Tensor> {
    check_soft(logits, target, "soft_cross_entropy")?;
    Ok(target
        .to_dtype(logits.dtype())?
        .mul(&log_softmax(logits, 1)?)?
        .sum(1)?
        .neg()?)
}

/// Hinton et al.: α·T²·KL(softmax(t/T) ‖ softmax(s/T)) + (1−α)·CE(y, softmax(s)).
/// Without hard labels only the KD term is used (α is then ignored).
pub fn distillation(
    student: &Tensor,
    teacher: &Tensor,
    temperature: f64,
    alpha: f64,
    y: Option<&Tensor>,
) -> Result<Tensor> {
    check_soft(student, teacher, "kd_loss")?;
    if temperature <= 0.0 {
        bail!("kd_loss: temperature must be positive, got {temperature}");
    }
    let t = teacher.detach().affine(1.0 / temperature, 0.0)?;
    let log_pt = log_softmax(&t, 1)?;
    let pt = log_pt.exp()?;
    let log_ps = log_softmax(&student.affine(1.0 / temperature, 0.0)?, 1)?;
    let kl = pt.mul(&log_pt.sub(&log_ps)?)?.sum(1)?;
    let kd = kl.affine(temperature * temperature, 0.0)?;
    match y {
        Some(y) => {
            Ok((kd.affine(alpha, 0.0)? + cross_entropy(student, y)?.affine(1.0 - alpha, 0.0)?)?)
        }
        None => Ok(kd),
    }
}

/// The auxiliary-confidence coefficient at a step: aux_coef · min(1, step_frac / warmup_frac)
/// (a linear ramp; the reference code jumps from 0.05 to 0.5 at the end of warm-up).
pub fn confidence_coef(step: usize, total_steps: usize, aux_coef: f64, warmup_frac: f64) -> f64 {
    let frac = step as f64 / total_steps.max(1) as f64;
    let ramp = if warmup_frac > 0.0 {
        (frac / warmup_frac).min(1.0)
    } else {
        1.0
    };
    aux_coef * ramp
}

/// Burns et al.'s auxiliary confidence loss ("logconf") with coefficient `coef`:
/// target = (1 − coef)·weak + coef·hard, hard = the model's own thresholded predictions
/// (binary: p0 ≥ quantile of p0 at the weak labels' mean class-1 rate → class 0; more classes:
/// argmax), detached. Loss = CE(logits, target).
pub fn confidence(logits: &Tensor, weak: &Tensor, coef: f64) -> Result<Tensor> {
    check_soft(logits, weak, "w2s_loss")?;
    let (n, k) = logits.dims2()?;
    let p = softmax(&logits.detach(), 1)?;
    let hard: Vec<u32> = if k == 2 {
        let p0 = p
            .narrow(1, 0, 1)?
            .flatten_all()?
            .to_dtype(DType::F32)?
            .to_vec1::<f32>()?;
        let rate1 = weak
            .narrow(1, 1, 1)?
            .to_dtype(DType::F64)?
            .mean_all()?
            .to_scalar::<f64>()?;
        let p0_f64: Vec<f64> = p0.iter().map(|&x| x as f64).collect();
        let Some(t) = quantile(&p0_f64, rate1) else {
            bail!("w2s_loss: no rows");
        };
        p0.iter()
            .map(|&v| if v as f64 >= t { 0 } else { 1 })
            .collect()
    } else {
        p.argmax(1)?.to_vec1::<u32>()?
    };
    let hard = Tensor::from_vec(hard, n, logits.device())?;
    let onehot = one_hot(&hard, k)?.to_dtype(logits.dtype())?;
    let target =
        (weak.to_dtype(logits.dtype())?.affine(1.0 - coef, 0.0)? + onehot.affine(coef, 0.0)?)?;
    soft_cross_entropy(logits, &target)
}

/// The "product" loss: target ∝ p^β · weak^α, normalised and detached; CE to it.
pub fn product(logits: &Tensor, weak: &Tensor, alpha: f64, beta: f64) -> Result<Tensor> {
    check_soft(logits, weak, "product_loss")?;
    let p = softmax(&logits.detach(), 1)?;
    let w = weak.to_dtype(logits.dtype())?;
    let target = p.powf(beta)?.mul(&w.powf(alpha)?)?;
    let target = target.broadcast_div(&target.sum_keepdim(1)?)?.detach();
    soft_cross_entropy(logits, &target)
}

/// Focal loss: −α_t·(1 − p_t)^γ·log p_t. Two classes: α_t = α for class 1 and 1 − α for
/// class 0 (torchvision's convention); more classes: α_t = α.
pub fn focal(logits: &Tensor, y: &Tensor, gamma: f64, alpha: f64) -> Result<Tensor> {
    let (n, k) = logits.dims2()?;
    let log_pt = pick(&log_softmax(logits, 1)?, y)?;
    let pt = log_pt.exp()?;
    let modulator = pt.affine(-1.0, 1.0)?.relu()?.powf(gamma)?;
    let alpha_t = if k == 2 {
        let yf = y.to_dtype(logits.dtype())?;
        yf.affine(2.0 * alpha - 1.0, 1.0 - alpha)?
    } else {
        Tensor::full(alpha as f32, n, logits.device())?.to_dtype(logits.dtype())?
    };
    Ok(alpha_t.mul(&modulator)?.mul(&log_pt)?.neg()?)
}

/// de Brébisson & Vincent's Z-loss: z = (o − mean(o)) / std(o) over classes (population std),
/// L = (1/a)·log(1 + exp(a·(b − z_y))). (Not PaLM's logsumexp² penalty.)
pub fn z_loss(logits: &Tensor, y: &Tensor, a: f64, b: f64) -> Result<Tensor> {
    if a <= 0.0 {
        bail!("z_loss: a must be positive, got {a}");
    }
    let mean = logits.mean_keepdim(1)?;
    let centred = logits.broadcast_sub(&mean)?;
    let std = (centred.sqr()?.mean_keepdim(1)? + 1e-12)?.sqrt()?;
    let z = centred.broadcast_div(&std)?;
    let zy = pick(&z, y)?;
    let u = zy.affine(-a, a * b)?;
    Ok(softplus(&u)?.affine(1.0 / a, 0.0)?)
}

/// log(1 + e^u), stable for large |u|.
fn softplus(u: &Tensor) -> Result<Tensor> {
    // max(u, 0) + log(1 + e^{-|u|})
    Ok((u.relu()? + (u.abs()?.neg()?.exp()? + 1.0)?.log()?)?)
}

/// InfoNCE (Contriever): CE(q·kᵀ / τ, index of the positive), where row i of `k` is the
/// positive for row i of `q` and every other row is a negative.
pub fn info_nce(q: &Tensor, k: &Tensor, tau: f64) -> Result<Tensor> {
    if q.rank() != 2 || k.rank() != 2 || q.dims()[1] != k.dims()[1] || k.dims()[0] < q.dims()[0] {
        bail!("info_nce: queries {:?} and keys {:?} must be (n × d) and (m × d) with m ≥ n (key i is query i's positive)", q.dims(), k.dims());
    }
    if tau <= 0.0 {
        bail!("info_nce: temperature must be positive, got {tau}");
    }
    let scores = q.matmul(&k.t()?)?.affine(1.0 / tau, 0.0)?;
    let targets = Tensor::arange(0u32, q.dims()[0] as u32, q.device())?;
    cross_entropy(&scores, &targets)
}

/// Weighted mean Σ wᵢℓᵢ / Σ wᵢ (plain mean without weights). Weights that sum to 1 (as the
/// reweighting strategies make) give Σ wᵢℓᵢ.
pub fn reduce(per_sample: &Tensor, weights: Option<&Tensor>) -> Result<Tensor> {
    match weights {
        None => Ok(per_sample.mean_all()?),
        Some(w) => {
            if w.dims() != per_sample.dims() {
                bail!(
                    "loss: {} weights for {} samples",
                    w.elem_count(),
                    per_sample.elem_count()
                );
            }
            let w = w.to_dtype(per_sample.dtype())?;
            let total = w.sum_all()?;
            Ok(per_sample.mul(&w)?.sum_all()?.div(&total)?)
        }
    }
}

pub fn one_hot(y: &Tensor, k: usize) -> Result<Tensor> {
    let n = y.dims()[0];
    let labels = y.to_dtype(DType::U32)?.to_vec1::<u32>()?;
    let mut v = vec![0f32; n * k];
    for (i, &l) in labels.iter().enumerate() {
        v[i * k + l as usize] = 1.0;
    }
    Ok(Tensor::from_vec(v, (n, k), y.device())?)
}

#[cfg(test)]
mod tests;
