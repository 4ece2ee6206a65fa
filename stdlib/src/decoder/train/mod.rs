//! Training decoder LMs: LoRA adapters over [`super::forward`], saved in PEFT's layout.

pub mod bindings;
pub mod features;
pub mod layer;
pub mod lora;
pub mod peft;
