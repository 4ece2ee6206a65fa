//! Decoder language models: loading (GGUF files and Hugging Face folders), tokenizers rebuilt
//! from GGUF metadata, generation, scoring and LM labellers (through candle-transformers'
//! inference models); and our own differentiable forward pass (Llama and Qwen2 families) with
//! training on top of it (features, classifiers, LoRA adapters in PEFT's layout).

pub mod bindings;
pub mod chat;
pub mod family;
pub mod folder;
pub mod forward;
pub mod generate;
pub mod gguf_tokenizer;
pub mod labeller;
pub mod locate;
pub mod metadata;
pub mod model;
pub mod score;
pub mod tokenizer;
pub mod train;

pub use model::{Lm, LoadOptions};
