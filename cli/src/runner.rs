//! `ladder run FILE`: run a script (or a notebook) without a terminal UI.

use crate::ctrl_c::CtrlC;
use crate::notebook::{format::rhai_literal, run_notebook, NotebookOptions};
use crate::repl::worker::{Event, InputMode, Worker};
use crate::terminal::ResultStyle;
use ladder_scripting::error::ErrorKind;
use ladder_scripting::session::SessionFactory;
use std::path::{Path, PathBuf};

/// Exit code of a run stopped by Ctrl-C (128 + SIGINT, as shells report it).
const EXIT_INTERRUPTED: i32 = 130;

/// What `ladder run` was asked besides the file.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Notebooks: write the executed notebook here.
    pub output: Option<PathBuf>,
    /// Notebooks: write an HTML report here.
    pub html: Option<PathBuf>,
    /// `NAME=VALUE` strings.
    pub parameters: Vec<String>,
    /// Notebooks: do not echo outputs.
    pub quiet: bool,
    /// Notebooks: run the cells as Rhai even when the notebook names another kernel.
    pub any_kernel: bool,
}

/// `ladder run`: a notebook (`.ipynb`) is executed cell by cell and may be written out
/// (`output`) and reported as HTML (`html`); anything else runs as a Rhai script.
/// `options.parameters` are `NAME=VALUE` strings set before the run.
pub fn run_file(
    path: &Path,
    options: RunOptions,
    make_session: SessionFactory,
) -> Result<i32, String> {
    let RunOptions {
        output,
        html,
        parameters,
        quiet,
        any_kernel,
    } = options;
    // Run records name the notebook or script they came from (ladder_stdlib::runs::origin).
    let absolute = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    std::env::set_var("LADDER_SOURCE", absolute);
    let parameters = parameters
        .iter()
        .map(|p| parse_parameter(p))
        .collect::<Result<Vec<_>, _>>()?;
    let is_notebook = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("ipynb"));
    if is_notebook {
        let options = NotebookOptions {
            output,
            html,
            parameters,
            quiet,
            any_kernel,
        };
        return run_notebook(path, &options, make_session);
    }
    if output.is_some() || html.is_some() {
        return Err(format!(
            "-o and --html apply to notebooks (.ipynb), not to {}",
            path.display()
        ));
    }
    run_with_parameters(path, &parameters, make_session)
}

/// Run a `.rhai` script as one cell; returns the process exit code: 0 when it ran to the
/// end, 1 when it failed (the error, with its line and a caret, is printed on stderr),
/// 130 when interrupted.
pub fn run_script(path: &Path, make_session: SessionFactory) -> Result<i32, String> {
    run_with_parameters(path, &[], make_session)
}

fn run_with_parameters(
    path: &Path,
    parameters: &[(String, String)],
    make_session: SessionFactory,
) -> Result<i32, String> {
    let code = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let worker = Worker::spawn(make_session, ResultStyle::Bare, InputMode::Direct)?;
    let ctrl_c = CtrlC::install(worker.interrupt_handle());
    ctrl_c.cell_started();
    let name = path.display().to_string();
    let mut outcome = None;
    for warning in rebound_parameter_warnings(&code, parameters) {
        eprintln!("{warning}");
    }
    if !parameters.is_empty() {
        let setup: String = parameters
            .iter()
            .map(|(n, v)| format!("let {n} = {};\n", rhai_literal(v)))
            .collect();
        outcome = run_cell(&worker, &setup, "parameters")?;
    }
    if outcome.is_none() {
        outcome = run_cell(&worker, &code, &name)?;
    }
    ctrl_c.cell_finished();
    Ok(match outcome {
        None => 0,
        Some(ErrorKind::Interrupted) => EXIT_INTERRUPTED,
        Some(_) => 1,
    })
}

/// A script has no `parameters` cell: `-p` values are set before it runs, so a script that
/// binds the same name itself (`let lr = 0.1;`) replaces the value given. Say so, with the
/// form that keeps it, unless the script already asks whether the name is defined.
fn rebound_parameter_warnings(code: &str, parameters: &[(String, String)]) -> Vec<String> {
    let defined = crate::notebook::rhai_tokens::defined_names(code);
    parameters
        .iter()
        .filter(|(name, _)| {
            defined.contains(name) && !code.contains(&format!("is_def_var(\"{name}\")"))
        })
        .map(|(name, _)| {
            format!(
                "warning: the script sets `{name}` itself, replacing -p {name}; for a default that \
                 -p overrides, write `let {name} = if is_def_var(\"{name}\") {{ {name} }} else {{ ... }};`"
            )
        })
        .collect()
}

/// Run one cell to the end; the kind of error if it failed.
fn run_cell(worker: &Worker, code: &str, name: &str) -> Result<Option<ErrorKind>, String> {
    worker
        .execute(code, Some(name), None)
        .map_err(|e| e.to_string())?;
    loop {
        match worker.next_event().map_err(|e| e.to_string())? {
            Event::Done(outcome) => return Ok(outcome),
            // Input is read on the session thread in this mode; nothing else is asked.
            Event::Input { .. } | Event::IsComplete(_) | Event::Completions(_) => {}
        }
    }
}

/// `NAME=VALUE` into its parts.
pub(crate) fn parse_parameter(text: &str) -> Result<(String, String), String> {
    let (name, value) = text
        .split_once('=')
        .ok_or_else(|| format!("parameter '{text}' should be NAME=VALUE"))?;
    let name = name.trim();
    let valid = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err(format!(
            "parameter name '{name}' is not a Rhai variable name (letters, digits, _)"
        ));
    }
    Ok((name.to_string(), value.to_string()))
}
