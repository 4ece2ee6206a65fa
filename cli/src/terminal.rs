//! A [`Frontend`] that writes to a terminal (or a pipe): text as it comes, rich values as
//! their text form, images to files whose paths are printed, displays with an id redrawn in
//! place when they are the last thing on screen.

use ladder_scripting::error::ScriptError;
use ladder_scripting::frontend::{Frontend, InputError, Stream};
use ladder_scripting::mime::{MimeBundle, IMAGE_PNG, IMAGE_SVG, TEXT_HTML};
use std::cell::RefCell;
use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// How `input()` is answered: the REPL asks its editor on the main thread, `ladder run`
/// reads standard input directly.
pub type InputFn = Box<dyn Fn(&str, bool) -> Result<String, InputError>>;

/// How results are labelled: `Out[n]: ` in the REPL, bare in `ladder run`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ResultStyle {
    Numbered,
    Bare,
}

/// When output is not a terminal, an updated display is printed at most this often (and
/// once more, in its final state, when the cell ends), so logs stay short.
const PIPE_UPDATE_INTERVAL: Duration = Duration::from_secs(1);

pub struct TerminalFrontend {
    /// Standard output is a terminal: cursor movement may be used.
    tty: bool,
    /// Colour the error reports (standard error is a terminal).
    color: bool,
    style: ResultStyle,
    input: InputFn,
    state: RefCell<State>,
}

#[derive(Default)]
struct State {
    /// The cursor is at the start of a line.
    mid_line: bool,
    /// The display last printed, with the number of terminal rows it took, while nothing
    /// has been printed after it.
    last_display: Option<(String, usize)>,
    /// Rows printed since the cell started (for `clear_output`).
    cell_rows: usize,
    clear_pending: bool,
    /// Pipes only: the latest update of each display not yet printed, and when each
    /// display was last printed.
    pending_updates: Vec<(String, MimeBundle)>,
    printed_at: HashMap<String, Instant>,
    images_written: usize,
    image_dir: Option<PathBuf>,
}

impl TerminalFrontend {
    pub fn new(style: ResultStyle, input: InputFn) -> Self {
        Self {
            tty: std::io::stdout().is_terminal(),
            color: std::io::stderr().is_terminal(),
            style,
            input,
            state: RefCell::new(State::default()),
        }
    }

    /// Show a cell's result (the value of its last expression).
    pub fn show_result(&self, execution_count: usize, bundle: &MimeBundle) {
        let text = self.bundle_text(bundle);
        let text = match self.style {
            ResultStyle::Bare => text,
            ResultStyle::Numbered => {
                let label = format!("Out[{execution_count}]:");
                let label = if self.tty {
                    format!("\x1b[31m{label}\x1b[0m")
                } else {
                    label
                };
                let sep = if text.contains('\n') { "\n" } else { " " };
                format!("{label}{sep}{text}")
            }
        };
        self.write_block(&text);
    }

    /// Show help asked for with `?name` (the kernel sends it to the pager).
    pub fn show_help(&self, text: &str) {
        self.write_block(text);
    }

    /// Show an error report (with colour on a terminal).
    pub fn show_error(&self, error: &ScriptError) {
        self.flush_held_updates();
        self.finish_line();
        let _ = std::io::stdout().flush();
        let report = error.traceback(self.color).join("\n");
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "{report}");
        let _ = err.flush();
        let mut state = self.state.borrow_mut();
        state.last_display = None;
        state.cell_rows += report.lines().count();
    }

    /// Called when a cell ends: prints the final state of displays whose updates were held
    /// back (pipes), and forgets the cell's screen bookkeeping.
    pub fn end_cell(&self) {
        self.flush_held_updates();
        self.finish_line();
        let mut state = self.state.borrow_mut();
        state.cell_rows = 0;
        state.clear_pending = false;
        state.last_display = None;
        state.printed_at.clear();
    }

    /// Print the held-back final states of updated displays (pipes), before anything else
    /// is printed, so the log keeps the order of events.
    fn flush_held_updates(&self) {
        let pending = std::mem::take(&mut self.state.borrow_mut().pending_updates);
        for (id, bundle) in pending {
            let text = self.bundle_text(&bundle);
            self.write_block(&text);
            self.state
                .borrow_mut()
                .printed_at
                .insert(id, Instant::now());
        }
    }

    /// End a line left open by `print`-less output (`eprint` without newline, a stream
    /// chunk) so that what follows starts on its own line.
    fn finish_line(&self) {
        let mid_line = std::mem::replace(&mut self.state.borrow_mut().mid_line, false);
        if mid_line {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out);
            let _ = out.flush();
            self.state.borrow_mut().cell_rows += 1;
        }
    }

    /// The text form of a bundle, with a line per image saying where it was written.
    fn bundle_text(&self, bundle: &MimeBundle) -> String {
        let mut lines: Vec<String> = Vec::new();
        if let Some(text) = bundle.plain() {
            lines.push(text.trim_end_matches('\n').to_string());
        }
        if let Some(line) = self.write_image(bundle) {
            lines.push(line);
        } else if lines.is_empty() && bundle.data.contains_key(TEXT_HTML) {
            lines.push("[HTML output: shown in Jupyter, not in a terminal]".into());
        }
        lines.join("\n")
    }

    /// Save a bundle's image (PNG, else SVG) to a file; returns the line that says where.
    fn write_image(&self, bundle: &MimeBundle) -> Option<String> {
        let (bytes, ext, kind) = if let Some(png) = bundle.png_bytes() {
            (png, "png", IMAGE_PNG)
        } else {
            let svg = bundle.data.get(IMAGE_SVG)?.as_str()?;
            (svg.as_bytes().to_vec(), "svg", IMAGE_SVG)
        };
        let mut state = self.state.borrow_mut();
        let dir = match &state.image_dir {
            Some(dir) => dir.clone(),
            None => {
                let dir = image_dir();
                if let Err(e) = std::fs::create_dir_all(&dir) {
                    return Some(format!(
                        "[{kind} image not saved: cannot create {}: {e}]",
                        dir.display()
                    ));
                }
                state.image_dir = Some(dir.clone());
                dir
            }
        };
        state.images_written += 1;
        let path = dir.join(format!("image-{}.{ext}", state.images_written));
        let size = bundle
            .metadata
            .get(kind)
            .and_then(|m| Some(format!(" {}x{}", m.get("width")?, m.get("height")?)))
            .unwrap_or_default();
        Some(match std::fs::write(&path, &bytes) {
            Ok(()) => format!("[{kind}{size} written to {}]", path.display()),
            Err(e) => format!("[{kind} image not saved to {}: {e}]", path.display()),
        })
    }

    /// Print a block of text on its own lines; returns the rows it took.
    fn write_block(&self, text: &str) -> usize {
        self.flush_held_updates();
        self.apply_pending_clear();
        self.finish_line();
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{text}");
        let _ = out.flush();
        let rows = rows_of(text, terminal_size().0);
        let mut state = self.state.borrow_mut();
        state.cell_rows += rows;
        state.last_display = None;
        rows
    }

    fn apply_pending_clear(&self) {
        let pending = std::mem::take(&mut self.state.borrow_mut().clear_pending);
        if pending {
            self.clear_now();
        }
    }

    /// Erase what this cell printed, when it is all still on screen.
    fn clear_now(&self) {
        let mut state = self.state.borrow_mut();
        let rows = state.cell_rows;
        if self.tty && rows > 0 && rows < terminal_size().1 {
            let mut out = std::io::stdout().lock();
            let _ = write!(out, "\r\x1b[{rows}A\x1b[J");
            let _ = out.flush();
            state.cell_rows = 0;
            state.mid_line = false;
            state.last_display = None;
        }
    }
}

impl Frontend for TerminalFrontend {
    fn stream(&self, stream: Stream, text: &str) {
        if text.is_empty() {
            return;
        }
        self.flush_held_updates();
        self.apply_pending_clear();
        let _ = std::io::stdout().flush();
        let result = match stream {
            Stream::Stdout => {
                let mut out = std::io::stdout().lock();
                out.write_all(text.as_bytes()).and_then(|()| out.flush())
            }
            Stream::Stderr => {
                let mut err = std::io::stderr().lock();
                err.write_all(text.as_bytes()).and_then(|()| err.flush())
            }
        };
        drop(result);
        let mut state = self.state.borrow_mut();
        state.mid_line = !text.ends_with('\n');
        state.cell_rows += text.matches('\n').count();
        state.last_display = None;
    }

    fn display(&self, bundle: &MimeBundle, display_id: Option<&str>) {
        let text = self.bundle_text(bundle);
        let rows = self.write_block(&text);
        if let Some(id) = display_id {
            let mut state = self.state.borrow_mut();
            state.last_display = Some((id.to_string(), rows));
            state.printed_at.insert(id.to_string(), Instant::now());
        }
    }

    fn update_display(&self, bundle: &MimeBundle, display_id: &str) {
        if !self.tty {
            // A log gets an update at most once a second, and the final state at the end.
            let mut state = self.state.borrow_mut();
            let due = state
                .printed_at
                .get(display_id)
                .is_none_or(|at| at.elapsed() >= PIPE_UPDATE_INTERVAL);
            state.pending_updates.retain(|(id, _)| id != display_id);
            if !due {
                state
                    .pending_updates
                    .push((display_id.to_string(), bundle.clone()));
                return;
            }
            drop(state);
            self.display(bundle, Some(display_id));
            return;
        }
        let redraw = {
            let state = self.state.borrow();
            match &state.last_display {
                Some((id, rows)) if id == display_id && *rows < terminal_size().1 => Some(*rows),
                _ => None,
            }
        };
        if let Some(rows) = redraw {
            let mut out = std::io::stdout().lock();
            let _ = write!(out, "\r\x1b[{rows}A\x1b[J");
            let _ = out.flush();
            self.state.borrow_mut().cell_rows -= rows;
        }
        self.display(bundle, Some(display_id));
    }

    fn clear_output(&self, wait: bool) {
        if wait {
            self.state.borrow_mut().clear_pending = true;
        } else {
            self.clear_now();
        }
    }

    fn input(&self, prompt: &str, password: bool) -> Result<String, InputError> {
        self.flush_held_updates();
        self.apply_pending_clear();
        self.finish_line();
        let _ = std::io::stdout().flush();
        let answer = (self.input)(prompt, password);
        let mut state = self.state.borrow_mut();
        state.cell_rows += 1;
        state.last_display = None;
        answer
    }

    fn flush(&self) {
        let _ = std::io::stdout().flush();
        let _ = std::io::stderr().flush();
    }
}

/// Where images shown in a terminal are saved: `$LADDER_IMAGE_DIR`, else a folder per
/// process in the system's temporary directory.
fn image_dir() -> PathBuf {
    match std::env::var_os("LADDER_IMAGE_DIR") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => std::env::temp_dir().join(format!("ladder-{}", std::process::id())),
    }
}

/// Terminal rows a text takes at `columns` wide (long lines wrap).
fn rows_of(text: &str, columns: usize) -> usize {
    text.split('\n')
        .map(|line| line.chars().count().max(1).div_ceil(columns.max(1)))
        .sum()
}

/// (columns, rows) of the terminal on standard output; 80x24 when unknown.
fn terminal_size() -> (usize, usize) {
    // SAFETY: TIOCGWINSZ only writes a winsize struct, which we own.
    unsafe {
        let mut size: libc::winsize = std::mem::zeroed();
        if libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut size) == 0 && size.ws_col > 0 {
            return (size.ws_col as usize, size.ws_row.max(1) as usize);
        }
    }
    (80, 24)
}

#[cfg(test)]
mod tests {
    use super::rows_of;

    #[test]
    fn rows_count_wrapped_lines() {
        assert_eq!(rows_of("abc", 80), 1);
        assert_eq!(rows_of("a\nb\n", 80), 3);
        assert_eq!(rows_of(&"x".repeat(81), 80), 2);
        assert_eq!(rows_of("", 80), 1);
    }
}
