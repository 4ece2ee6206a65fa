//! `Network`: a stack of layers. Logistic regression, the MLP and user-built architectures
//! are all networks, so fitting, saving and copying work the same for each.

use super::layers::{Activation, Layer, LayerSpec};
use crate::bail;
use crate::error::Result;
use crate::rng::Rng;
use candle_core::{DType, Device, Tensor, Var};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};

/// Everything needed to rebuild a network's architecture (saved as JSON).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NetworkSpec {
    /// "logistic_regression", "mlp" or "sequential".
    pub kind: String,
    pub layers: Vec<LayerSpec>,
    /// The seed its weights were initialised from.
    pub seed: u64,
    /// The dtype its forward and backward passes compute in; the weights stay f32.
    #[serde(default, skip_serializing_if = "Precision::is_f32")]
    pub precision: Precision,
}

/// Mixed precision: bf16 or f16 activations and products, with the f32 weights cast on the
/// way in (gradients flow back to them through the cast, so the optimiser updates f32 master
/// weights) and the logits cast back to f32 for the loss.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    #[default]
    F32,
    Bf16,
    F16,
}

impl Precision {
    pub fn parse(name: &str) -> Result<Precision> {
        match name.to_ascii_lowercase().as_str() {
            "f32" | "float32" => Ok(Precision::F32),
            "bf16" | "bfloat16" => Ok(Precision::Bf16),
            "f16" | "float16" | "half" => Ok(Precision::F16),
            other => bail!("unknown precision \"{other}\" (expected \"f32\", \"bf16\" or \"f16\")"),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Precision::F32 => "f32",
            Precision::Bf16 => "bf16",
            Precision::F16 => "f16",
        }
    }

    fn is_f32(&self) -> bool {
        *self == Precision::F32
    }

    /// The half dtype activations are computed in, if any.
    pub fn half(&self) -> Option<DType> {
        match self {
            Precision::F32 => None,
            Precision::Bf16 => Some(DType::BF16),
            Precision::F16 => Some(DType::F16),
        }
    }
}

/// A network with weights. Clones share weights (like references in Python);
/// [`Network::deep_copy`] makes an independent copy.
#[derive(Clone, Debug)]
pub struct Network {
    pub spec: NetworkSpec,
    pub layers: Vec<Layer>,
    pub device: Device,
    /// Dropout draws when `forward` is called in training mode outside `fit`.
    pub rng: Arc<Mutex<Rng>>,
}

impl Network {
    pub fn new(spec: NetworkSpec, device: &Device) -> Result<Network> {
        if spec.layers.is_empty() {
            bail!("a network needs at least one layer");
        }
        let mut rng = Rng::new(spec.seed);
        let layers = spec
            .layers
            .iter()
            .map(|l| Layer::init(l, &mut rng, device))
            .collect::<Result<Vec<_>>>()?;
        check_chain(&spec.layers)?;
        check_precision(&spec)?;
        let dropout_rng = rng.fork();
        Ok(Network {
            spec,
            layers,
            device: device.clone(),
            rng: Arc::new(Mutex::new(dropout_rng)),
        })
    }

    /// Multinomial logistic regression: one linear layer.
    pub fn logistic_regression(inputs: usize, classes: usize, seed: u64) -> Result<Network> {
        if classes < 2 {
            bail!("logistic_regression: needs at least 2 classes, got {classes}");
        }
        let spec = NetworkSpec {
            kind: "logistic_regression".into(),
            layers: vec![LayerSpec::Linear {
                inputs,
                outputs: classes,
                bias: true,
                zero_init: false,
            }],
            seed,
            precision: Default::default(),
        };
        Network::new(spec, &Device::Cpu)
    }

    /// A multi-layer perceptron: sizes = [inputs, hidden..., classes].
    pub fn mlp(
        sizes: &[usize],
        activation: Activation,
        dropout: f64,
        layer_norm: bool,
        seed: u64,
    ) -> Result<Network> {
        if sizes.len() < 2 {
            bail!("mlp: sizes must list at least inputs and outputs, e.g. [64, 256, 2]; got {sizes:?}");
        }
        if let Some(z) = sizes.iter().position(|&s| s == 0) {
            bail!("mlp: size {z} is 0 in {sizes:?}");
        }
        if !(0.0..1.0).contains(&dropout) {
            bail!("mlp: dropout must be in [0, 1), got {dropout}");
        }
        let mut layers = Vec::new();
        for (i, w) in sizes.windows(2).enumerate() {
            layers.push(LayerSpec::Linear {
                inputs: w[0],
                outputs: w[1],
                bias: true,
                zero_init: false,
            });
            if i + 2 < sizes.len() {
                if layer_norm {
                    layers.push(LayerSpec::LayerNorm {
                        size: w[1],
                        eps: 1e-5,
                    });
                }
                layers.push(LayerSpec::Activation { activation });
                if dropout > 0.0 {
                    layers.push(LayerSpec::Dropout { p: dropout });
                }
            }
        }
        Network::new(
            NetworkSpec {
                kind: "mlp".into(),
                layers,
                seed,
                precision: Default::default(),
            },
            &Device::Cpu,
        )
    }

    /// Logits for a batch; `rng` turns on training mode (dropout).
    pub fn forward_with(&self, x: &Tensor, mut rng: Option<&mut Rng>) -> Result<Tensor> {
        let mut h = x.to_device(&self.device)?;
        let half = self.spec.precision.half();
        // Layers compute in the dtype of their half-precision input: only this network's
        // precision makes one (a half input to an f32 network is widened here).
        if matches!(h.dtype(), DType::BF16 | DType::F16) || half.is_some() {
            h = h.to_dtype(half.unwrap_or(DType::F32))?;
        }
        let mut i = 0;
        while i < self.layers.len() {
            // A linear layer and the activation after it run as one fused op where they can.
            if let Some((y, used)) = super::fused::layer_pair(&self.layers[i..], &h)? {
                h = y;
                i += used;
                continue;
            }
            h = self.layers[i].forward(&h, rng.as_deref_mut())?;
            i += 1;
        }
        if half.is_some() {
            h = h.to_dtype(DType::F32)?;
        }
        Ok(h)
    }

    /// The same network (same weights) computing in another precision.
    pub fn with_precision(&self, precision: Precision) -> Result<Network> {
        let spec = NetworkSpec {
            precision,
            ..self.spec.clone()
        };
        check_precision(&spec)?;
        Ok(Network {
            spec,
            ..self.clone()
        })
    }

    /// Logits in evaluation mode (no dropout).
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        self.forward_with(x, None)
    }

    /// Named trainable variables: `"<layer index>.<weight|bias>"`.
    pub fn named_vars(&self) -> Vec<(String, Var)> {
        self.layers
            .iter()
            .enumerate()
            .flat_map(|(i, l)| {
                l.vars()
                    .into_iter()
                    .map(move |(n, v)| (format!("{i}.{n}"), v.clone()))
            })
            .collect()
    }

    pub fn vars(&self) -> Vec<Var> {
        self.named_vars().into_iter().map(|(_, v)| v).collect()
    }

    pub fn num_parameters(&self) -> usize {
        self.vars().iter().map(|v| v.elem_count()).sum()
    }

    /// Input width (features) the first layer expects, where it is known.
    pub fn inputs(&self) -> Option<usize> {
        self.spec
            .layers
            .iter()
            .find_map(|l| match l {
                LayerSpec::Linear { inputs, .. } => Some(*inputs),
                LayerSpec::LayerNorm { size, .. } => Some(*size),
                LayerSpec::Embedding { .. }
                | LayerSpec::Pretrained(_)
                | LayerSpec::Lm(_)
                | LayerSpec::TransformerEncoder(_) => Some(0),
                _ => None,
            })
            .filter(|&i| i > 0)
    }

    /// Number of outputs (classes) of the last layer with a width.
    pub fn outputs(&self) -> Option<usize> {
        self.spec.layers.iter().rev().find_map(|l| match l {
            LayerSpec::Linear { outputs, .. } => Some(*outputs),
            LayerSpec::LayerNorm { size, .. } => Some(*size),
            LayerSpec::Embedding { dim, .. } => Some(*dim),
            _ => None,
        })
    }

    /// An independent copy with the same weights.
    pub fn deep_copy(&self) -> Result<Network> {
        let fresh = Network::new(self.spec.clone(), &self.device)?;
        for ((_, dst), (_, src)) in fresh.named_vars().iter().zip(self.named_vars()) {
            dst.set(&src.as_tensor().copy()?)?;
        }
        let rng = self
            .rng
            .lock()
            .map(|r| r.clone())
            .unwrap_or_else(|_| Rng::new(self.spec.seed));
        Ok(Network {
            rng: Arc::new(Mutex::new(rng)),
            ..fresh
        })
    }

    /// The same architecture, freshly initialised from another seed.
    pub fn fresh(&self, seed: u64) -> Result<Network> {
        Network::new(
            NetworkSpec {
                seed,
                ..self.spec.clone()
            },
            &self.device,
        )
    }

    /// Move the weights to another device (a new network; the original is untouched).
    pub fn to_device(&self, device: &Device) -> Result<Network> {
        let moved = Network::new(self.spec.clone(), device)?;
        for ((_, dst), (_, src)) in moved.named_vars().iter().zip(self.named_vars()) {
            dst.set(&src.as_tensor().to_device(device)?)?;
        }
        Ok(moved)
    }

    /// One line per layer, for display.
    pub fn summary(&self) -> Vec<(String, usize)> {
        self.spec
            .layers
            .iter()
            .zip(&self.layers)
            .map(|(s, l)| {
                (
                    s.describe(),
                    l.vars().iter().map(|(_, v)| v.elem_count()).sum(),
                )
            })
            .collect()
    }
}

/// Mixed precision covers the layers whose half-precision forward is written (MLPs): say
/// which layer it does not cover.
fn check_precision(spec: &NetworkSpec) -> Result<()> {
    if spec.precision.is_f32() {
        return Ok(());
    }
    for l in &spec.layers {
        if !matches!(
            l,
            LayerSpec::Linear { .. }
                | LayerSpec::LayerNorm { .. }
                | LayerSpec::Activation { .. }
                | LayerSpec::Dropout { .. }
        ) {
            bail!(
                "precision {}: mixed precision is available for networks of linear, layer_norm, \
                 activation and dropout layers, not {}",
                spec.precision.name(),
                l.describe()
            );
        }
    }
    Ok(())
}

/// Adjacent linear layers must agree on widths: say which ones do not.
fn check_chain(layers: &[LayerSpec]) -> Result<()> {
    let mut width: Option<(usize, usize)> = None; // (width, layer index that set it)
    for (i, l) in layers.iter().enumerate() {
        match l {
            LayerSpec::Linear {
                inputs, outputs, ..
            } => {
                if let Some((w, j)) = width {
                    if w != *inputs {
                        bail!("layer {i} ({}) expects {inputs} inputs but layer {j} ({}) produces {w}", l.describe(), layers[j].describe());
                    }
                }
                width = Some((*outputs, i));
            }
            LayerSpec::LayerNorm { size, .. } => {
                if let Some((w, j)) = width {
                    if w != *size {
                        bail!(
                            "layer {i} ({}) expects width {size} but layer {j} ({}) produces {w}",
                            l.describe(),
                            layers[j].describe()
                        );
                    }
                }
            }
            LayerSpec::Embedding { dim, .. } => width = Some((*dim, i)),
            LayerSpec::Pretrained(p) => width = Some((p.dim, i)),
            LayerSpec::TransformerEncoder(t) => width = Some((t.dim, i)),
            LayerSpec::Lm(l) => width = Some((l.dim, i)),
            LayerSpec::Flatten => width = None,
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_weights_and_copies_are_independent() {
        let a = Network::mlp(&[4, 8, 3], Activation::Relu, 0.0, false, 1).unwrap();
        let b = Network::mlp(&[4, 8, 3], Activation::Relu, 0.0, false, 1).unwrap();
        let c = Network::mlp(&[4, 8, 3], Activation::Relu, 0.0, false, 2).unwrap();
        let w = |n: &Network| n.vars()[0].flatten_all().unwrap().to_vec1::<f32>().unwrap();
        assert_eq!(w(&a), w(&b));
        assert_ne!(w(&a), w(&c));
        assert_eq!(a.num_parameters(), 4 * 8 + 8 + 8 * 3 + 3);
        let copy = a.deep_copy().unwrap();
        a.vars()[0].set(&a.vars()[0].zeros_like().unwrap()).unwrap();
        assert_eq!(w(&copy), w(&b));
        let shared = a.clone();
        assert!(w(&shared).iter().all(|v| *v == 0.0));
    }

    #[test]
    fn mismatched_layers_are_named() {
        let spec = NetworkSpec {
            kind: "sequential".into(),
            layers: vec![
                LayerSpec::Linear {
                    inputs: 4,
                    outputs: 8,
                    bias: true,
                    zero_init: false,
                },
                LayerSpec::Linear {
                    inputs: 5,
                    outputs: 2,
                    bias: true,
                    zero_init: false,
                },
            ],
            seed: 0,
            precision: Default::default(),
        };
        let e = Network::new(spec, &Device::Cpu).unwrap_err();
        assert_eq!(
            e.message(),
            "layer 1 (linear(5 → 2)) expects 5 inputs but layer 0 (linear(4 → 8)) produces 8"
        );
        let net = Network::logistic_regression(3, 2, 0).unwrap();
        let x = Tensor::zeros((2, 4), candle_core::DType::F32, &Device::Cpu).unwrap();
        let e = net.forward(&x).unwrap_err();
        assert!(
            e.message()
                .contains("input of shape [2, 4] has 4 features where 3 were expected"),
            "{e}"
        );
    }
}
