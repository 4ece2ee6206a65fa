//! Features from a decoder: the hidden states of a chosen layer, pooled over each row's
//! tokens (the last token, or the mean), computed in batches of similar length (so memory
//! stays bounded by one batch's activations) and memoised by token row for frozen models.

use crate::decoder::forward::{Adapters, Batch, Decoder};
use crate::decoder::train::lora::Lora;
use crate::error::{check_interrupt, Error, Result};
use crate::tensor::device::device_name;
use crate::threads;
use crate::user_dirs::installed_lm;
use candle_core::{Device, Tensor};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

/// Rows per forward pass when embedding many.
pub const BATCH: usize = 16;

/// Memoised features are dropped once they would take more than this.
const MEMO_BYTES: usize = 256 << 20;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Pooling {
    /// The state at the row's last token (it has attended to the whole row).
    Last,
    /// The mean of the row's token states.
    Mean,
}

impl Pooling {
    pub fn parse(name: &str) -> Result<Pooling> {
        match name {
            "last" => Ok(Pooling::Last),
            "mean" => Ok(Pooling::Mean),
            other => Err(Error::options(format!(
                "pooling must be \"last\" or \"mean\", got \"{other}\""
            ))),
        }
    }
}

/// Memoised features by (layer, pooling, token row).
type Memo = HashMap<(usize, Pooling, Vec<u32>), Box<[f32]>>;

/// A decoder opened once per process and device (by canonical path), with the memo of its
/// features.
pub struct Shared {
    pub decoder: Decoder,
    memo: Mutex<Memo>,
}

/// Decoders by (canonical path, device name).
type Opened = HashMap<(PathBuf, String), Arc<Shared>>;

/// Open (or reuse) the decoder at `path`, or the installed model of that name (`"smollm2"`,
/// as `lm(...)` takes it), with its weights on `device` (read once, then copied there).
pub fn open(path: &Path, device: &Device) -> Result<Arc<Shared>> {
    static OPENED: OnceLock<Mutex<Opened>> = OnceLock::new();
    let installed = match path.to_str().and_then(installed_lm) {
        Some(found) => Some(found?),
        None => None,
    };
    let path = installed.as_deref().unwrap_or(path);
    let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let key = (canonical.clone(), device_name(device));
    let opened = OPENED.get_or_init(Default::default);
    let poisoned = |_| Error::new("lm: a lock was poisoned by an earlier panic");
    if let Some(s) = opened.lock().map_err(poisoned)?.get(&key) {
        return Ok(s.clone());
    }
    let decoder = if device.is_cpu() {
        Decoder::open(&canonical)?
    } else {
        open(&canonical, &Device::Cpu)?.decoder.to_device(device)?
    };
    let shared = Arc::new(Shared {
        decoder,
        memo: Mutex::new(HashMap::new()),
    });
    opened.lock().map_err(poisoned)?.insert(key, shared.clone());
    Ok(shared)
}

/// Rows cut to `max_len` tokens, and how many were longer.
pub fn truncate(rows: &[Vec<u32>], max_len: usize) -> (Vec<Vec<u32>>, usize) {
    let cut = rows.iter().filter(|r| r.len() > max_len).count();
    let rows = rows
        .iter()
        .map(|r| r[..r.len().min(max_len)].to_vec())
        .collect();
    (rows, cut)
}

/// Pool states (n × width × hidden) of a batch: each row's last token or mean over its tokens.
pub fn pool(states: &Tensor, lengths: &[usize], pooling: Pooling) -> Result<Tensor> {
    let device = states.device();
    let (n, width, _) = states.dims3()?;
    match pooling {
        Pooling::Last => {
            let idx: Vec<u32> = lengths
                .iter()
                .enumerate()
                .map(|(i, &len)| (i * width + len.max(1) - 1) as u32)
                .collect();
            let flat = states.flatten_to(1)?;
            Ok(flat.index_select(&Tensor::new(idx, device)?, 0)?)
        }
        Pooling::Mean => {
            let mut m = vec![0f32; n * width];
            for (i, &len) in lengths.iter().enumerate() {
                let w = 1.0 / len.max(1) as f32;
                m[i * width..i * width + len]
                    .iter_mut()
                    .for_each(|v| *v = w);
            }
            let m = Tensor::from_vec(m, (n, width, 1), device)?;
            Ok(states.broadcast_mul(&m)?.sum(1)?)
        }
    }
}

/// Pooled features of one batch (with gradients into `lora` when `train`).
pub fn batch_features(
    decoder: &Decoder,
    rows: &[&[u32]],
    layer: usize,
    pooling: Pooling,
    lora: Option<&Lora>,
    train: bool,
) -> Result<Tensor> {
    let b = Batch::new(rows, 0, decoder.device())?;
    let states = decoder.hidden(&b, layer, lora.map(|l| l as &dyn Adapters), train)?;
    pool(&states, &b.lengths, pooling)
}

/// Features of many rows (no gradients): sorted by length, `batch` rows per pass, back in the
/// order of `rows`.
pub fn features(
    decoder: &Decoder,
    rows: &[&[u32]],
    layer: usize,
    pooling: Pooling,
    lora: Option<&Lora>,
    batch: usize,
) -> Result<Tensor> {
    let device = decoder.device().clone();
    if rows.is_empty() {
        return Ok(Tensor::zeros(
            (0, decoder.config.hidden),
            candle_core::DType::F32,
            &device,
        )?);
    }
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by_key(|&i| rows[i].len());
    let c = &decoder.config;
    // Pooled rows in the order they were computed, and which row each is.
    let (mut parts, mut computed) = (Vec::new(), Vec::<usize>::with_capacity(rows.len()));
    for chunk in order.chunks(batch.max(1)) {
        check_interrupt()?;
        let tokens = chunk.last().map_or(1, |&i| rows[i].len()) * chunk.len();
        let threads = threads::threads_for(tokens.saturating_mul(c.hidden * c.intermediate * 3));
        // A row's features do not depend on the rows beside it: each core computes its own.
        let cores = if device.is_cpu() { threads } else { 1 };
        let pieces = threads::deal(chunk, cores, threads::MIN_ROWS_PER_CORE);
        let results = threads::on_own_threads(threads, &pieces, |piece| {
            let part: Vec<&[u32]> = piece.iter().map(|&i| rows[i]).collect();
            batch_features(decoder, &part, layer, pooling, lora, false)
        });
        for (piece, pooled) in pieces.iter().zip(results) {
            parts.push(pooled?.detach());
            computed.extend_from_slice(piece);
        }
    }
    let sorted = Tensor::cat(&parts, 0)?;
    let mut back = vec![0u32; rows.len()];
    for (pos, &i) in computed.iter().enumerate() {
        back[i] = pos as u32;
    }
    Ok(sorted.index_select(&Tensor::new(back, &device)?, 0)?)
}

impl Shared {
    /// [`features`] of the frozen model, memoised by (layer, pooling, row).
    pub fn memoised(
        &self,
        rows: &[Vec<u32>],
        layer: usize,
        pooling: Pooling,
        batch: usize,
        device: &Device,
    ) -> Result<Tensor> {
        let dim = self.decoder.config.hidden;
        let mut table = self
            .memo
            .lock()
            .map_err(|_| Error::new("lm: a lock was poisoned by an earlier panic"))?;
        let key = |r: &[u32]| (layer, pooling, r.to_vec());
        let mut missing: Vec<&[u32]> = Vec::new();
        let mut seen = HashSet::new();
        for r in rows {
            if !table.contains_key(&key(r)) && seen.insert(r.as_slice()) {
                missing.push(r);
            }
        }
        if !missing.is_empty() {
            let computed = features(&self.decoder, &missing, layer, pooling, None, batch)?
                .to_device(&Device::Cpu)?;
            let values = computed.flatten_all()?.to_vec1::<f32>()?;
            if (table.len() + missing.len()) * dim * 4 > MEMO_BYTES {
                table.clear();
            }
            for (r, v) in missing.iter().zip(values.chunks(dim)) {
                table.insert(key(r), v.into());
            }
        }
        let mut flat = Vec::with_capacity(rows.len() * dim);
        for r in rows {
            flat.extend_from_slice(&table[&key(r)]);
        }
        Ok(Tensor::from_vec(flat, (rows.len(), dim), &Device::Cpu)?.to_device(device)?)
    }
}
