//! The Jupyter kernel: the messaging protocol (v5.3+) over ZeroMQ for a Ladder session.

use ladder_scripting::SessionFactory;
use std::path::{Path, PathBuf};

/// Where `ladder install` writes the kernelspec.
#[derive(Clone, Debug)]
pub enum InstallTarget {
    User,
    SysPrefix,
    Prefix(PathBuf),
}

/// Serve the kernel described by a connection file until shutdown.
pub fn run(_connection_file: &Path, _make_session: SessionFactory) -> Result<(), String> {
    Err("the kernel is being built".into())
}

/// Install the `ladder` kernelspec; returns the folder written.
pub fn install(_target: InstallTarget) -> Result<PathBuf, String> {
    Err("kernelspec install is being built".into())
}
