//! The `nn` Rhai module: model constructors, layers for custom architectures, prediction,
//! copies, saving and loading.

use super::layers::{Activation, LayerSpec};
use super::network::{Network, NetworkSpec, Precision};
use super::save;
use crate::bind;
use crate::data::Dataset;
use crate::error::RhaiResult;
use crate::opts::Opts;
use crate::tensor::bindings::DeviceHandle;
use crate::tensor::build::from_dynamic;
use crate::tensor::{device::device_name, Tensor};
use crate::train::Classifier;
use candle_core::DType;
use ladder_scripting::rhai::{Array, Dynamic, Engine, Map, FLOAT, INT};
use ladder_scripting::{MimeBundle, Render, Renderers};

crate::type_names! {
    Network => "Model",
    LayerSpec => "Layer",
}

impl Render for Network {
    fn mime_bundle(&self) -> MimeBundle {
        let layers = self.summary();
        // Mixed precision shows beside the device ("cpu, bf16"); f32 is the default and unsaid.
        let precision = match self.spec.precision.half() {
            Some(_) => format!(", {}", self.spec.precision.name()),
            None => String::new(),
        };
        let head = format!(
            "Model {} ({} parameters, seed {}, {}{precision})",
            self.spec.kind,
            self.num_parameters(),
            self.spec.seed,
            device_name(&self.device)
        );
        let mut text = head.clone();
        let mut html = format!("<div class=\"ladder-model\"><p>{head}</p><table><thead><tr><th>#</th><th>layer</th><th>parameters</th></tr></thead><tbody>");
        for (i, (d, p)) in layers.iter().enumerate() {
            text.push_str(&format!("\n  {i:>2}  {d:<32} {p:>8}"));
            html.push_str(&format!(
                "<tr><td>{i}</td><td>{}</td><td>{p}</td></tr>",
                ladder_scripting::html::escape(d)
            ));
        }
        html.push_str("</tbody></table></div>");
        MimeBundle::text(text).with_html(html)
    }
}

impl Render for LayerSpec {
    fn mime_bundle(&self) -> MimeBundle {
        MimeBundle::text(format!("Layer {}", self.describe()))
    }
}

/// Features from a tensor, an array or a data set.
fn features(v: Dynamic) -> RhaiResult<Tensor> {
    if let Some(d) = v.clone().try_cast::<Dataset>() {
        return Ok(d.x);
    }
    let texts = v
        .read_lock::<Array>()
        .is_some_and(|a| a.first().is_some_and(Dynamic::is_string));
    if texts {
        return Err(
            "a model takes numbers (a text model, token ids), not texts: encode them \
                    with the tokenizer it was trained on, tok.encode(texts, #{max_len: n}).ids, \
                    or tokenize(data, tok) for a data set"
                .into(),
        );
    }
    Ok(from_dynamic(&v, None)?)
}

fn sizes(a: &Array) -> RhaiResult<Vec<usize>> {
    a.iter()
        .map(|v| match v.as_int() {
            Ok(n) if n > 0 => Ok(n as usize),
            _ => Err(format!("mlp: sizes must be positive integers, found {v}").into()),
        })
        .collect()
}

fn layer_specs(a: &Array) -> RhaiResult<Vec<LayerSpec>> {
    a.iter()
        .enumerate()
        .map(|(i, v)| {
            v.clone().try_cast::<LayerSpec>().ok_or_else(|| format!("sequential: item {i} is {}, not a layer (use linear(..), relu(), dropout(..), ...)", crate::error::a_type(v.type_name())).into())
        })
        .collect()
}

fn seed_of(o: &mut Opts) -> RhaiResult<u64> {
    Ok(o.int("seed", 0)? as u64)
}

/// Logistic regression's sizes as given, refused before they are clamped or wrapped.
fn logistic_sizes(inputs: INT, classes: INT) -> RhaiResult<(usize, usize)> {
    if inputs < 1 {
        return Err(format!("logistic_regression: needs at least 1 input, got {inputs}").into());
    }
    if classes < 2 {
        return Err(format!("logistic_regression: needs at least 2 classes, got {classes}").into());
    }
    Ok((inputs as usize, classes as usize))
}

/// A linear layer's sizes as given (`linear(3, -1)`, or a weight `max_memory` cannot hold, is
/// refused here, naming the sizes, not where `sequential` builds it).
fn linear_sizes(inputs: INT, outputs: INT) -> RhaiResult<(usize, usize)> {
    if inputs < 1 || outputs < 1 {
        return Err(format!("linear: sizes must be positive, got {inputs} → {outputs}").into());
    }
    let (inputs, outputs) = (inputs as usize, outputs as usize);
    crate::tensor::budget::check_f32("linear", &[outputs, inputs])?;
    Ok((inputs, outputs))
}

/// Dropout's probability, in [0, 1) (NaN is refused too).
fn dropout_p(o: &Opts, p: f64) -> RhaiResult<f64> {
    if !(0.0..1.0).contains(&p) {
        return Err(o
            .fail("dropout", format!("must be in [0, 1), got {p}"))
            .into());
    }
    Ok(p)
}

pub fn register(engine: &mut Engine, renderers: &mut Renderers) {
    crate::doc::register_rendered::<Network>(engine, renderers);
    crate::doc::register_rendered::<LayerSpec>(engine, renderers);
    models(engine);
    layers(engine);
    use_models(engine);
}

fn models(engine: &mut Engine) {
    bind!(
        engine,
        /// Multinomial logistic regression (one linear layer), initialised from seed 0. Train it with `fit`.
        fn logistic_regression(inputs: INT, classes: INT) -> RhaiResult<Network> {
            let (inputs, classes) = logistic_sizes(inputs, classes)?;
            Ok(Network::logistic_regression(inputs, classes, 0)?)
        },
        /// Logistic regression. Options: `seed` (0), `bias` (true), `zero_init` (false: the W2S reference head is zero-initialised without bias).
        fn logistic_regression(inputs: INT, classes: INT, options: Map) -> RhaiResult<Network> {
            let mut options = Opts::new("logistic_regression", options);
            let seed = seed_of(&mut options)?;
            let bias = options.bool("bias", true)?;
            let zero_init = options.bool("zero_init", false)?;
            options.finish()?;
            let (inputs, classes) = logistic_sizes(inputs, classes)?;
            let spec = NetworkSpec {
                kind: "logistic_regression".into(),
                layers: vec![LayerSpec::Linear {
                    inputs,
                    outputs: classes,
                    bias,
                    zero_init,
                }],
                seed,
                precision: Default::default(),
            };
            Ok(Network::new(spec, &candle_core::Device::Cpu)?)
        }
    );
    bind!(
        engine,
        /// A multi-layer perceptron: sizes = [inputs, hidden..., classes], ReLU, no dropout, seed 0.
        /// Example: `mlp([30, 64, 2])`
        fn mlp(sizes: Array) -> RhaiResult<Network> {
            Ok(Network::mlp(
                &self::sizes(&sizes)?,
                Activation::Relu,
                0.0,
                false,
                0,
            )?)
        },
        /// A multi-layer perceptron. Options: `activation` ("relu", "gelu", "tanh", "sigmoid", "silu"), `dropout` (0.0), `layer_norm` (false), `seed` (0), `precision` ("f32"; "bf16" or "f16": mixed precision, activations and products in half precision, f32 weights and logits).
        fn mlp(sizes: Array, options: Map) -> RhaiResult<Network> {
            let mut options = Opts::new("mlp", options);
            let act = Activation::parse(&options.string("activation", "relu")?)?;
            let dropout = options.float("dropout", 0.0)?;
            let dropout = dropout_p(&options, dropout)?;
            let ln = options.bool("layer_norm", false)?;
            let seed = seed_of(&mut options)?;
            let precision = Precision::parse(&options.string("precision", "f32")?)?;
            options.finish()?;
            Ok(Network::mlp(&self::sizes(&sizes)?, act, dropout, ln, seed)?
                .with_precision(precision)?)
        }
    );
    bind!(
        engine,
        /// A model from layers, initialised from seed 0.
        /// Example: `sequential([linear(4, 16), relu(), dropout(0.1), linear(16, 3)])`
        fn sequential(layers: Array) -> RhaiResult<Network> {
            Ok(Network::new(
                NetworkSpec {
                    kind: "sequential".into(),
                    layers: layer_specs(&layers)?,
                    seed: 0,
                    precision: Default::default(),
                },
                &candle_core::Device::Cpu,
            )?)
        },
        /// A model from layers, initialised from the seed.
        fn sequential(layers: Array, seed: INT) -> RhaiResult<Network> {
            Ok(Network::new(
                NetworkSpec {
                    kind: "sequential".into(),
                    layers: layer_specs(&layers)?,
                    seed: seed as u64,
                    precision: Default::default(),
                },
                &candle_core::Device::Cpu,
            )?)
        }
    );
}

fn layers(engine: &mut Engine) {
    bind!(
        engine,
        /// A linear layer y = xW + b (PyTorch's uniform init).
        fn linear(
            inputs: INT,
            outputs: INT,
        ) -> Result<LayerSpec, Box<ladder_scripting::rhai::EvalAltResult>> {
            let (inputs, outputs) = linear_sizes(inputs, outputs)?;
            Ok(LayerSpec::Linear {
                inputs,
                outputs,
                bias: true,
                zero_init: false,
            })
        },
        /// A linear layer. Options: `bias` (true), `zero_init` (false).
        fn linear(inputs: INT, outputs: INT, options: Map) -> RhaiResult<LayerSpec> {
            let mut options = Opts::new("linear", options);
            let (bias, zero_init) = (
                options.bool("bias", true)?,
                options.bool("zero_init", false)?,
            );
            options.finish()?;
            let (inputs, outputs) = linear_sizes(inputs, outputs)?;
            Ok(LayerSpec::Linear {
                inputs,
                outputs,
                bias,
                zero_init,
            })
        },
        /// Layer normalisation over the last axis (eps 1e-5), learnable scale and shift.
        fn layer_norm(size: INT) -> RhaiResult<LayerSpec> {
            if size < 1 {
                return Err(format!("layer_norm: size must be positive, got {size}").into());
            }
            Ok(LayerSpec::LayerNorm {
                size: size as usize,
                eps: 1e-5,
            })
        },
        /// A lookup table: integer ids → rows of a (vocab × dim) table, N(0, 1) init.
        fn embedding(vocab: INT, dim: INT) -> RhaiResult<LayerSpec> {
            if vocab < 1 || dim < 1 {
                return Err(format!(
                    "embedding: vocab and dim must be positive, got vocab = {vocab}, dim = {dim}"
                )
                .into());
            }
            let (vocab, dim) = (vocab as usize, dim as usize);
            crate::tensor::budget::check_f32("embedding", &[vocab, dim])?;
            Ok(LayerSpec::Embedding { vocab, dim })
        },
        /// Zero each value with probability p while training (seeded), scaled by 1/(1-p); identity when predicting.
        fn dropout(p: FLOAT) -> RhaiResult<LayerSpec> {
            if !(0.0..1.0).contains(&p) {
                return Err(format!("dropout: p must be in [0, 1), got {p}").into());
            }
            Ok(LayerSpec::Dropout { p })
        }
    );
    for (name, act) in [
        ("relu", Activation::Relu),
        ("gelu", Activation::Gelu),
        ("tanh", Activation::Tanh),
        ("sigmoid", Activation::Sigmoid),
        ("silu", Activation::Silu),
    ] {
        bind!(engine,
            /// An activation layer (use it inside `sequential([...])`).
            fn [name]() -> RhaiResult<LayerSpec> { Ok(LayerSpec::Activation { activation: act }) }
        );
    }
    bind!(
        engine,
        /// An activation layer by name: relu, gelu, tanh, sigmoid, silu, identity.
        fn activation(name: &str) -> RhaiResult<LayerSpec> {
            Ok(LayerSpec::Activation {
                activation: Activation::parse(name)?,
            })
        },
        /// Mean over axis 1 (e.g. a sequence of embeddings → one vector).
        fn mean_pool() -> RhaiResult<LayerSpec> {
            Ok(LayerSpec::MeanPool)
        },
        /// Merge every axis after the first.
        fn flatten() -> RhaiResult<LayerSpec> {
            Ok(LayerSpec::Flatten)
        }
    );
}

fn use_models(engine: &mut Engine) {
    bind!(engine,
        /// Logits for a batch in evaluation mode, keeping the autograd graph (for training loops written in Rhai).
        fn forward(model: Network, x: Tensor) -> RhaiResult<Tensor> { Ok(Tensor(model.forward(&x)?)) }

        /// Logits for a batch; `train = true` turns dropout on (drawn from the model's seeded generator).
        fn forward(model: Network, x: Tensor, train: bool) -> RhaiResult<Tensor> {
            if !train { return Ok(Tensor(model.forward(&x)?)); }
            let rng = model.rng.clone();
            let mut rng = rng.lock().map_err(|_| "forward: the model's generator is poisoned".to_string())?;
            Ok(Tensor(model.forward_with(&x, Some(&mut rng))?))
        }

        /// Class scores (rows × classes), no gradient.
        fn logits(model: Network, x: Dynamic as "Tensor|Dataset") -> RhaiResult<Tensor> { Ok(Tensor(model.logits(&features(x)?.0)?)) }

        /// Class probabilities (softmax of the logits).
        fn predict_proba(model: Network, x: Dynamic as "Tensor|Dataset") -> RhaiResult<Tensor> {
            Ok(Tensor(model.predict_proba(&features(x)?.0)?))
        }

        /// The most likely class per row (i64).
        fn predict(model: Network, x: Dynamic as "Tensor|Dataset") -> RhaiResult<Tensor> {
            Ok(Tensor(
                model.predict(&features(x)?.0)?
                    .to_dtype(DType::I64)
                    .map_err(crate::error::Error::from)?,
            ))
        }

        /// Share of rows whose predicted class equals the label.
        fn accuracy(model: Network, data: Dataset) -> RhaiResult<FLOAT> { Ok(model.accuracy(&data)?) }

        /// #{loss, accuracy}: mean cross-entropy and accuracy on a data set.
        fn evaluate(model: Network, data: Dataset) -> RhaiResult<Map> {
            let (l, a) = crate::train::evaluate(&model, &data)?;
            let mut map = Map::new();
            map.insert("loss".into(), Dynamic::from_float(l));
            map.insert("accuracy".into(), Dynamic::from_float(a));
            Ok(map)
        }

        /// An independent copy with the same weights (plain assignment shares weights).
        fn copy(model: Network) -> RhaiResult<Network> { Ok(model.deep_copy()?) }

        /// The same architecture, untrained, initialised from another seed.
        fn fresh(model: Network, seed: INT) -> RhaiResult<Network> { Ok(Network::fresh(&model, seed as u64)?) }

        /// A copy of the model on another device.
        fn to(model: Network, device: DeviceHandle) -> RhaiResult<Network> { Ok(model.to_device(&device.0)?) }

        /// Save weights (path.safetensors) and architecture (path.json), each written atomically. Returns the weights path.
        fn save_model(model: Network, path: &str) -> RhaiResult<String> { Ok(save::save(&model, path)?.0.display().to_string()) }

        /// Rebuild a model saved with `save_model` (path with or without .safetensors).
        fn load_model(path: &str) -> RhaiResult<Network> { Ok(save::load(path)?) }
    );
    engine.register_get("n_params", |m: &mut Network| m.num_parameters() as INT);
    engine.register_get("device", |m: &mut Network| device_name(&m.device));
    engine.register_get("precision", |m: &mut Network| {
        m.spec.precision.name().to_string()
    });
    engine.register_get("kind", |m: &mut Network| m.spec.kind.clone());
    engine.register_get("seed", |m: &mut Network| m.spec.seed as INT);
}
