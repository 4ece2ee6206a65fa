//! Decoder language models: loading (GGUF files and Hugging Face folders), tokenizers rebuilt
//! from GGUF metadata, generation, scoring and LM labellers (through candle-transformers'
//! inference models). Training (our own forward pass, LoRA) is in [`crate::decoder`].

pub mod bindings;
pub mod chat;
pub mod family;
pub mod folder;
pub mod generate;
pub mod gguf_tokenizer;
pub mod labeller;
pub mod locate;
pub mod metadata;
pub mod model;
pub mod score;
pub mod tokenizer;

pub use model::{Lm, LoadOptions};
