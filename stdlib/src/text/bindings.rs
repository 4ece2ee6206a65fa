//! The `text` Rhai module: tokenizers (load, train, encode, decode, save), text data sets
//! (CSV / JSONL with a text column, `tokenize`) and the data set's text accessors.

use super::load;
use super::tokenizer::{EncodeOptions, Kind, Padding, Tokenizer, TrainOptions};
use crate::data::texts::{self, TextColumns};
use crate::data::Dataset;
use crate::error::RhaiResult;
use crate::nn::layers::LayerSpec;
use crate::nn::network::{Network, NetworkSpec};
use crate::nn::transformer::TransformerSpec;
use crate::opts::Opts;
use crate::reg;
use crate::tensor::build::from_dynamic;
use crate::tensor::Tensor;
use candle_core::{DType, Device};
use ladder_scripting::rhai::{Array, Dynamic, Engine, Map, INT};
use ladder_scripting::{MimeBundle, Render, Renderers};

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
    let as_tensor = |v: Vec<u32>| -> RhaiResult<Tensor> {
        let t = candle_core::Tensor::from_vec(v, (e.rows, e.cols), &Device::Cpu)
            .and_then(|t| t.to_dtype(DType::I64))
            .map_err(crate::error::Error::from)?;
        Ok(Tensor(t))
    };
    let mut m = Map::new();
    m.insert("ids".into(), Dynamic::from(as_tensor(e.ids.clone())?));
    m.insert("mask".into(), Dynamic::from(as_tensor(e.mask.clone())?));
    m.insert("truncated".into(), Dynamic::from_int(e.truncated as INT));
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
    };
    Ok(Network::new(net, &Device::Cpu)?)
}

fn models(engine: &mut Engine) {
    reg!(engine, "transformer_classifier", ["tok: Tokenizer", "classes: int", "Model"],
        "A small transformer classifier trained from scratch (vocabulary, pad id and max_len from the tokenizer; dim 64, 4 heads, 2 layers, dropout 0.1, seed 0). Train it with `fit` on `tokenize`d data.",
        |t: Tokenizer, c: INT| -> RhaiResult<Network> { transformer(t.vocab_size(), c, Some(&t), Map::new()) });
    reg!(engine, "transformer_classifier", ["tok: Tokenizer", "classes: int", "options: Map", "Model"],
        "A transformer encoder (token + learned position embeddings, pre-LN blocks of masked multi-head self-attention and a GELU feed-forward, mean over real tokens) with a linear head. Options: `dim` (64), `heads` (4), `layers` (2), `ff` (4 × dim), `max_len` (tok.max_len), `dropout` (0.1), `seed` (0).\nExample: `let weak = transformer_classifier(tok, 2, #{dim: 64, layers: 2, max_len: 48, seed: 1});`",
        |t: Tokenizer, c: INT, o: Map| -> RhaiResult<Network> { transformer(t.vocab_size(), c, Some(&t), o) });
    reg!(engine, "transformer_classifier", ["vocab_size: int", "classes: int", "options: Map", "Model"],
        "A transformer classifier for ids in 0..vocab_size. Options as with a tokenizer, plus `pad_id` (0) and `max_len` (128).",
        |v: INT, c: INT, o: Map| -> RhaiResult<Network> { transformer(v.max(0) as usize, c, None, o) });
}

fn datasets(engine: &mut Engine) {
    reg!(engine, "read_text_csv", ["path: string", "Dataset"],
        "Load a CSV of texts: column `text` holds the text, `label` the class (integers, or names numbered alphabetically and kept in `data.class_names`). `tokenize` turns the texts into token ids.",
        |p: &str| -> RhaiResult<Dataset> { Ok(texts::read_text_csv(p, &TextColumns::default())?) });
    reg!(engine, "read_text_csv", ["path: string", "options: Map", "Dataset"],
        "Load a CSV of texts. Options: `text` (column name, \"text\"), `label` (\"label\"), `classes` (array of label names in class order; other names are an error).\nExample: `let data = read_text_csv(\"reviews.csv\", #{text: \"review\", label: \"stars\"});`",
        |p: &str, o: Map| -> RhaiResult<Dataset> { Ok(texts::read_text_csv(p, &text_columns(o, "read_text_csv")?)?) });
    reg!(
        engine,
        "read_text_jsonl",
        ["path: string", "Dataset"],
        "Load JSON Lines of texts: field `text` (a string) and `label` (a number or a name).",
        |p: &str| -> RhaiResult<Dataset> {
            Ok(texts::read_text_jsonl(p, &TextColumns::default())?)
        }
    );
    reg!(engine, "read_text_jsonl", ["path: string", "options: Map", "Dataset"],
        "Load JSON Lines of texts. Options: `text` (field name, \"text\"), `label` (\"label\"), `classes` (label names in class order).",
        |p: &str, o: Map| -> RhaiResult<Dataset> { Ok(texts::read_text_jsonl(p, &text_columns(o, "read_text_jsonl")?)?) });
    reg!(
        engine,
        "text_dataset",
        ["texts: Array", "labels: Array", "Dataset"],
        "A data set from an array of texts and an array of labels (class indices or names).",
        |t: Array, l: Array| -> RhaiResult<Dataset> {
            let texts = strings(&t, "text_dataset: texts")?;
            let raw: Vec<String> = l.iter().map(|v| v.to_string()).collect();
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
    reg!(engine, "tokenize", ["data: Dataset", "tok: Tokenizer", "Dataset"],
        "The same rows with `x` = token ids (rows × tok.max_len, padded with tok.pad_id, as f32); labels, weights and texts are kept. Train a transformer or pretrained encoder on the result.",
        |d: Dataset, t: Tokenizer| -> RhaiResult<Dataset> { let n = t.default_max_len(); Ok(load::tokenize(&d, &t, n)?) });
    reg!(engine, "tokenize", ["data: Dataset", "tok: Tokenizer", "options: Map", "Dataset"],
        "The same rows with `x` = token ids. Options: `max_len` (tok.max_len): columns per row; longer texts are cut (keeping [CLS]/[SEP]).\nExample: `let train_ids = tokenize(train, tok, #{max_len: 48});`",
        |d: Dataset, t: Tokenizer, o: Map| -> RhaiResult<Dataset> {
            let mut o = Opts::new("tokenize", o);
            let n = o.usize("max_len", t.default_max_len())?;
            o.finish()?;
            Ok(load::tokenize(&d, &t, n)?)
        });
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
    engine.register_type_with_name::<Tokenizer>("Tokenizer");
    renderers.register::<Tokenizer>();

    reg!(engine, "load_tokenizer", ["path: string", "Tokenizer"],
        "Load a Hugging Face `tokenizer.json` (a file, or a folder holding one), e.g. a BERT or MiniLM tokenizer. Its pad id and length are kept (`tok.pad_id`, `tok.max_len`).",
        |p: &str| -> RhaiResult<Tokenizer> { Ok(Tokenizer::load(p)?) });
    reg!(engine, "train_tokenizer", ["texts: Array|Dataset|string", "Tokenizer"],
        "Train a WordPiece tokenizer (8000 tokens, min_frequency 2, lower-cased) on texts: an array of strings, a data set with a text column, or a file with one text a line. [PAD] = 0, [UNK] = 1, [CLS] = 2, [SEP] = 3, [MASK] = 4.",
        |t: Dynamic| -> RhaiResult<Tokenizer> { Ok(Tokenizer::train(&texts_of(t, "train_tokenizer")?, &TrainOptions::default())?) });
    reg!(engine, "train_tokenizer", ["texts: Array|Dataset|string", "options: Map", "Tokenizer"],
        "Train a tokenizer in memory. Options: `kind` (\"wordpiece\" or \"bpe\", byte-level), `vocab_size` (8000), `min_frequency` (2), `lowercase` (true). Special tokens [PAD] = 0, [UNK], [CLS], [SEP], [MASK]; texts are encoded as [CLS] ... [SEP].\nExample: `let tok = train_tokenizer(train, #{vocab_size: 2000});`",
        |t: Dynamic, o: Map| -> RhaiResult<Tokenizer> { Ok(Tokenizer::train(&texts_of(t, "train_tokenizer")?, &train_options(o)?)?) });
    reg!(
        engine,
        "encode",
        ["tok: Tokenizer", "text: string", "Array"],
        "Token ids of one text, special tokens included, no padding.",
        |tok: &mut Tokenizer, s: &str| -> RhaiResult<Array> {
            Ok(tok
                .encode(s)?
                .into_iter()
                .map(|i| Dynamic::from_int(i as INT))
                .collect())
        }
    );
    reg!(engine, "encode", ["tok: Tokenizer", "texts: Array", "Map"],
        "#{ids, mask, truncated}: a batch padded to `tok.max_len` columns (ids and mask are i64 tensors, mask 1 for real tokens).",
        |tok: &mut Tokenizer, a: Array| -> RhaiResult<Map> {
            let opts = encode_options(tok, Map::new(), "encode")?;
            encode_map(tok, &strings(&a, "encode")?, &opts)
        });
    reg!(engine, "encode", ["tok: Tokenizer", "texts: Array", "options: Map", "Map"],
        "#{ids, mask, truncated}: a padded batch. Options: `max_len` (tok.max_len), `padding` (\"max_length\": exactly max_len columns, or \"longest\": the longest row), `truncation` (true: cut longer texts, keeping [CLS]/[SEP]; false: an error).",
        |tok: &mut Tokenizer, a: Array, o: Map| -> RhaiResult<Map> {
            let opts = encode_options(tok, o, "encode")?;
            encode_map(tok, &strings(&a, "encode")?, &opts)
        });
    reg!(engine, "decode", ["tok: Tokenizer", "ids: Array|Tensor", "string"],
        "Text from token ids (special tokens and padding are skipped). A 2-D tensor gives an array of texts, one per row.",
        |tok: &mut Tokenizer, v: Dynamic| -> RhaiResult<Dynamic> {
            if let Some(t) = v.clone().try_cast::<Tensor>() {
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
            Ok(Dynamic::from(tok.decode(&ids_of(&v)?)?))
        });
    reg!(
        engine,
        "tokens",
        ["tok: Tokenizer", "text: string", "Array"],
        "The tokens (strings) of one text, special tokens included: shows how a text is split.",
        |tok: &mut Tokenizer, s: &str| -> RhaiResult<Array> {
            Ok(tok.tokens(s)?.into_iter().map(Dynamic::from).collect())
        }
    );
    reg!(
        engine,
        "token_id",
        ["tok: Tokenizer", "token: string", "int"],
        "The id of a token, or -1 when it is not in the vocabulary.",
        |tok: &mut Tokenizer, s: &str| -> INT { tok.token_to_id(s).map_or(-1, |i| i as INT) }
    );
    reg!(engine, "save", ["tok: Tokenizer", "path: string", "string"],
        "Write the tokenizer as tokenizer.json (a folder path gets tokenizer.json inside it); `load_tokenizer` reads it back. Returns the file written.",
        |tok: &mut Tokenizer, p: &str| -> RhaiResult<String> { Ok(tok.save(p)?) });
    engine.register_fn("to_string", |t: &mut Tokenizer| t.describe());
    engine.register_fn("to_debug", |t: &mut Tokenizer| t.describe());
    engine.register_get("vocab_size", |t: &mut Tokenizer| t.vocab_size() as INT);
    engine.register_get("pad_id", |t: &mut Tokenizer| t.pad_id() as INT);
    engine.register_get("max_len", |t: &mut Tokenizer| t.default_max_len() as INT);
}
