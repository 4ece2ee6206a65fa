//! Ladder's Rhai standard library, bound to candle.
//!
//! One module per concern, each a thin Rhai binding (`register`, in the module's
//! `bindings.rs`) over plain Rust functions that are unit-tested without Rhai:
//! - [`kernels`]: the numeric kernels at the bottom (gemm calls, the fused dense op, GELU,
//!   quantile);
//! - [`tensor`]: the `Tensor` type, devices, operators, math, reductions, indexing;
//! - [`data`]: `Dataset`, bundled tables, CSV/JSONL, generators, splits, scaling, batches;
//! - [`nn`]: layers, `Network` (logistic regression, MLP, sequential), save/load;
//! - [`loss`]: cross-entropy, KD, W2S confidence and product losses, focal, Z-loss, InfoNCE,
//!   loss-based reweighting;
//! - [`optim`]: SGD, AdamW, Lion and learning-rate schedules;
//! - [`train`]: `fit` with history, progress and interrupts, and the [`train::Classifier`]
//!   interface experiments use for any model;
//! - [`lm`]: decoder language models (load, generate, score, labellers); [`decoder`]: our own
//!   forward pass for them, with LoRA, features and classifiers;
//! - [`text`]: tokenizers, text data sets' token ids, transformers and pretrained encoders;
//! - [`experiments`]: boosting, weak supervision, metrics, weak-to-strong protocols,
//!   ensembles and distillation;
//! - [`plot`]: charts (plotters) and their options;
//! - [`opts`]: the one reader of option maps; [`error`]: the library's error kinds;
//! - [`threads`]: the CPU threading policy; [`user_dirs`]: where models and run records live.

pub mod data;
pub mod decoder;
pub mod doc;
pub mod error;
pub mod experiments;
pub mod heap;
mod html_table;
pub mod kernels;
pub mod lm;
pub mod loss;
pub mod machine;
pub mod nn;
pub mod optim;
pub mod opts;
pub mod plot;
pub mod rng;
pub mod runs;
pub mod tensor;
pub mod text;
mod text_table;
pub mod threads;
pub mod train;
pub mod user_dirs;

pub use data::Dataset;
pub use error::{Error, Result};
pub use nn::Network;
pub use tensor::Tensor;
pub use train::{fit, Classifier, FitConfig, History};

use ladder_scripting::rhai::Engine;
use ladder_scripting::{Library, Renderers};
use std::rc::Rc;

/// Every module of the standard library, as one [`Library`] to install in a session.
pub fn library() -> Rc<dyn Library> {
    Rc::new(install)
}

/// One line per module: other modules add their own `register` call here.
fn install(engine: &mut Engine, renderers: &mut Renderers) {
    threads::apply_default();
    tensor::bindings::register(engine, renderers);
    data::bindings::register(engine, renderers);
    nn::bindings::register(engine, renderers);
    loss::bindings::register(engine, renderers);
    optim::bindings::register(engine, renderers);
    train::bindings::register(engine, renderers);
    experiments::register(engine, renderers);
    plot::register(engine, renderers);
    text::bindings::register(engine, renderers);
    text::bindings::encoder::register(engine, renderers);
    runs::bindings::register(engine, renderers);
    lm::bindings::register(engine, renderers);
    decoder::train::bindings::register(engine, renderers);
}
