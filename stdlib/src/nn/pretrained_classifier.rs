//! `pretrained_classifier`: a network whose first layer is a pretrained encoder
//! ([`super::pretrained`]) and whose head is a linear layer or a small MLP.

use super::layers::{Activation, LayerSpec};
use super::network::{Network, NetworkSpec};
use super::pretrained::PretrainedSpec;
use crate::bail;
use crate::error::Result;
use candle_core::Device;

/// The head on top of the pooled embedding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Head {
    /// One linear layer (dim → classes).
    Linear,
    /// dim → hidden, ReLU, hidden → classes.
    Mlp { hidden: usize },
}

/// What `pretrained_classifier` builds.
#[derive(Clone, Debug)]
pub struct ClassifierOptions {
    pub path: Option<String>,
    pub classes: usize,
    pub head: Head,
    pub frozen: bool,
    /// 0 = the model's default (sentence-transformers' `max_seq_length`, else 256).
    pub max_len: usize,
    pub normalize: bool,
    pub seed: u64,
}

/// A network: the pretrained encoder (ids → pooled embedding), then the head.
pub fn classifier(o: &ClassifierOptions) -> Result<Network> {
    if o.classes < 2 {
        bail!(
            "pretrained_classifier: needs at least 2 classes, got {}",
            o.classes
        );
    }
    let spec = PretrainedSpec::new(o.path.as_deref(), o.frozen, o.max_len, o.normalize)?;
    let dim = spec.dim;
    let mut layers = vec![LayerSpec::Pretrained(spec)];
    layers.extend(head_layers(
        dim,
        o.classes,
        o.head,
        "pretrained_classifier",
    )?);
    Network::new(
        NetworkSpec {
            kind: "pretrained_classifier".into(),
            layers,
            seed: o.seed,
            precision: Default::default(),
        },
        &Device::Cpu,
    )
}

/// The head's layers on a `dim`-wide embedding (`what` names the caller in errors).
pub fn head_layers(dim: usize, classes: usize, head: Head, what: &str) -> Result<Vec<LayerSpec>> {
    let linear = |inputs, outputs| LayerSpec::Linear {
        inputs,
        outputs,
        bias: true,
        zero_init: false,
    };
    Ok(match head {
        Head::Linear => vec![linear(dim, classes)],
        Head::Mlp { hidden } => {
            if hidden == 0 {
                bail!("{what}: `hidden` must be positive");
            }
            vec![
                linear(dim, hidden),
                LayerSpec::Activation {
                    activation: Activation::Relu,
                },
                linear(hidden, classes),
            ]
        }
    })
}
