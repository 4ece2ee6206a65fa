//! The `loss` Rhai module. Every loss takes logits (rows × classes) and returns a 0-d tensor
//! that keeps the autograd graph (pass it to an optimiser's `step`), or per-sample losses
//! with `reduction: "none"`. Option `weights` gives per-sample weights (Σwℓ / Σw).

use super::reweight::{weights, Strategy};
use super::{
    check_labels, confidence, confidence_coef, cross_entropy, distillation, focal, info_nce,
    product, reduce, soft_cross_entropy, z_loss,
};
use crate::bind;
use crate::error::RhaiResult;
use crate::opts::Opts;
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
    bind!(engine,
        /// Mean cross-entropy to hard labels (1-D integers) or soft targets (rows × classes probabilities).
        fn cross_entropy(logits: Tensor, target: Dynamic as "Tensor") -> RhaiResult<Tensor> { ce(&logits, target, Opts::empty("cross_entropy")) }

        /// Cross-entropy. Options: `weights` (per-sample), `reduction` ("mean" or "none").
        fn cross_entropy(logits: Tensor, target: Dynamic as "Tensor", options: Map) -> RhaiResult<Tensor> { ce(&logits, target, Opts::new("cross_entropy", options)) }

        /// Knowledge distillation (Hinton et al. 2015): α·T²·KL(softmax(t/T) ‖ softmax(s/T)) + (1−α)·CE(y, s).
        /// Options: `temperature` (2.0), `alpha` (0.5; 1.0 without `labels`), `labels`, `weights`, `reduction`.
        fn kd_loss(student: Tensor, teacher: Tensor, options: Map) -> RhaiResult<Tensor> {
            let mut options = Opts::new("kd_loss", options);
            let z = float_logits(&student)?;
            let y = options.raw("labels").map(|y| labels(&z, y, "kd_loss labels")).transpose()?;
            let temp = options.float("temperature", 2.0)?;
            let alpha = options.float("alpha", if y.is_some() { 0.5 } else { 1.0 })?;
            finish(distillation(&z, &float_logits(&teacher)?, temp, alpha, y.as_ref())?, options)
        }

        /// Burns et al.'s auxiliary confidence loss: CE to (1−c)·weak + c·(own thresholded predictions), c = aux_coef·min(1, step_frac/warmup_frac) (a linear ramp; the reference code jumps at the end of warm-up). Multi-class: own argmax.
        /// Options: `step`, `total_steps` (coefficient schedule; or give `coef` directly), `aux_coef` (0.5), `warmup_frac` (0.1), `weights`, `reduction`.
        fn w2s_loss(logits: Tensor, weak: Tensor, options: Map) -> RhaiResult<Tensor> {
            let mut options = Opts::new("w2s_loss", options);
            let coef = match options.raw("coef") {
                Some(c) => c.as_float().or_else(|_| c.as_int().map(|i| i as f64)).map_err(|t| format!("w2s_loss: coef must be a number, got {t}"))?,
                None => {
                    let (step, total) = (options.usize("step", 0)?, options.usize("total_steps", 1)?);
                    confidence_coef(step, total, options.float("aux_coef", 0.5)?, options.float("warmup_frac", 0.1)?)
                }
            };
            finish(confidence(&float_logits(&logits)?, &weak.0, coef)?, options)
        }

        /// The product loss: CE to target ∝ p^β · weak^α (normalised, detached). Options: `alpha` (1), `beta` (1), `weights`, `reduction`.
        fn product_loss(logits: Tensor, weak: Tensor, options: Map) -> RhaiResult<Tensor> {
            let mut options = Opts::new("product_loss", options);
            let (a, b) = (options.float("alpha", 1.0)?, options.float("beta", 1.0)?);
            finish(product(&float_logits(&logits)?, &weak.0, a, b)?, options)
        }
    );
    bind!(engine,
        /// Focal loss −α_t·(1−p_t)^γ·log p_t. Options: `gamma` (2), `alpha` (0.25; two classes: α for class 1, 1−α for class 0), `weights`, `reduction`.
        fn focal_loss(logits: Tensor, labels: Dynamic as "Tensor", options: Map) -> RhaiResult<Tensor> {
            let mut options = Opts::new("focal_loss", options);
            let zt = float_logits(&logits)?;
            let labels = self::labels(&zt, labels, "focal_loss")?;
            let (g, a) = (options.float("gamma", 2.0)?, options.float("alpha", 0.25)?);
            finish(focal(&zt, &labels, g, a)?, options)
        }

        /// de Brébisson & Vincent's Z-loss: (1/a)·log(1 + exp(a·(b − z_y))), z = logits standardised over classes. Options: `a` (1), `b` (1) — the paper tunes both; `weights`, `reduction`. (Not PaLM's logsumexp² z-loss.)
        fn z_loss(logits: Tensor, labels: Dynamic as "Tensor", options: Map) -> RhaiResult<Tensor> {
            let mut options = Opts::new("z_loss", options);
            let zt = float_logits(&logits)?;
            let labels = self::labels(&zt, labels, "z_loss")?;
            let (a, b) = (options.float("a", 1.0)?, options.float("b", 1.0)?);
            finish(z_loss(&zt, &labels, a, b)?, options)
        }
    );
    bind!(
        engine,
        /// InfoNCE (Contriever): CE(q·kᵀ/τ, i) — key i is query i's positive, other keys are negatives. Contriever uses τ = 0.05 on mean-pooled embeddings.
        fn info_nce(queries: Tensor, keys: Tensor, tau: FLOAT) -> RhaiResult<Tensor> {
            Ok(Tensor(reduce(
                &info_nce(&float_logits(&queries)?, &float_logits(&keys)?, tau)?,
                None,
            )?))
        },
        /// Loss-based sample weights (Sow et al. 2025): losses min–max normalised into [−1, 1], strategy "lin_upper" (min(ℓ̃+1, 1), best), "quadratic" (1−ℓ̃²) or "extremes" (|ℓ̃|); weights = softmax(f/r), summing to 1, no gradient.
        fn reweight(losses: Tensor, strategy: &str, r: FLOAT) -> RhaiResult<Tensor> {
            let v = crate::tensor::ops::to_vec_f32(&losses.detach())?;
            let n = v.len();
            Ok(Tensor(
                candle_core::Tensor::from_vec(
                    weights(&v, Strategy::parse(strategy)?, r, 1.0)?,
                    n,
                    losses.device(),
                )
                .map_err(crate::error::Error::from)?,
            ))
        }
    );
}
