//! Where Ladder keeps the user's files: installed models and the run store. One place, so
//! `install.sh`, the encoder, the language models and the run records agree.

use crate::error::{Error, Result};
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

/// Language models `./install.sh` installs: name, folder under the models folder, file in it,
/// install flag.
pub const INSTALLED_LMS: [(&str, &str, &str, &str); 1] = [(
    "smollm2",
    "smollm2",
    "SmolLM2-135M-Instruct.Q4_1.gguf",
    "--with-smollm2",
)];

/// The file of an installed language model named `name` (`None`: not such a name), or an
/// error saying how to install it.
pub fn installed_lm(name: &str) -> Option<Result<PathBuf>> {
    let (name, dir, file, flag) = INSTALLED_LMS.iter().find(|i| i.0 == name)?;
    let path = models_dir().join(dir).join(file);
    if path.is_file() {
        return Some(Ok(path));
    }
    Some(Err(Error::io(
        path.display().to_string(),
        format!(
            "lm: the model {name} is not installed (looked for {}). Install it with `./install.sh {flag}` from the Ladder source folder (LADDER_MODELS_DIR moves the models folder)",
            path.display()
        ),
    )))
}
