//! Rhai's side of the bridge: `rust_set(name, value)` and `rust_get(name)`.

use crate::cell::RustCells;
use ladder_scripting::rhai::{Dynamic, Engine};
use ladder_scripting::RhaiResult;
use std::rc::Rc;

pub(crate) fn register(engine: &mut Engine, cells: Rc<RustCells>) {
    let set = cells.clone();
    engine.register_fn(
        "rust_set",
        move |name: &str, value: Dynamic| -> RhaiResult<()> {
            set.set(name, &value).map_err(Into::into)
        },
    );
    engine.register_fn("rust_get", move |name: &str| -> RhaiResult<Dynamic> {
        cells.get(name).map_err(Into::into)
    });
}
