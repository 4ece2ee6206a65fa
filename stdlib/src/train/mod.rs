//! `fit`: mini-batch training of a network on a data set, with any loss, optimiser and
//! schedule, per-sample weights, soft labels, a seeded order, progress and interrupts.

pub mod bindings;
pub mod chart;
pub mod classifier;
pub mod history;
pub mod progress;

pub use classifier::Classifier;
pub use history::{EpochRecord, History};

use crate::bail;
use crate::data::Dataset;
use crate::error::Result;
use crate::loss::{self, reweight};
use crate::nn::footprint::training_bytes_per_row;
use crate::nn::network::Network;
use crate::optim::{Kind, Optimizer, Schedule};
use crate::rng::Rng;
use crate::tensor::ops::log_softmax;
use candle_core::{DType, Tensor};
use ladder_scripting::memory;

/// What a training step minimises (per sample, then weighted).
#[derive(Clone, Debug)]
pub enum LossSpec {
    /// Cross-entropy to the soft labels when the data has them, else to the hard labels.
    CrossEntropy,
    Focal {
        gamma: f64,
        alpha: f64,
    },
    ZLoss {
        a: f64,
        b: f64,
    },
    /// Knowledge distillation from a teacher's logits on the same rows as the data.
    Distill {
        teacher_logits: Tensor,
        temperature: f64,
        alpha: f64,
    },
    /// Burns et al.'s auxiliary confidence loss (needs soft weak labels).
    Confidence {
        aux_coef: f64,
        warmup_frac: f64,
    },
    /// The product loss (needs soft weak labels).
    Product {
        alpha: f64,
        beta: f64,
    },
}

impl LossSpec {
    pub fn name(&self) -> &'static str {
        match self {
            LossSpec::CrossEntropy => "cross_entropy",
            LossSpec::Focal { .. } => "focal",
            LossSpec::ZLoss { .. } => "z_loss",
            LossSpec::Distill { .. } => "kd",
            LossSpec::Confidence { .. } => "w2s_confidence",
            LossSpec::Product { .. } => "product",
        }
    }
}

/// Loss-based reweighting with a temperature going from `r_start` to `r_end` (geometric).
#[derive(Clone, Debug)]
pub struct Reweighting {
    pub strategy: reweight::Strategy,
    pub r_start: f64,
    pub r_end: f64,
    pub delta: f64,
}

#[derive(Clone, Debug)]
pub struct FitConfig {
    pub epochs: usize,
    pub batch_size: usize,
    pub lr: f64,
    pub optimizer: Kind,
    pub schedule: Schedule,
    pub loss: LossSpec,
    pub reweight: Option<Reweighting>,
    pub seed: u64,
    pub eval: Option<Dataset>,
    pub shuffle: bool,
}

impl Default for FitConfig {
    fn default() -> Self {
        FitConfig {
            epochs: 10,
            batch_size: 32,
            lr: 1e-3,
            optimizer: Kind::by_name("adamw").unwrap(),
            schedule: Schedule::Constant,
            loss: LossSpec::CrossEntropy,
            reweight: None,
            seed: 0,
            eval: None,
            shuffle: true,
        }
    }
}

/// What a monitor sees after each step.
#[derive(Clone, Debug)]
pub struct StepInfo {
    pub step: usize,
    pub total_steps: usize,
    pub epoch: usize,
    pub epochs: usize,
    pub loss: f64,
    pub lr: f64,
}

/// Observes training; returning an error from `step` stops training (the model keeps the
/// weights of the last completed step).
pub trait Monitor {
    fn step(&mut self, info: &StepInfo) -> Result<()>;
    fn epoch(&mut self, _record: &EpochRecord) {}
}

/// A monitor that does nothing (tests, library code).
pub struct Silent;

impl Monitor for Silent {
    fn step(&mut self, _: &StepInfo) -> Result<()> {
        Ok(())
    }
}

/// Refuses, before any step, a batch whose activations `max_memory` cannot hold beside the
/// parameters' gradients and the optimiser's state (the first step allocates both).
fn check_batch_memory(net: &Network, data: &Dataset, cfg: &FitConfig) -> Result<()> {
    let element_bytes = net.spec.precision.half().map_or(4, |d| d.size_in_bytes());
    let row = data.x.dims().get(1..).unwrap_or_default();
    let Some(per_row) = training_bytes_per_row(&net.layers, row, element_bytes) else {
        return Ok(());
    };
    let (_, state) = crate::optim::training_state(&cfg.optimizer, &net.vars());
    if memory::over_budget(state).is_some() {
        // No batch fits: the optimiser refuses, naming its parameters.
        return Ok(());
    }
    let batch = cfg.batch_size.min(data.len()).max(1);
    let bytes = per_row.saturating_mul(batch);
    let Some(budget) = memory::over_budget(bytes.saturating_add(state)) else {
        return Ok(());
    };
    let fits = budget
        .limit
        .saturating_sub(budget.held)
        .saturating_sub(state)
        / per_row.max(1);
    let advice = match fits {
        0 => format!("even one row needs {}", memory::human(per_row)),
        _ => format!("give a batch_size of at most {fits}"),
    };
    Err(crate::error::Error::Memory(format!(
        "fit: a batch of {batch} rows needs about {} for its activations and their gradients, \
         besides {} for the parameters' gradients and the optimiser's state, more than \
         max_memory allows ({} limit, {} already in use); {advice}, or raise the limit with \
         %limit max_memory if the machine has the room",
        memory::human(bytes),
        memory::human(state),
        memory::human(budget.limit),
        memory::human(budget.held)
    )))
}

/// Checks that the data (and the validation set) fit the network before any step runs: a
/// bad validation set found after the first epoch would have changed the model already.
fn check(net: &Network, data: &Dataset, cfg: &FitConfig) -> Result<()> {
    if cfg.batch_size == 0 || cfg.epochs == 0 {
        bail!(
            "fit: epochs and batch_size must be at least 1 (got epochs = {}, batch_size = {})",
            cfg.epochs,
            cfg.batch_size
        );
    }
    check_rows(net, data, &format!("data set \"{}\"", data.name))?;
    check_batch_memory(net, data, cfg)?;
    if let Some(w) = &data.weights {
        // Σw = 0 makes the weighted loss 0/0: a NaN blamed on the learning rate.
        let w = w.flatten_all()?.to_dtype(DType::F32)?.to_vec1::<f32>()?;
        if !w.is_empty() && w.iter().all(|&x| x == 0.0) {
            crate::bail_data!(
                "fit: all sample weights of data set \"{}\" are zero; a model cannot learn from them",
                data.name
            );
        }
    }
    if let Some(eval) = &cfg.eval {
        if eval.y.is_none() && eval.soft.is_none() {
            crate::bail_data!(
                "fit: validation set \"{}\" has no labels to score the model against",
                eval.name
            );
        }
        check_rows(net, eval, &format!("validation set \"{}\"", eval.name))?;
        // A model whose input width is not in its spec (a transformer, a pretrained encoder)
        // reads one validation row now, so a mismatch shows before training, not after it.
        if net.inputs().is_none() {
            net.forward(&eval.x.narrow(0, 0, 1)?.to_device(&net.device)?)
                .map_err(|e| e.context(&format!("fit: validation set \"{}\"", eval.name)))?;
        }
    }
    match &cfg.loss {
        LossSpec::Confidence { .. } | LossSpec::Product { .. } if data.soft.is_none() => {
            crate::bail_data!("fit: loss \"{}\" trains on soft (weak) labels, but \"{}\" has none (use with_soft_labels)", cfg.loss.name(), data.name)
        }
        LossSpec::Focal { .. } | LossSpec::ZLoss { .. } if data.y.is_none() => {
            crate::bail_data!(
                "fit: loss \"{}\" needs hard labels, but \"{}\" has only soft labels",
                cfg.loss.name(),
                data.name
            )
        }
        LossSpec::Distill { teacher_logits, .. }
            if teacher_logits.dims() != [data.len(), classes_of(net)] =>
        {
            crate::bail_shape!(
                "fit: teacher logits of shape {:?} do not match {} rows × {} classes",
                teacher_logits.dims(),
                data.len(),
                classes_of(net)
            )
        }
        _ => {}
    }
    Ok(())
}

fn classes_of(net: &Network) -> usize {
    net.outputs().unwrap_or(0)
}

/// The checks the training and the validation set share; `which` names the set in messages
/// (`data set "iris"`, `validation set "wine"`).
fn check_rows(net: &Network, data: &Dataset, which: &str) -> Result<()> {
    if data.is_empty() {
        crate::bail_data!("fit: the {which} is empty");
    }
    if let Some(inputs) = net.inputs() {
        if inputs != data.num_features() {
            crate::bail_shape!(
                "fit: the model expects {inputs} input features but {which} has {} (features shape {:?})",
                data.num_features(),
                data.x.dims()
            );
        }
    }
    let classes = classes_of(net);
    if let Some(y) = &data.y {
        let max = y.max(0)?.to_scalar::<u32>()? as usize;
        if max >= classes {
            let labels = y.to_vec1::<u32>()?;
            let row = labels
                .iter()
                .position(|&l| l as usize >= classes)
                .unwrap_or(0);
            crate::bail_data!(
                "fit: label {} in row {row} of {which} is out of range for a model with {classes} outputs (classes 0..{})",
                labels[row],
                classes.saturating_sub(1)
            );
        }
    }
    if let Some(s) = &data.soft {
        if s.dims()[1] != classes {
            crate::bail_shape!(
                "fit: soft labels of {which} have {} classes but the model has {classes} outputs",
                s.dims()[1]
            );
        }
    }
    // Why before training: ReLU maps NaN to 0, so a NaN feature can turn the first layer's
    // weights to NaN while the loss stays finite and nothing else notices.
    data.check_finite(
        "fit",
        which,
        "a model cannot learn from NaN or infinite features",
    )
}

/// Whether a batch has weights and all of them are zero.
fn weights_all_zero(weights: Option<&Tensor>) -> Result<bool> {
    match weights {
        None => Ok(false),
        Some(w) => Ok(w
            .to_dtype(DType::F32)?
            .flatten_all()?
            .to_vec1::<f32>()?
            .iter()
            .all(|&x| x == 0.0)),
    }
}

/// Rows of a batch, gathered from the data set.
struct Batch {
    x: Tensor,
    y: Option<Tensor>,
    soft: Option<Tensor>,
    weights: Option<Tensor>,
    teacher: Option<Tensor>,
}

fn gather(data: &Dataset, teacher: Option<&Tensor>, rows: &[usize]) -> Result<Batch> {
    let ids = Tensor::from_vec(
        rows.iter().map(|&r| r as u32).collect::<Vec<_>>(),
        rows.len(),
        data.x.device(),
    )?;
    let pick = |t: &Tensor| t.index_select(&ids, 0);
    Ok(Batch {
        x: pick(&data.x)?,
        y: data.y.as_ref().map(|t| pick(t)).transpose()?,
        soft: data.soft.as_ref().map(|t| pick(t)).transpose()?,
        weights: data.weights.as_ref().map(|t| pick(t)).transpose()?,
        teacher: teacher.map(pick).transpose()?,
    })
}

/// Per-sample losses for a batch.
fn per_sample(
    logits: &Tensor,
    b: &Batch,
    spec: &LossSpec,
    step: usize,
    total: usize,
) -> Result<Tensor> {
    match spec {
        LossSpec::CrossEntropy => match (&b.soft, &b.y) {
            (Some(s), _) => loss::soft_cross_entropy(logits, s),
            (None, Some(y)) => loss::cross_entropy(logits, y),
            _ => crate::bail_data!("fit: the batch has no labels"),
        },
        LossSpec::Focal { gamma, alpha } => {
            loss::focal(logits, b.y.as_ref().unwrap(), *gamma, *alpha)
        }
        LossSpec::ZLoss { a, b: shift } => loss::z_loss(logits, b.y.as_ref().unwrap(), *a, *shift),
        LossSpec::Distill {
            temperature, alpha, ..
        } => loss::distillation(
            logits,
            b.teacher.as_ref().unwrap(),
            *temperature,
            *alpha,
            b.y.as_ref(),
        ),
        LossSpec::Confidence {
            aux_coef,
            warmup_frac,
        } => loss::confidence(
            logits,
            b.soft.as_ref().unwrap(),
            loss::confidence_coef(step, total, *aux_coef, *warmup_frac),
        ),
        LossSpec::Product { alpha, beta } => {
            loss::product(logits, b.soft.as_ref().unwrap(), *alpha, *beta)
        }
    }
}

/// Train `net` in place. The returned history has one loss per step and one record per epoch.
pub fn fit(
    net: &Network,
    data: &Dataset,
    cfg: &FitConfig,
    monitor: &mut dyn Monitor,
) -> Result<History> {
    check(net, data, cfg)?;
    let data = data.to_device(&net.device)?;
    let eval = cfg
        .eval
        .as_ref()
        .map(|e| e.to_device(&net.device))
        .transpose()?;
    let teacher = match &cfg.loss {
        LossSpec::Distill { teacher_logits, .. } => {
            Some(teacher_logits.to_device(&net.device)?.detach())
        }
        _ => None,
    };
    let n = data.len();
    let per_epoch = n.div_ceil(cfg.batch_size);
    let total = per_epoch * cfg.epochs;
    let mut order_rng = Rng::new(cfg.seed);
    let mut dropout_rng = order_rng.fork();
    let mut opt = Optimizer::new(cfg.optimizer.clone(), net.vars(), cfg.lr)?;
    let mut history = History::new(cfg);
    let start = std::time::Instant::now();
    let mut step = 0;
    for epoch in 0..cfg.epochs {
        let rows: Vec<usize> = if cfg.shuffle {
            order_rng.permutation(n)
        } else {
            (0..n).collect()
        };
        let (mut loss_sum, mut weight_sum, mut correct) = (0.0, 0.0, 0usize);
        for chunk in rows.chunks(cfg.batch_size) {
            let b = gather(&data, teacher.as_ref(), chunk)?;
            let logits = net.forward_with(&b.x, Some(&mut dropout_rng))?;
            let losses = per_sample(&logits, &b, &cfg.loss, step, total)?;
            let weights = match &cfg.reweight {
                None => b.weights.clone(),
                Some(rw) => {
                    let frac = if total > 1 {
                        step as f64 / (total - 1) as f64
                    } else {
                        1.0
                    };
                    let r = rw.r_start * (rw.r_end / rw.r_start).powf(frac);
                    let l = losses.detach().to_dtype(DType::F32)?.to_vec1::<f32>()?;
                    let w = Tensor::from_vec(
                        reweight::weights(&l, rw.strategy, r, rw.delta)?,
                        chunk.len(),
                        logits.device(),
                    )?;
                    Some(match &b.weights {
                        Some(dw) => w.mul(dw)?,
                        None => w,
                    })
                }
            };
            let loss = loss::reduce(&losses, weights.as_ref())?;
            let mut value = loss.to_dtype(DType::F64)?.to_scalar::<f64>()?;
            // A batch whose weights are all zero (the data set's are not: `check`) makes the
            // weighted mean Σwℓ/Σw 0/0. Nothing in it counts, so it is as if its rows were left
            // out: its loss is Σwℓ = 0 and it changes neither the model nor the optimizer's
            // state (a zero-gradient step would still move Adam's weights by momentum). The
            // step still counts for the schedule and the progress. Checked only on a non-finite
            // loss, so other batches cost nothing more.
            let weightless = !value.is_finite() && weights_all_zero(weights.as_ref())?;
            if weightless {
                value = 0.0;
            } else if !value.is_finite() {
                bail!(
                    "fit: the loss became {} at step {} (epoch {}); the model keeps the weights of the previous step. Try a smaller learning rate (lr = {}) or check the data for NaN/inf",
                    if value.is_nan() { "NaN" } else { "infinite" }, step + 1, epoch + 1, cfg.lr
                );
            }
            let lr = cfg.schedule.lr(cfg.lr, step, total);
            opt.lr = lr;
            if !weightless {
                opt.step(&loss.backward()?)?;
            }
            let labels =
                b.y.clone()
                    .map(Ok)
                    .unwrap_or_else(|| b.soft.as_ref().unwrap().argmax(1))?;
            correct += logits
                .argmax(1)?
                .eq(&labels)?
                .to_dtype(DType::F32)?
                .sum_all()?
                .to_scalar::<f32>()? as usize;
            // The epoch's mean is over the batches that count (every epoch has one: the data
            // set's weights are not all zero).
            if !weightless {
                let bw = chunk.len() as f64;
                loss_sum += value * bw;
                weight_sum += bw;
            }
            history.losses.push(value);
            history.lrs.push(lr);
            step += 1;
            history.seconds = start.elapsed().as_secs_f64();
            monitor.step(&StepInfo {
                step,
                total_steps: total,
                epoch: epoch + 1,
                epochs: cfg.epochs,
                loss: value,
                lr,
            })?;
        }
        let (eval_loss, eval_accuracy) = match &eval {
            Some(e) => {
                let (l, a) = evaluate(net, e)
                    .map_err(|err| err.context(&format!("fit: validation set \"{}\"", e.name)))?;
                (Some(l), Some(a))
            }
            None => (None, None),
        };
        let record = EpochRecord {
            epoch: epoch + 1,
            loss: loss_sum / weight_sum,
            accuracy: correct as f64 / n as f64,
            eval_loss,
            eval_accuracy,
        };
        monitor.epoch(&record);
        history.epochs.push(record);
    }
    history.seconds = start.elapsed().as_secs_f64();
    Ok(history)
}

/// Mean cross-entropy (to hard labels, or soft ones when there are none) and accuracy.
pub fn evaluate(net: &Network, data: &Dataset) -> Result<(f64, f64)> {
    let data = data.to_device(&net.device)?;
    let logits = logits_batched(net, &data.x)?;
    let labels = match &data.y {
        Some(y) => y.clone(),
        None => crate::tensor::Tensor(data.soft.as_ref().unwrap().argmax(1)?),
    };
    let k = logits.dims()[1];
    let max = labels.max(0)?.to_scalar::<u32>()? as usize;
    if max >= k {
        crate::bail_data!("evaluate: label {max} is out of range for a model with {k} outputs");
    }
    let lsm = log_softmax(&logits, 1)?;
    let loss = match (&data.y, &data.soft) {
        (Some(y), _) => loss::cross_entropy(&logits, y)?,
        (None, Some(s)) => s.mul(&lsm)?.sum(1)?.neg()?,
        _ => unreachable!(),
    };
    let loss = loss.mean_all()?.to_dtype(DType::F64)?.to_scalar::<f64>()?;
    let correct = logits
        .argmax(1)?
        .eq(&labels.0)?
        .to_dtype(DType::F64)?
        .mean_all()?
        .to_scalar::<f64>()?;
    Ok((loss, correct))
}

/// Logits in evaluation mode, in chunks so large data sets do not need one huge activation.
pub fn logits_batched(net: &Network, x: &Tensor) -> Result<Tensor> {
    const CHUNK: usize = 4096;
    let n = x.dims().first().copied().unwrap_or(0);
    // The logits come back where x is, so experiment code that mixes them with the data's
    // labels works whichever device the model is on.
    if n <= CHUNK {
        return Ok(net.forward(x)?.detach().to_device(x.device())?);
    }
    let mut parts = Vec::new();
    for s in (0..n).step_by(CHUNK) {
        parts.push(net.forward(&x.narrow(0, s, CHUNK.min(n - s))?)?.detach());
    }
    Ok(Tensor::cat(&parts, 0)?.to_device(x.device())?)
}

#[cfg(test)]
mod tests;
