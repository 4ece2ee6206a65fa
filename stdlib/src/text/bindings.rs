//! The `text` Rhai module: tokenizers (load, train, encode, decode, save), text data sets
//! (CSV / JSONL with a text column, `tokenize`) and the data set's text accessors.

pub mod encoder;

use super::load;
use super::tokenizer::{EncodeOptions, Kind, Padding, Tokenizer, TrainOptions};
use crate::bind;
use crate::data::texts::{self, TextColumns};
use crate::data::Dataset;
use crate::error::RhaiResult;
use crate::nn::layers::LayerSpec;
use crate::nn::network::{Network, NetworkSpec};
use crate::nn::transformer::TransformerSpec;
use crate::opts::Opts;
use crate::tensor::build::from_dynamic;
use crate::tensor::Tensor;
use candle_core::{DType, Device};
use ladder_scripting::rhai::{Array, Dynamic, Engine, Map, INT};
use ladder_scripting::{MimeBundle, Render, Renderers};

crate::type_names! {
    Tokenizer => "Tokenizer",
}

impl Render for Tokenizer {
    fn mime_bundle(&self) -> MimeBundle {
        let example = "The film was not bad at all.";
        let mut text = self.describe();
        if let Ok(tokens) = self.tokens(example) {
            text.push_str(&format!("\n  \"{example}\" → {}", tokens.join(" ")));
        }
        MimeBundle::text(text)
    }
}

/// Strings from a Rhai array, naming the first item that is not one.
pub fn strings(a: &Array, what: &str) -> RhaiResult<Vec<String>> {
    a.iter()
        .enumerate()
        .map(|(i, v)| {
            v.clone()
                .into_string()
                .map_err(|t| format!("{what}: item {i} is a {t}, not a string").into())
        })
        .collect()
}

/// Texts from an array of strings, a data set with a text column, or a file (one text a line).
fn texts_of(v: Dynamic, what: &str) -> RhaiResult<Vec<String>> {
    if let Some(d) = v.clone().try_cast::<Dataset>() {
        return match &d.texts {
            Some(t) => Ok(t.to_vec()),
            None => Err(format!("{what}: data set \"{}\" has no text column (load it with read_text_csv or read_text_jsonl)", d.name).into()),
        };
    }
    if let Some(a) = v.clone().try_cast::<Array>() {
        return strings(&a, what);
    }
    if let Some(path) = v.clone().try_cast::<String>() {
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{what}(\"{path}\"): {e}"))?;
        return Ok(text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_string)
            .collect());
    }
    Err(format!(
        "{what}: expected an array of strings, a data set with texts or a file path, got {}",
        v.type_name()
    )
    .into())
}

fn train_options(o: Map) -> RhaiResult<TrainOptions> {
    let d = TrainOptions::default();
    let mut o = Opts::new("train_tokenizer", o);
    let opts = TrainOptions {
        kind: Kind::parse(&o.string("kind", "wordpiece")?)?,
        vocab_size: o.usize("vocab_size", d.vocab_size)?,
        min_frequency: o.usize("min_frequency", d.min_frequency as usize)? as u64,
        lowercase: o.bool("lowercase", d.lowercase)?,
    };
    o.finish()?;
    Ok(opts)
}

/// Encoding options: `max_len` (the tokenizer's default), `padding`, `truncation`.
pub fn encode_options(tok: &Tokenizer, o: Map, what: &str) -> RhaiResult<EncodeOptions> {
    let mut o = Opts::new(what, o);
    let max_len = o.usize("max_len", tok.default_max_len())?;
    let padding = match o.string("padding", "max_length")?.as_str() {
        "max_length" | "max_len" => Padding::MaxLength,
        "longest" => Padding::Longest,
        other => {
            return Err(format!(
                "{what}: option `padding` must be \"max_length\" or \"longest\", got \"{other}\""
            )
            .into())
        }
    };
    let truncation = o.bool("truncation", true)?;
    o.finish()?;
    Ok(EncodeOptions {
        max_len,
        padding,
        truncation,
    })
}

fn encode_map(tok: &Tokenizer, texts: &[String], opts: &EncodeOptions) -> RhaiResult<Map> {
    let e = tok.encode_with(texts, opts)?;
    // The u32 rows were checked against the memory budget; the i64 tensors are twice that.
    crate::tensor::budget::check("encode", &[e.rows, e.cols], DType::I64)?;
    let (rows, cols) = (e.rows, e.cols);
    let as_tensor = |v: Vec<u32>| -> RhaiResult<Tensor> {
        let t = candle_core::Tensor::from_vec(v, (rows, cols), &Device::Cpu)
            .and_then(|t| t.to_dtype(DType::I64))
            .map_err(crate::error::Error::from)?;
        Ok(Tensor(t))
    };
    let mut m = Map::new();
    m.insert("truncated".into(), Dynamic::from_int(e.truncated as INT));
    m.insert("ids".into(), Dynamic::from(as_tensor(e.ids)?));
    m.insert("mask".into(), Dynamic::from(as_tensor(e.mask)?));
    Ok(m)
}

/// Ids from an array of integers or a 1-D tensor.
fn ids_of(v: &Dynamic) -> RhaiResult<Vec<u32>> {
    let t = from_dynamic(v, Some(DType::F64))?;
    let t = t.flatten_all().map_err(crate::error::Error::from)?;
    t.to_vec1::<f64>()
        .map_err(crate::error::Error::from)?
        .into_iter()
        .map(|x| {
            if x >= 0.0 && x.fract() == 0.0 && x < u32::MAX as f64 {
                Ok(x as u32)
            } else {
                Err(format!("decode: {x} is not a token id").into())
            }
        })
        .collect()
}

fn text_columns(o: Map, what: &str) -> RhaiResult<TextColumns> {
    let mut o = Opts::new(what, o);
    let cols = TextColumns {
        text: o.string("text", "text")?,
        label: o.string("label", "label")?,
        classes: match o.raw("classes") {
            None => None,
            Some(v) => Some(strings(
                &v.into_array().map_err(|t| {
                    format!("{what}: option `classes` must be an array of names, got {t}")
                })?,
                &format!("{what}: option `classes`"),
            )?),
        },
    };
    o.finish()?;
    Ok(cols)
}

pub fn register(engine: &mut Engine, renderers: &mut Renderers) {
    tokenizers(engine, renderers);
    datasets(engine);
    models(engine);
}

/// A transformer encoder + linear head; `vocab`, `pad_id` and `max_len` default to `tok`'s.
fn transformer(vocab: usize, classes: INT, tok: Option<&Tokenizer>, o: Map) -> RhaiResult<Network> {
    let what = "transformer_classifier";
    if classes < 2 {
        return Err(format!("{what}: needs at least 2 classes, got {classes}").into());
    }
    let mut o = Opts::new(what, o);
    let dim = o.usize("dim", 64)?;
    let spec = TransformerSpec {
        vocab,
        dim,
        heads: o.usize("heads", 4)?,
        ff: o.usize("ff", 4 * dim)?,
        layers: o.usize("layers", 2)?,
        max_len: o.usize(
            "max_len",
            tok.map_or(super::tokenizer::DEFAULT_MAX_LEN, |t| t.default_max_len()),
        )?,
        dropout: o.float("dropout", 0.1)?,
        pad_id: o.usize("pad_id", tok.map_or(0, |t| t.pad_id() as usize))? as u32,
    };
    let seed = o.int("seed", 0)? as u64;
    o.finish()?;
    let net = NetworkSpec {
        kind: "transformer".into(),
        layers: vec![
            LayerSpec::TransformerEncoder(spec),
            LayerSpec::Linear {
                inputs: dim,
                outputs: classes as usize,
                bias: true,
                zero_init: false,
            },
        ],
        seed,
        precision: Default::default(),
    };
    Ok(Network::new(net, &Device::Cpu)?)
}

fn models(engine: &mut Engine) {
    bind!(
        engine,
        /// A small transformer classifier trained from scratch (vocabulary, pad id and max_len from the tokenizer; dim 64, 4 heads, 2 layers, dropout 0.1, seed 0). Train it with `fit` on `tokenize`d data.
        fn transformer_classifier(tok: Tokenizer, classes: INT) -> RhaiResult<Network> {
            transformer(tok.vocab_size(), classes, Some(&tok), Map::new())
        },
        /// A transformer encoder (token + learned position embeddings, pre-LN blocks of masked multi-head self-attention and a GELU feed-forward, mean over real tokens) with a linear head. Options: `dim` (64), `heads` (4), `layers` (2), `ff` (4 × dim), `max_len` (tok.max_len), `dropout` (0.1), `seed` (0).
        /// Example: `let weak = transformer_classifier(tok, 2, #{dim: 64, layers: 2, max_len: 48, seed: 1});`
        fn transformer_classifier(
            tok: Tokenizer,
            classes: INT,
            options: Map,
        ) -> RhaiResult<Network> {
            transformer(tok.vocab_size(), classes, Some(&tok), options)
        },
        /// A transformer classifier for ids in 0..vocab_size. Options as with a tokenizer, plus `pad_id` (0) and `max_len` (128).
        fn transformer_classifier(
            vocab_size: INT,
            classes: INT,
            options: Map,
        ) -> RhaiResult<Network> {
            transformer(vocab_size.max(0) as usize, classes, None, options)
        }
    );
}

fn datasets(engine: &mut Engine) {
    bind!(
        engine,
        /// Load a CSV of texts: column `text` holds the text, `label` the class (integers, or names numbered alphabetically and kept in `data.class_names`). `tokenize` turns the texts into token ids.
        fn read_text_csv(path: &str) -> RhaiResult<Dataset> {
            Ok(texts::read_text_csv(path, &TextColumns::default())?)
        },
        /// Load a CSV of texts. Options: `text` (column name, "text"), `label` ("label"), `classes` (array of label names in class order; other names are an error).
        /// Example: `let data = read_text_csv("reviews.csv", #{text: "review", label: "stars"});`
        fn read_text_csv(path: &str, options: Map) -> RhaiResult<Dataset> {
            Ok(texts::read_text_csv(
                path,
                &text_columns(options, "read_text_csv")?,
            )?)
        },
        /// Load JSON Lines of texts: field `text` (a string) and `label` (a number or a name).
        fn read_text_jsonl(path: &str) -> RhaiResult<Dataset> {
            Ok(texts::read_text_jsonl(path, &TextColumns::default())?)
        },
        /// Load JSON Lines of texts. Options: `text` (field name, "text"), `label` ("label"), `classes` (label names in class order).
        fn read_text_jsonl(path: &str, options: Map) -> RhaiResult<Dataset> {
            Ok(texts::read_text_jsonl(
                path,
                &text_columns(options, "read_text_jsonl")?,
            )?)
        }
    );
    bind!(
        engine,
        /// A data set from an array of texts and an array of labels (class indices or names).
        fn text_dataset(texts: Array, labels: Array) -> RhaiResult<Dataset> {
            let texts = strings(&texts, "text_dataset: texts")?;
            let raw: Vec<String> = labels.iter().map(|v| v.to_string()).collect();
            let rows: Vec<usize> = (0..raw.len()).collect();
            if raw.len() != texts.len() {
                return Err(format!(
                    "text_dataset: {} labels for {} texts",
                    raw.len(),
                    texts.len()
                )
                .into());
            }
            let (labels, names) = texts::code_labels(&raw, &rows, None, "text_dataset")?;
            Ok(texts::text_dataset("texts", texts, labels, names)?)
        }
    );
    bind!(
        engine,
        /// The same rows with `x` = token ids (rows × tok.max_len, padded with tok.pad_id, as f32); labels, weights and texts are kept. Train a transformer or pretrained encoder on the result.
        fn tokenize(data: Dataset, tok: Tokenizer) -> RhaiResult<Dataset> {
            let n = tok.default_max_len();
            Ok(load::tokenize(&data, &tok, n)?)
        },
        /// The same rows with `x` = token ids. Options: `max_len` (tok.max_len): columns per row; longer texts are cut (keeping [CLS]/[SEP]).
        /// Example: `let train_ids = tokenize(train, tok, #{max_len: 48});`
        fn tokenize(data: Dataset, tok: Tokenizer, options: Map) -> RhaiResult<Dataset> {
            let mut options = Opts::new("tokenize", options);
            let n = options.usize("max_len", tok.default_max_len())?;
            options.finish()?;
            Ok(load::tokenize(&data, &tok, n)?)
        }
    );
    engine.register_get("texts", |d: &mut Dataset| -> Dynamic {
        d.texts.as_ref().map_or(Dynamic::UNIT, |t| {
            Dynamic::from_array(t.iter().cloned().map(Dynamic::from).collect())
        })
    });
    engine.register_get("class_names", |d: &mut Dataset| -> Array {
        d.class_names.iter().cloned().map(Dynamic::from).collect()
    });
}

fn tokenizers(engine: &mut Engine, renderers: &mut Renderers) {
    crate::doc::register_rendered::<Tokenizer>(engine, renderers);

    bind!(engine,
        /// Load a Hugging Face `tokenizer.json` (a file, or a folder holding one), e.g. a BERT or MiniLM tokenizer. Its pad id and length are kept (`tok.pad_id`, `tok.max_len`).
        fn load_tokenizer(path: &str) -> RhaiResult<Tokenizer> { Ok(Tokenizer::load(path)?) }

        /// Train a WordPiece tokenizer (8000 tokens, min_frequency 2, lower-cased) on texts: an array of strings, a data set with a text column, or a file with one text a line. [PAD] = 0, [UNK] = 1, [CLS] = 2, [SEP] = 3, [MASK] = 4.
        fn train_tokenizer(texts: Dynamic as "Array|Dataset|string") -> RhaiResult<Tokenizer> { Ok(Tokenizer::train(&texts_of(texts, "train_tokenizer")?, &TrainOptions::default())?) }

        /// Train a tokenizer in memory. Options: `kind` ("wordpiece" or "bpe", byte-level), `vocab_size` (8000), `min_frequency` (2), `lowercase` (true). Special tokens [PAD] = 0, [UNK], [CLS], [SEP], [MASK]; texts are encoded as [CLS] ... [SEP].
        /// Example: `let tok = train_tokenizer(train, #{vocab_size: 2000});`
        fn train_tokenizer(texts: Dynamic as "Array|Dataset|string", options: Map) -> RhaiResult<Tokenizer> { Ok(Tokenizer::train(&texts_of(texts, "train_tokenizer")?, &train_options(options)?)?) }

        /// Token ids of one text, special tokens included, no padding.
        fn encode(tok: &mut Tokenizer, text: &str) -> RhaiResult<Array> {
            Ok(tok
                .encode(text)?
                .into_iter()
                .map(|i| Dynamic::from_int(i as INT))
                .collect())
        }

        /// #{ids, mask, truncated}: a batch padded to `tok.max_len` columns (ids and mask are i64 tensors, mask 1 for real tokens).
        fn encode(tok: &mut Tokenizer, texts: Array) -> RhaiResult<Map> {
            let opts = encode_options(tok, Map::new(), "encode")?;
            encode_map(tok, &strings(&texts, "encode")?, &opts)
        }

        /// #{ids, mask, truncated}: a padded batch. Options: `max_len` (tok.max_len), `padding` ("max_length": exactly max_len columns, or "longest": the longest row), `truncation` (true: cut longer texts, keeping [CLS]/[SEP]; false: an error).
        fn encode(tok: &mut Tokenizer, texts: Array, options: Map) -> RhaiResult<Map> {
            let opts = encode_options(tok, options, "encode")?;
            encode_map(tok, &strings(&texts, "encode")?, &opts)
        }

        /// Text from token ids (special tokens and padding are skipped). A 2-D tensor gives an array of texts, one per row.
        fn decode(tok: &mut Tokenizer, ids: Dynamic as "Array|Tensor") -> RhaiResult<Dynamic> as "string" {
            if let Some(t) = ids.clone().try_cast::<Tensor>() {
                if t.rank() == 2 {
                    let rows = t.dims()[0];
                    let mut out = Array::new();
                    for r in 0..rows {
                        let row = Tensor(t.get(r).map_err(crate::error::Error::from)?);
                        out.push(Dynamic::from(tok.decode(&ids_of(&Dynamic::from(row))?)?));
                    }
                    return Ok(Dynamic::from_array(out));
                }
            }
            Ok(Dynamic::from(tok.decode(&ids_of(&ids)?)?))
        }

        /// The tokens (strings) of one text, special tokens included: shows how a text is split.
        fn tokens(tok: &mut Tokenizer, text: &str) -> RhaiResult<Array> {
            Ok(tok.tokens(text)?.into_iter().map(Dynamic::from).collect())
        }

        /// The id of a token, or -1 when it is not in the vocabulary.
        fn token_id(tok: &mut Tokenizer, token: &str) -> INT { tok.token_to_id(token).map_or(-1, |i| i as INT) }

        /// Write the tokenizer as tokenizer.json (a folder path gets tokenizer.json inside it); `load_tokenizer` reads it back. Returns the file written.
        fn save(tok: &mut Tokenizer, path: &str) -> RhaiResult<String> { Ok(tok.save(path)?) }
    );
    for f in ["to_string", "to_debug"] {
        bind!(engine,
            /// The tokenizer's kind and vocabulary size, as `print` shows it.
            fn [f](tokenizer: &mut Tokenizer) -> String { tokenizer.describe() }
        );
    }
    engine.register_get("vocab_size", |t: &mut Tokenizer| t.vocab_size() as INT);
    engine.register_get("pad_id", |t: &mut Tokenizer| t.pad_id() as INT);
    engine.register_get("max_len", |t: &mut Tokenizer| t.default_max_len() as INT);
}
