//! Training decoder LMs: LoRA adapters over [`super::forward`], saved in PEFT's layout.

pub mod lora;
pub mod peft;
