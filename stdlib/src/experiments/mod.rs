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
pub mod w2s;
pub mod weak;

use ladder_scripting::rhai::Engine;
use ladder_scripting::Renderers;

/// Register every experiment function and result type.
pub fn register(engine: &mut Engine, renderers: &mut Renderers) {
    engine.register_type_with_name::<table::Table>("Table");
    renderers.register::<table::Table>();
    engine.register_fn("to_text", |t: &mut table::Table| t.to_text());
    boost::rhai::register(engine, renderers);
    weak::rhai::register(engine, renderers);
    metrics::rhai::register(engine, renderers);
    w2s::rhai::register(engine, renderers);
    ensemble::rhai::register(engine, renderers);
    distill::rhai::register(engine, renderers);
}
