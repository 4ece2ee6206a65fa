//! Rhai bindings of decoder-LM training: `lm_classifier(#{..})`, `lm_features(path, ids, #{..})`
//! and `save_lora(model, folder)`.

use crate::bind;
use crate::data::Dataset;
use crate::decoder::train::features::{self, Pooling};
use crate::decoder::train::layer::LoraSpec;
use crate::error::{Error, RhaiResult};
use crate::lm::locate::Located;
use crate::nn::layers::Layer;
use crate::nn::lm_classifier::{self, LmClassifierOptions};
use crate::nn::network::Network;
use crate::nn::pretrained_classifier::Head;
use crate::opts::Opts;
use crate::tensor::Tensor;
use ladder_scripting::rhai::{Dynamic, Engine, Map};
use ladder_scripting::{Renderers, Stream};
use std::path::Path;

/// `lm_classifier`'s options, and the device its weights go to.
fn classifier_options(o: Map) -> RhaiResult<(LmClassifierOptions, candle_core::Device)> {
    let mut o = Opts::new("lm_classifier", o);
    let device = crate::tensor::device::device(&o.string("device", "cpu")?)?;
    let path = o.string_opt("path")?.ok_or_else(|| {
        o.fail(
            "path",
            "is required: a Hugging Face model folder or a GGUF file",
        )
    })?;
    let classes = o
        .int_opt("classes")?
        .ok_or_else(|| o.fail("classes", "(the number of classes) is required"))?;
    let head = match o.string("head", "linear")?.as_str() {
        "linear" => Head::Linear,
        "mlp" => Head::Mlp {
            hidden: o.count("hidden", 256)?,
        },
        other => {
            return Err(o
                .fail(
                    "head",
                    format!("must be \"linear\" or \"mlp\", got \"{other}\""),
                )
                .into())
        }
    };
    let layer = o.usize_opt("layer")?;
    let pooling = Pooling::parse(&o.string("pooling", "last")?)?;
    let lora = match o.raw("lora") {
        None => None,
        Some(v) => LoraSpec::from_option(v)?,
    };
    let opts = LmClassifierOptions {
        path,
        classes: classes.max(0) as usize,
        head,
        layer,
        pooling,
        max_len: o.count("max_len", 256)?,
        pad: o.usize("pad", 0)? as u32,
        lora,
        adapter: o.string_opt("adapter")?,
        seed: o.seed("seed")?,
    };
    o.finish()?;
    Ok((opts, device))
}

fn lm_classifier(options: Map) -> RhaiResult<Network> {
    let (opts, device) = classifier_options(options)?;
    let net = lm_classifier::classifier(&opts)?;
    if device.is_cpu() {
        return Ok(net);
    }
    Ok(net.to_device(&device)?)
}

fn lm_features(path: &str, ids: Dynamic, o: Map) -> RhaiResult<Tensor> {
    let mut o = Opts::new("lm_features", o);
    let x = match ids.clone().try_cast::<Dataset>() {
        Some(d) => d.x.0.clone(),
        None => {
            ids.try_cast::<Tensor>()
                .ok_or_else(|| {
                    Error::options("lm_features: ids must be a Tensor or a Dataset of token ids")
                })?
                .0
        }
    };
    // The features are computed, and returned, where the ids are.
    let device = x.device().clone();
    let shared = features::open(Path::new(path), &device)?;
    let c = &shared.decoder.config;
    let layer = o.usize("layer", c.layers)?;
    let pooling = Pooling::parse(&o.string("pooling", "last")?)?;
    let max_len = o.count("max_len", 256)?.min(c.max_positions);
    let pad = o.usize("pad", 0)? as u32;
    let batch = o.count("batch_size", features::BATCH)?;
    o.finish()?;
    if layer > c.layers {
        return Err(Error::options(format!(
            "lm_features: layer {layer} does not exist: {path} has {} layers",
            c.layers
        ))
        .into());
    }
    let rows = crate::decoder::train::layer::token_rows(&x, pad, c.vocab)?;
    let (rows, cut) = features::truncate(&rows, max_len);
    if cut > 0 {
        ladder_scripting::context::stream(
            Stream::Stderr,
            &format!(
                "lm_features: {cut} of {} rows were longer than {max_len} tokens and were cut\n",
                rows.len()
            ),
        );
    }
    Ok(Tensor(
        shared.memoised(&rows, layer, pooling, batch, &device)?,
    ))
}

fn save_lora(net: &Network, dir: &str) -> RhaiResult<()> {
    for layer in &net.layers {
        if let Layer::Lm(l) = layer {
            if let Some(lora) = &l.lora {
                // PEFT resolves the base model from this name alone: an installed model's
                // name ("smollm2") means nothing outside Ladder, so write where the weights are.
                let base = match crate::lm::locate::locate(&l.spec.path) {
                    Ok(Located::Gguf(p) | Located::Folder(p)) => {
                        std::path::absolute(&p).unwrap_or(p).display().to_string()
                    }
                    Err(_) => l.spec.path.clone(),
                };
                crate::decoder::train::peft::save(lora, Path::new(dir), &base, "CAUSAL_LM")?;
                return Ok(());
            }
        }
    }
    Err(Error::options("save_lora: the model has no LoRA adapters (build it with lm_classifier(#{lora: true, ..}))").into())
}

pub fn register(engine: &mut Engine, _renderers: &mut Renderers) {
    bind!(engine,
        /// A classifier on a decoder LM (Llama or Qwen2 family; a Hugging Face folder or a GGUF file, dequantised): token ids → hidden states of `layer` → `pooling` → head. Options: `path` and `classes` (required), `layer` (the last, after the final norm), `pooling` ("last" or "mean"), `head` ("linear" or "mlp"), `hidden` (256), `lora` (false: frozen features, memoised; true or #{r: 8, alpha: 16, targets: ["q_proj", ..., "down_proj"]}: LoRA adapters trained by fit), `adapter` (a PEFT adapter folder to start from), `max_len` (256: longer rows keep their first tokens), `pad` (0: the id padding the rows), `seed`, `device` ("cpu"; "cuda" in the CUDA build: the model's weights and adapters go there).
        fn lm_classifier(options: Map) -> RhaiResult<Network> { lm_classifier(options) }

        /// Features (rows × hidden) of token ids (a Tensor or a Dataset's features) from a decoder LM: the hidden states of `layer` (default the last) pooled by `pooling` ("last" or "mean"), `batch_size` rows per pass, memoised. Options also `max_len` (256; how many rows were cut is reported) and `pad` (0). Computed on the ids' device (`data.to(device("cuda"))` first for the GPU).
        fn lm_features(path: &str, ids: Dynamic as "Tensor|Dataset", options: Map) -> RhaiResult<Tensor> { lm_features(path, ids, options) }

        /// Save an lm_classifier's LoRA adapters in PEFT's layout (adapter_model.safetensors, adapter_config.json) in `folder`; PEFT loads them onto the base model (AutoModelForCausalLM).
        fn save_lora(model: &mut Network, folder: &str) -> RhaiResult<()> { save_lora(model, folder) }
    );
}
