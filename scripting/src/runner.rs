//! `ladder run FILE`: run a script without a terminal UI.

use crate::session::SessionFactory;
use std::path::Path;

/// Run a `.rhai` script; returns the process exit code.
pub fn run_script(_path: &Path, _make_session: SessionFactory) -> Result<i32, String> {
    Err("the script runner is being built".into())
}
