//! Line editing for the REPL (rustyline): completion from the session, masked password
//! input, and where history is kept.

use super::worker::Worker;
use ladder_scripting::InputError;
use rustyline::completion::{Completer, Pair};
use rustyline::config::Configurer;
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::Hinter;
use rustyline::history::DefaultHistory;
use rustyline::validate::Validator;
use rustyline::{
    Cmd, ConditionalEventHandler, Config, Context, Editor, Event, EventContext, EventHandler,
    Helper, KeyCode, KeyEvent, Modifiers, Movement, RepeatCount,
};
use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::path::PathBuf;
use std::rc::Rc;

pub type LineEditor = Editor<ReplHelper, DefaultHistory>;

/// Connects rustyline to the session: Tab asks the session for completions of the whole
/// cell typed so far (earlier lines included).
pub struct ReplHelper {
    worker: Option<Rc<Worker>>,
    /// The lines of the cell entered before the one being edited.
    pub cell_so_far: RefCell<String>,
    /// Off while the running cell waits for `input()`: the session is busy then.
    pub completion_enabled: Cell<bool>,
    /// Draw the line as blanks (for `getpass`).
    pub masking: Cell<bool>,
}

impl ReplHelper {
    pub fn new(worker: Option<Rc<Worker>>) -> Self {
        Self {
            worker,
            cell_so_far: RefCell::new(String::new()),
            completion_enabled: Cell::new(true),
            masking: Cell::new(false),
        }
    }
}

impl Completer for ReplHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let Some(worker) = self
            .worker
            .as_ref()
            .filter(|_| self.completion_enabled.get())
        else {
            return Ok((pos, Vec::new()));
        };
        let before = self.cell_so_far.borrow();
        let offset = before.chars().count();
        let code = format!("{before}{line}");
        let cursor = offset + line[..pos].chars().count();
        let Ok(found) = worker.complete(&code, cursor) else {
            return Ok((pos, Vec::new()));
        };
        // Offsets are in code points of the whole cell; rustyline wants bytes of this line.
        let start_chars = found.cursor_start.saturating_sub(offset);
        let start = line
            .char_indices()
            .nth(start_chars)
            .map_or(line.len(), |(b, _)| b)
            .min(pos);
        let pairs = found
            .matches
            .into_iter()
            .map(|m| Pair {
                display: m.clone(),
                replacement: m,
            })
            .collect();
        Ok((start, pairs))
    }
}

impl Hinter for ReplHelper {
    type Hint = String;
}

impl Highlighter for ReplHelper {
    fn highlight<'l>(&self, line: &'l str, _pos: usize) -> Cow<'l, str> {
        if self.masking.get() {
            Cow::Owned(" ".repeat(line.chars().count()))
        } else {
            Cow::Borrowed(line)
        }
    }

    fn highlight_char(&self, _line: &str, _pos: usize, kind: CmdKind) -> bool {
        self.masking.get() && kind != CmdKind::MoveCursor
    }
}

impl Validator for ReplHelper {}

impl Helper for ReplHelper {}

/// An editor with history kept per cell (multi-line cells are one entry).
pub fn new_editor(worker: Option<Rc<Worker>>) -> Result<LineEditor, String> {
    let config = Config::builder()
        .auto_add_history(false)
        .history_ignore_dups(true)
        .and_then(|b| b.max_history_size(10_000))
        .map_err(|e| format!("cannot configure the line editor: {e}"))?
        .completion_type(rustyline::CompletionType::List)
        .bracketed_paste(true)
        .build();
    let mut editor =
        LineEditor::with_config(config).map_err(|e| format!("cannot open the terminal: {e}"))?;
    editor.set_helper(Some(ReplHelper::new(worker)));
    for closing in ['}', ']', ')'] {
        editor.bind_sequence(
            KeyEvent::from(closing),
            EventHandler::Conditional(Box::new(Dedent(closing))),
        );
    }
    editor.bind_sequence(
        KeyEvent(KeyCode::Tab, Modifiers::NONE),
        EventHandler::Conditional(Box::new(IndentOnTab)),
    );
    Ok(editor)
}

/// The continuation line starts indented; typing a closing bracket first takes one level
/// of indentation back, as editors do.
struct Dedent(char);

impl ConditionalEventHandler for Dedent {
    fn handle(&self, _: &Event, _: RepeatCount, _: bool, ctx: &EventContext) -> Option<Cmd> {
        let before = &ctx.line()[..ctx.pos()];
        if before.is_empty() || !before.chars().all(|c| c == ' ') {
            return None;
        }
        let kept = " ".repeat(before.len().saturating_sub(INDENT.len()));
        Some(Cmd::Replace(
            Movement::BeginningOfLine,
            Some(format!("{kept}{}", self.0)),
        ))
    }
}

/// Tab at the start of a line indents; elsewhere it completes.
struct IndentOnTab;

impl ConditionalEventHandler for IndentOnTab {
    fn handle(&self, _: &Event, _: RepeatCount, _: bool, ctx: &EventContext) -> Option<Cmd> {
        let before = &ctx.line()[..ctx.pos()];
        before
            .chars()
            .all(char::is_whitespace)
            .then(|| Cmd::Insert(1, INDENT.to_string()))
    }
}

const INDENT: &str = "    ";

/// Where the REPL keeps its history: `$LADDER_HISTORY`, else `ladder/history.txt` in the
/// user's data directory (`$XDG_DATA_HOME`, else `~/.local/share`).
pub fn history_path() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("LADDER_HISTORY").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    let data = std::env::var_os("XDG_DATA_HOME")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|p| !p.is_empty())
                .map(|home| PathBuf::from(home).join(".local").join("share"))
        })?;
    Some(data.join("ladder").join("history.txt"))
}

/// Read one line for a running cell's `input()`/`getpass()` with the given editor.
pub fn read_with(
    editor: &mut LineEditor,
    prompt: &str,
    password: bool,
) -> Result<String, InputError> {
    if let Some(helper) = editor.helper_mut() {
        helper.completion_enabled.set(false);
        helper.masking.set(password);
        *helper.cell_so_far.borrow_mut() = String::new();
    }
    if password {
        editor.set_color_mode(rustyline::ColorMode::Forced);
    }
    let answer = editor.readline(prompt);
    if let Some(helper) = editor.helper_mut() {
        helper.completion_enabled.set(true);
        helper.masking.set(false);
    }
    editor.set_color_mode(rustyline::ColorMode::Enabled);
    answer.map_err(|e| match e {
        rustyline::error::ReadlineError::Interrupted => InputError::Interrupted,
        _ => InputError::Eof,
    })
}

/// `input()` for `ladder run`: a line editor on a terminal, a plain line read otherwise.
pub fn read_input_line(prompt: &str, password: bool) -> Result<String, InputError> {
    use std::io::{BufRead, IsTerminal, Write};
    if std::io::stdin().is_terminal() {
        let mut editor = new_editor(None).map_err(|_| InputError::NotSupported)?;
        return read_with(&mut editor, prompt, password);
    }
    let mut out = std::io::stdout().lock();
    let _ = write!(out, "{prompt}");
    let _ = out.flush();
    drop(out);
    let mut line = String::new();
    match std::io::stdin().lock().read_line(&mut line) {
        Ok(0) | Err(_) => Err(InputError::Eof),
        Ok(_) => {
            let line = line.strip_suffix('\n').unwrap_or(&line);
            let line = line.strip_suffix('\r').unwrap_or(line);
            Ok(line.to_string())
        }
    }
}
