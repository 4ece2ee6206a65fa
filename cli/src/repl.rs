//! The terminal REPL (`ladder repl`).
//!
//! The session runs on its own thread (see [`worker`]); this thread edits lines, keeps the
//! history and turns Ctrl-C into an interrupt of the running cell.

pub(crate) mod editor;
pub(crate) mod worker;

use crate::ctrl_c::CtrlC;
use crate::terminal::ResultStyle;
use editor::LineEditor;
use ladder_scripting::{Completeness, InputError, SessionFactory};
use rustyline::error::ReadlineError;
use std::io::IsTerminal;
use std::rc::Rc;
use worker::{Event, InputMode, Worker};

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
        let outcome = run_cell(&mut editor, &worker, &cell, count);
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
    number: usize,
) -> Result<(), worker::WorkerGone> {
    worker.execute(cell, None, Some(number))?;
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
