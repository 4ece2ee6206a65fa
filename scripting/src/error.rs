//! Structured errors: what went wrong, where, and through which calls.

use rhai::{EvalAltResult, ParseError, Position};
use std::collections::HashMap;
use unicode_width::UnicodeWidthChar;

/// The broad class of an error; front ends may treat classes differently (the REPL does
/// not print a traceback for an interrupt, for instance).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The cell does not parse.
    Parse,
    /// The cell parsed but failed while running.
    Runtime,
    /// The cell was stopped by an interrupt.
    Interrupted,
    /// Native (library) code panicked; the session survived.
    Panic,
    /// A safety limit (operations, call depth, data size) was exceeded.
    Limit,
    /// A `%command` was misused.
    Command,
}

/// A place in a cell's source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// Which cell (`cell[3]`) or file the code came from.
    pub source: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column in characters, when known.
    pub column: Option<usize>,
    /// The text of that line, for the caret display.
    pub code: String,
}

impl Location {
    /// The source line followed by a caret line under the column.
    pub fn snippet(&self) -> String {
        let gutter = self.line.to_string();
        let pad = " ".repeat(gutter.len());
        if self.code.is_empty() && self.column.is_none() {
            // The source text is not known: nothing to quote.
            return String::new();
        }
        let mut out = format!("{pad} |\n{gutter} | {}\n", self.code);
        if let Some(col) = self.column {
            // Keep tabs, and give wide characters (CJK, emoji) two cells, so the caret
            // lines up under the same glyph on a terminal.
            let lead: String = self
                .code
                .chars()
                .take(col.saturating_sub(1))
                .map(|c| match c {
                    '\t' => "\t",
                    _ if c.width().unwrap_or(0) == 2 => "  ",
                    _ if c.width().unwrap_or(0) == 0 => "",
                    _ => " ",
                })
                .collect();
            out.push_str(&format!("{pad} | {lead}^\n"));
        }
        out
    }
}

/// One step of the call chain: a call to `function` made at `call_site`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    pub function: String,
    pub call_site: Option<Location>,
}

/// An error from a cell: parse, runtime, interrupt, panic or limit, with its position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScriptError {
    pub kind: ErrorKind,
    /// A short name, like an exception class: `SyntaxError`, `VariableNotFound`, ...
    pub name: String,
    /// What went wrong, without the position.
    pub message: String,
    /// Where it went wrong (innermost position), when known.
    pub location: Option<Location>,
    /// Calls that led to the error, outermost first.
    pub call_chain: Vec<Frame>,
    /// What may help, shown under the message in reports (how a function is called, the
    /// name that was probably meant); not part of the one-line form.
    pub hint: Option<String>,
}

impl ScriptError {
    pub fn new(kind: ErrorKind, name: &str, message: impl Into<String>) -> Self {
        Self {
            kind,
            name: name.to_string(),
            message: message.into(),
            location: None,
            call_chain: Vec::new(),
            hint: None,
        }
    }

    pub fn interrupted() -> Self {
        Self::new(
            ErrorKind::Interrupted,
            "Interrupted",
            "execution was interrupted",
        )
    }

    /// The line (1-based) the error points at, if known.
    pub fn line(&self) -> Option<usize> {
        self.location.as_ref().map(|l| l.line)
    }

    /// The column (1-based) the error points at, if known.
    pub fn column(&self) -> Option<usize> {
        self.location.as_ref().and_then(|l| l.column)
    }

    /// A readable report: the call chain, the position with the source line and caret,
    /// then `Name: message`.
    pub fn report(&self) -> String {
        self.traceback(false).join("\n")
    }

    /// The report as lines, with ANSI colours when `ansi` (as Jupyter's `traceback`).
    pub fn traceback(&self, ansi: bool) -> Vec<String> {
        let (red, cyan, bold, reset) = if ansi {
            ("\x1b[31m", "\x1b[36m", "\x1b[1m", "\x1b[0m")
        } else {
            ("", "", "", "")
        };
        let mut lines = Vec::new();
        let mut frames = self.call_chain.iter().peekable();
        while let Some(frame) = frames.next() {
            match &frame.call_site {
                Some(site) => {
                    lines.push(format!(
                        "{cyan}{}:{}{reset} in call to '{}'",
                        site.source, site.line, frame.function
                    ));
                    lines.push(format!("    {}", site.code.trim()));
                }
                None => lines.push(format!("{cyan}in call to '{}'{reset}", frame.function)),
            }
            // Recursion repeats one frame many times: say so once.
            let mut repeats = 0;
            while frames.next_if(|next| *next == frame).is_some() {
                repeats += 1;
            }
            if repeats > 0 {
                let plural = if repeats == 1 { "" } else { "s" };
                lines.push(format!(
                    "  [the call above repeated {repeats} more time{plural}]"
                ));
            }
        }
        if let Some(loc) = &self.location {
            let col = loc.column.map(|c| format!(":{c}")).unwrap_or_default();
            lines.push(format!("{cyan}--> {}:{}{col}{reset}", loc.source, loc.line));
            lines.extend(loc.snippet().lines().map(str::to_string));
        }
        lines.push(format!("{red}{bold}{}{reset}: {}", self.name, self.message));
        lines.extend(self.hint.iter().flat_map(|h| h.lines()).map(str::to_string));
        lines
    }
}

impl std::fmt::Display for ScriptError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.name, self.message)?;
        if let Some(loc) = &self.location {
            write!(f, " ({}, line {}", loc.source, loc.line)?;
            if let Some(c) = loc.column {
                write!(f, ", column {c}")?;
            }
            write!(f, ")")?;
        }
        Ok(())
    }
}

impl std::error::Error for ScriptError {}

/// The sources of every cell run so far, by name, so that errors inside functions defined
/// in earlier cells can still show their line.
#[derive(Default, Clone)]
pub struct Sources {
    texts: HashMap<String, String>,
    /// Which source each script function was (last) defined in: Rhai reports errors inside
    /// a function against the running cell, not the defining one.
    functions: HashMap<String, String>,
    /// Where imported module files are looked up (module errors name the import path).
    pub import_dir: Option<std::path::PathBuf>,
}

impl Sources {
    pub fn insert(&mut self, name: &str, text: &str) {
        self.texts.insert(name.to_string(), text.to_string());
    }

    pub fn define_function(&mut self, name: &str, source: &str) {
        self.functions.insert(name.to_string(), source.to_string());
    }

    /// Each script function with the source it was (last) defined in.
    pub(crate) fn functions(&self) -> impl Iterator<Item = (&str, &str)> {
        self.functions.iter().map(|(f, s)| (f.as_str(), s.as_str()))
    }

    /// The text of a named source (a cell).
    pub(crate) fn text(&self, name: &str) -> Option<&str> {
        self.texts.get(name).map(String::as_str)
    }

    pub fn clear(&mut self) {
        self.texts.clear();
        self.functions.clear();
    }

    /// A location for a Rhai position in the named source.
    pub fn locate(&self, source: &str, pos: Position) -> Option<Location> {
        let line = pos.line()?;
        let code = match self.texts.get(source) {
            Some(text) => Some(text.lines().nth(line - 1).unwrap_or("").to_string()),
            None => self.module_line(source, line),
        };
        Some(Location {
            source: source.to_string(),
            line,
            column: code.as_ref().and(pos.position()),
            code: code.unwrap_or_default(),
        })
    }

    /// A line of an imported module's file (`source` is the path given to `import`).
    fn module_line(&self, source: &str, line: usize) -> Option<String> {
        let path = std::path::Path::new(source).with_extension("rhai");
        let path = match &self.import_dir {
            Some(dir) if path.is_relative() => dir.join(path),
            _ => path,
        };
        let text = std::fs::read_to_string(path).ok()?;
        text.lines().nth(line - 1).map(str::to_string)
    }

    /// Convert a parse error in `source`.
    pub fn parse_error(&self, source: &str, err: &ParseError) -> ScriptError {
        use rhai::{LexError, ParseErrorType as P};
        let (kind, name) = match err.err_type() {
            P::ExprTooDeep
            | P::LiteralTooLarge(..)
            | P::TooManyFunctions
            | P::BadInput(LexError::StringTooLong(_)) => (ErrorKind::Limit, "LimitExceeded"),
            _ => (ErrorKind::Parse, "SyntaxError"),
        };
        let mut e = ScriptError::new(kind, name, err.err_type().to_string());
        e.location = self.locate(source, err.position());
        e
    }

    /// Convert a runtime error raised while running `source`, unwrapping the call chain.
    pub fn eval_error(&self, source: &str, err: &EvalAltResult) -> ScriptError {
        let mut chain = Vec::new();
        let mut current_source = source.to_string();
        let mut err = err;
        loop {
            match err {
                EvalAltResult::ErrorInFunctionCall(name, fn_source, inner, pos) => {
                    chain.push(Frame {
                        function: name.clone(),
                        call_site: self.locate(&current_source, *pos),
                    });
                    if let Some(defined_in) = self.functions.get(name) {
                        current_source = defined_in.clone();
                    } else if !fn_source.is_empty() {
                        current_source = fn_source.clone();
                    }
                    err = inner;
                }
                EvalAltResult::ErrorInModule(name, inner, pos) => {
                    chain.push(Frame {
                        function: format!("module '{name}'"),
                        call_site: self.locate(&current_source, *pos),
                    });
                    current_source = name.clone();
                    err = inner;
                }
                _ => break,
            }
        }
        let (kind, name) = classify(err);
        let message = match err {
            EvalAltResult::ErrorTerminated(token, _) if is_stack_exhausted(token) => {
                "recursion too deep for this thread's native stack (lower max_call_levels, or \
                 run the session on a thread with a larger stack)"
                    .to_string()
            }
            EvalAltResult::ErrorTerminated(token, _)
                if is_token(token, crate::memory::EXCEEDED) =>
            {
                let held = crate::memory::live_bytes().unwrap_or(0) >> 20;
                format!(
                    "the process holds {held} MiB, and what this cell grows would pass max_memory \
                     (at the next doubling, if not already): free big values (`name = ();`) or \
                     raise it with %limit max_memory"
                )
            }
            EvalAltResult::ErrorTerminated(..) => "execution was interrupted".to_string(),
            EvalAltResult::ErrorStackOverflow(_) => {
                "function calls nested deeper than max_call_levels allows (see %limit)".to_string()
            }
            // A thrown value, or a refused allocation saying what it needed and the budget
            // (memory::refused).
            EvalAltResult::ErrorRuntime(value, _) => value.to_string(),
            EvalAltResult::ErrorParsing(t, _) => t.to_string(),
            other => strip_position(&other.to_string()),
        };
        let mut e = ScriptError::new(kind, name, message);
        e.location = self.locate(&current_source, err.position());
        e.call_chain = chain;
        e
    }
}

/// Rhai appends ` (line L, position C)` to its messages; the location is reported apart.
fn strip_position(message: &str) -> String {
    match message.rfind(" (line ") {
        Some(at) if message.ends_with(')') => message[..at].to_string(),
        _ => message.to_string(),
    }
}

fn is_stack_exhausted(token: &rhai::Dynamic) -> bool {
    is_token(token, crate::stack::EXHAUSTED)
}

/// Whether a termination token (what the progress callback stopped with) is `expected`.
fn is_token(token: &rhai::Dynamic, expected: &str) -> bool {
    token
        .read_lock::<rhai::ImmutableString>()
        .is_some_and(|s| s.as_str() == expected)
}

fn classify(err: &EvalAltResult) -> (ErrorKind, &'static str) {
    use EvalAltResult::*;
    match err {
        ErrorTerminated(token, _)
            if is_stack_exhausted(token) || is_token(token, crate::memory::EXCEEDED) =>
        {
            (ErrorKind::Limit, "LimitExceeded")
        }
        ErrorTerminated(..) => (ErrorKind::Interrupted, "Interrupted"),
        ErrorParsing(..) => (ErrorKind::Parse, "SyntaxError"),
        ErrorTooManyOperations(_)
        | ErrorTooManyVariables(_)
        | ErrorTooManyModules(_)
        | ErrorStackOverflow(_)
        | ErrorDataTooLarge(..) => (ErrorKind::Limit, "LimitExceeded"),
        ErrorVariableNotFound(..) => (ErrorKind::Runtime, "VariableNotFound"),
        ErrorFunctionNotFound(..) => (ErrorKind::Runtime, "FunctionNotFound"),
        ErrorPropertyNotFound(..) => (ErrorKind::Runtime, "PropertyNotFound"),
        ErrorModuleNotFound(..) => (ErrorKind::Runtime, "ModuleNotFound"),
        ErrorMismatchDataType(..) | ErrorMismatchOutputType(..) | ErrorIndexingType(..) => {
            (ErrorKind::Runtime, "TypeError")
        }
        ErrorArrayBounds(..) | ErrorStringBounds(..) | ErrorBitFieldBounds(..) => {
            (ErrorKind::Runtime, "IndexError")
        }
        ErrorIndexNotFound(..) => (ErrorKind::Runtime, "KeyError"),
        ErrorArithmetic(..) => (ErrorKind::Runtime, "ArithmeticError"),
        ErrorAssignmentToConstant(..) | ErrorNonPureMethodCallOnConstant(..) => {
            (ErrorKind::Runtime, "ConstantError")
        }
        ErrorRuntime(value, _) if crate::memory::is_refusal(value) => {
            (ErrorKind::Limit, "LimitExceeded")
        }
        ErrorRuntime(..) => (ErrorKind::Runtime, "Exception"),
        _ => (ErrorKind::Runtime, "RuntimeError"),
    }
}
