//! Experiments: boosting, weak supervision, evaluation metrics, weak-to-strong protocols,
//! ensembles and distillation, built on the ML core. Plain Rust functions here; thin Rhai
//! bindings in each concern's `bindings.rs`.

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

pub mod w2s;
pub mod weak;

use ladder_scripting::rhai::Engine;
use ladder_scripting::Renderers;

/// Register every experiment function and result type.
pub fn register(engine: &mut Engine, renderers: &mut Renderers) {
    table::bindings::register(engine, renderers);
    boost::bindings::register(engine, renderers);
    weak::bindings::register(engine, renderers);
    metrics::bindings::register(engine, renderers);
    w2s::bindings::register(engine, renderers);
    ensemble::bindings::register(engine, renderers);
    distill::bindings::register(engine, renderers);
}
