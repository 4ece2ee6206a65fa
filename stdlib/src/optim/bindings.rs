//! The `optim` Rhai module: optimisers for training loops written in Rhai.

use super::{Kind, Optimizer, Schedule};
use crate::bind;
use crate::error::RhaiResult;
use crate::nn::network::Network;
use crate::opts::Opts;
use ladder_scripting::rhai::{Engine, Map, FLOAT, INT};
use ladder_scripting::{MimeBundle, Render, Renderers};
use std::cell::RefCell;
use std::rc::Rc;

crate::type_names! {
    OptimizerHandle => "Optimizer",
}

/// An optimiser shared by every copy of the Rhai value (its state lives across steps).
#[derive(Clone)]
pub struct OptimizerHandle(pub Rc<RefCell<Optimizer>>);

impl Render for OptimizerHandle {
    fn mime_bundle(&self) -> MimeBundle {
        let o = self.0.borrow();
        MimeBundle::text(format!(
            "Optimizer {} (lr {}, {} steps taken)",
            o.kind.name(),
            o.lr,
            o.steps()
        ))
    }
}

/// Build an optimiser kind from options: `optimizer`/`name`, `weight_decay`, `momentum`,
/// `beta1`, `beta2`.
pub fn kind_from(o: &mut Opts, key: &str, default: &str) -> crate::error::Result<Kind> {
    let mut kind = Kind::by_name(&o.string(key, default)?)?;
    if let Some(wd) = o.raw("weight_decay") {
        kind.set_weight_decay(
            wd.as_float()
                .or_else(|_| wd.as_int().map(|i| i as f64))
                .map_err(|t| {
                    crate::error::Error::new(format!(
                        "option `weight_decay` must be a number, got {t}"
                    ))
                })?,
        );
    }
    let b1 = o
        .raw("momentum")
        .or_else(|| o.raw("beta1"))
        .map(|v| v.as_float().unwrap_or(f64::NAN));
    let b2 = o.raw("beta2").map(|v| v.as_float().unwrap_or(f64::NAN));
    if b1.is_some_and(f64::is_nan) || b2.is_some_and(f64::is_nan) {
        crate::bail!("options `momentum`, `beta1` and `beta2` must be floats");
    }
    kind.set_betas(b1, b2);
    Ok(kind)
}

/// A schedule from options: `schedule` ("constant", "warmup", "cosine"), `warmup_steps`, `min_lr`.
pub fn schedule_from(o: &mut Opts) -> crate::error::Result<Schedule> {
    let name = o.string("schedule", "constant")?;
    let warmup = o.usize("warmup_steps", 0)?;
    let min_lr = o.float("min_lr", 0.0)?;
    Ok(match name.as_str() {
        "constant" => Schedule::Constant,
        "warmup" | "linear_warmup" => Schedule::Warmup { warmup },
        "cosine" => Schedule::Cosine { warmup, min_lr },
        other => crate::bail!("unknown schedule \"{other}\" (expected constant, warmup or cosine)"),
    })
}

pub fn register(engine: &mut Engine, renderers: &mut Renderers) {
    crate::doc::register_rendered::<OptimizerHandle>(engine, renderers);
    bind!(
        engine,
        /// An optimiser over a model's weights, for training loops in Rhai. Options: `name` ("adamw" default, "adam", "sgd", "lion"), `lr` (1e-3), `weight_decay`, `momentum`/`beta1`, `beta2`.
        /// Example: `let opt = optimizer(model, #{name: "sgd", lr: 0.1}); opt.step(loss);`
        fn optimizer(model: Network, options: Map) -> RhaiResult<OptimizerHandle> {
            let mut options = Opts::new("optimizer", options);
            let kind = kind_from(&mut options, "name", "adamw")?;
            let lr = options.float("lr", 1e-3)?;
            options.finish()?;
            Ok(OptimizerHandle(Rc::new(RefCell::new(Optimizer::new(
                kind,
                model.vars(),
                lr,
            )?))))
        },
        /// Backpropagate a scalar loss and update the weights; returns the loss value. Checks the session's interrupt flag.
        fn step(optimizer: OptimizerHandle, loss: crate::tensor::Tensor) -> RhaiResult<FLOAT> {
            ladder_scripting::context::check_interrupt()?;
            if loss.elem_count() != 1 {
                return Err(format!("step: the loss must be a single number, got shape {:?} (reduce it with mean/sum)", loss.dims()).into());
            }
            let value = crate::tensor::ops::item(&loss)?;
            if !value.is_finite() {
                return Err(
                    format!("step: the loss is {value}; the weights were not updated").into(),
                );
            }
            let grads = loss.backward().map_err(crate::error::Error::from)?;
            optimizer.0.borrow_mut().step(&grads)?;
            Ok(value)
        },
        /// Change the learning rate (e.g. from a schedule).
        fn set_lr(optimizer: OptimizerHandle, lr: FLOAT) {
            optimizer.0.borrow_mut().lr = lr;
        },
        /// The learning rate a schedule ("constant", "warmup", "cosine") gives at a step.
        fn lr_at(
            schedule: &str,
            base_lr: FLOAT,
            step: INT,
            total_steps: INT,
            warmup_steps: INT,
        ) -> RhaiResult<FLOAT> {
            let mut m = Map::new();
            m.insert("schedule".into(), schedule.into());
            m.insert("warmup_steps".into(), warmup_steps.into());
            let mut o = Opts::new("lr_at", m);
            Ok(schedule_from(&mut o)?.lr(
                base_lr,
                step.max(0) as usize,
                total_steps.max(1) as usize,
            ))
        }
    );
    engine.register_get("lr", |h: &mut OptimizerHandle| h.0.borrow().lr);
    engine.register_get("steps", |h: &mut OptimizerHandle| {
        h.0.borrow().steps() as INT
    });
}
