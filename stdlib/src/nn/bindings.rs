//! The `nn` Rhai module: model constructors, layers for custom architectures, prediction,
//! copies, saving and loading.

use super::layers::{Activation, LayerSpec};
use super::network::{Network, NetworkSpec};
use super::save;
use crate::data::Dataset;
use crate::error::RhaiResult;
use crate::opts::Opts;
use crate::reg;
use crate::tensor::bindings::DeviceHandle;
use crate::tensor::build::from_dynamic;
use crate::tensor::{device::device_name, Tensor};
use crate::train::Classifier;
use candle_core::DType;
use ladder_scripting::rhai::{Array, Dynamic, Engine, Map, FLOAT, INT};
use ladder_scripting::{MimeBundle, Render, Renderers};

impl Render for Network {
    fn mime_bundle(&self) -> MimeBundle {
        let layers = self.summary();
        let head = format!(
            "Model {} ({} parameters, seed {}, {})",
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
            v.clone().try_cast::<LayerSpec>().ok_or_else(|| format!("sequential: item {i} is a {}, not a layer (use linear(..), relu(), dropout(..), ...)", v.type_name()).into())
        })
        .collect()
}

fn seed_of(o: &mut Opts) -> RhaiResult<u64> {
    Ok(o.int("seed", 0)? as u64)
}

pub fn register(engine: &mut Engine, renderers: &mut Renderers) {
    engine.register_type_with_name::<Network>("Model");
    engine.register_type_with_name::<LayerSpec>("Layer");
    renderers.register::<Network>();
    renderers.register::<LayerSpec>();
    models(engine);
    layers(engine);
    use_models(engine);
}

fn models(engine: &mut Engine) {
    reg!(engine, "logistic_regression", ["inputs: int", "classes: int", "Model"],
        "Multinomial logistic regression (one linear layer), initialised from seed 0. Train it with `fit`.",
        |i: INT, c: INT| -> RhaiResult<Network> { Ok(Network::logistic_regression(i.max(0) as usize, c.max(0) as usize, 0)?) });
    reg!(engine, "logistic_regression", ["inputs: int", "classes: int", "options: Map", "Model"],
        "Logistic regression. Options: `seed` (0), `bias` (true), `zero_init` (false: the W2S reference head is zero-initialised without bias).",
        |i: INT, c: INT, o: Map| -> RhaiResult<Network> {
            let mut o = Opts::new("logistic_regression", o);
            let seed = seed_of(&mut o)?;
            let bias = o.bool("bias", true)?;
            let zero_init = o.bool("zero_init", false)?;
            o.finish()?;
            if c < 2 { return Err(format!("logistic_regression: needs at least 2 classes, got {c}").into()); }
            let spec = NetworkSpec { kind: "logistic_regression".into(), layers: vec![LayerSpec::Linear { inputs: i.max(0) as usize, outputs: c as usize, bias, zero_init }], seed };
            Ok(Network::new(spec, &candle_core::Device::Cpu)?)
        });
    reg!(engine, "mlp", ["sizes: Array", "Model"],
        "A multi-layer perceptron: sizes = [inputs, hidden..., classes], ReLU, no dropout, seed 0.\nExample: `mlp([30, 64, 2])`",
        |s: Array| -> RhaiResult<Network> { Ok(Network::mlp(&sizes(&s)?, Activation::Relu, 0.0, false, 0)?) });
    reg!(engine, "mlp", ["sizes: Array", "options: Map", "Model"],
        "A multi-layer perceptron. Options: `activation` (\"relu\", \"gelu\", \"tanh\", \"sigmoid\", \"silu\"), `dropout` (0.0), `layer_norm` (false), `seed` (0).",
        |s: Array, o: Map| -> RhaiResult<Network> {
            let mut o = Opts::new("mlp", o);
            let act = Activation::parse(&o.string("activation", "relu")?)?;
            let dropout = o.float("dropout", 0.0)?;
            let ln = o.bool("layer_norm", false)?;
            let seed = seed_of(&mut o)?;
            o.finish()?;
            Ok(Network::mlp(&sizes(&s)?, act, dropout, ln, seed)?)
        });
    reg!(engine, "sequential", ["layers: Array", "Model"],
        "A model from layers, initialised from seed 0.\nExample: `sequential([linear(4, 16), relu(), dropout(0.1), linear(16, 3)])`",
        |l: Array| -> RhaiResult<Network> { Ok(Network::new(NetworkSpec { kind: "sequential".into(), layers: layer_specs(&l)?, seed: 0 }, &candle_core::Device::Cpu)?) });
    reg!(
        engine,
        "sequential",
        ["layers: Array", "seed: int", "Model"],
        "A model from layers, initialised from the seed.",
        |l: Array, s: INT| -> RhaiResult<Network> {
            Ok(Network::new(
                NetworkSpec {
                    kind: "sequential".into(),
                    layers: layer_specs(&l)?,
                    seed: s as u64,
                },
                &candle_core::Device::Cpu,
            )?)
        }
    );
}

fn layers(engine: &mut Engine) {
    reg!(
        engine,
        "linear",
        ["inputs: int", "outputs: int", "Layer"],
        "A linear layer y = xW + b (PyTorch's uniform init).",
        |i: INT, o: INT| -> Result<LayerSpec, Box<ladder_scripting::rhai::EvalAltResult>> {
            Ok(LayerSpec::Linear {
                inputs: i.max(0) as usize,
                outputs: o.max(0) as usize,
                bias: true,
                zero_init: false,
            })
        }
    );
    reg!(
        engine,
        "linear",
        ["inputs: int", "outputs: int", "options: Map", "Layer"],
        "A linear layer. Options: `bias` (true), `zero_init` (false).",
        |i: INT, o: INT, m: Map| -> RhaiResult<LayerSpec> {
            let mut m = Opts::new("linear", m);
            let (bias, zero_init) = (m.bool("bias", true)?, m.bool("zero_init", false)?);
            m.finish()?;
            Ok(LayerSpec::Linear {
                inputs: i.max(0) as usize,
                outputs: o.max(0) as usize,
                bias,
                zero_init,
            })
        }
    );
    reg!(
        engine,
        "layer_norm",
        ["size: int", "Layer"],
        "Layer normalisation over the last axis (eps 1e-5), learnable scale and shift.",
        |s: INT| -> RhaiResult<LayerSpec> {
            Ok(LayerSpec::LayerNorm {
                size: s.max(0) as usize,
                eps: 1e-5,
            })
        }
    );
    reg!(
        engine,
        "embedding",
        ["vocab: int", "dim: int", "Layer"],
        "A lookup table: integer ids → rows of a (vocab × dim) table, N(0, 1) init.",
        |v: INT, d: INT| -> RhaiResult<LayerSpec> {
            Ok(LayerSpec::Embedding {
                vocab: v.max(0) as usize,
                dim: d.max(0) as usize,
            })
        }
    );
    reg!(engine, "dropout", ["p: float", "Layer"], "Zero each value with probability p while training (seeded), scaled by 1/(1-p); identity when predicting.",
        |p: FLOAT| -> RhaiResult<LayerSpec> {
            if !(0.0..1.0).contains(&p) { return Err(format!("dropout: p must be in [0, 1), got {p}").into()); }
            Ok(LayerSpec::Dropout { p })
        });
    for (name, act) in [
        ("relu", Activation::Relu),
        ("gelu", Activation::Gelu),
        ("tanh", Activation::Tanh),
        ("sigmoid", Activation::Sigmoid),
        ("silu", Activation::Silu),
    ] {
        reg!(
            engine,
            name,
            ["Layer"],
            "An activation layer (use it inside `sequential([...])`).",
            move || -> RhaiResult<LayerSpec> { Ok(LayerSpec::Activation { activation: act }) }
        );
    }
    reg!(
        engine,
        "activation",
        ["name: string", "Layer"],
        "An activation layer by name: relu, gelu, tanh, sigmoid, silu, identity.",
        |n: &str| -> RhaiResult<LayerSpec> {
            Ok(LayerSpec::Activation {
                activation: Activation::parse(n)?,
            })
        }
    );
    reg!(
        engine,
        "mean_pool",
        ["Layer"],
        "Mean over axis 1 (e.g. a sequence of embeddings → one vector).",
        || -> RhaiResult<LayerSpec> { Ok(LayerSpec::MeanPool) }
    );
    reg!(
        engine,
        "flatten",
        ["Layer"],
        "Merge every axis after the first.",
        || -> RhaiResult<LayerSpec> { Ok(LayerSpec::Flatten) }
    );
}

fn use_models(engine: &mut Engine) {
    reg!(engine, "forward", ["model: Model", "x: Tensor", "Tensor"],
        "Logits for a batch in evaluation mode, keeping the autograd graph (for training loops written in Rhai).",
        |m: Network, x: Tensor| -> RhaiResult<Tensor> { Ok(Tensor(m.forward(&x)?)) });
    reg!(engine, "forward", ["model: Model", "x: Tensor", "train: bool", "Tensor"],
        "Logits for a batch; `train = true` turns dropout on (drawn from the model's seeded generator).",
        |m: Network, x: Tensor, train: bool| -> RhaiResult<Tensor> {
            if !train { return Ok(Tensor(m.forward(&x)?)); }
            let rng = m.rng.clone();
            let mut rng = rng.lock().map_err(|_| "forward: the model's generator is poisoned".to_string())?;
            Ok(Tensor(m.forward_with(&x, Some(&mut rng))?))
        });
    reg!(
        engine,
        "logits",
        ["model: Model", "x: Tensor|Dataset", "Tensor"],
        "Class scores (rows × classes), no gradient.",
        |m: Network, x: Dynamic| -> RhaiResult<Tensor> { Ok(Tensor(m.logits(&features(x)?.0)?)) }
    );
    reg!(
        engine,
        "predict_proba",
        ["model: Model", "x: Tensor|Dataset", "Tensor"],
        "Class probabilities (softmax of the logits).",
        |m: Network, x: Dynamic| -> RhaiResult<Tensor> {
            Ok(Tensor(m.predict_proba(&features(x)?.0)?))
        }
    );
    reg!(
        engine,
        "predict",
        ["model: Model", "x: Tensor|Dataset", "Tensor"],
        "The most likely class per row (i64).",
        |m: Network, x: Dynamic| -> RhaiResult<Tensor> {
            Ok(Tensor(
                m.predict(&features(x)?.0)?
                    .to_dtype(DType::I64)
                    .map_err(crate::error::Error::from)?,
            ))
        }
    );
    reg!(
        engine,
        "accuracy",
        ["model: Model", "data: Dataset", "float"],
        "Share of rows whose predicted class equals the label.",
        |m: Network, d: Dataset| -> RhaiResult<FLOAT> { Ok(m.accuracy(&d)?) }
    );
    reg!(
        engine,
        "evaluate",
        ["model: Model", "data: Dataset", "Map"],
        "#{loss, accuracy}: mean cross-entropy and accuracy on a data set.",
        |m: Network, d: Dataset| -> RhaiResult<Map> {
            let (l, a) = crate::train::evaluate(&m, &d)?;
            let mut map = Map::new();
            map.insert("loss".into(), Dynamic::from_float(l));
            map.insert("accuracy".into(), Dynamic::from_float(a));
            Ok(map)
        }
    );
    reg!(
        engine,
        "copy",
        ["model: Model", "Model"],
        "An independent copy with the same weights (plain assignment shares weights).",
        |m: Network| -> RhaiResult<Network> { Ok(m.deep_copy()?) }
    );
    reg!(
        engine,
        "fresh",
        ["model: Model", "seed: int", "Model"],
        "The same architecture, untrained, initialised from another seed.",
        |m: Network, s: INT| -> RhaiResult<Network> { Ok(Network::fresh(&m, s as u64)?) }
    );
    reg!(
        engine,
        "to",
        ["model: Model", "device: Device", "Model"],
        "A copy of the model on another device.",
        |m: Network, d: DeviceHandle| -> RhaiResult<Network> { Ok(m.to_device(&d.0)?) }
    );
    reg!(engine, "save_model", ["model: Model", "path: string", "string"],
        "Save weights (path.safetensors) and architecture (path.json), each written atomically. Returns the weights path.",
        |m: Network, p: &str| -> RhaiResult<String> { Ok(save::save(&m, p)?.0.display().to_string()) });
    reg!(
        engine,
        "load_model",
        ["path: string", "Model"],
        "Rebuild a model saved with `save_model` (path with or without .safetensors).",
        |p: &str| -> RhaiResult<Network> { Ok(save::load(p)?) }
    );
    engine.register_get("n_params", |m: &mut Network| m.num_parameters() as INT);
    engine.register_get("kind", |m: &mut Network| m.spec.kind.clone());
    engine.register_get("seed", |m: &mut Network| m.spec.seed as INT);
}
