//! Layers: a serialisable spec (what to build) and its initialised form (weights as candle
//! `Var`s). Initialisation draws from the project's seeded generator.

use super::functional::{dropout, var};
use super::pretrained::{PretrainedLayer, PretrainedSpec};
use super::transformer::{TransformerLayer, TransformerSpec};
use crate::bail;
use crate::decoder::train::layer::{LmLayer, LmSpec};
use crate::error::Result;
use crate::rng::Rng;
use crate::tensor::ops::{log_softmax, softmax};
use candle_core::{DType, Device, Tensor, Var};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activation {
    Relu,
    Gelu,
    Tanh,
    Sigmoid,
    Silu,
    Identity,
}

impl Activation {
    pub fn parse(name: &str) -> Result<Activation> {
        Ok(match name {
            "relu" => Activation::Relu,
            "gelu" => Activation::Gelu,
            "tanh" => Activation::Tanh,
            "sigmoid" => Activation::Sigmoid,
            "silu" | "swish" => Activation::Silu,
            "identity" | "linear" | "none" => Activation::Identity,
            other => bail!("unknown activation \"{other}\" (expected relu, gelu, tanh, sigmoid, silu or identity)"),
        })
    }

    pub fn apply(self, x: &Tensor) -> Result<Tensor> {
        Ok(match self {
            Activation::Relu => x.relu()?,
            Activation::Gelu => x.gelu_erf()?,
            Activation::Tanh => x.tanh()?,
            Activation::Sigmoid => (x.neg()?.exp()? + 1.0)?.recip()?,
            Activation::Silu => x.silu()?,
            Activation::Identity => x.clone(),
        })
    }
}

/// What a layer is, independent of its weights (saved as JSON next to the weights).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LayerSpec {
    /// y = x W + b, W of shape (inputs, outputs); PyTorch's init U(±1/√inputs) unless `zero_init`.
    Linear {
        inputs: usize,
        outputs: usize,
        bias: bool,
        #[serde(default)]
        zero_init: bool,
    },
    /// Normalise the last axis to zero mean / unit variance, then scale and shift.
    LayerNorm {
        size: usize,
        eps: f64,
    },
    /// Integer ids → rows of a (vocab, dim) table initialised N(0, 1).
    Embedding {
        vocab: usize,
        dim: usize,
    },
    /// Zero entries with probability p while training (scaled by 1/(1-p)); identity otherwise.
    Dropout {
        p: f64,
    },
    Activation {
        activation: Activation,
    },
    /// Mean over axis 1 (e.g. over a sequence of embeddings).
    MeanPool,
    /// Merge every axis after the first.
    Flatten,
    /// A pretrained BERT-family encoder: token ids → pooled embedding (nn/pretrained.rs).
    Pretrained(PretrainedSpec),
    /// A transformer encoder trained from scratch: token ids → pooled (n, dim) (nn/transformer.rs).
    TransformerEncoder(TransformerSpec),
    /// A decoder LM, frozen or with LoRA adapters: token ids → pooled (n, dim) (decoder/train/layer.rs).
    Lm(LmSpec),
}

impl LayerSpec {
    pub fn describe(&self) -> String {
        match self {
            LayerSpec::Linear {
                inputs,
                outputs,
                bias,
                zero_init,
            } => format!(
                "linear({inputs} → {outputs}{}{})",
                if *bias { "" } else { ", no bias" },
                if *zero_init { ", zero init" } else { "" }
            ),
            LayerSpec::LayerNorm { size, .. } => format!("layer_norm({size})"),
            LayerSpec::Embedding { vocab, dim } => format!("embedding({vocab} × {dim})"),
            LayerSpec::Dropout { p } => format!("dropout({p})"),
            LayerSpec::Activation { activation } => format!("{activation:?}").to_lowercase(),
            LayerSpec::MeanPool => "mean_pool".into(),
            LayerSpec::Flatten => "flatten".into(),
            LayerSpec::Pretrained(p) => p.describe(),
            LayerSpec::TransformerEncoder(t) => t.describe(),
            LayerSpec::Lm(l) => l.describe(),
        }
    }
}

/// An initialised layer.
#[derive(Clone, Debug)]
pub enum Layer {
    Linear { w: Var, b: Option<Var> },
    LayerNorm { gamma: Var, beta: Var, eps: f64 },
    Embedding { table: Var },
    Dropout { p: f64 },
    Activation(Activation),
    MeanPool,
    Flatten,
    Pretrained(PretrainedLayer),
    TransformerEncoder(Box<TransformerLayer>),
    Lm(Box<LmLayer>),
}

impl Layer {
    /// Build a layer from its spec, drawing initial weights from `rng`.
    pub fn init(spec: &LayerSpec, rng: &mut Rng, device: &Device) -> Result<Layer> {
        Ok(match spec {
            LayerSpec::Linear {
                inputs,
                outputs,
                bias,
                zero_init,
            } => {
                if *inputs == 0 || *outputs == 0 {
                    bail!("linear: sizes must be positive, got {inputs} → {outputs}");
                }
                crate::tensor::budget::check_f32("linear layer weights", &[*inputs, *outputs])?;
                let bound = 1.0 / (*inputs as f32).sqrt();
                let n = inputs * outputs;
                let w = if *zero_init {
                    vec![0.0; n]
                } else {
                    rng.uniform_vec(n, -bound, bound)
                };
                let b = if *bias {
                    let v = if *zero_init {
                        vec![0.0; *outputs]
                    } else {
                        rng.uniform_vec(*outputs, -bound, bound)
                    };
                    Some(var(v, &[*outputs], device)?)
                } else {
                    None
                };
                Layer::Linear {
                    w: var(w, &[*inputs, *outputs], device)?,
                    b,
                }
            }
            LayerSpec::LayerNorm { size, eps } => {
                if *size == 0 {
                    bail!("layer_norm: size must be positive, got 0");
                }
                Layer::LayerNorm {
                    gamma: var(vec![1.0; *size], &[*size], device)?,
                    beta: var(vec![0.0; *size], &[*size], device)?,
                    eps: *eps,
                }
            }
            LayerSpec::Embedding { vocab, dim } => Layer::Embedding {
                table: {
                    if *vocab == 0 || *dim == 0 {
                        bail!("embedding: vocab and dim must be positive, got vocab = {vocab}, dim = {dim}");
                    }
                    crate::tensor::budget::check_f32("embedding table", &[*vocab, *dim])?;
                    var(
                        rng.normal_vec(vocab * dim, 0.0, 1.0),
                        &[*vocab, *dim],
                        device,
                    )?
                },
            },
            LayerSpec::Dropout { p } => {
                if !(0.0..1.0).contains(p) {
                    bail!("dropout: p must be in [0, 1), got {p}");
                }
                Layer::Dropout { p: *p }
            }
            LayerSpec::Activation { activation } => Layer::Activation(*activation),
            LayerSpec::MeanPool => Layer::MeanPool,
            LayerSpec::Flatten => Layer::Flatten,
            LayerSpec::Pretrained(p) => Layer::Pretrained(PretrainedLayer::init(p, device)?),
            LayerSpec::TransformerEncoder(t) => {
                Layer::TransformerEncoder(Box::new(TransformerLayer::init(t, rng, device)?))
            }
            LayerSpec::Lm(l) => Layer::Lm(Box::new(LmLayer::init(l, rng, device)?)),
        })
    }

    /// Apply the layer; `rng` is given only in training mode (dropout is active then).
    pub fn forward(&self, x: &Tensor, rng: Option<&mut Rng>) -> Result<Tensor> {
        Ok(match self {
            Layer::Linear { w, b } => {
                let (inputs, outputs) = w.dims2()?;
                let last = *x.dims().last().unwrap_or(&0);
                if last != inputs {
                    bail!("linear({inputs} → {outputs}): input of shape {:?} has {last} features where {inputs} were expected", x.dims());
                }
                // A half-precision input (a mixed-precision network) casts the f32 weights
                // to its dtype; anything else computes in f32.
                let dtype = match x.dtype() {
                    d @ (DType::BF16 | DType::F16) => d,
                    _ => DType::F32,
                };
                let x = x.to_dtype(dtype)?;
                let w = w.as_tensor().to_dtype(dtype)?;
                let y = if x.rank() == 2 {
                    x.matmul(&w)?
                } else {
                    x.broadcast_matmul(&w)?
                };
                match b {
                    Some(b) => y.broadcast_add(&b.as_tensor().to_dtype(dtype)?)?,
                    None => y,
                }
            }
            Layer::LayerNorm { gamma, beta, eps } => {
                let size = gamma.dims1()?;
                if x.dims().last() != Some(&size) {
                    bail!(
                        "layer_norm({size}): input of shape {:?} does not end in {size}",
                        x.dims()
                    );
                }
                // Statistics in f32 whatever the activations' dtype: half precision loses
                // too much in the variance of wide rows.
                let dtype = x.dtype();
                let x = x.to_dtype(DType::F32)?;
                let ax = x.rank() - 1;
                let mean = x.mean_keepdim(ax)?;
                let centred = x.broadcast_sub(&mean)?;
                let var = centred.sqr()?.mean_keepdim(ax)?;
                let normed = centred.broadcast_div(&(var + *eps)?.sqrt()?)?;
                normed
                    .broadcast_mul(gamma.as_tensor())?
                    .broadcast_add(beta.as_tensor())?
                    .to_dtype(dtype)?
            }
            Layer::Embedding { table } => {
                let (vocab, _) = table.dims2()?;
                let ids = x.to_dtype(DType::F64)?.flatten_all()?.to_vec1::<f64>()?;
                if let Some(bad) = ids
                    .iter()
                    .find(|&&i| i < 0.0 || i >= vocab as f64 || i.fract() != 0.0)
                {
                    bail!("embedding({vocab} × _): id {bad} is not in 0..{vocab}");
                }
                let idx = Tensor::from_vec(
                    ids.iter().map(|&i| i as u32).collect::<Vec<_>>(),
                    ids.len(),
                    x.device(),
                )?;
                let rows = table.as_tensor().index_select(&idx, 0)?;
                let mut shape = x.dims().to_vec();
                shape.push(table.dims2()?.1);
                rows.reshape(shape)?
            }
            Layer::Dropout { p } => dropout(x, *p, rng)?,
            Layer::Activation(a) => a.apply(x)?,
            Layer::MeanPool => {
                if x.rank() < 3 {
                    bail!(
                        "mean_pool: expects (batch, sequence, features), got shape {:?}",
                        x.dims()
                    );
                }
                x.mean(1)?
            }
            Layer::Flatten => x.flatten_from(1)?,
            Layer::Pretrained(p) => p.forward(x, rng.is_some())?,
            Layer::TransformerEncoder(t) => t.forward(x, rng)?,
            Layer::Lm(l) => l.forward(x, rng.is_some())?,
        })
    }

    /// Trainable variables with their names (`weight`, `bias`, ...).
    pub fn vars(&self) -> Vec<(Cow<'static, str>, &Var)> {
        match self {
            Layer::Linear { w, b } => {
                let mut v = vec![("weight".into(), w)];
                if let Some(b) = b {
                    v.push(("bias".into(), b));
                }
                v
            }
            Layer::LayerNorm { gamma, beta, .. } => {
                vec![("weight".into(), gamma), ("bias".into(), beta)]
            }
            Layer::Embedding { table } => vec![("weight".into(), table)],
            Layer::Pretrained(p) => p.vars(),
            Layer::TransformerEncoder(t) => t.vars(),
            Layer::Lm(l) => l.vars(),
            _ => vec![],
        }
    }
}

/// Keep the helpers used by losses reachable from here too.
pub fn probabilities(logits: &Tensor) -> Result<Tensor> {
    softmax(logits, logits.rank() - 1)
}

pub fn log_probabilities(logits: &Tensor) -> Result<Tensor> {
    log_softmax(logits, logits.rank() - 1)
}
