//! `Lm`: a loaded decoder language model with its tokenizer. Clones share the model (and its
//! KV cache, behind a lock).

use super::family::{gguf, CausalLm};
use super::folder::Folder;
use super::locate::{locate, Located};
use super::metadata::Metadata;
use super::score::log_softmax;
use super::tokenizer::LmTokenizer;
use crate::error::{Error, Result};
use candle_core::{Device, Tensor};
use ladder_scripting::{MimeBundle, Render};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

crate::type_names! {
    Lm => "Lm",
}

/// What a model is, for its description and for error messages.
#[derive(Clone, Debug)]
pub struct LmInfo {
    pub path: PathBuf,
    pub architecture: String,
    /// "Q4_1", "f32", ...
    pub weights: String,
    pub context_len: usize,
    pub vocab_size: usize,
    /// How many weights the model has (as stored: a quantised block counts its weights).
    pub parameters: usize,
    /// How it was loaded (to load it again on another device).
    pub options: LoadOptions,
}

#[derive(Clone)]
pub struct Lm {
    pub info: LmInfo,
    pub tokenizer: Arc<LmTokenizer>,
    model: Arc<Mutex<Box<dyn CausalLm>>>,
    pub device: Device,
    /// Log-probabilities of chosen next tokens by (prompt, tokens): what labellers ask for.
    memo: Arc<Mutex<NextLogprobs>>,
}

type NextLogprobs = HashMap<(Vec<u32>, Vec<u32>), Vec<f64>>;

/// Prompts whose chosen log-probabilities are kept (a few floats each) before the memo restarts.
const MEMO_PROMPTS: usize = 200_000;

/// How to load (the default: GGUF weights as stored).
#[derive(Clone, Copy, Debug, Default)]
pub struct LoadOptions {
    /// GGUF weights dequantised to f32 (the reference path).
    pub dequantise: bool,
    /// Q4_1, Q5_0 and Q5_1 weights run as Q8_0: candle has no SIMD kernel for them, so Qwen3
    /// files run about 5x faster. A Llama or Qwen2 file runs Q4_1 and Q8_0 on Ladder's own kernels
    /// already; requantising it only moves it further from llama.cpp (SmolLM2's top-1 tokens
    /// agree with llama.cpp's at 89 of 95 positions instead of 91), so it is asked for.
    pub requantise: bool,
}

impl Lm {
    pub fn open(name_or_path: &str, opts: LoadOptions) -> Result<Lm> {
        Lm::open_on(name_or_path, opts, &Device::Cpu)
    }

    /// [`Lm::open`] with the weights on `device`.
    pub fn open_on(name_or_path: &str, opts: LoadOptions, device: &Device) -> Result<Lm> {
        let device = device.clone();
        match locate(name_or_path)? {
            Located::Gguf(path) => {
                let meta = Metadata::read(&path)?;
                let architecture = gguf::architecture(&meta)?;
                let tokenizer = LmTokenizer::for_gguf(&meta)?;
                let context_len = meta
                    .uint(&format!("{architecture}.context_length"))?
                    .unwrap_or(2048) as usize;
                let precision = if opts.dequantise {
                    gguf::Precision::F32
                } else if opts.requantise {
                    gguf::Precision::Fast
                } else {
                    gguf::Precision::AsStored
                };
                let weights = match precision {
                    gguf::Precision::F32 => "f32 (dequantised)".to_string(),
                    gguf::Precision::Fast if gguf::has_slow_tensors(&meta) => {
                        format!("{} run as Q8_0", main_quantisation(&meta))
                    }
                    _ => main_quantisation(&meta),
                };
                let parameters = meta
                    .content
                    .tensor_infos
                    .values()
                    .map(|t| t.shape.elem_count())
                    .sum();
                let model = gguf::load(meta, precision, &device)?;
                Ok(Lm::new(
                    LmInfo {
                        path,
                        architecture,
                        weights,
                        context_len,
                        vocab_size: tokenizer.text.vocab_size(),
                        parameters,
                        options: opts,
                    },
                    tokenizer,
                    model,
                    device,
                ))
            }
            Located::Folder(dir) => {
                let folder = Folder::open(&dir)?;
                let tokenizer = LmTokenizer::for_folder(&dir, &folder.config)?;
                let model = folder.load(&device)?;
                Ok(Lm::new(
                    LmInfo {
                        path: dir,
                        architecture: folder.architecture.clone(),
                        weights: "f32".into(),
                        context_len: folder.context_len(),
                        vocab_size: tokenizer.text.vocab_size(),
                        parameters: folder.parameters(),
                        options: opts,
                    },
                    tokenizer,
                    model,
                    device,
                ))
            }
        }
    }

    fn new(info: LmInfo, tokenizer: LmTokenizer, model: Box<dyn CausalLm>, device: Device) -> Lm {
        Lm {
            info,
            tokenizer: Arc::new(tokenizer),
            model: Arc::new(Mutex::new(model)),
            device,
            memo: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// The same model loaded again with its weights on `device` (the original is untouched).
    pub fn to_device(&self, device: &Device) -> Result<Lm> {
        Lm::open_on(
            &self.info.path.display().to_string(),
            self.info.options,
            device,
        )
    }

    /// The model, locked for one call (a call resets the cache before use).
    pub fn lock(&self) -> Result<MutexGuard<'_, Box<dyn CausalLm>>> {
        self.model
            .lock()
            .map_err(|_| Error::new("lm: the model was left unusable by an earlier failure"))
    }

    /// Next-token logits (vocab, f32) after `ids`, from a fresh cache.
    pub fn next_logits(&self, ids: &[u32]) -> Result<Tensor> {
        self.check_len(ids.len(), "prompt")?;
        let mut m = self.lock()?;
        m.reset();
        let input = Tensor::new(ids, &self.device)?.unsqueeze(0)?;
        Ok(m.forward(&input, 0)?.squeeze(0)?)
    }

    /// Log-probabilities of the next tokens `wanted` after `ids`, memoised.
    pub fn next_logprobs_of(&self, ids: &[u32], wanted: &[u32]) -> Result<Vec<f64>> {
        let poisoned = |_| Error::new("lm: a lock was poisoned by an earlier panic");
        let key = (ids.to_vec(), wanted.to_vec());
        if let Some(v) = self.memo.lock().map_err(poisoned)?.get(&key) {
            return Ok(v.clone());
        }
        let logp = log_softmax(&self.next_logits(ids)?)?.to_vec1::<f32>()?;
        let v: Vec<f64> = wanted.iter().map(|&i| logp[i as usize] as f64).collect();
        let mut memo = self.memo.lock().map_err(poisoned)?;
        if memo.len() >= MEMO_PROMPTS {
            memo.clear();
        }
        memo.insert(key, v.clone());
        Ok(v)
    }

    /// Next-token logits ((ids.len() - prefix + 1) × vocab, f32) at positions prefix - 1 .. the
    /// last: `ids[..prefix]` go through the model at once, then the rest one at a time on the
    /// cache (candle's decoders return only the last position's logits).
    pub fn logits_from(&self, ids: &[u32], prefix: usize) -> Result<Tensor> {
        self.check_len(ids.len(), "text")?;
        let prefix = prefix.clamp(1, ids.len());
        crate::tensor::budget::check_f32(
            "lm logits",
            &[ids.len() - prefix + 1, self.info.vocab_size],
        )?;
        let mut m = self.lock()?;
        m.reset();
        let first = Tensor::new(&ids[..prefix], &self.device)?.unsqueeze(0)?;
        let mut rows = vec![m.forward(&first, 0)?];
        for (pos, &id) in ids.iter().enumerate().skip(prefix) {
            crate::error::check_interrupt()?;
            let input = Tensor::new(&[id], &self.device)?.unsqueeze(0)?;
            rows.push(m.forward(&input, pos)?);
        }
        Ok(Tensor::cat(&rows, 0)?)
    }

    /// log P(continuation | prompt) of each continuation (token ids) after one prompt: the
    /// prompt runs once; its last logits score every continuation's first token, and the
    /// rest of each continuation runs on a fork of the prompt's cache (on the prompt run
    /// again where the model cannot fork).
    pub fn continuation_logprobs(&self, prompt: &[u32], conts: &[Vec<u32>]) -> Result<Vec<f64>> {
        self.check_len(prompt.len(), "prompt")?;
        let mut m = self.lock()?;
        m.reset();
        let input = Tensor::new(prompt, &self.device)?.unsqueeze(0)?;
        let first = log_softmax(&m.forward(&input, 0)?.squeeze(0)?)?.to_vec1::<f32>()?;
        let mut out = Vec::with_capacity(conts.len());
        for cont in conts {
            crate::error::check_interrupt()?;
            let mut total = first[cont[0] as usize] as f64;
            if cont.len() > 1 {
                let mut fork = m.fork();
                let model: &mut dyn CausalLm = match &mut fork {
                    Some(f) => f.as_mut(),
                    None => {
                        m.reset();
                        m.forward(&input, 0)?;
                        m.as_mut()
                    }
                };
                for (k, &id) in cont[..cont.len() - 1].iter().enumerate() {
                    let step = Tensor::new(&[id], &self.device)?.unsqueeze(0)?;
                    let logp = log_softmax(&model.forward(&step, prompt.len() + k)?.squeeze(0)?)?;
                    total += logp.get(cont[k + 1] as usize)?.to_scalar::<f32>()? as f64;
                }
            }
            out.push(total);
        }
        Ok(out)
    }

    /// An error when `len` tokens do not fit the context.
    pub fn check_len(&self, len: usize, what: &str) -> Result<()> {
        if len == 0 {
            return Err(Error::data(format!("lm: the {what} has no tokens")));
        }
        if len > self.info.context_len {
            return Err(Error::data(format!(
                "lm: the {what} has {len} tokens, more than the model's context of {} tokens",
                self.info.context_len
            )));
        }
        Ok(())
    }

    pub fn describe(&self) -> String {
        let on = match &self.device {
            Device::Cpu => String::new(),
            d => format!(", on {}", crate::tensor::device::device_name(d)),
        };
        format!(
            "Lm {} ({}, {}, context {}, vocabulary {}{on}) from {}",
            self.info
                .path
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default(),
            self.info.architecture,
            self.info.weights,
            self.info.context_len,
            self.info.vocab_size,
            self.info.path.display()
        )
    }
}

impl Render for Lm {
    fn mime_bundle(&self) -> MimeBundle {
        MimeBundle::text(self.describe())
    }
}

/// The most common tensor type of a GGUF file other than F32 (norms stay f32 everywhere).
fn main_quantisation(meta: &Metadata) -> String {
    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    for t in meta.content.tensor_infos.values() {
        *counts.entry(format!("{:?}", t.ggml_dtype)).or_default() += 1;
    }
    counts
        .iter()
        .filter(|(k, _)| k.as_str() != "F32")
        .max_by_key(|(_, &n)| n)
        .or(counts.iter().next())
        .map(|(k, _)| k.clone())
        .unwrap_or_else(|| "?".into())
}
