//! A decoder LM as a network layer: token ids (rows × length, f32; `pad` ids dropped) → the
//! pooled hidden states of one layer. Frozen (features memoised, nothing to train) or with
//! LoRA adapters (base weights frozen, the adapters trained by `fit`).

use super::features::{self, Pooling, Shared};
use super::lora::{Lora, LoraConfig};
use crate::decoder::forward::Target;
use crate::error::{Error, Result};
use crate::opts::Opts;
use crate::rng::Rng;
use candle_core::{DType, Device, Tensor, Var};
use ladder_scripting::rhai::{Array, Dynamic, Map};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;

/// LoRA settings saved with a model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LoraSpec {
    pub rank: usize,
    pub alpha: f64,
    /// PEFT module names (q_proj, ..., down_proj).
    pub targets: Vec<String>,
}

/// PEFT's seven projection names, the default LoRA targets.
pub const ALL_TARGETS: [&str; 7] = [
    "q_proj",
    "k_proj",
    "v_proj",
    "o_proj",
    "gate_proj",
    "up_proj",
    "down_proj",
];

impl LoraSpec {
    /// The `lora` option: true (r 8, alpha 16, all seven projections), false, or a map
    /// `#{r, alpha, targets}`.
    pub fn from_option(v: Dynamic) -> Result<Option<LoraSpec>> {
        if v.is_bool() {
            return Ok(v.as_bool().unwrap_or(false).then(|| LoraSpec {
                rank: 8,
                alpha: 16.0,
                targets: ALL_TARGETS.iter().map(|s| s.to_string()).collect(),
            }));
        }
        let map = v.try_cast::<Map>().ok_or_else(|| {
            Error::options(
                "lm_classifier: option `lora` is true, false or a map #{r, alpha, targets}",
            )
        })?;
        let mut o = Opts::new("lm_classifier.lora", map);
        let rank = o.count("r", 8)?;
        let alpha = o.float("alpha", 2.0 * rank as f64)?;
        if !(alpha.is_finite() && alpha > 0.0) {
            return Err(o.fail("alpha", format!("must be a number above 0, got {alpha}")));
        }
        let targets = match o.raw("targets") {
            None => ALL_TARGETS.iter().map(|s| s.to_string()).collect(),
            Some(t) => {
                let arr = t
                    .try_cast::<Array>()
                    .ok_or_else(|| o.fail("targets", "must be an array of module names"))?;
                arr.into_iter().map(|m| m.to_string()).collect()
            }
        };
        o.finish()?;
        Ok(Some(LoraSpec {
            rank,
            alpha,
            targets,
        }))
    }
}

/// What an LM layer is (saved in the model's JSON).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LmSpec {
    /// A Hugging Face folder or a GGUF file.
    pub path: String,
    pub name: String,
    /// The hidden size (width of the features).
    pub dim: usize,
    /// Hidden states after this many blocks (the model's layer count: after the final norm).
    pub layer: usize,
    pub pooling: Pooling,
    /// Rows longer than this many tokens keep their first `max_len`.
    pub max_len: usize,
    /// The id that pads rows of the input (dropped before the model sees them).
    pub pad: u32,
    /// LoRA adapters, or none (frozen features).
    pub lora: Option<LoraSpec>,
    /// A PEFT adapter folder to start the adapters from.
    #[serde(default)]
    pub adapter: Option<String>,
}

impl LmSpec {
    pub fn describe(&self) -> String {
        let how = match &self.lora {
            None => "frozen".to_string(),
            Some(l) => format!("LoRA r {} on {}", l.rank, l.targets.join("/")),
        };
        format!(
            "lm({}, layer {}, {:?} pooling, {} dims, {how}, max_len {})",
            self.name, self.layer, self.pooling, self.dim, self.max_len
        )
        .replace("Last", "last")
        .replace("Mean", "mean")
    }

    pub fn lora_config(&self) -> Result<Option<LoraConfig>> {
        let Some(l) = &self.lora else {
            return Ok(None);
        };
        let mut targets = Vec::new();
        for t in &l.targets {
            targets.push(Target::parse(t).ok_or_else(|| {
                Error::options(format!(
                    "lora target \"{t}\" is not one of q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj"
                ))
            })?);
        }
        targets.sort();
        targets.dedup();
        Ok(Some(LoraConfig {
            rank: l.rank,
            alpha: l.alpha,
            targets,
            rslora: false,
        }))
    }
}

#[derive(Clone)]
pub struct LmLayer {
    pub spec: LmSpec,
    pub shared: Arc<Shared>,
    pub lora: Option<Arc<Lora>>,
    /// PEFT names of the adapter matrices, in `lora.named_vars()` order.
    names: Vec<String>,
    vars: Vec<Var>,
}

impl std::fmt::Debug for LmLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LmLayer({})", self.spec.describe())
    }
}

impl LmLayer {
    pub fn init(spec: &LmSpec, rng: &mut Rng, device: &Device) -> Result<LmLayer> {
        let shared = features::open(Path::new(&spec.path), device)?;
        let c = &shared.decoder.config;
        if c.hidden != spec.dim || spec.layer > c.layers {
            return Err(Error::shape(format!(
                "{} has {} dims and {} layers, this model was built for {} dims, layer {}",
                spec.path, c.hidden, c.layers, spec.dim, spec.layer
            )));
        }
        let lora = match (spec.lora_config()?, &spec.adapter) {
            (None, _) => None,
            (Some(_), Some(dir)) => Some(super::peft::load(Path::new(dir), &shared.decoder)?),
            (Some(cfg), None) => Some(Lora::new(&shared.decoder, cfg, rng.next_u64())?),
        };
        let named = lora.as_ref().map(|l| l.named_vars()).unwrap_or_default();
        Ok(LmLayer {
            spec: spec.clone(),
            shared,
            lora: lora.map(Arc::new),
            names: named.iter().map(|(n, _)| n.clone()).collect(),
            vars: named.into_iter().map(|(_, v)| v).collect(),
        })
    }

    /// The adapter matrices under their PEFT names.
    pub fn vars(&self) -> Vec<(Cow<'static, str>, &Var)> {
        self.names
            .iter()
            .zip(&self.vars)
            .map(|(n, v)| (Cow::Owned(n.clone()), v))
            .collect()
    }

    /// Pooled features (rows × dim) of token ids; `train` carries gradients into the adapters.
    pub fn forward(&self, x: &Tensor, train: bool) -> Result<Tensor> {
        let rows = token_rows(x, self.spec.pad, self.shared.decoder.config.vocab)?;
        let (rows, _) = features::truncate(&rows, self.spec.max_len);
        let decoder = &self.shared.decoder;
        let (layer, pooling) = (self.spec.layer, self.spec.pooling);
        match &self.lora {
            None => self
                .shared
                .memoised(&rows, layer, pooling, features::BATCH, x.device()),
            Some(l) if train => {
                let refs: Vec<&[u32]> = rows.iter().map(|r| r.as_slice()).collect();
                features::batch_features(decoder, &refs, layer, pooling, Some(l), true)
            }
            Some(l) => {
                let refs: Vec<&[u32]> = rows.iter().map(|r| r.as_slice()).collect();
                features::features(decoder, &refs, layer, pooling, Some(l), features::BATCH)
            }
        }
    }
}

/// Token rows from ids (rows × length, any dtype) with `pad` dropped; values that are not ids
/// of the vocabulary are an error naming the row and column.
pub fn token_rows(x: &Tensor, pad: u32, vocab: usize) -> Result<Vec<Vec<u32>>> {
    let (n, width) = x.dims2().map_err(|_| {
        Error::shape(format!(
            "lm: expects token ids (rows × length), got shape {:?}",
            x.dims()
        ))
    })?;
    let values = x.to_dtype(DType::F64)?.flatten_all()?.to_vec1::<f64>()?;
    let mut rows = Vec::with_capacity(n);
    for (r, row) in values.chunks(width.max(1)).enumerate().take(n) {
        let mut ids = Vec::with_capacity(width);
        for (c, &v) in row.iter().enumerate() {
            if !(v >= 0.0 && v < vocab as f64 && v.fract() == 0.0) {
                return Err(Error::data(format!("lm: value {v} at row {r}, column {c} is not a token id of its {vocab}-token vocabulary")));
            }
            if v as u32 != pad {
                ids.push(v as u32);
            }
        }
        if ids.is_empty() {
            return Err(Error::data(format!("lm: row {r} has no tokens")));
        }
        rows.push(ids);
    }
    Ok(rows)
}
