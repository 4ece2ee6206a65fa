//! `%%rust` cells: Rust evaluated by evcxr in the same session as the Rhai cells, with values
//! and functions passing between the two (`rust_set`, `rust_get`, `ladder_bridge` on the
//! Rust side). The `ladder` binary includes it with its `rust-cells` feature.

// As in ladder-scripting: a `ScriptError` is made at most once per cell.
#![allow(clippy::result_large_err)]

mod bindings;
mod cell;
mod complete;
mod errors;
mod evaluator;
mod functions;
mod values;
mod wire;

use cell::RustCells;
use ladder_scripting::rhai::Engine;
use ladder_scripting::{CellLanguage, Library, Renderers};
use std::rc::Rc;

/// Call first thing in `main`: evcxr runs cells in a child process that is this same binary,
/// and uses it to wrap rustc for its cache. In such a process this never returns.
pub fn runtime_hook() {
    evcxr::runtime_hook();
}

/// The library that gives a session `%%rust` cells, `rust_set` and `rust_get`. One per
/// session: it holds that session's Rust side.
pub fn library() -> Rc<dyn Library> {
    Rc::new(RustLibrary {
        cells: Rc::new(RustCells::default()),
    })
}

struct RustLibrary {
    cells: Rc<RustCells>,
}

impl Library for RustLibrary {
    fn install(&self, engine: &mut Engine, _: &mut Renderers) {
        bindings::register(engine, self.cells.clone());
        self.cells.functions.reregister(engine);
    }

    fn cell_languages(&self) -> Vec<(String, Rc<dyn CellLanguage>)> {
        vec![("rust".to_string(), self.cells.clone())]
    }
}
