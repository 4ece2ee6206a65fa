//! Experiments: boosting, weak supervision, evaluation metrics, weak-to-strong protocols,
//! ensembles and distillation, built on the ML core. Plain Rust functions here; thin Rhai
//! bindings in each concern's `rhai.rs`.

pub mod boost;
pub mod convert;
pub mod cv;
pub mod distill;
pub mod ensemble;
pub mod matrix;
pub mod metrics;
pub mod models;
pub mod spec;
pub mod table;
pub mod table_rhai;
pub mod w2s;
pub mod weak;

use ladder_scripting::rhai::Engine;
use ladder_scripting::Renderers;

/// Register every experiment function and result type.
pub fn register(engine: &mut Engine, renderers: &mut Renderers) {
    table_rhai::register(engine, renderers);
    boost::rhai::register(engine, renderers);
    weak::rhai::register(engine, renderers);
    metrics::rhai::register(engine, renderers);
    w2s::rhai::register(engine, renderers);
    ensemble::rhai::register(engine, renderers);
    distill::rhai::register(engine, renderers);
}
