//! The `train` Rhai module: `fit` and its history, and the threading setting.

use super::progress::Progress;
use super::{fit, FitConfig, History, LossSpec, Reweighting};
use crate::bind;
use crate::data::Dataset;
use crate::error::RhaiResult;
use crate::loss::reweight::Strategy;
use crate::nn::network::Network;
use crate::optim::bindings::{kind_from, schedule_from};
use crate::opts::Opts;
use crate::plot::chart::Chart;
use crate::runs::{recorded, Call};

use ladder_scripting::rhai::{Array, Dynamic, Engine, Map, INT};
use ladder_scripting::Renderers;

crate::type_names! {
    History => "History",
}

/// Read `fit`'s options; the keys are listed in `fit`'s doc comment.
pub fn config(data: &Dataset, o: Map) -> RhaiResult<(FitConfig, bool)> {
    let mut o = Opts::new("fit", o);
    let d = FitConfig::default();
    let epochs = o.usize("epochs", d.epochs)?;
    let batch_size = o.usize("batch_size", d.batch_size)?;
    let lr = o.float("lr", d.lr)?;
    let optimizer = kind_from(&mut o, "optimizer", "adamw")?;
    let schedule = schedule_from(&mut o)?;
    let seed = o.int("seed", 0)? as u64;
    let shuffle = o.bool("shuffle", true)?;
    let progress = o.bool("progress", true)?;
    // `eval` is a reserved word in Rhai: `#{validation: d}` or `#{"eval": d}`.
    let eval = match o.raw("validation").or_else(|| o.raw("eval")) {
        None => None,
        Some(v) => Some(v.clone().try_cast::<Dataset>().ok_or_else(|| {
            format!(
                "fit: option `eval` must be a Dataset, got {}",
                v.type_name()
            )
        })?),
    };
    let loss_name = o.string("loss", "cross_entropy")?;
    let loss = match loss_name.as_str() {
        "cross_entropy" | "ce" => LossSpec::CrossEntropy,
        "focal" => LossSpec::Focal { gamma: o.float("gamma", 2.0)?, alpha: o.float("alpha", 0.25)? },
        "z_loss" => LossSpec::ZLoss { a: o.float("a", 1.0)?, b: o.float("b", 1.0)? },
        "w2s" | "w2s_confidence" | "logconf" => LossSpec::Confidence { aux_coef: o.float("aux_coef", 0.5)?, warmup_frac: o.float("aux_warmup", 0.1)? },
        "product" => LossSpec::Product { alpha: o.float("alpha", 1.0)?, beta: o.float("beta", 1.0)? },
        "kd" | "distill" => {
            let teacher = o.raw("teacher").and_then(|t| t.try_cast::<Network>()).ok_or("fit: loss \"kd\" needs option `teacher` (a Model)")?;
            let teacher_logits = crate::train::logits_batched(&teacher, &data.x)?;
            LossSpec::Distill { teacher_logits, temperature: o.float("temperature", 2.0)?, alpha: o.float("alpha", if data.y.is_some() { 0.5 } else { 1.0 })? }
        }
        other => return Err(format!("fit: unknown loss \"{other}\" (expected cross_entropy, focal, z_loss, kd, w2s, product)").into()),
    };
    let reweight = match o.raw("reweight") {
        None => None,
        Some(s) => {
            let s = s
                .into_string()
                .map_err(|t| format!("fit: option `reweight` must be a strategy name, got {t}"))?;
            Some(Reweighting {
                strategy: Strategy::parse(&s)?,
                r_start: o.float("r_start", 1.0)?,
                r_end: o.float("r_end", 0.1)?,
                delta: 1.0,
            })
        }
    };
    o.finish()?;
    Ok((
        FitConfig {
            epochs,
            batch_size,
            lr,
            optimizer,
            schedule,
            loss,
            reweight,
            seed,
            eval,
            shuffle,
        },
        progress,
    ))
}

fn run(m: &Network, d: &Dataset, o: Map) -> RhaiResult<History> {
    let (cfg, show) = config(d, o)?;
    let mut progress = Progress::new(show);
    let result = fit(m, d, &cfg, &mut progress);
    progress.finish();
    Ok(result?)
}

fn epoch_map(e: &super::EpochRecord) -> Map {
    let mut m = Map::new();
    m.insert("epoch".into(), Dynamic::from_int(e.epoch as INT));
    m.insert("loss".into(), Dynamic::from_float(e.loss));
    m.insert("accuracy".into(), Dynamic::from_float(e.accuracy));
    if let Some(l) = e.eval_loss {
        m.insert("eval_loss".into(), Dynamic::from_float(l));
    }
    if let Some(a) = e.eval_accuracy {
        m.insert("eval_accuracy".into(), Dynamic::from_float(a));
    }
    m
}

pub fn register(engine: &mut Engine, renderers: &mut Renderers) {
    crate::doc::register_rendered::<History>(engine, renderers);
    bind!(
        engine,
        /// Train a model in place with the defaults (10 epochs, batch 32, AdamW lr 1e-3, cross-entropy, seed 0).
        fn fit(model: Network, data: Dataset) -> RhaiResult<History> {
            let options = Map::new();
            recorded(Call::new("fit", &options).on(&data), || {
                run(&model, &data, options.clone())
            })
        },
        /// Train a model in place; returns the history (loss per step, metrics per epoch). Same seed ⇒ identical run.
        /// Options: `epochs` (10), `batch_size` (32), `lr` (1e-3), `optimizer` ("adamw", "adam", "sgd", "lion"), `weight_decay`, `momentum`/`beta1`, `beta2`,
        /// `schedule` ("constant", "warmup", "cosine"), `warmup_steps`, `min_lr`, `seed` (0), `shuffle` (true), `validation` (a Dataset scored after each epoch; `"eval"` also works), `progress` (true),
        /// `loss`: "cross_entropy" (soft labels when the data has them), "focal" (`gamma`, `alpha`), "z_loss" (`a`, `b`), "kd" (`teacher`, `temperature`, `alpha`),
        /// "w2s" (auxiliary confidence: `aux_coef` 0.5, `aux_warmup` 0.1), "product" (`alpha`, `beta`);
        /// `reweight`: "lin_upper", "quadratic" or "extremes" with temperature from `r_start` (1.0) to `r_end` (0.1).
        /// Per-sample weights come from the data set (`with_weights`). Ctrl-C / interrupt stops after the current step, keeping those weights.
        fn fit(model: Network, data: Dataset, options: Map) -> RhaiResult<History> {
            recorded(Call::new("fit", &options).on(&data), || {
                run(&model, &data, options.clone())
            })
        }
    );
    engine.register_get("loss", |h: &mut History| -> Array {
        h.losses.iter().map(|&l| Dynamic::from_float(l)).collect()
    });
    engine.register_get("lr", |h: &mut History| -> Array {
        h.lrs.iter().map(|&l| Dynamic::from_float(l)).collect()
    });
    engine.register_get("epochs", |h: &mut History| -> Array {
        h.epochs
            .iter()
            .map(|e| Dynamic::from_map(epoch_map(e)))
            .collect()
    });
    engine.register_get("steps", |h: &mut History| h.steps() as INT);
    engine.register_get("seconds", |h: &mut History| h.seconds);
    engine.register_get("final_loss", |h: &mut History| -> Dynamic {
        h.epochs
            .last()
            .map_or(Dynamic::UNIT, |e| Dynamic::from_float(e.loss))
    });
    engine.register_get("eval_accuracy", |h: &mut History| -> Dynamic {
        h.epochs
            .last()
            .and_then(|e| e.eval_accuracy)
            .map_or(Dynamic::UNIT, Dynamic::from_float)
    });
    bind!(
        engine,
        /// The training curve: loss at every step, the epoch means, and the validation loss when `fit` had validation data.
        ///
        /// let h = fit(model, train, #{epochs: 5, validation: val});
        /// h.plot()
        fn plot(history: &mut History) -> Chart {
            super::chart::history_chart(history)
        },
        /// CPU threads for matrix products: 0 = auto (the default: 1 thread for small products, every core for large ones), n = always n (at most 4 per core).
        fn set_threads(n: INT) -> RhaiResult<()> {
            let count = usize::try_from(n).map_err(|_| crate::threads::out_of_range(n))?;
            Ok(crate::threads::set_threads(count)?)
        },
        /// The thread setting (0 = auto).
        fn threads() -> INT {
            crate::threads::setting() as INT
        }
    );
}
