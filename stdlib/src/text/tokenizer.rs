//! Tokenizers: a thin wrapper over the `tokenizers` crate that loads `tokenizer.json` files
//! (BERT's, MiniLM's, GPT-2's ...) or trains WordPiece / byte-level BPE in memory, and
//! encodes batches into fixed-width id and mask rows.
//!
//! The wrapper owns its padding and truncation: whatever a loaded file says about them is
//! read (the pad id, a default length) and then switched off, so one tokenizer serves any
//! `max_len` without being mutated.

use crate::bail;
use crate::error::{Error, Result};
use ladder_scripting::memory;
use std::path::Path;
use std::sync::Arc;
use tokenizers::decoders::byte_level::ByteLevel as ByteLevelDecoder;
use tokenizers::decoders::wordpiece::WordPiece as WordPieceDecoder;
use tokenizers::models::bpe::{BpeTrainerBuilder, BPE};
use tokenizers::models::wordpiece::{WordPiece, WordPieceTrainerBuilder};
use tokenizers::models::TrainerWrapper;
use tokenizers::normalizers::{BertNormalizer, Lowercase, NormalizerWrapper, Sequence, NFC};
use tokenizers::pre_tokenizers::bert::BertPreTokenizer;
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::processors::bert::BertProcessing;
use tokenizers::{AddedToken, Encoding, PostProcessor, TruncationDirection};

/// Special tokens of trained tokenizers, in id order: `[PAD]` is 0.
pub const SPECIAL_TOKENS: [&str; 5] = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];

/// Length used when neither the call nor the tokenizer file names one.
pub const DEFAULT_MAX_LEN: usize = 128;

/// Which subword model to train.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// BERT-style: lower-cased words split into `##`-continued pieces.
    WordPiece,
    /// GPT-2-style byte-level BPE: never produces an unknown token.
    Bpe,
}

impl Kind {
    pub fn parse(name: &str) -> Result<Kind> {
        match name {
            "wordpiece" => Ok(Kind::WordPiece),
            "bpe" => Ok(Kind::Bpe),
            other => bail!(
                "train_tokenizer: unknown kind \"{other}\" (expected \"wordpiece\" or \"bpe\")"
            ),
        }
    }
}

/// Options for [`Tokenizer::train`].
#[derive(Clone, Debug)]
pub struct TrainOptions {
    pub kind: Kind,
    pub vocab_size: usize,
    pub min_frequency: u64,
    pub lowercase: bool,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            kind: Kind::WordPiece,
            vocab_size: 8000,
            min_frequency: 2,
            lowercase: true,
        }
    }
}

/// How rows of a batch are padded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Padding {
    /// Every row has exactly `max_len` columns (what a data set of token ids needs).
    MaxLength,
    /// Rows are padded to the longest row of the batch (at most `max_len`).
    Longest,
}

/// Options for [`Tokenizer::encode_with`].
#[derive(Clone, Copy, Debug)]
pub struct EncodeOptions {
    pub max_len: usize,
    pub padding: Padding,
    /// Cut longer texts to `max_len` (special tokens kept); when false they are an error.
    pub truncation: bool,
}

/// A padded batch: `rows × cols` ids and mask (1 = real token, 0 = padding), row-major.
#[derive(Clone, Debug, PartialEq)]
pub struct Encoded {
    pub ids: Vec<u32>,
    pub mask: Vec<u32>,
    pub rows: usize,
    pub cols: usize,
    /// Rows that were cut to fit.
    pub truncated: usize,
}

/// Where a tokenizer came from (shown when it renders).
#[derive(Clone, Debug, PartialEq)]
pub enum Origin {
    File(String),
    Trained { kind: Kind, texts: usize },
}

/// A tokenizer. Clones share the underlying model (it is never mutated after creation).
#[derive(Clone)]
pub struct Tokenizer {
    inner: Arc<tokenizers::Tokenizer>,
    pad_id: u32,
    /// The length the file asked for (its truncation or fixed padding), if any.
    file_max_len: Option<usize>,
    origin: Origin,
}

impl std::fmt::Debug for Tokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.describe())
    }
}

fn tk_err(what: &str, e: impl std::fmt::Display) -> Error {
    Error::new(format!("{what}: {e}"))
}

impl Tokenizer {
    /// Load `tokenizer.json`, or the `tokenizer.json` inside a folder.
    pub fn load(path: &str) -> Result<Tokenizer> {
        let p = Path::new(path);
        let file = if p.is_dir() {
            p.join("tokenizer.json")
        } else {
            p.to_path_buf()
        };
        if !file.exists() {
            let message = if p.is_dir() {
                format!("load_tokenizer(\"{path}\"): the folder has no tokenizer.json")
            } else {
                format!("load_tokenizer(\"{path}\"): no such file")
            };
            return Err(Error::io(file.display().to_string(), message));
        }
        let text = std::fs::read_to_string(&file).map_err(|e| {
            Error::io(
                file.display().to_string(),
                format!("load_tokenizer(\"{path}\"): {e}"),
            )
        })?;
        let mut inner: tokenizers::Tokenizer = text.parse().map_err(|e| {
            Error::data(format!(
                "load_tokenizer(\"{path}\"): {} is not a tokenizer.json file: {e}",
                file.display()
            ))
        })?;
        let padding = inner.get_padding().cloned();
        let truncation = inner.get_truncation().cloned();
        let file_max_len = truncation.map(|t| t.max_length).or(match &padding {
            Some(p) => match p.strategy {
                tokenizers::PaddingStrategy::Fixed(n) => Some(n),
                tokenizers::PaddingStrategy::BatchLongest => None,
            },
            None => None,
        });
        let pad_id = match &padding {
            Some(p) => p.pad_id,
            None => ["[PAD]", "<pad>", "<|pad|>", "<PAD>"]
                .iter()
                .find_map(|t| inner.token_to_id(t))
                .unwrap_or(0),
        };
        inner.with_padding(None);
        inner
            .with_truncation(None)
            .map_err(|e| tk_err("load_tokenizer", e))?;
        Ok(Tokenizer {
            inner: Arc::new(inner),
            pad_id,
            file_max_len,
            origin: Origin::File(file.display().to_string()),
        })
    }

    /// Train a WordPiece or byte-level BPE tokenizer on the given texts, in memory.
    /// Special tokens come first: `[PAD]` = 0, `[UNK]` = 1, `[CLS]` = 2, `[SEP]` = 3,
    /// `[MASK]` = 4; encoded texts are wrapped in `[CLS] ... [SEP]`.
    pub fn train<S: AsRef<str> + Send + Sync>(
        texts: &[S],
        opts: &TrainOptions,
    ) -> Result<Tokenizer> {
        if texts.is_empty() || texts.iter().all(|t| t.as_ref().trim().is_empty()) {
            bail!("train_tokenizer: no text to train on (the texts are empty)");
        }
        let min_vocab = SPECIAL_TOKENS.len() + 1;
        if opts.vocab_size < min_vocab {
            bail!(
                "train_tokenizer: vocab_size must be at least {min_vocab}, got {}",
                opts.vocab_size
            );
        }
        // The trainer reserves its token tables for the whole vocabulary up front (a vector of
        // tokens and a hash map from token to id: at least 64 bytes a token), so a vocab_size
        // with extra zeros would abort the process before training began.
        let tables = opts.vocab_size.saturating_mul(64);
        if let Some(budget) = memory::over_budget(tables) {
            let what = format!(
                "train_tokenizer: vocab_size {} (the trainer's token tables)",
                opts.vocab_size
            );
            return Err(Error::Memory(memory::refusal(&what, tables, budget)));
        }
        let specials: Vec<AddedToken> = SPECIAL_TOKENS
            .iter()
            .map(|t| AddedToken::from(t.to_string(), true))
            .collect();
        let mut tok = match opts.kind {
            Kind::WordPiece => {
                let mut t = tokenizers::Tokenizer::new(WordPiece::default());
                t.with_normalizer(Some(BertNormalizer::new(true, true, None, opts.lowercase)))
                    .map_err(|e| tk_err("train_tokenizer", e))?;
                t.with_pre_tokenizer(Some(BertPreTokenizer));
                t.with_decoder(Some(WordPieceDecoder::default()));
                t
            }
            Kind::Bpe => {
                let mut t = tokenizers::Tokenizer::new(BPE::default());
                let mut norms: Vec<NormalizerWrapper> = vec![NFC.into()];
                if opts.lowercase {
                    norms.push(Lowercase.into());
                }
                t.with_normalizer(Some(Sequence::new(norms)))
                    .map_err(|e| tk_err("train_tokenizer", e))?;
                // No prefix space, so decoding gives back the text exactly (GPT-2's choice).
                t.with_pre_tokenizer(Some(ByteLevel::new(false, true, true)));
                t.with_decoder(Some(ByteLevelDecoder::default()));
                t
            }
        };
        let mut trainer = match opts.kind {
            Kind::WordPiece => TrainerWrapper::WordPieceTrainer(
                WordPieceTrainerBuilder::new()
                    .vocab_size(opts.vocab_size)
                    .min_frequency(opts.min_frequency)
                    .special_tokens(specials)
                    .show_progress(false)
                    .build(),
            ),
            Kind::Bpe => TrainerWrapper::BpeTrainer(
                BpeTrainerBuilder::new()
                    .vocab_size(opts.vocab_size)
                    .min_frequency(opts.min_frequency)
                    .special_tokens(specials)
                    .initial_alphabet(ByteLevel::alphabet().into_iter().collect())
                    .show_progress(false)
                    .build(),
            ),
        };
        tok.train(&mut trainer, texts.iter().map(|t| t.as_ref()))
            .map_err(|e| tk_err("train_tokenizer", e))?;
        let id = |t: &str| -> Result<u32> {
            tok.token_to_id(t).ok_or_else(|| {
                Error::new(format!("train_tokenizer: the trained vocabulary lacks {t}"))
            })
        };
        let (cls, sep) = (id("[CLS]")?, id("[SEP]")?);
        let pad_id = id("[PAD]")?;
        tok.with_post_processor(Some(BertProcessing::new(
            ("[SEP]".into(), sep),
            ("[CLS]".into(), cls),
        )));
        Ok(Tokenizer {
            inner: Arc::new(tok),
            pad_id,
            file_max_len: None,
            origin: Origin::Trained {
                kind: opts.kind,
                texts: texts.len(),
            },
        })
    }

    /// A tokenizer built elsewhere (e.g. from a GGUF file's metadata); padding and truncation
    /// are switched off as for loaded files.
    pub fn from_parts(
        mut inner: tokenizers::Tokenizer,
        pad_id: u32,
        origin: String,
    ) -> Result<Tokenizer> {
        inner.with_padding(None);
        inner
            .with_truncation(None)
            .map_err(|e| tk_err("tokenizer", e))?;
        Ok(Tokenizer {
            inner: Arc::new(inner),
            pad_id,
            file_max_len: None,
            origin: Origin::File(origin),
        })
    }

    /// The underlying `tokenizers` tokenizer.
    pub fn inner(&self) -> &tokenizers::Tokenizer {
        &self.inner
    }

    /// Number of ids (added/special tokens included).
    pub fn vocab_size(&self) -> usize {
        self.inner.get_vocab_size(true)
    }

    /// The id padding uses; the attention mask is `ids != pad_id`.
    pub fn pad_id(&self) -> u32 {
        self.pad_id
    }

    /// The default `max_len`: the file's own length if it has one, else 128.
    pub fn default_max_len(&self) -> usize {
        self.file_max_len.unwrap_or(DEFAULT_MAX_LEN)
    }

    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    pub fn token_to_id(&self, token: &str) -> Option<u32> {
        self.inner.token_to_id(token)
    }

    pub fn id_to_token(&self, id: u32) -> Option<String> {
        self.inner.id_to_token(id)
    }

    /// Special tokens the post-processor adds around one text (2 for BERT's [CLS] .. [SEP]).
    fn added_tokens(&self) -> usize {
        self.inner
            .get_post_processor()
            .map_or(0, |p| p.added_tokens(false))
    }

    /// One text with special tokens, cut to `max_len` (special tokens kept) when `truncate`.
    fn encode_one(&self, text: &str, max_len: usize, truncate: bool) -> Result<(Encoding, bool)> {
        let enc = self
            .inner
            .encode(text, false)
            .map_err(|e| tk_err("encode", e))?;
        let room = max_len.saturating_sub(self.added_tokens());
        let cut = enc.len() > room;
        let mut enc = enc;
        if cut && truncate {
            enc.truncate(room, 0, TruncationDirection::Right);
        }
        let enc = self
            .inner
            .post_process(enc, None, true)
            .map_err(|e| tk_err("encode", e))?;
        Ok((enc, cut))
    }

    /// Ids of one text, special tokens included, no padding or truncation.
    pub fn encode(&self, text: &str) -> Result<Vec<u32>> {
        let enc = self
            .inner
            .encode(text, true)
            .map_err(|e| tk_err("encode", e))?;
        Ok(enc.get_ids().to_vec())
    }

    /// A batch padded to exactly `max_len` columns (truncating longer texts):
    /// `(ids, mask, rows, cols)`, row-major, mask 1 for real tokens.
    pub fn encode_batch<S: AsRef<str>>(
        &self,
        texts: &[S],
        max_len: usize,
    ) -> Result<(Vec<u32>, Vec<u32>, usize, usize)> {
        let e = self.encode_with(
            texts,
            &EncodeOptions {
                max_len,
                padding: Padding::MaxLength,
                truncation: true,
            },
        )?;
        Ok((e.ids, e.mask, e.rows, e.cols))
    }

    /// A batch with the given padding and truncation.
    pub fn encode_with<S: AsRef<str>>(&self, texts: &[S], opts: &EncodeOptions) -> Result<Encoded> {
        let added = self.added_tokens();
        if opts.max_len <= added {
            bail!(
                "encode: max_len must be more than the {added} special tokens added to each text, got {}",
                opts.max_len
            );
        }
        let mut rows = Vec::with_capacity(texts.len());
        let mut truncated = 0;
        for (i, t) in texts.iter().enumerate() {
            if i % 1024 == 1023 && ladder_scripting::context::interrupted() {
                return Err(Error::interrupted());
            }
            let (enc, cut) = self.encode_one(t.as_ref(), opts.max_len, opts.truncation)?;
            if cut {
                if !opts.truncation {
                    let preview: String = t.as_ref().chars().take(40).collect();
                    bail!(
                        "encode: text {i} (\"{preview}…\") has {} tokens, more than max_len = {} (set truncation: true to cut it)",
                        enc.len(),
                        opts.max_len
                    );
                }
                truncated += 1;
            }
            rows.push(enc.get_ids().to_vec());
        }
        let cols = match opts.padding {
            Padding::MaxLength => opts.max_len,
            Padding::Longest => rows.iter().map(Vec::len).max().unwrap_or(0).max(1),
        };
        // A max_len with extra zeros pads every row to it: ask the memory budget first.
        crate::tensor::budget::check("encode", &[rows.len(), cols], candle_core::DType::U32)?;
        let mut ids = Vec::with_capacity(rows.len() * cols);
        let mut mask = Vec::with_capacity(rows.len() * cols);
        for r in &rows {
            ids.extend_from_slice(r);
            mask.extend(std::iter::repeat_n(1, r.len()));
            ids.extend(std::iter::repeat_n(self.pad_id, cols - r.len()));
            mask.extend(std::iter::repeat_n(0, cols - r.len()));
        }
        Ok(Encoded {
            ids,
            mask,
            rows: rows.len(),
            cols,
            truncated,
        })
    }

    /// Text from ids; special tokens (padding included) are skipped.
    pub fn decode(&self, ids: &[u32]) -> Result<String> {
        let vocab = self.vocab_size() as u32;
        if let Some(bad) = ids.iter().find(|&&i| i >= vocab) {
            bail!("decode: id {bad} is not in the vocabulary (0..{vocab})");
        }
        self.inner
            .decode(ids, true)
            .map_err(|e| tk_err("decode", e))
    }

    /// The tokens (strings) of one text, special tokens included.
    pub fn tokens(&self, text: &str) -> Result<Vec<String>> {
        let enc = self
            .inner
            .encode(text, true)
            .map_err(|e| tk_err("tokens", e))?;
        Ok(enc.get_tokens().to_vec())
    }

    /// Write a `tokenizer.json` (a folder path gets `tokenizer.json` inside it). Returns the file.
    pub fn save(&self, path: &str) -> Result<String> {
        let p = Path::new(path);
        let file = if p.is_dir() {
            p.join("tokenizer.json")
        } else {
            p.to_path_buf()
        };
        // Re-attach the pad id so a reload finds it even when [PAD] is not id 0.
        let mut copy = (*self.inner).clone();
        copy.with_padding(Some(tokenizers::PaddingParams {
            strategy: tokenizers::PaddingStrategy::BatchLongest,
            pad_id: self.pad_id,
            pad_token: self
                .id_to_token(self.pad_id)
                .unwrap_or_else(|| "[PAD]".into()),
            ..Default::default()
        }));
        copy.save(&file, true).map_err(|e| {
            Error::io(
                file.display().to_string(),
                format!("save(\"{}\"): {e}", file.display()),
            )
        })?;
        Ok(file.display().to_string())
    }

    /// One line: kind, vocabulary size, pad id, origin.
    pub fn describe(&self) -> String {
        let model = match self.inner.get_model() {
            tokenizers::ModelWrapper::WordPiece(_) => "WordPiece",
            tokenizers::ModelWrapper::BPE(_) => "BPE",
            tokenizers::ModelWrapper::Unigram(_) => "Unigram",
            tokenizers::ModelWrapper::WordLevel(_) => "WordLevel",
        };
        let from = match &self.origin {
            Origin::File(f) => format!("from {f}"),
            Origin::Trained { texts, .. } => format!("trained on {texts} texts"),
        };
        format!(
            "Tokenizer {model}: {} tokens, pad id {}, {from}",
            self.vocab_size(),
            self.pad_id
        )
    }
}
