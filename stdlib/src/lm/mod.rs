//! Decoder language models: our own differentiable forward pass (Llama and Qwen2 families,
//! weights from safetensors or GGUF) and training on top of it (LoRA adapters in PEFT's layout).

pub mod forward;
pub mod train;
