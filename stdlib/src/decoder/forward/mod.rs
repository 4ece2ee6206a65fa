//! Our own forward pass for decoder LMs of the Llama and Qwen2 families (candle-transformers'
//! models are inference-only): RMSNorm, rotary embeddings, grouped-query attention with a
//! causal and a padding mask, SwiGLU MLP; hidden states of any layer, logits, and LoRA deltas
//! through [`Adapters`]. A batch is right-padded: row i holds its tokens at positions
//! 0..len_i, so each token's position is its index and pads are never attended to.

pub mod config;
pub mod model;
pub mod next_token;
pub mod weights;

pub use config::{DecoderConfig, Family};
pub use model::{Batch, Decoder};

/// The seven projections adapters can target, in PEFT's module names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    Q,
    K,
    V,
    O,
    Gate,
    Up,
    Down,
}

impl Target {
    pub const ALL: [Target; 7] = [
        Target::Q,
        Target::K,
        Target::V,
        Target::O,
        Target::Gate,
        Target::Up,
        Target::Down,
    ];

    /// PEFT's `target_modules` name.
    pub fn module(self) -> &'static str {
        match self {
            Target::Q => "q_proj",
            Target::K => "k_proj",
            Target::V => "v_proj",
            Target::O => "o_proj",
            Target::Gate => "gate_proj",
            Target::Up => "up_proj",
            Target::Down => "down_proj",
        }
    }

    /// The Hugging Face path under `model.layers.N.` (`self_attn.q_proj`, `mlp.up_proj`, ...).
    pub fn path(self) -> &'static str {
        weights::PROJ_NAMES[self as usize]
    }

    pub fn parse(name: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|t| t.module() == name)
    }
}

/// Low-rank terms added to projections (LoRA): with `factors(layer, target)` = (A, B, s), the
/// projection of x becomes x·Wᵀ + b + s·(x·Aᵀ)·Bᵀ; `None` for no change.
pub trait Adapters {
    fn factors(&self, layer: usize, target: Target) -> Option<LowRank<'_>>;
}

pub use crate::kernels::lora::LowRank;
