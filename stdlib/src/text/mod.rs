//! Text: tokenizers and their Rhai bindings. Token ids travel in `Dataset.x` as f32
//! (rows × max_len, padded with the tokenizer's pad id), so every data and model function
//! works on text unchanged.

pub mod bindings;
pub mod encoder;
pub mod load;
pub mod tokenizer;

pub use tokenizer::Tokenizer;
