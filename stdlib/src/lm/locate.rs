//! Where a model named in `lm(...)` lives: an installed model's name, a GGUF file, or a
//! folder (a Hugging Face folder, or one holding a single GGUF file).

use crate::error::{Error, Result};
use crate::user_dirs::{installed_lm, INSTALLED_LMS};
use std::path::{Path, PathBuf};

pub enum Located {
    Gguf(PathBuf),
    Folder(PathBuf),
}

pub fn locate(name_or_path: &str) -> Result<Located> {
    if let Some(installed) = installed_lm(name_or_path) {
        return installed.map(Located::Gguf);
    }
    let path = Path::new(name_or_path);
    if path.is_file() {
        return Ok(Located::Gguf(path.to_path_buf()));
    }
    if path.is_dir() {
        if path.join("config.json").is_file() {
            return Ok(Located::Folder(path.to_path_buf()));
        }
        let ggufs: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| Error::io(name_or_path, format!("lm: cannot list {name_or_path}: {e}")))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "gguf"))
            .collect();
        if let [one] = ggufs.as_slice() {
            return Ok(Located::Gguf(one.clone()));
        }
        return Err(Error::io(
            name_or_path,
            format!(
                "lm: the folder {name_or_path} has no config.json and {} .gguf files (it needs config.json, model.safetensors and tokenizer.json, or one .gguf file)",
                ggufs.len()
            ),
        ));
    }
    let known: Vec<&str> = INSTALLED_LMS.iter().map(|i| i.0).collect();
    Err(Error::io(
        name_or_path,
        format!(
            "lm: \"{name_or_path}\" is neither an installed model ({}) nor an existing file or folder",
            known.join(", ")
        ),
    ))
}
