//! evcxr's errors as the session's `ScriptError`s, with rustc's spans moved onto the lines of
//! the notebook cell (the cell's `%%rust` line and the declarations Ladder puts before the
//! code are not the user's).

use ladder_scripting::{ErrorKind, LanguageCell, Location, ScriptError};

/// Where the user's code sits in the code given to evcxr.
pub(crate) struct Lines<'a> {
    pub cell: &'a LanguageCell<'a>,
    /// Lines Ladder put before the body.
    pub prelude: usize,
}

impl Lines<'_> {
    /// The cell's location for a 1-based line and column of the code given to evcxr.
    fn locate(&self, line: usize, column: usize) -> Option<Location> {
        let body_line = line.checked_sub(self.prelude)?.checked_sub(1)?;
        let code = self.cell.body.split('\n').nth(body_line)?;
        Some(Location {
            source: self.cell.source.to_string(),
            line: self.cell.first_line + body_line,
            column: Some(column),
            code: code.to_string(),
        })
    }
}

/// A failed `%%rust` cell as a `ScriptError`.
pub(crate) fn script_error(error: evcxr::Error, lines: &Lines) -> ScriptError {
    match error {
        evcxr::Error::CompilationErrors(errors) => compile_error(&errors, lines),
        evcxr::Error::SubprocessTerminated(message) => ScriptError::new(
            ErrorKind::Runtime,
            "RustProcessEnded",
            format!("{message}; the Rust side was restarted, so its variables are gone (Rhai's are kept)"),
        ),
        evcxr::Error::TypeRedefinedVariablesLost(names) => ScriptError::new(
            ErrorKind::Runtime,
            "RustVariablesLost",
            format!("a type was redefined, so these Rust variables are gone: {}", names.join(", ")),
        ),
        evcxr::Error::Message(message) => {
            ScriptError::new(ErrorKind::Runtime, "RustError", message.trim_end().to_string())
        }
    }
}

/// Every error rustc gave, each with its line in the cell; the location (and caret) is the
/// first one's.
fn compile_error(errors: &[evcxr::CompilationError], lines: &Lines) -> ScriptError {
    let mut location = None;
    let mut parts = Vec::new();
    for error in errors {
        let code = error.code().map(|c| format!("[{c}]")).unwrap_or_default();
        let mut text = format!("error{code}: {}", error.message());
        let here = error
            .primary_spanned_message()
            .and_then(|m| m.span.map(|span| (span, m.label.clone())))
            .and_then(|(span, label)| {
                lines
                    .locate(span.start_line, span.start_column)
                    .map(|at| (at, label))
            });
        if let Some((at, label)) = here {
            text.push_str(&format!(" (line {}", at.line));
            if !label.is_empty() {
                text.push_str(&format!(": {label}"));
            }
            text.push(')');
            location.get_or_insert(at);
        }
        for help in error.help() {
            text.push_str(&format!("\n  help: {help}"));
        }
        parts.push(text);
    }
    let mut e = ScriptError::new(ErrorKind::Parse, "RustCompileError", parts.join("\n"));
    e.location = location;
    e
}

/// A panic in the cell, from the message the bridge's panic hook left.
pub(crate) fn panic_error(message: &str) -> ScriptError {
    ScriptError::new(
        ErrorKind::Panic,
        "RustPanic",
        format!("the Rust cell panicked: {message} (Rust variables it defined are gone; the others and Rhai's are kept)"),
    )
}
