//! Our own differentiable forward pass for decoder language models (Llama and Qwen2 families,
//! weights from safetensors or a dequantised GGUF) and training on top of it: features from any
//! layer, classifiers, LoRA adapters in PEFT's layout. Kept apart from [`crate::lm`] (loading,
//! generation and scoring through candle-transformers), which builds on `text`: `nn` uses this
//! module for its LM layer, so it must sit below `text`.

pub mod forward;
pub mod train;
