//! The `loss` Rhai module. Every loss takes logits (rows × classes) and returns a 0-d tensor
//! that keeps the autograd graph (pass it to an optimiser's `step`), or per-sample losses
//! with `reduction: "none"`. Option `weights` gives per-sample weights (Σwℓ / Σw).

use super::reweight::{weights, Strategy};
use super::{
    check_labels, confidence, confidence_coef, cross_entropy, distillation, focal, info_nce,
    product, reduce, soft_cross_entropy, z_loss,
};
use crate::error::RhaiResult;
use crate::opts::Opts;
use crate::reg;
use crate::tensor::build::from_dynamic;
use crate::tensor::Tensor;
use ladder_scripting::rhai::{Dynamic, Engine, Map, FLOAT};
use ladder_scripting::Renderers;

fn tensor(v: Dynamic, what: &str) -> RhaiResult<candle_core::Tensor> {
    Ok(from_dynamic(&v, None)
        .map_err(|e| format!("{what}: {e}"))?
        .0)
}

fn float_logits(t: &Tensor) -> RhaiResult<candle_core::Tensor> {
    Ok(if t.dtype().is_float() {
        t.0.clone()
    } else {
        t.to_dtype(candle_core::DType::F32)
            .map_err(crate::error::Error::from)?
    })
}

/// Apply `weights` and `reduction` options, check no option is unknown.
fn finish(per_sample: candle_core::Tensor, mut o: Opts) -> RhaiResult<Tensor> {
    let w = o.raw("weights").map(|w| tensor(w, "weights")).transpose()?;
    let reduction = o.string("reduction", "mean")?;
    o.finish()?;
    match reduction.as_str() {
        "none" => Ok(Tensor(per_sample)),
        "mean" => Ok(Tensor(reduce(&per_sample, w.as_ref())?)),
        other => {
            Err(format!("loss: reduction must be \"mean\" or \"none\", got \"{other}\"").into())
        }
    }
}

/// Hard labels (integers, 1-D) or soft targets (floats, 2-D).
fn ce(logits: &Tensor, target: Dynamic, o: Opts) -> RhaiResult<Tensor> {
    let z = float_logits(logits)?;
    let t = tensor(target, "cross_entropy target")?;
    let per = if t.rank() == 2 && t.dtype().is_float() {
        soft_cross_entropy(&z, &t)?
    } else {
        check_labels(&z, &t, "cross_entropy")?;
        cross_entropy(&z, &t)?
    };
    finish(per, o)
}

fn labels(z: &candle_core::Tensor, y: Dynamic, op: &str) -> RhaiResult<candle_core::Tensor> {
    let y = tensor(y, op)?;
    check_labels(z, &y, op)?;
    Ok(y)
}

pub fn register(engine: &mut Engine, _renderers: &mut Renderers) {
    reg!(engine, "cross_entropy", ["logits: Tensor", "target: Tensor", "Tensor"],
        "Mean cross-entropy to hard labels (1-D integers) or soft targets (rows × classes probabilities).",
        |z: Tensor, t: Dynamic| ce(&z, t, Opts::empty("cross_entropy")));
    reg!(
        engine,
        "cross_entropy",
        ["logits: Tensor", "target: Tensor", "options: Map", "Tensor"],
        "Cross-entropy. Options: `weights` (per-sample), `reduction` (\"mean\" or \"none\").",
        |z: Tensor, t: Dynamic, o: Map| ce(&z, t, Opts::new("cross_entropy", o))
    );
    reg!(engine, "kd_loss", ["student: Tensor", "teacher: Tensor", "options: Map", "Tensor"],
        "Knowledge distillation (Hinton et al. 2015): α·T²·KL(softmax(t/T) ‖ softmax(s/T)) + (1−α)·CE(y, s).\nOptions: `temperature` (2.0), `alpha` (0.5; 1.0 without `labels`), `labels`, `weights`, `reduction`.",
        |s: Tensor, t: Tensor, o: Map| -> RhaiResult<Tensor> {
            let mut o = Opts::new("kd_loss", o);
            let z = float_logits(&s)?;
            let y = o.raw("labels").map(|y| labels(&z, y, "kd_loss labels")).transpose()?;
            let temp = o.float("temperature", 2.0)?;
            let alpha = o.float("alpha", if y.is_some() { 0.5 } else { 1.0 })?;
            finish(distillation(&z, &float_logits(&t)?, temp, alpha, y.as_ref())?, o)
        });
    reg!(engine, "w2s_loss", ["logits: Tensor", "weak: Tensor", "options: Map", "Tensor"],
        "Burns et al.'s auxiliary confidence loss: CE to (1−c)·weak + c·(own thresholded predictions), c = aux_coef·min(1, step_frac/warmup_frac) (a linear ramp; the reference code jumps at the end of warm-up). Multi-class: own argmax.\nOptions: `step`, `total_steps` (coefficient schedule; or give `coef` directly), `aux_coef` (0.5), `warmup_frac` (0.1), `weights`, `reduction`.",
        |z: Tensor, w: Tensor, o: Map| -> RhaiResult<Tensor> {
            let mut o = Opts::new("w2s_loss", o);
            let coef = match o.raw("coef") {
                Some(c) => c.as_float().or_else(|_| c.as_int().map(|i| i as f64)).map_err(|t| format!("w2s_loss: coef must be a number, got {t}"))?,
                None => {
                    let (step, total) = (o.usize("step", 0)?, o.usize("total_steps", 1)?);
                    confidence_coef(step, total, o.float("aux_coef", 0.5)?, o.float("warmup_frac", 0.1)?)
                }
            };
            finish(confidence(&float_logits(&z)?, &w.0, coef)?, o)
        });
    reg!(engine, "product_loss", ["logits: Tensor", "weak: Tensor", "options: Map", "Tensor"],
        "The product loss: CE to target ∝ p^β · weak^α (normalised, detached). Options: `alpha` (1), `beta` (1), `weights`, `reduction`.",
        |z: Tensor, w: Tensor, o: Map| -> RhaiResult<Tensor> {
            let mut o = Opts::new("product_loss", o);
            let (a, b) = (o.float("alpha", 1.0)?, o.float("beta", 1.0)?);
            finish(product(&float_logits(&z)?, &w.0, a, b)?, o)
        });
    reg!(engine, "focal_loss", ["logits: Tensor", "labels: Tensor", "options: Map", "Tensor"],
        "Focal loss −α_t·(1−p_t)^γ·log p_t. Options: `gamma` (2), `alpha` (0.25; two classes: α for class 1, 1−α for class 0), `weights`, `reduction`.",
        |z: Tensor, y: Dynamic, o: Map| -> RhaiResult<Tensor> {
            let mut o = Opts::new("focal_loss", o);
            let zt = float_logits(&z)?;
            let y = labels(&zt, y, "focal_loss")?;
            let (g, a) = (o.float("gamma", 2.0)?, o.float("alpha", 0.25)?);
            finish(focal(&zt, &y, g, a)?, o)
        });
    reg!(engine, "z_loss", ["logits: Tensor", "labels: Tensor", "options: Map", "Tensor"],
        "de Brébisson & Vincent's Z-loss: (1/a)·log(1 + exp(a·(b − z_y))), z = logits standardised over classes. Options: `a` (1), `b` (1) — the paper tunes both; `weights`, `reduction`. (Not PaLM's logsumexp² z-loss.)",
        |z: Tensor, y: Dynamic, o: Map| -> RhaiResult<Tensor> {
            let mut o = Opts::new("z_loss", o);
            let zt = float_logits(&z)?;
            let y = labels(&zt, y, "z_loss")?;
            let (a, b) = (o.float("a", 1.0)?, o.float("b", 1.0)?);
            finish(z_loss(&zt, &y, a, b)?, o)
        });
    reg!(engine, "info_nce", ["queries: Tensor", "keys: Tensor", "tau: float", "Tensor"],
        "InfoNCE (Contriever): CE(q·kᵀ/τ, i) — key i is query i's positive, other keys are negatives. Contriever uses τ = 0.05 on mean-pooled embeddings.",
        |q: Tensor, k: Tensor, tau: FLOAT| -> RhaiResult<Tensor> { Ok(Tensor(reduce(&info_nce(&float_logits(&q)?, &float_logits(&k)?, tau)?, None)?)) });
    reg!(engine, "reweight", ["losses: Tensor", "strategy: string", "r: float", "Tensor"],
        "Loss-based sample weights (Sow et al. 2025): losses min–max normalised into [−1, 1], strategy \"lin_upper\" (min(ℓ̃+1, 1), best), \"quadratic\" (1−ℓ̃²) or \"extremes\" (|ℓ̃|); weights = softmax(f/r), summing to 1, no gradient.",
        |l: Tensor, s: &str, r: FLOAT| -> RhaiResult<Tensor> {
            let v = crate::tensor::ops::to_vec_f32(&l.detach())?;
            let n = v.len();
            Ok(Tensor(candle_core::Tensor::from_vec(weights(&v, Strategy::parse(s)?, r, 1.0)?, n, l.device()).map_err(crate::error::Error::from)?))
        });
}
