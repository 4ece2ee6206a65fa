//! Is a cell ready to run? Jupyter consoles and the REPL ask before sending a line.

use crate::session::Session;
use crate::{commands, scan};
use rhai::{LexError, ParseErrorType};

/// The answer to "is this code complete?", as Jupyter's `is_complete_reply` has it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Completeness {
    /// Ready to run (it may still fail at run time).
    Complete,
    /// More input is needed; `indent` is a suggested indentation for the next line.
    Incomplete { indent: String },
    /// It will never parse, whatever follows.
    Invalid,
}

impl Session {
    /// Decide from Rhai's own parser: an error at the very end of the input (unclosed block,
    /// bracket, string or comment, a dangling operator) means more is coming; an error
    /// before the end means no continuation can fix it. `%command` lines count as complete.
    pub fn is_complete(&self, code: &str) -> Completeness {
        if let Some((language, body, _)) = self.language_of(code) {
            // A `%%name` line alone starts a cell: its code comes on the next lines.
            if body.trim().is_empty() {
                return Completeness::Incomplete {
                    indent: String::new(),
                };
            }
            return language.is_complete(body);
        }
        let code = without_commands(code);
        if code.trim().is_empty() {
            return Completeness::Complete;
        }
        let chars: Vec<char> = code.chars().collect();
        let incomplete = || Completeness::Incomplete {
            indent: " ".repeat(4 * scan::open_depth(&chars)),
        };
        if scan::ends_in_open_literal(&chars) {
            return incomplete();
        }
        let err = match self.engine.compile(&code) {
            Ok(_) => return Completeness::Complete,
            Err(err) => err,
        };
        let at_end = err.position().is_none()
            || position_offset(&code, err.position())
                .is_none_or(|offset| code[offset..].trim().is_empty());
        let waiting = match err.err_type() {
            ParseErrorType::UnexpectedEOF => true,
            ParseErrorType::BadInput(LexError::UnterminatedString) => true,
            _ => at_end,
        };
        if waiting {
            incomplete()
        } else {
            Completeness::Invalid
        }
    }
}

/// The code with `%command` lines blanked (line numbers stay).
fn without_commands(code: &str) -> String {
    commands::split(code)
        .into_iter()
        .map(|chunk| match chunk {
            commands::Chunk::Code { first_line, text } => (first_line, text),
            commands::Chunk::Command { line, .. } => (line, String::new()),
        })
        .fold(String::new(), |mut out, (line, text)| {
            while out.matches('\n').count() + 1 < line {
                out.push('\n');
            }
            out.push_str(&text);
            out
        })
}

/// Byte offset of a Rhai position (1-based line and character column).
fn position_offset(code: &str, pos: rhai::Position) -> Option<usize> {
    let line = pos.line()?;
    let mut offset = 0;
    for (i, text) in code.split('\n').enumerate() {
        if i + 1 == line {
            let col = pos.position().unwrap_or(1).saturating_sub(1);
            let within = text.char_indices().nth(col).map_or(text.len(), |(b, _)| b);
            return Some(offset + within);
        }
        offset += text.len() + 1;
    }
    None
}
