//! Reading a data file's text, asking the memory budget first: the text, and the rows parsed
//! from it, are held at once, so a file that alone would take the process over `max_memory`
//! (a multi-GiB path given by mistake) is refused instead of aborting the session.

use crate::error::{Error, Result};
use ladder_scripting::memory;

/// The whole text of `path`; `what` (the calling function) starts every error.
pub fn read_text(path: &str, what: &str) -> Result<String> {
    if let Ok(meta) = std::fs::metadata(path) {
        let bytes = usize::try_from(meta.len()).unwrap_or(usize::MAX);
        if let Some(budget) = memory::over_budget(bytes) {
            let file = format!("{what}(\"{path}\"): the file");
            return Err(Error::Memory(memory::refusal(&file, bytes, budget)));
        }
    }
    std::fs::read_to_string(path).map_err(|e| Error::io(path, format!("{what}(\"{path}\"): {e}")))
}
