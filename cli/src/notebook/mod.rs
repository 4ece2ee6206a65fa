//! `ladder run notebook.ipynb`: execute a notebook's cells in an embedded session, without
//! Jupyter, recording outputs as the kernel would send them and Jupyter would save them.

pub mod format;
mod highlight;
mod html;
mod kernel;
mod markdown;
mod math;
pub mod parameters;
mod record;
pub(crate) mod rhai_tokens;

use crate::ctrl_c::CtrlC;
use crate::terminal::{ResultStyle, TerminalFrontend};
use format::{clear_cell, source_text, Notebook};
use ladder_scripting::error::{ErrorKind, ScriptError};
use ladder_scripting::host::{Execute, HostGone, Reply, ReplySink, Request, SessionHost};
use ladder_scripting::widgets::SavedState;
use ladder_scripting::{Frontend, InputError, InterruptHandle, SessionFactory};
use record::{Outputs, Recorder};
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::mpsc::channel;
use std::sync::{Arc, Mutex};

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
    /// Run the cells as Rhai even when the notebook names another kernel.
    pub any_kernel: bool,
}

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
    if let Some(other) = notebook
        .other_kernel
        .as_ref()
        .filter(|_| !options.any_kernel)
    {
        return Err(format!(
            "{} is a notebook for {other}, not for Ladder (Rhai); nothing was run \
             (--any-kernel runs its cells as Rhai anyway)",
            path.display()
        ));
    }
    for warning in parameters::unknown_parameter_warnings(&notebook, &options.parameters) {
        eprintln!("{warning}");
    }
    notebook.inject_parameters(&options.parameters)?;

    let mut ctrl_c = None;
    let summary = execute(&mut notebook, make_session, !options.quiet, |handle| {
        let c = CtrlC::install(handle);
        c.cell_started();
        ctrl_c = Some(c);
    })?;
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

/// Run every code cell in order on a session host, stopping at the first error; outputs
/// are written into the notebook's cells. `ready` receives the session's interrupt handle
/// once the session exists.
pub fn execute(
    notebook: &mut Notebook,
    make_session: SessionFactory,
    echo: bool,
    ready: impl FnOnce(InterruptHandle),
) -> Result<RunSummary, String> {
    for cell in notebook.cells_mut() {
        if cell["cell_type"] == "code" {
            clear_cell(cell);
        }
    }
    // As nbclient: blank cells are skipped, not run.
    let sources: Vec<(usize, String)> = notebook
        .cells()
        .iter()
        .enumerate()
        .filter(|(_, c)| c["cell_type"] == "code")
        .map(|(i, c)| (i, source_text(c)))
        .filter(|(_, source)| !source.trim().is_empty())
        .collect();

    let outputs = Outputs::default();
    let recorded = outputs.clone();
    let widgets = Arc::new(Mutex::new(SavedState::default()));
    let saved = widgets.clone();
    let mut order: VecDeque<usize> = sources.iter().map(|(i, _)| *i).collect();
    let (error_tx, errors) = channel::<Option<ScriptError>>();
    let host = SessionHost::spawn(make_session, move || {
        let echo = echo.then(|| {
            TerminalFrontend::new(ResultStyle::Numbered, Box::new(|_, _| unreachable_input()))
        });
        let recorder = Rc::new(Recorder::new(echo, recorded).keep_widgets(saved));
        // Outputs belong to the cell at the front of `order` until its reply.
        if let Some(first) = order.front() {
            recorder.start_cell(*first);
        }
        let shown = recorder.clone();
        let mut count = 0;
        let sink: ReplySink = Box::new(move |reply| {
            let Reply::Executed(reply) = reply else {
                return;
            };
            count += 1;
            shown.end_cell();
            if let Some(help) = &reply.help {
                shown.help(&help.page());
            }
            let error = match reply.outcome {
                Ok(Some(bundle)) => {
                    shown.result(count, &bundle);
                    None
                }
                Ok(None) => None,
                Err(error) => {
                    shown.error(&error);
                    Some(error)
                }
            };
            order.pop_front();
            if let Some(next) = order.front() {
                shown.start_cell(*next);
            }
            let _ = error_tx.send(error);
        });
        (recorder as Rc<dyn Frontend>, sink)
    })?;
    ready(host.wait_ready().map_err(|e| e.to_string())?);

    let mut counts = Vec::new();
    let mut summary = RunSummary {
        executed: 0,
        error: None,
    };
    for (index, source) in sources {
        summary.executed += 1;
        counts.push((index, summary.executed));
        host.send(Request::Execute(Execute::new(source)))
            .map_err(|e| e.to_string())?;
        let error = errors.recv().map_err(|_| HostGone.to_string())?;
        if let Some(error) = error {
            summary.error = Some((index, error));
            break;
        }
    }
    // The session thread ends here, so every output it recorded is in.
    drop(host);

    let mut outputs = std::mem::take(&mut *outputs.lock().unwrap_or_else(|e| e.into_inner()));
    let cells = notebook.cells_mut();
    for (index, count) in counts {
        cells[index]["execution_count"] = json!(count);
        cells[index]["outputs"] = Value::Array(outputs.remove(&index).unwrap_or_default());
    }
    // As JupyterLab saves it, so a viewer draws the widgets with their last values.
    let widgets = widgets.lock().unwrap_or_else(|e| e.into_inner()).metadata();
    if let Some(metadata) = notebook.json["metadata"].as_object_mut() {
        match widgets {
            Some(widgets) => metadata.insert("widgets".into(), widgets),
            None => metadata.remove("widgets"),
        };
    }
    Ok(summary)
}

/// The recorder answers `input()` itself; the terminal echo is never asked.
fn unreachable_input() -> Result<String, InputError> {
    Err(InputError::NotSupported)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ladder_scripting::Session;

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
        let summary = execute(&mut nb, factory, false, |_| {}).unwrap();
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

    #[test]
    fn widgets_show_their_text_and_their_last_state_is_saved_in_the_metadata() {
        let mut nb = notebook(&["let s = int_slider(#{value: 4}); s", "s.value = 6;"]);
        let factory: SessionFactory = Arc::new(Session::new);
        execute(&mut nb, factory, false, |_| {}).unwrap();
        let shown = &nb.cells()[0]["outputs"][0]["data"];
        assert_eq!(shown["text/plain"], "IntSlider(value=4)");
        let model_id = shown["application/vnd.jupyter.widget-view+json"]["model_id"].clone();
        let saved = &nb.json["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"];
        assert_eq!(saved["version_major"], 2);
        let model = &saved["state"][model_id.as_str().unwrap()];
        assert_eq!(model["model_name"], "IntSliderModel");
        assert_eq!(model["state"]["value"], 6);
    }

    #[test]
    fn a_help_query_is_not_recorded_and_the_run_goes_on() {
        let mut nb = notebook(&["?print", "1 + 1"]);
        let factory: SessionFactory = Arc::new(Session::new);
        let summary = execute(&mut nb, factory, false, |_| {}).unwrap();
        assert!(summary.error.is_none());
        let cells = nb.cells();
        assert_eq!(cells[0]["outputs"], json!([]));
        assert_eq!(cells[0]["execution_count"], 1);
        assert_eq!(cells[1]["outputs"][0]["data"]["text/plain"], "2");
    }
}
