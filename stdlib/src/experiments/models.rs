//! What experiment protocols train: a model plan (how to build a fresh network for a seed,
//! which feature columns it sees, how to fit it), and helpers to score networks on data sets.

use crate::data::Dataset;
use crate::error::Error;
use crate::nn::layers::Activation;
use crate::nn::lm_classifier::LmClassifierOptions;
use crate::nn::network::Precision;
use crate::nn::Network;
use crate::train::Classifier;
use crate::train::{self, FitConfig, LossSpec, Monitor, StepInfo};
use candle_core::{DType, Tensor as CTensor};
use ladder_scripting::callback;
use ladder_scripting::rhai::{FnPtr, NativeCallContext};

/// Where a protocol runs: Rhai model builders need the calling script's context.
pub type Env<'a, 'b> = Option<&'a NativeCallContext<'b>>;

/// How to build an untrained network.
#[derive(Clone)]
pub enum Builder {
    /// Multinomial logistic regression.
    Logistic,
    /// An MLP with these hidden sizes.
    Mlp {
        hidden: Vec<usize>,
        activation: Activation,
        dropout: f64,
    },
    /// A Rhai function `|inputs, classes, seed| -> Model`.
    Rhai(FnPtr),
    /// A decoder-LM classifier (`kind: "lm"`); classes and seed are filled in per build.
    Lm(Box<LmClassifierOptions>),
}

/// A model to train in a protocol: its builder, the feature columns it sees (all when
/// `None`) and its training settings.
#[derive(Clone)]
pub struct ModelPlan {
    pub name: String,
    pub builder: Builder,
    pub features: Option<Vec<usize>>,
    pub fit: FitConfig,
    /// Where the model trains and predicts; data moves there once per `fit`.
    pub device: candle_core::Device,
    /// What its forward and backward passes compute in (mixed precision keeps f32 weights).
    pub precision: Precision,
}

impl ModelPlan {
    /// A fresh network for `inputs` features (before column selection) and `classes`.
    pub fn build(
        &self,
        inputs: usize,
        classes: usize,
        seed: u64,
        env: Env,
    ) -> Result<Network, Error> {
        let mut net = self.build_on_cpu(inputs, classes, seed, env)?;
        if self.precision != Precision::F32 {
            net = net.with_precision(self.precision)?;
        }
        if self.device.is_cpu() {
            return Ok(net);
        }
        net.to_device(&self.device)
    }

    fn build_on_cpu(
        &self,
        inputs: usize,
        classes: usize,
        seed: u64,
        env: Env,
    ) -> Result<Network, Error> {
        let inputs = self.features.as_ref().map_or(inputs, Vec::len);
        match &self.builder {
            Builder::Logistic => Network::logistic_regression(inputs, classes, seed),
            Builder::Mlp {
                hidden,
                activation,
                dropout,
            } => {
                let mut sizes = vec![inputs];
                sizes.extend(hidden);
                sizes.push(classes);
                Network::mlp(&sizes, *activation, *dropout, false, seed)
            }
            Builder::Lm(o) => crate::nn::lm_classifier::classifier(&LmClassifierOptions {
                classes,
                seed,
                ..(**o).clone()
            }),
            Builder::Rhai(f) => {
                let ctx =
                    env.ok_or("a model built by a Rhai function can only be used inside a script")?;
                let out: ladder_scripting::rhai::Dynamic = f
                    .call_within_context(ctx, (inputs as i64, classes as i64, seed as i64))
                    .map_err(|e| {
                        Error::callback(&e, |e| {
                            let why = callback::failure(
                                ctx,
                                e,
                                f,
                                "three arguments: inputs, classes, seed",
                            );
                            format!("model builder {} failed: {why}", callback::label(f))
                        })
                    })?;
                out.try_cast::<Network>().ok_or_else(|| {
                    Error::new(format!(
                        "model builder {} must return a Model (e.g. mlp([inputs, 64, classes]))",
                        callback::label(f)
                    ))
                })
            }
        }
    }

    /// The data set restricted to this plan's feature columns.
    pub fn view(&self, data: &Dataset) -> Result<Dataset, Error> {
        select_features(data, self.features.as_deref())
    }

    /// Train `net` on `data` (already viewed) with this plan's settings, `loss` and `seed`.
    pub fn train(
        &self,
        net: &Network,
        data: &Dataset,
        loss: LossSpec,
        seed: u64,
    ) -> Result<(), Error> {
        let cfg = FitConfig {
            loss,
            seed,
            eval: None,
            ..self.fit.clone()
        };
        train::fit(net, data, &cfg, &mut InterruptOnly)
            .map(|_| ())
            .map_err(|e| e.context(&format!("training {}", self.name)))
    }
}

/// A monitor that only honours the session's interrupt flag (protocols train many models:
/// one progress bar each would flood the output).
pub struct InterruptOnly;

impl Monitor for InterruptOnly {
    fn step(&mut self, _: &StepInfo) -> crate::error::Result<()> {
        crate::error::check_interrupt()
    }
}

/// The columns `cols` of the features (all when `None`); names follow.
pub fn select_features(data: &Dataset, cols: Option<&[usize]>) -> Result<Dataset, Error> {
    let Some(cols) = cols else {
        return Ok(data.clone());
    };
    let d = data.num_features();
    if let Some(&bad) = cols.iter().find(|&&c| c >= d) {
        return Err(Error::shape(format!(
            "feature column {bad} does not exist: \"{}\" has {d} features",
            data.name
        )));
    }
    if cols.is_empty() {
        return Err(Error::options(
            "a model must see at least one feature column",
        ));
    }
    let idx: Vec<u32> = cols.iter().map(|&c| c as u32).collect();
    let idx = CTensor::new(idx, data.x.device())?;
    let x = data.x.index_select(&idx, 1)?;
    let mut out = data.clone();
    out.x = crate::tensor::Tensor(x);
    out.feature_names = cols
        .iter()
        .map(|&c| data.feature_names.get(c).cloned().unwrap_or_default())
        .collect();
    Ok(out)
}

/// Class probabilities of `net` on the data set's features, as rows.
pub fn proba(net: &Network, data: &Dataset) -> Result<Vec<Vec<f64>>, Error> {
    let p = Classifier::predict_proba(net, &data.x)?;
    let p = p.to_dtype(DType::F64).and_then(|t| t.to_vec2::<f64>())?;
    Ok(p)
}

/// Argmax of probability rows.
pub fn argmax_rows(p: &[Vec<f64>]) -> Vec<usize> {
    p.iter()
        .map(|r| crate::experiments::boost::stump::argmax(r))
        .collect()
}

/// Hard labels of a data set.
pub fn labels(data: &Dataset) -> Result<Vec<usize>, Error> {
    Ok(data.labels()?.into_iter().map(|c| c as usize).collect())
}

/// Probability rows as an (n × k) f32 tensor, for `with_soft_labels`.
pub fn proba_tensor(p: &[Vec<f64>]) -> Result<crate::tensor::Tensor, Error> {
    let k = p.first().map_or(0, Vec::len);
    let flat: Vec<f32> = p.iter().flatten().map(|&v| v as f32).collect();
    let t = CTensor::from_vec(flat, (p.len(), k), &candle_core::Device::Cpu)?;
    Ok(crate::tensor::Tensor(t))
}

/// The data set with soft labels `p` in place of its hard labels (they are what the student
/// may learn from; keeping the true labels would leak them).
pub fn with_only_soft(data: &Dataset, p: &[Vec<f64>]) -> Result<Dataset, Error> {
    let mut d = data.with_soft_labels(&proba_tensor(p)?)?;
    d.y = None;
    Ok(d)
}
