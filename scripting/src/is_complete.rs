//! Is a cell ready to run? Jupyter consoles and the REPL ask before sending a line.

use crate::session::Session;
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
    /// bracket or string) means more is coming.
    pub fn is_complete(&self, code: &str) -> Completeness {
        if code.trim().is_empty() || code.trim_start().starts_with('%') {
            return Completeness::Complete;
        }
        let err = match self.engine.compile(code) {
            Ok(_) => return Completeness::Complete,
            Err(err) => err,
        };
        let at_end = err.position().is_none() || {
            let rest_of_code = position_offset(code, err.position());
            rest_of_code.is_none_or(|offset| code[offset..].trim().is_empty())
        };
        let waiting = match err.err_type() {
            ParseErrorType::UnexpectedEOF => true,
            ParseErrorType::MissingToken(..) | ParseErrorType::MissingSymbol(..) => at_end,
            ParseErrorType::BadInput(LexError::UnterminatedString) => true,
            ParseErrorType::BadInput(LexError::UnexpectedInput(s)) if s.starts_with("/*") => true,
            _ => false,
        };
        if waiting || (at_end && ends_open(code)) {
            Completeness::Incomplete {
                indent: " ".repeat(4 * open_depth(code)),
            }
        } else {
            Completeness::Invalid
        }
    }
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

/// Whether the code leaves a bracket open (ignoring brackets inside strings and comments).
fn ends_open(code: &str) -> bool {
    open_depth(code) > 0
}

/// How many `{ ( [` are still open at the end, skipping strings and comments.
fn open_depth(code: &str) -> usize {
    let mut depth: isize = 0;
    let mut chars = code.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' | '`' | '\'' => {
                let quote = c;
                while let Some(d) = chars.next() {
                    if d == '\\' {
                        chars.next();
                    } else if d == quote {
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'/') => {
                for d in chars.by_ref() {
                    if d == '\n' {
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut prev = ' ';
                for d in chars.by_ref() {
                    if prev == '*' && d == '/' {
                        break;
                    }
                    prev = d;
                }
            }
            '{' | '(' | '[' => depth += 1,
            '}' | ')' | ']' => depth -= 1,
            _ => {}
        }
    }
    depth.max(0) as usize
}
