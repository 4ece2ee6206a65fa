//! `ladder run notebook.ipynb`: execute a notebook's cells in an embedded session, without
//! Jupyter, recording outputs as the kernel would send them and Jupyter would save them.

pub mod format;
mod html;
mod record;

use crate::error::{ErrorKind, ScriptError};
use crate::frontend::Frontend;
use crate::interrupt::InterruptHandle;
use crate::repl::terminal::{ResultStyle, TerminalFrontend};
use crate::repl::CtrlC;
use crate::session::SessionFactory;
use format::{clear_cell, source_text, Notebook};
use record::Recorder;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// What to do besides running the notebook.
#[derive(Clone, Debug, Default)]
pub struct NotebookOptions {
    /// Write the executed notebook here.
    pub output: Option<PathBuf>,
    /// Write a self-contained HTML report here.
    pub html: Option<PathBuf>,
    /// Papermill-style parameters (`-p name=value`), injected after the `parameters` cell.
    pub parameters: Vec<(String, String)>,
    /// Do not echo cell outputs to the terminal (errors are still reported).
    pub quiet: bool,
}

/// Stack for the session thread (see the REPL's worker).
const SESSION_STACK: usize = 256 * 1024 * 1024;

/// How a run ended.
pub struct RunSummary {
    /// Code cells executed (the failing one included).
    pub executed: usize,
    /// The first error, with the notebook cell index (0-based) it happened in.
    pub error: Option<(usize, ScriptError)>,
}

/// Run a notebook file; returns the exit code (0, 1 on an error, 130 when interrupted).
/// The executed notebook and the report are written even when a cell fails, with the
/// error recorded in that cell and the cells after it left unexecuted (as nbclient stops).
pub fn run_notebook(
    path: &Path,
    options: &NotebookOptions,
    make_session: SessionFactory,
) -> Result<i32, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut notebook = Notebook::parse(&text, &path.display().to_string())?;
    notebook.inject_parameters(&options.parameters)?;

    let quiet = options.quiet;
    let (handle_tx, handle_rx) = std::sync::mpsc::channel::<InterruptHandle>();
    let worker = std::thread::Builder::new()
        .name("ladder-session".into())
        .stack_size(SESSION_STACK)
        .spawn(move || {
            let summary = execute(&mut notebook, make_session, !quiet, |handle| {
                let _ = handle_tx.send(handle);
            });
            (notebook, summary)
        })
        .map_err(|e| format!("cannot start the session thread: {e}"))?;
    let ctrl_c = handle_rx.recv().ok().map(CtrlC::install);
    if let Some(c) = &ctrl_c {
        c.cell_started();
    }
    let (notebook, summary) = worker
        .join()
        .map_err(|_| "the session thread stopped unexpectedly".to_string())?;
    if let Some(c) = &ctrl_c {
        c.cell_finished();
    }

    if let Some(out) = &options.output {
        std::fs::write(out, notebook.to_pretty_json())
            .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
        eprintln!("wrote the executed notebook to {}", out.display());
    }
    if let Some(out) = &options.html {
        let title = path
            .file_stem()
            .map_or("notebook".into(), |s| s.to_string_lossy().into_owned());
        std::fs::write(out, html::report(&notebook.json, &title))
            .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
        eprintln!("wrote the HTML report to {}", out.display());
    }
    Ok(match &summary.error {
        None => 0,
        Some((cell, error)) => {
            eprintln!(
                "{}: stopped at cell {} of {} (its error is recorded in the notebook)",
                path.display(),
                cell + 1,
                notebook.cells().len()
            );
            if error.kind == ErrorKind::Interrupted {
                130
            } else {
                1
            }
        }
    })
}

/// Run every code cell in order on this thread, stopping at the first error; outputs are
/// written into the notebook's cells. `ready` receives the session's interrupt handle once
/// the session exists.
pub fn execute(
    notebook: &mut Notebook,
    make_session: SessionFactory,
    echo: bool,
    ready: impl FnOnce(InterruptHandle),
) -> RunSummary {
    let echo = echo.then(|| {
        TerminalFrontend::new(ResultStyle::Numbered, Box::new(|_, _| unreachable_input()))
    });
    let recorder = Rc::new(Recorder::new(echo));
    let mut session = make_session(recorder.clone() as Rc<dyn Frontend>);
    ready(session.interrupt_handle());

    for cell in notebook.cells_mut() {
        if cell["cell_type"] == "code" {
            clear_cell(cell);
        }
    }
    let mut counts = Vec::new();
    let mut summary = RunSummary {
        executed: 0,
        error: None,
    };
    let sources: Vec<(usize, String)> = notebook
        .cells()
        .iter()
        .enumerate()
        .filter(|(_, c)| c["cell_type"] == "code")
        .map(|(i, c)| (i, source_text(c)))
        .collect();
    for (index, source) in sources {
        // As nbclient: blank cells are skipped, not run.
        if source.trim().is_empty() {
            continue;
        }
        summary.executed += 1;
        let count = summary.executed;
        counts.push((index, count));
        recorder.start_cell(index);
        let outcome = session.execute(&source);
        recorder.end_cell();
        match outcome {
            Ok(Some(bundle)) => recorder.result(count, &bundle),
            Ok(None) => {}
            Err(error) => {
                recorder.error(&error);
                summary.error = Some((index, error));
                break;
            }
        }
    }

    let mut outputs = recorder.take();
    let cells = notebook.cells_mut();
    for (index, count) in counts {
        cells[index]["execution_count"] = json!(count);
        cells[index]["outputs"] = Value::Array(outputs.remove(&index).unwrap_or_default());
    }
    summary
}

/// The recorder answers `input()` itself; the terminal echo is never asked.
fn unreachable_input() -> Result<String, crate::frontend::InputError> {
    Err(crate::frontend::InputError::NotSupported)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::Session;
    use std::sync::Arc;

    fn notebook(cells: &[&str]) -> Notebook {
        let cells: Vec<Value> = cells
            .iter()
            .map(|source| {
                json!({"cell_type": "code", "metadata": {}, "source": source,
                                 "outputs": [], "execution_count": null})
            })
            .collect();
        let text = json!({"nbformat": 4, "nbformat_minor": 4, "metadata": {}, "cells": cells});
        Notebook::parse(&text.to_string(), "test.ipynb").unwrap()
    }

    #[test]
    fn outputs_are_recorded_per_cell_and_the_run_stops_at_the_first_error() {
        let mut nb = notebook(&[
            "let x = 20;\nprint(\"a\");\nprint(\"b\");",
            "display(\"v0\", \"bar\");",
            "update_display(\"v1\", \"bar\");\nx + 1",
            "",
            "x + nope",
            "x",
        ]);
        let factory: SessionFactory = Arc::new(Session::new);
        let summary = execute(&mut nb, factory, false, |_| {});
        let cells = nb.cells();
        assert_eq!(summary.executed, 4);
        assert_eq!(summary.error.as_ref().map(|(i, _)| *i), Some(4));
        assert_eq!(
            cells[0]["outputs"],
            json!([{"output_type": "stream", "name": "stdout", "text": "a\nb\n"}])
        );
        // The update in cell 3 changed the display shown by cell 2.
        assert_eq!(cells[1]["outputs"][0]["data"]["text/plain"], "\"v1\"");
        assert_eq!(cells[2]["outputs"][0]["output_type"], "execute_result");
        assert_eq!(cells[2]["outputs"][0]["execution_count"], 3);
        assert_eq!(cells[2]["outputs"][0]["data"]["text/plain"], "21");
        assert_eq!(cells[3]["execution_count"], Value::Null);
        assert_eq!(cells[4]["outputs"][0]["ename"], "VariableNotFound");
        assert_eq!(cells[4]["execution_count"], 4);
        assert_eq!(cells[5]["outputs"], json!([]));
        assert_eq!(cells[5]["execution_count"], Value::Null);
    }
}
