//! Cells in another language. A cell whose first line is `%%name` (as in IPython's cell
//! magics) goes, without that line, to the language a library registered under `name`
//! (`%%rust`: ladder-rustcells). The language shares the session's output, interrupts and
//! engine, so values can pass between it and Rhai.

use crate::complete::Completions;
use crate::error::ScriptError;
use crate::is_complete::Completeness;
use crate::mime::MimeBundle;
use rhai::Engine;

/// A language cells can be written in besides Rhai.
pub trait CellLanguage {
    /// Run a cell. Output goes through [`crate::context`] as a Rhai cell's does; an interrupt
    /// shows in [`crate::context::interrupted`]. `engine` is the session's: a language may
    /// register functions in it for the Rhai cells that follow.
    fn execute(
        &self,
        cell: &LanguageCell,
        engine: &mut Engine,
    ) -> Result<Option<MimeBundle>, ScriptError>;

    /// Completions at `cursor` (in characters) of `body`; positions in the answer are in
    /// `body` too.
    fn complete(&self, body: &str, cursor: usize) -> Completions;

    /// Whether `body` is ready to run.
    fn is_complete(&self, body: &str) -> Completeness;
}

/// A cell handed to a [`CellLanguage`].
pub struct LanguageCell<'a> {
    /// The cell's name in errors (`cell[3]`).
    pub source: &'a str,
    /// The code after the `%%name` line.
    pub body: &'a str,
    /// The 1-based line of the whole cell on which `body` starts, so errors can name the
    /// cell's own lines.
    pub first_line: usize,
}

/// A `%%name` cell: its language's name, its body and the 1-based line the body starts on.
/// Blank lines may come before the `%%name` line.
pub(crate) fn split(code: &str) -> Option<(&str, &str, usize)> {
    let mut offset = 0;
    for (index, line) in code.split('\n').enumerate() {
        let end = offset + line.len();
        if line.trim().is_empty() {
            offset = end + 1;
            continue;
        }
        let name = line.trim().strip_prefix("%%")?;
        let name = name.split_whitespace().next()?;
        let body = code.get(end + 1..).unwrap_or("");
        return Some((name, body, index + 2));
    }
    None
}

/// How many characters of `code` come before its body (the `%%name` line and any blank lines
/// above it), for moving cursors between the cell and the body.
pub(crate) fn body_offset_chars(code: &str, body: &str) -> usize {
    code[..code.len() - body.len()].chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_magic_line_names_the_language_and_the_body_follows_it() {
        assert_eq!(
            split("%%rust\nlet x = 1;\nx"),
            Some(("rust", "let x = 1;\nx", 2))
        );
        assert_eq!(split("\n  %%rust  \nfoo"), Some(("rust", "foo", 3)));
        assert_eq!(split("%%rust"), Some(("rust", "", 2)));
    }

    #[test]
    fn other_cells_are_rhai() {
        assert_eq!(split("let x = 1;\n%%rust"), None);
        assert_eq!(split("%time 1 + 1"), None);
        assert_eq!(split("%%"), None);
        assert_eq!(split(""), None);
    }

    #[test]
    fn the_body_offset_counts_characters() {
        let code = "\n%%rust\nlet é = 1;";
        let (_, body, _) = split(code).unwrap();
        assert_eq!(body_offset_chars(code, body), 8);
    }
}
