//! The terminal REPL (`ladder repl`).
//!
//! The session runs on its own thread (see [`worker`]); this thread edits lines, keeps the
//! history and turns Ctrl-C into an interrupt of the running cell.

pub(crate) mod editor;
pub(crate) mod terminal;
pub(crate) mod worker;

use crate::frontend::InputError;
use crate::interrupt::InterruptHandle;
use crate::is_complete::Completeness;
use crate::session::SessionFactory;
use editor::LineEditor;
use rustyline::error::ReadlineError;
use std::io::IsTerminal;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use terminal::ResultStyle;
use worker::{Event, InputMode, Worker};

/// Ctrl-C pressed this many times during one cell that does not stop (a native call that
/// never checks the interrupt flag) ends the process.
const PRESSES_TO_QUIT: usize = 3;

/// Run the interactive REPL until Ctrl-D.
pub fn run(make_session: SessionFactory) -> Result<(), String> {
    let worker = Rc::new(Worker::spawn(
        make_session,
        ResultStyle::Numbered,
        InputMode::Routed,
    )?);
    let ctrl_c = CtrlC::install(worker.interrupt_handle());

    let mut editor = editor::new_editor(Some(worker.clone()))?;
    let history = editor::history_path();
    if let Some(path) = &history {
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let _ = editor.load_history(path);
    }
    let interactive = std::io::stdin().is_terminal();
    if interactive {
        println!(
            "Ladder {} (Rhai). %help for help, Tab completes, Ctrl-C interrupts, Ctrl-D exits.",
            env!("CARGO_PKG_VERSION")
        );
    }

    let mut count = 1;
    while let Some(cell) = read_cell(&mut editor, &worker, count).map_err(|e| e.to_string())? {
        if cell.trim().is_empty() {
            continue;
        }
        if matches!(cell.trim(), "exit" | "quit" | "exit()" | "quit()") {
            break;
        }
        let _ = editor.add_history_entry(cell.as_str());
        if let Some(path) = &history {
            let _ = editor.append_history(path);
        }
        ctrl_c.cell_started();
        let outcome = run_cell(&mut editor, &worker, &cell);
        ctrl_c.cell_finished();
        outcome.map_err(|e| e.to_string())?;
        count += 1;
    }
    Ok(())
}

/// Read lines until they form a complete cell: `None` at Ctrl-D. Ctrl-C abandons the cell
/// being typed and starts over.
fn read_cell(
    editor: &mut LineEditor,
    worker: &Worker,
    count: usize,
) -> Result<Option<String>, worker::WorkerGone> {
    let first = format!("In [{count}]: ");
    let more = format!("{}...: ", " ".repeat(first.len() - 5));
    let color = std::io::stdout().is_terminal();
    let mut cell = String::new();
    let mut indent = String::new();
    let mut blank_lines = 0;
    loop {
        let raw = if cell.is_empty() { &first } else { &more };
        let styled = if color {
            let colour = if cell.is_empty() { "32" } else { "2" };
            format!("\x1b[{colour}m{raw}\x1b[0m")
        } else {
            raw.clone()
        };
        if let Some(helper) = editor.helper_mut() {
            *helper.cell_so_far.borrow_mut() = cell.clone();
        }
        let line =
            match editor.readline_with_initial(&(raw.as_str(), styled.as_str()), (&indent, "")) {
                Ok(line) => line,
                Err(ReadlineError::Interrupted) => {
                    cell.clear();
                    indent.clear();
                    blank_lines = 0;
                    continue;
                }
                Err(ReadlineError::Eof) => return Ok(None),
                Err(e) => {
                    eprintln!("ladder: cannot read the terminal: {e}");
                    return Ok(None);
                }
            };
        if !cell.is_empty() {
            cell.push('\n');
        }
        cell.push_str(&line);
        blank_lines = if line.trim().is_empty() {
            blank_lines + 1
        } else {
            0
        };
        // Two blank lines run an unfinished cell anyway, to see its syntax error.
        if blank_lines >= 2 {
            return Ok(Some(cell));
        }
        match worker.is_complete(&cell)? {
            Completeness::Incomplete { indent: hint } => indent = hint,
            Completeness::Complete | Completeness::Invalid => return Ok(Some(cell)),
        }
    }
}

/// Run a cell, answering its `input()` calls from the editor, until it is done.
fn run_cell(
    editor: &mut LineEditor,
    worker: &Worker,
    cell: &str,
) -> Result<(), worker::WorkerGone> {
    worker.execute(cell, None)?;
    loop {
        match worker.next_event()? {
            Event::Done(_) => return Ok(()),
            Event::Input { prompt, password } => {
                let answer = editor::read_with(editor, &prompt, password);
                if answer == Err(InputError::Interrupted) {
                    worker.interrupt_handle().interrupt();
                }
                worker.answer_input(answer)?;
            }
            Event::IsComplete(_) | Event::Completions(_) => {}
        }
    }
}

/// Ctrl-C while a cell runs interrupts it (while a line is edited the terminal is in raw
/// mode, where Ctrl-C is a key, not a signal). If the cell keeps running through several
/// presses (a native call that never checks the flag), the process exits.
pub(crate) struct CtrlC {
    running: Arc<AtomicBool>,
    presses: Arc<AtomicUsize>,
}

impl CtrlC {
    pub(crate) fn install(handle: InterruptHandle) -> Self {
        let running = Arc::new(AtomicBool::new(false));
        let presses = Arc::new(AtomicUsize::new(0));
        let (flag, count) = (running.clone(), presses.clone());
        let _ = ctrlc::set_handler(move || {
            if !flag.load(Ordering::SeqCst) {
                return;
            }
            handle.interrupt();
            if count.fetch_add(1, Ordering::SeqCst) + 1 >= PRESSES_TO_QUIT {
                eprintln!("\nladder: the running cell does not stop; exiting.");
                std::process::exit(130);
            }
        });
        Self { running, presses }
    }

    pub(crate) fn cell_started(&self) {
        self.presses.store(0, Ordering::SeqCst);
        self.running.store(true, Ordering::SeqCst);
    }

    pub(crate) fn cell_finished(&self) {
        self.running.store(false, Ordering::SeqCst);
    }
}
