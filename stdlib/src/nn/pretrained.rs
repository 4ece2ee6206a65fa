//! A pretrained BERT-family encoder from a local folder (`config.json`, `model.safetensors`,
//! `tokenizer.json`), loaded with candle-transformers' `BertModel` (all-MiniLM-L6-v2 loads
//! unchanged): token ids → masked mean of the last hidden states, optionally L2-normalised.
//! The forward pass that runs is [`bert::forward`] over the same weights (why: see there; a
//! test checks it agrees with `BertModel`).
//!
//! As a network layer ([`PretrainedSpec`] / [`PretrainedLayer`]) it reads token ids from the
//! data set's features (f32, padded with the pad id; mask = ids != pad) and is either frozen
//! (no trainable weights; pooled embeddings are memoised by token row, so epochs and
//! evaluations after the first skip the encoder) or fine-tuned (every encoder weight is a
//! `Var` in a `VarMap` and trains with `fit`).
//! Nothing is ever downloaded: a missing model is an error that says how to install it.

pub mod bert;

use crate::bail;
use crate::error::{check_interrupt, Error, Result};
use crate::threads;
use candle_core::{DType, Device, Tensor, Var};
use candle_nn::{VarBuilder, VarMap};
use candle_transformers::models::bert::{BertModel, Config};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

/// The model `encoder()` and `pretrained_classifier` use when no path is given.
pub const DEFAULT_MODEL: &str = "all-MiniLM-L6-v2";

/// Rows the encoder runs at once when embedding many rows (after sorting them by length).
pub const EVAL_BATCH: usize = 32;

/// Memoised pooled embeddings are dropped once they would take more than this.
const MEMO_BYTES: usize = 256 << 20;

/// The folder of the installed all-MiniLM-L6-v2.
pub fn default_model_dir() -> PathBuf {
    crate::user_dirs::models_dir().join(DEFAULT_MODEL)
}

/// The files a model folder must hold.
const REQUIRED: [&str; 3] = ["config.json", "model.safetensors", "tokenizer.json"];

/// The folder of a model: `path` when given, else the installed all-MiniLM-L6-v2. Errors say
/// which files are missing, and for the default model how to install it.
pub fn locate(path: Option<&str>) -> Result<PathBuf> {
    locate_in(path, &default_model_dir())
}

/// [`locate`] with the default model's folder given.
pub fn locate_in(path: Option<&str>, default: &Path) -> Result<PathBuf> {
    let dir = match path {
        Some(p) => PathBuf::from(p),
        None => default.to_path_buf(),
    };
    let missing: Vec<&str> = REQUIRED
        .iter()
        .copied()
        .filter(|f| !dir.join(f).is_file())
        .collect();
    if missing.is_empty() {
        return Ok(dir);
    }
    if path.is_none() {
        bail!(
            "the pretrained model {DEFAULT_MODEL} is not installed (looked for {}). Install it with `./install.sh --with-minilm` from the Ladder source folder (it places the model there; LADDER_MODELS_DIR moves the models folder), or pass the path of a folder holding config.json, model.safetensors and tokenizer.json",
            dir.display()
        );
    }
    if !dir.is_dir() {
        bail!(
            "pretrained model folder {} does not exist (it should hold config.json, model.safetensors and tokenizer.json)",
            dir.display()
        );
    }
    bail!(
        "pretrained model folder {} has no {} (it needs config.json, model.safetensors and tokenizer.json)",
        dir.display(),
        missing.join(", ")
    )
}

/// A model folder read once per process: configuration and CPU weights (unprefixed names).
pub struct Source {
    pub dir: PathBuf,
    /// The folder's name, e.g. "all-MiniLM-L6-v2".
    pub name: String,
    pub config: Config,
    /// sentence-transformers' `max_seq_length` when the folder says, else 256 (≤ positions).
    pub max_seq_length: usize,
    weights: HashMap<String, Tensor>,
    frozen: Mutex<HashMap<String, Arc<Frozen>>>,
}

impl Source {
    /// Read (or reuse) the model in `dir`.
    pub fn open(dir: &Path) -> Result<Arc<Source>> {
        static OPENED: OnceLock<Mutex<HashMap<PathBuf, Arc<Source>>>> = OnceLock::new();
        let key = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
        let opened = OPENED.get_or_init(Default::default);
        if let Some(s) = opened.lock().map_err(poisoned)?.get(&key) {
            return Ok(s.clone());
        }
        let source = Arc::new(Source::read(&key)?);
        // The weights must load into candle-transformers' BERT as they are.
        source.bert_model(&Device::Cpu)?;
        opened.lock().map_err(poisoned)?.insert(key, source.clone());
        Ok(source)
    }

    fn read(dir: &Path) -> Result<Source> {
        let config_path = dir.join("config.json");
        let text = std::fs::read_to_string(&config_path).map_err(|e| {
            Error::new(format!(
                "pretrained: cannot read {}: {e}",
                config_path.display()
            ))
        })?;
        let config: Config = serde_json::from_str(&text).map_err(|e| {
            Error::new(format!(
                "pretrained: {} is not a BERT configuration: {e}",
                config_path.display()
            ))
        })?;
        if config.num_attention_heads == 0
            || !config
                .hidden_size
                .is_multiple_of(config.num_attention_heads)
        {
            bail!(
                "pretrained: {}: hidden_size {} is not a multiple of num_attention_heads {}",
                config_path.display(),
                config.hidden_size,
                config.num_attention_heads
            );
        }
        let file = dir.join("model.safetensors");
        let mut all = candle_core::safetensors::load(&file, &Device::Cpu).map_err(|e| {
            Error::new(format!(
                "pretrained: cannot read {}: {}",
                file.display(),
                Error::from(e)
            ))
        })?;
        // Checkpoints saved from a task model carry a "bert." (model type) prefix.
        let first = "embeddings.word_embeddings.weight";
        let prefix = [String::new(), "bert.".into()]
            .into_iter()
            .chain(config.model_type.iter().map(|t| format!("{t}.")))
            .find(|p| all.contains_key(&format!("{p}{first}")))
            .ok_or_else(|| {
                Error::new(format!(
                    "pretrained: {} has no tensor \"{first}\": not a BERT encoder's weights",
                    file.display()
                ))
            })?;
        let mut weights = HashMap::new();
        for name in bert::weight_names(&config) {
            let t = all.remove(&format!("{prefix}{name}")).ok_or_else(|| {
                Error::new(format!(
                    "pretrained: {} has no tensor \"{prefix}{name}\" (config.json describes {} layers)",
                    file.display(),
                    config.num_hidden_layers
                ))
            })?;
            weights.insert(name, t.to_dtype(DType::F32)?);
        }
        let max_seq_length = std::fs::read_to_string(dir.join("sentence_bert_config.json"))
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .and_then(|v| v["max_seq_length"].as_u64())
            .map_or(256, |n| n as usize)
            .min(config.max_position_embeddings);
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| dir.display().to_string());
        Ok(Source {
            dir: dir.to_path_buf(),
            name,
            config,
            max_seq_length,
            weights,
            frozen: Mutex::new(HashMap::new()),
        })
    }

    /// Parameters of the encoder (embeddings included).
    pub fn num_parameters(&self) -> usize {
        self.weights.values().map(|t| t.elem_count()).sum()
    }

    /// candle-transformers' BERT over this model's weights (the reference the forward pass
    /// is tested against).
    pub fn bert_model(&self, device: &Device) -> Result<BertModel> {
        let vb = VarBuilder::from_tensors(self.weights_on(device)?, DType::F32, device);
        BertModel::load(vb, &self.config).map_err(|e| {
            Error::new(format!(
                "pretrained: candle-transformers cannot load the BERT model in {}: {}",
                self.dir.display(),
                Error::from(e)
            ))
        })
    }

    fn weights_on(&self, device: &Device) -> Result<HashMap<String, Tensor>> {
        self.weights
            .iter()
            .map(|(n, t)| Ok((n.clone(), t.to_device(device)?)))
            .collect()
    }

    /// The frozen encoder on `device`, shared by every frozen layer and embedder of this model
    /// (and with it the memo of pooled embeddings).
    pub fn frozen(&self, device: &Device) -> Result<Arc<Frozen>> {
        let key = crate::tensor::device::device_name(device);
        let mut frozen = self.frozen.lock().map_err(poisoned)?;
        if let Some(f) = frozen.get(&key) {
            return Ok(f.clone());
        }
        let f = Arc::new(Frozen {
            weights: self.weights_on(device)?,
            config: self.config.clone(),
            pad: self.config.pad_token_id as u32,
            dim: self.config.hidden_size,
            memo: Mutex::new(HashMap::new()),
        });
        frozen.insert(key, f.clone());
        Ok(f)
    }

    /// Trainable copies of the encoder's weights on `device`.
    fn tuned(&self, device: &Device) -> Result<Tuned> {
        let varmap = VarMap::new();
        let mut vars = Vec::new();
        let mut by_name = HashMap::new();
        for name in bert::weight_names(&self.config) {
            let t = self.weights[&name].to_device(device)?.copy()?;
            let var = Var::from_tensor(&t)?;
            varmap
                .data()
                .lock()
                .map_err(poisoned)?
                .insert(name.clone(), var.clone());
            vars.push((name.clone(), var.clone()));
            // The Var's own tensor (not a copy): the graph built on it reaches the Var.
            by_name.insert(name, var.as_tensor().clone());
        }
        Ok(Tuned { vars, by_name })
    }
}

fn poisoned<T>(_: T) -> Error {
    Error::new("pretrained: a lock was poisoned by an earlier panic")
}

/// The encoder with fixed weights, and pooled embeddings memoised by token row.
pub struct Frozen {
    weights: HashMap<String, Tensor>,
    config: Config,
    pad: u32,
    dim: usize,
    memo: Mutex<HashMap<Vec<u32>, Box<[f32]>>>,
}

impl Frozen {
    /// Mean-pooled embeddings (rows × dim) of token rows (pads already removed), `batch` rows
    /// per encoder pass; with `memo`, rows seen before are not recomputed.
    pub fn pooled(
        &self,
        rows: &[Vec<u32>],
        device: &Device,
        memo: bool,
        batch: usize,
    ) -> Result<Tensor> {
        let dim = self.dim;
        if !memo {
            let refs: Vec<&[u32]> = rows.iter().map(|r| r.as_slice()).collect();
            return self.compute(&refs, device, batch);
        }
        let mut table = self.memo.lock().map_err(poisoned)?;
        let mut missing: Vec<&[u32]> = Vec::new();
        let mut seen = HashSet::new();
        for r in rows {
            if !table.contains_key(r) && seen.insert(r.as_slice()) {
                missing.push(r);
            }
        }
        if !missing.is_empty() {
            let computed = self
                .compute(&missing, device, batch)?
                .to_device(&Device::Cpu)?;
            let values = computed.flatten_all()?.to_vec1::<f32>()?;
            if (table.len() + missing.len()) * dim * 4 > MEMO_BYTES {
                table.clear();
            }
            for (r, v) in missing.iter().zip(values.chunks(dim)) {
                table.insert(r.to_vec(), v.into());
            }
        }
        let mut flat = Vec::with_capacity(rows.len() * dim);
        for r in rows {
            flat.extend_from_slice(&table[r]);
        }
        Ok(Tensor::from_vec(flat, (rows.len(), dim), &Device::Cpu)?.to_device(device)?)
    }

    /// Run the encoder over rows sorted by length, in groups of at most `batch` rows of similar
    /// length, each padded only to its own longest row; the result is in the order of `rows`.
    fn compute(&self, rows: &[&[u32]], device: &Device, batch: usize) -> Result<Tensor> {
        by_length(rows, device, self.pad, batch, |ids, mask| {
            bert::forward(&self.weights, &self.config, ids, mask, false)
        })
    }
}

/// Trainable encoder weights, as `Var`s (in a `VarMap`) and by name for the forward pass.
struct Tuned {
    vars: Vec<(String, Var)>,
    by_name: HashMap<String, Tensor>,
}

/// Embed `rows` in batches of similar length with `encode` (ids, mask → token states), pool
/// each batch, and put the pooled rows back in their original order.
fn by_length(
    rows: &[&[u32]],
    device: &Device,
    pad: u32,
    batch: usize,
    encode: impl Fn(&Tensor, &Tensor) -> Result<Tensor> + Sync,
) -> Result<Tensor> {
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by_key(|&i| rows[i].len());
    // Pooled rows in the order they were computed, and which row each is.
    let (mut parts, mut computed) = (Vec::new(), Vec::<usize>::with_capacity(rows.len()));
    let pooled = |part: &[usize]| -> Result<Tensor> {
        let batch: Vec<&[u32]> = part.iter().map(|&i| rows[i]).collect();
        let (ids, mask) = pad_rows(&batch, pad, device)?;
        let states = encode(&ids, &attention(&mask)?)?;
        Ok(mean_pool(&states, &mask)?.detach())
    };
    for group in length_groups(&order, rows, batch) {
        check_interrupt()?;
        let longest = group.last().map_or(0, |&i| rows[i].len());
        let threads = encoder_threads(group.len() * longest);
        // A row's embedding does not depend on the rows beside it: each core encodes its own.
        let cores = if device.is_cpu() { threads } else { 1 };
        let pieces = threads::deal(group, cores, threads::MIN_ROWS_PER_CORE);
        let results = threads::on_own_threads(threads, &pieces, |p| pooled(p));
        for (piece, result) in pieces.iter().zip(results) {
            parts.push(result?);
            computed.extend_from_slice(piece);
        }
    }
    if parts.is_empty() {
        bail!("pretrained: no rows to embed");
    }
    let sorted = Tensor::cat(&parts, 0)?;
    let mut back = vec![0u32; rows.len()];
    for (pos, &i) in computed.iter().enumerate() {
        back[i] = pos as u32;
    }
    Ok(sorted.index_select(&Tensor::new(back, device)?, 0)?)
}

/// Padding a group may carry before it is split: a tenth of its tokens.
const MAX_PADDING: f64 = 0.1;
/// Groups shorter than this are not split for padding: a product on a few rows is slow.
const MIN_GROUP: usize = 8;

/// Split `order` (row indices sorted by length) into groups of at most `batch` rows, each
/// closed early when padding every row to the group's longest would add more than a tenth of
/// its tokens. Each row's embedding does not depend on its group, so this only saves work:
/// on sentences of mixed lengths, 64-row batches padded 21 % of their tokens, split so 7 %.
fn length_groups<'a>(order: &'a [usize], rows: &[&[u32]], batch: usize) -> Vec<&'a [usize]> {
    let mut groups = Vec::new();
    let (mut start, mut tokens) = (0, 0usize);
    for (pos, &i) in order.iter().enumerate() {
        let (count, len) = (pos - start, rows[i].len());
        let padded = (count + 1) * len;
        let too_padded = padded as f64 > (tokens + len) as f64 * (1.0 + MAX_PADDING);
        if count > 0 && (count >= batch.max(1) || (too_padded && count >= MIN_GROUP)) {
            groups.push(&order[start..pos]);
            (start, tokens) = (pos, 0);
        }
        tokens += len;
    }
    if start < order.len() {
        groups.push(&order[start..]);
    }
    groups
}

/// The thread policy for one encoder pass: its largest product is the feed-forward layer.
fn encoder_threads(tokens: usize) -> usize {
    threads::threads_for(tokens.saturating_mul(384 * 1536))
}

/// Ids (rows × longest, u32) and mask (rows × longest, f32) for rows without pads.
fn pad_rows(rows: &[&[u32]], pad: u32, device: &Device) -> Result<(Tensor, Tensor)> {
    let len = rows.iter().map(|r| r.len()).max().unwrap_or(0).max(1);
    let mut ids = vec![pad; rows.len() * len];
    let mut mask = vec![0f32; rows.len() * len];
    for (i, r) in rows.iter().enumerate() {
        ids[i * len..i * len + r.len()].copy_from_slice(r);
        mask[i * len..i * len + r.len()]
            .iter_mut()
            .for_each(|m| *m = 1.0);
    }
    Ok((
        Tensor::from_vec(ids, (rows.len(), len), device)?,
        Tensor::from_vec(mask, (rows.len(), len), device)?,
    ))
}

/// The mask attention uses: a row with no tokens attends to its first position, so it gives
/// finite states (its pooled embedding is still zero).
fn attention(mask: &Tensor) -> Result<Tensor> {
    let empty = mask.sum_keepdim(1)?.eq(0.0)?.to_dtype(DType::F32)?;
    let first = Tensor::cat(
        &[
            empty,
            Tensor::zeros(
                (mask.dims()[0], mask.dims()[1] - 1),
                DType::F32,
                mask.device(),
            )?,
        ],
        1,
    )?;
    Ok((mask + first)?)
}

/// Mean of token states over the positions the mask keeps (sentence-transformers' pooling).
pub fn mean_pool(states: &Tensor, mask: &Tensor) -> Result<Tensor> {
    let m = mask.unsqueeze(2)?;
    let sum = states.broadcast_mul(&m)?.sum(1)?;
    let count = mask.sum_keepdim(1)?.clamp(1e-9, f64::MAX)?;
    Ok(sum.broadcast_div(&count)?)
}

/// Rows divided by their L2 norm (zero rows stay zero).
pub fn l2_normalize(x: &Tensor) -> Result<Tensor> {
    let norm = x.sqr()?.sum_keepdim(1)?.sqrt()?.clamp(1e-12, f64::MAX)?;
    Ok(x.broadcast_div(&norm)?)
}

/// What a pretrained layer is (saved in the model's JSON).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PretrainedSpec {
    /// The model folder; `None` is the installed all-MiniLM-L6-v2.
    pub path: Option<String>,
    /// The folder's name, for display.
    pub name: String,
    /// Width of the pooled embedding (the encoder's hidden size).
    pub dim: usize,
    /// No trainable encoder weights (true) or every weight trained by `fit` (false).
    pub frozen: bool,
    /// Rows longer than this many tokens are cut to their first `max_len` tokens.
    pub max_len: usize,
    /// L2-normalise the pooled embedding.
    #[serde(default)]
    pub normalize: bool,
}

impl PretrainedSpec {
    /// Read the model's configuration to fill the spec (`max_len` 0 = the model's default).
    pub fn new(path: Option<&str>, frozen: bool, max_len: usize, normalize: bool) -> Result<Self> {
        let source = Source::open(&locate(path)?)?;
        let limit = source.config.max_position_embeddings;
        if max_len > limit {
            bail!(
                "pretrained: max_len {max_len} is more than the {limit} positions {} has",
                source.name
            );
        }
        Ok(PretrainedSpec {
            path: path.map(String::from),
            name: source.name.clone(),
            dim: source.config.hidden_size,
            frozen,
            max_len: if max_len == 0 {
                source.max_seq_length
            } else {
                max_len
            },
            normalize,
        })
    }

    pub fn describe(&self) -> String {
        format!(
            "pretrained({}, {} dims, {}, max_len {}{})",
            self.name,
            self.dim,
            if self.frozen { "frozen" } else { "fine-tuned" },
            self.max_len,
            if self.normalize { ", normalised" } else { "" }
        )
    }
}

/// An initialised pretrained layer: token ids (rows × length, f32) → pooled (rows × dim).
#[derive(Clone)]
pub struct PretrainedLayer {
    pub spec: PretrainedSpec,
    pub source: Arc<Source>,
    weights: Weights,
}

#[derive(Clone)]
enum Weights {
    Frozen(Arc<Frozen>),
    Tuned(Arc<Tuned>),
}

impl std::fmt::Debug for PretrainedLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PretrainedLayer({})", self.spec.describe())
    }
}

impl PretrainedLayer {
    pub fn init(spec: &PretrainedSpec, device: &Device) -> Result<PretrainedLayer> {
        let source = Source::open(&locate(spec.path.as_deref())?)?;
        if source.config.hidden_size != spec.dim {
            bail!(
                "pretrained: {} has {} dims but this model was built for {}",
                source.dir.display(),
                source.config.hidden_size,
                spec.dim
            );
        }
        let weights = if spec.frozen {
            Weights::Frozen(source.frozen(device)?)
        } else {
            Weights::Tuned(Arc::new(source.tuned(device)?))
        };
        Ok(PretrainedLayer {
            spec: spec.clone(),
            source,
            weights,
        })
    }

    /// Trainable weights (none when frozen), named as in the checkpoint.
    pub fn vars(&self) -> Vec<(Cow<'static, str>, &Var)> {
        match &self.weights {
            Weights::Frozen(_) => vec![],
            Weights::Tuned(t) => t.vars.iter().map(|(n, v)| (n.clone().into(), v)).collect(),
        }
    }

    /// Pooled embeddings of a batch of token ids. `train` (fit's training steps) carries
    /// gradients into a fine-tuned encoder; otherwise nothing flows into it.
    pub fn forward(&self, x: &Tensor, train: bool) -> Result<Tensor> {
        let rows = token_rows(x, &self.source, self.spec.max_len)?;
        let device = x.device();
        let pad = self.source.config.pad_token_id as u32;
        let pooled = match &self.weights {
            Weights::Frozen(f) => f.pooled(&rows, device, true, EVAL_BATCH)?,
            Weights::Tuned(t) if train => {
                let refs: Vec<&[u32]> = rows.iter().map(|r| r.as_slice()).collect();
                let (ids, mask) = pad_rows(&refs, pad, device)?;
                let config = &self.source.config;
                let att = attention(&mask)?;
                let states = threads::with_threads(encoder_threads(ids.elem_count()), || {
                    bert::forward(&t.by_name, config, &ids, &att, true)
                })?;
                mean_pool(&states, &mask)?
            }
            Weights::Tuned(t) => {
                let refs: Vec<&[u32]> = rows.iter().map(|r| r.as_slice()).collect();
                by_length(&refs, device, pad, EVAL_BATCH, |ids, mask| {
                    bert::forward(&t.by_name, &self.source.config, ids, mask, false)
                })?
            }
        };
        if self.spec.normalize {
            l2_normalize(&pooled)
        } else {
            Ok(pooled)
        }
    }
}

/// Token rows from ids (rows × length, any dtype), pads removed (mask = ids != pad), each
/// cut to its first `max_len` tokens. Values that are not ids of the model's vocabulary are
/// an error naming the row and column.
pub fn token_rows(x: &Tensor, source: &Source, max_len: usize) -> Result<Vec<Vec<u32>>> {
    let what = format!("pretrained({})", source.name);
    let (n, width) = x.dims2().map_err(|_| {
        Error::new(format!(
            "{what}: expects token ids (rows × length), got shape {:?}",
            x.dims()
        ))
    })?;
    let values = x.to_dtype(DType::F64)?.flatten_all()?.to_vec1::<f64>()?;
    let vocab = source.config.vocab_size;
    let pad = source.config.pad_token_id;
    let mut rows = Vec::with_capacity(n);
    for (r, row) in values.chunks(width.max(1)).enumerate().take(n) {
        let mut ids = Vec::with_capacity(width);
        for (c, &v) in row.iter().enumerate() {
            if !(v >= 0.0 && v < vocab as f64 && v.fract() == 0.0) {
                bail!("{what}: value {v} at row {r}, column {c} is not a token id of its {vocab}-token vocabulary (tokenise the text with this model's tokenizer)");
            }
            if v as usize != pad {
                ids.push(v as u32);
            }
        }
        ids.truncate(max_len);
        rows.push(ids);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups_of(lengths: &[usize], batch: usize) -> Vec<Vec<usize>> {
        let rows: Vec<Vec<u32>> = lengths.iter().map(|&n| vec![1; n]).collect();
        let refs: Vec<&[u32]> = rows.iter().map(|r| r.as_slice()).collect();
        let order: Vec<usize> = (0..rows.len()).collect();
        length_groups(&order, &refs, batch)
            .iter()
            .map(|g| g.iter().map(|&i| lengths[i]).collect())
            .collect()
    }

    #[test]
    fn rows_of_one_length_fill_whole_batches() {
        let sizes: Vec<usize> = groups_of(&[20; 20], 8).iter().map(Vec::len).collect();
        assert_eq!(sizes, [8, 8, 4]);
    }

    #[test]
    fn a_jump_in_length_starts_a_new_group() {
        let lengths: Vec<usize> = [vec![5; 10], vec![50; 10]].concat();
        let groups = groups_of(&lengths, 64);
        assert_eq!(groups, [vec![5; 10], vec![50; 10]]);
    }

    #[test]
    fn small_groups_are_not_split_for_padding() {
        let groups = groups_of(&[2, 3, 40, 41], 64);
        assert_eq!(groups, [vec![2, 3, 40, 41]]);
    }

    #[test]
    fn every_row_is_in_exactly_one_group_in_order() {
        let lengths: Vec<usize> = (0..300).map(|i| 4 + i / 3).collect();
        let groups = groups_of(&lengths, 32);
        assert_eq!(groups.concat(), lengths);
        for g in &groups {
            assert!(g.len() <= 32);
            let padded = g.len() * g.last().unwrap();
            let tokens: usize = g.iter().sum();
            assert!(g.len() <= MIN_GROUP || padded as f64 <= tokens as f64 * 1.1 + 1e-9);
        }
    }
}
