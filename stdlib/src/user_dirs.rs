//! Where Ladder keeps the user's files: installed models and the run store. One place, so
//! `install.sh`, the encoder, the language models and the run records agree.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// `${XDG_DATA_HOME:-~/.local/share}/ladder`, reading the environment through `var` (tests pass
/// their own; empty values count as unset, as the XDG spec says).
pub fn ladder_data_dir_in(var: impl Fn(&str) -> Option<OsString>) -> PathBuf {
    let var = |name| var(name).filter(|v| !v.is_empty());
    let data = var("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| var("HOME").map(|h| Path::new(&h).join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."));
    data.join("ladder")
}

/// Where installed models live: `$LADDER_MODELS_DIR`, else the data directory + `models`.
pub fn models_dir() -> PathBuf {
    match std::env::var_os("LADDER_MODELS_DIR").filter(|d| !d.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => ladder_data_dir_in(|name| std::env::var_os(name)).join("models"),
    }
}
