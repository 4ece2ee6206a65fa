//! The terminal REPL (`ladder repl`).

use crate::session::SessionFactory;

/// Run the interactive REPL until Ctrl-D.
pub fn run(_make_session: SessionFactory) -> Result<(), String> {
    Err("the REPL is being built".into())
}
