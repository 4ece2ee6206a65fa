//! LoRA adapters (Hu et al.): a projection y = x·W becomes y = x·W + (α/r)·x·Aᵀ·Bᵀ with A
//! (r × inputs) and B (outputs × r) trainable and W frozen. Initialised as PEFT does: A
//! uniform in ±1/√inputs (kaiming-uniform with a = √5), B zero, so training starts from the
//! base model exactly.

use crate::decoder::forward::{Adapters, Decoder, LowRank, Target};
use crate::error::{Error, Result};
use crate::rng::Rng;
use candle_core::{Tensor, Var};
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq)]
pub struct LoraConfig {
    pub rank: usize,
    pub alpha: f64,
    pub targets: Vec<Target>,
    /// PEFT's `use_rslora`: scale α/√r instead of α/r.
    pub rslora: bool,
}

impl LoraConfig {
    pub fn scale(&self) -> f64 {
        if self.rslora {
            self.alpha / (self.rank as f64).sqrt()
        } else {
            self.alpha / self.rank as f64
        }
    }
}

/// One adapter pair.
#[derive(Clone, Debug)]
pub struct Pair {
    pub a: Var,
    pub b: Var,
}

#[derive(Clone, Debug)]
pub struct Lora {
    pub config: LoraConfig,
    /// By (layer, projection).
    pub pairs: BTreeMap<(usize, Target), Pair>,
}

impl Lora {
    /// Fresh adapters for every layer of `decoder` and every target of `config`.
    pub fn new(decoder: &Decoder, config: LoraConfig, seed: u64) -> Result<Lora> {
        if config.rank == 0 {
            return Err(Error::options("lora: rank must be positive"));
        }
        if config.targets.is_empty() {
            return Err(Error::options("lora: no target projections"));
        }
        // The rank is the script's choice (an extra zero is an easy typo): ask the memory
        // budget for all the factors at once, before the first is drawn.
        let elements = decoder
            .weights
            .layers
            .iter()
            .flat_map(|layer| config.targets.iter().map(move |&t| &layer.proj[t as usize]))
            .fold(0usize, |sum, p| {
                sum.saturating_add(config.rank.saturating_mul(p.inputs() + p.outputs()))
            });
        crate::tensor::budget::check_f32(
            &format!(
                "lora: rank {} adapters (A and B of every target)",
                config.rank
            ),
            &[elements],
        )?;
        let mut rng = Rng::new(seed);
        let device = decoder.device();
        let mut pairs = BTreeMap::new();
        for (i, layer) in decoder.weights.layers.iter().enumerate() {
            for &t in &config.targets {
                let p = &layer.proj[t as usize];
                let (inputs, outputs) = (p.inputs(), p.outputs());
                let bound = 1.0 / (inputs as f32).sqrt();
                let a = Tensor::from_vec(
                    rng.uniform_vec(config.rank * inputs, -bound, bound),
                    (config.rank, inputs),
                    device,
                )?;
                let b = Tensor::zeros((outputs, config.rank), candle_core::DType::F32, device)?;
                pairs.insert(
                    (i, t),
                    Pair {
                        a: Var::from_tensor(&a)?,
                        b: Var::from_tensor(&b)?,
                    },
                );
            }
        }
        Ok(Lora { config, pairs })
    }

    /// Every trainable tensor with its PEFT name.
    pub fn named_vars(&self) -> Vec<(String, Var)> {
        let mut out = Vec::with_capacity(self.pairs.len() * 2);
        for (&(layer, t), p) in &self.pairs {
            out.push((peft_name(layer, t, "lora_A"), p.a.clone()));
            out.push((peft_name(layer, t, "lora_B"), p.b.clone()));
        }
        out
    }

    pub fn num_parameters(&self) -> usize {
        self.pairs
            .values()
            .map(|p| p.a.elem_count() + p.b.elem_count())
            .sum()
    }
}

/// PEFT's tensor name of an adapter matrix (`which` is `lora_A` or `lora_B`).
pub fn peft_name(layer: usize, target: Target, which: &str) -> String {
    format!(
        "base_model.model.model.layers.{layer}.{}.{which}.weight",
        target.path()
    )
}

impl Adapters for Lora {
    fn factors(&self, layer: usize, target: Target) -> Option<LowRank<'_>> {
        let p = self.pairs.get(&(layer, target))?;
        Some(LowRank {
            a: p.a.as_tensor(),
            b: p.b.as_tensor(),
            scale: self.config.scale() as f32,
        })
    }
}
