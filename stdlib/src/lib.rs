//! Ladder's Rhai standard library, bound to candle.

use ladder_scripting::rhai::Engine;
use ladder_scripting::{Library, Renderers};
use std::rc::Rc;

/// Every module of the standard library, as one [`Library`] to install in a session.
pub fn library() -> Rc<dyn Library> {
    Rc::new(install)
}

fn install(_engine: &mut Engine, _renderers: &mut Renderers) {}
