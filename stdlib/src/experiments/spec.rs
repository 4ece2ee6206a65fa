//! Model specs from Rhai: a map (`#{kind: "mlp", hidden: [64], features: [0, 1], epochs: 20,
//! lr: 1e-3, ...}`: the architecture plus `fit`'s options) or a function
//! `|inputs, classes, seed| -> Model`, or both: `#{build: |inputs, classes, seed| ..., epochs: 20}`
//! (any model, e.g. a text transformer, with its own fit options). `device: "cuda"` trains and
//! runs the model there (initialised on the CPU from its seed, so the weights are the same);
//! `precision: "bf16"` trains it in mixed precision.

use crate::data::Dataset;
use crate::decoder::train::features::Pooling;
use crate::decoder::train::layer::LoraSpec;
use crate::experiments::convert::RhaiResult;
use crate::experiments::models::{Builder, ModelPlan};
use crate::nn::layers::Activation;
use crate::nn::lm_classifier::LmClassifierOptions;
use crate::nn::network::Precision;
use crate::nn::pretrained_classifier::Head;
use crate::optim::Schedule;
use crate::opts::Opts;
use crate::train::FitConfig;
use ladder_scripting::rhai::{Array, Dynamic, FnPtr, Map};

/// The reference training defaults of the weak-to-strong code (batch 32, 2 epochs, Adam,
/// cosine decay), used where a spec does not say otherwise.
pub fn reference_fit() -> FitConfig {
    FitConfig {
        epochs: 2,
        batch_size: 32,
        optimizer: crate::optim::Kind::by_name("adam")
            .unwrap_or_else(|_| FitConfig::default().optimizer),
        schedule: Schedule::Cosine {
            warmup: 0,
            min_lr: 0.0,
        },
        ..FitConfig::default()
    }
}

/// A plan from a spec value; `data` lets `fit`'s option parser check its options.
pub fn plan_from(spec: &Dynamic, data: &Dataset, what: &str) -> RhaiResult<ModelPlan> {
    if let Some(f) = spec.clone().try_cast::<FnPtr>() {
        return Ok(ModelPlan {
            name: f.fn_name().to_string(),
            builder: Builder::Rhai(f),
            features: None,
            fit: reference_fit(),
            device: candle_core::Device::Cpu,
            precision: Precision::F32,
        });
    }
    let map = spec.read_lock::<Map>().ok_or_else(|| {
        format!(
            "{what}: a model spec is a map like #{{kind: \"mlp\", hidden: [64]}} or a function |inputs, classes, seed| -> Model, got {}",
            spec.type_name()
        )
    })?;
    // The model's keys are read here; every other key is a `fit` option (see below).
    let mut o = Opts::new(what, map.clone());
    let given_kind = o.string_opt("kind")?;
    let kind = given_kind.clone().unwrap_or_else(|| "mlp".to_string());
    // The MLP's keys, checked below once the kind is known: they apply to kind "mlp" only.
    let given_hidden = o.raw("hidden");
    let given_activation = o.raw("activation");
    let given_dropout = o.float_opt("dropout")?;
    let features = match o.raw("features") {
        None => None,
        Some(f) => {
            let arr = f
                .read_lock::<Array>()
                .ok_or_else(|| o.fail("features", "must be an array of column indices"))?;
            let columns = arr
                .iter()
                .enumerate()
                .map(|(i, v)| match v.as_int() {
                    Ok(c) if c >= 0 => Ok(c as usize),
                    _ => Err(o.fail(
                        "features",
                        format!("must list column indices (0, 1, ...), got {v} at features[{i}]"),
                    )),
                })
                .collect::<Result<Vec<_>, _>>()?;
            Some(columns)
        }
    };
    let build = match o.raw("build") {
        None => None,
        Some(b) => {
            let got = b.type_name();
            Some(b.try_cast::<FnPtr>().ok_or_else(|| {
                o.fail(
                    "build",
                    format!("must be a function |inputs, classes, seed| -> Model, got {got}"),
                )
            })?)
        }
    };
    // The function makes the model, so a `kind` beside it would be unused (checked before
    // kind "lm" reads its keys, which would ask for a `path`).
    if let (Some(k), Some(_)) = (&given_kind, &build) {
        return Err(o
            .fail(
                "kind",
                format!("cannot be used with `build` (the function makes the model), got \"{k}\""),
            )
            .into());
    }
    let lm = if kind == "lm" {
        Some(lm_options(&mut o)?)
    } else {
        None
    };
    let given_name = o.raw("name").map(|n| n.to_string());
    let device = crate::tensor::device::device(&o.string("device", "cpu")?)
        .map_err(|e| format!("{what}: {e}"))?;
    let precision =
        Precision::parse(&o.string("precision", "f32")?).map_err(|e| format!("{what}: {e}"))?;
    if !matches!(
        kind.as_str(),
        "mlp" | "logistic" | "logistic_regression" | "linear" | "lm"
    ) && build.is_none()
    {
        return Err(format!("{what}: unknown model kind \"{kind}\" (expected \"mlp\", \"logistic\" or \"lm\", or pass a function)").into());
    }
    // A key the model would not use is refused rather than dropped.
    let mlp_keys = [
        ("hidden", given_hidden.is_some()),
        ("activation", given_activation.is_some()),
        ("dropout", given_dropout.is_some()),
    ];
    if let Some(&(key, _)) = mlp_keys.iter().find(|(_, given)| *given) {
        if build.is_some() {
            return Err(o
                .fail(
                    key,
                    "applies to kind \"mlp\", not to a model from `build` (set it in the function)",
                )
                .into());
        }
        if kind != "mlp" {
            return Err(o
                .fail(key, format!("applies to kind \"mlp\", not \"{kind}\""))
                .into());
        }
    }
    let hidden: Vec<usize> = match &given_hidden {
        None => vec![64],
        Some(h) => {
            let arr = h
                .read_lock::<Array>()
                .ok_or_else(|| o.fail("hidden", "must be an array of layer sizes"))?;
            arr.iter()
                .enumerate()
                .map(|(i, v)| match v.as_int() {
                    Ok(n) if n >= 1 => Ok(n as usize),
                    _ => Err(o.fail(
                        "hidden",
                        format!("must list positive layer sizes, got {v} at hidden[{i}]"),
                    )),
                })
                .collect::<Result<_, _>>()?
        }
    };
    let activation = match &given_activation {
        None => Activation::Relu,
        Some(a) => Activation::parse(&a.to_string()).map_err(|e| format!("{what}: {e}"))?,
    };
    let dropout = given_dropout.unwrap_or(0.0);
    if !(0.0..1.0).contains(&dropout) {
        return Err(o
            .fail("dropout", format!("must be in [0, 1), got {dropout}"))
            .into());
    }
    let builder = match (build, kind.as_str()) {
        (Some(f), _) => Builder::Rhai(f),
        (None, "mlp") => Builder::Mlp {
            hidden: hidden.clone(),
            activation,
            dropout,
        },
        (None, "logistic" | "logistic_regression" | "linear") => Builder::Logistic,
        (None, "lm") => Builder::Lm(Box::new(lm.ok_or("lm options")?)),
        (None, other) => return Err(format!("{what}: unknown model kind \"{other}\"").into()),
    };
    let name = match given_name {
        Some(n) => n,
        None => {
            let base = match &builder {
                Builder::Logistic => "logistic".to_string(),
                Builder::Rhai(f) => f.fn_name().to_string(),
                Builder::Lm(l) => l.describe(),
                _ => format!("mlp{hidden:?}"),
            };
            match &features {
                Some(f) => format!("{base} on {} features", f.len()),
                None => base,
            }
        }
    };
    // Every other key is a fit option, parsed by `fit`'s own reader on top of the W2S defaults.
    let mut fit_opts = o.rest();
    let defaults = reference_fit();
    fit_opts
        .entry("epochs".into())
        .or_insert(Dynamic::from_int(defaults.epochs as i64));
    fit_opts
        .entry("batch_size".into())
        .or_insert(Dynamic::from_int(defaults.batch_size as i64));
    fit_opts
        .entry("optimizer".into())
        .or_insert(Dynamic::from("adam"));
    fit_opts
        .entry("schedule".into())
        .or_insert(Dynamic::from("cosine"));
    fit_opts.insert("progress".into(), Dynamic::FALSE);
    if fit_opts.contains_key("loss") {
        return Err(format!("{what}: the loss is set by the protocol (option 'loss' of the call), not in a model spec").into());
    }
    let (fit, _) =
        crate::train::bindings::config(data, fit_opts).map_err(|e| format!("{what}: {e}"))?;
    Ok(ModelPlan {
        name,
        builder,
        features,
        fit,
        device,
        precision,
    })
}

/// The model keys of `kind: "lm"` (a decoder-LM classifier, see `lm_classifier`): `path`
/// (required), `layer`, `pooling`, `lora`, `adapter`, `max_len`, `pad`; the head is linear.
fn lm_options(o: &mut Opts) -> RhaiResult<LmClassifierOptions> {
    let path = o.string_opt("path")?.ok_or_else(|| {
        o.fail(
            "path",
            "is required for kind \"lm\": a model folder or a GGUF file",
        )
    })?;
    let lora = match o.raw("lora") {
        None => None,
        Some(v) => LoraSpec::from_option(v)?,
    };
    Ok(LmClassifierOptions {
        path,
        classes: 2,
        head: Head::Linear,
        layer: o.usize_opt("layer")?,
        pooling: Pooling::parse(&o.string("pooling", "last")?)?,
        max_len: o.count("max_len", 256)?,
        pad: o.usize("pad", 0)? as u32,
        lora,
        adapter: o.string_opt("adapter")?,
        seed: 0,
    })
}
