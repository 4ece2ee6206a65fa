//! `%%rust` cells: the session's Rust side. evcxr starts on the first Rust cell; its first
//! (hidden) cell adds the `ladder_bridge` crate and points it at the session's folder.

use crate::errors::{self, Lines};
use crate::evaluator::Evaluator;
use crate::functions::Functions;
use crate::{complete, values};
use crossbeam_channel::{select, Receiver};
use evcxr::EvalOutputs;
use ladder_scripting::rhai::{Dynamic, Engine};
use ladder_scripting::{
    context, CellLanguage, Completeness, Completions, ErrorKind, LanguageCell, MimeBundle,
    ScriptError, Stream,
};
use std::cell::{Cell, OnceCell, RefCell};
use std::path::Path;
use std::time::{Duration, Instant};

/// The bridge crate's sources, written next to the session's values for evcxr to build.
const BRIDGE_MANIFEST: &str = include_str!("../bridge/Cargo.toml");
const BRIDGE_LIB: &str = include_str!("../bridge/src/lib.rs");
const BRIDGE_WIRE: &str = include_str!("../bridge/src/wire.rs");

#[derive(Default)]
pub(crate) struct RustCells {
    /// The session's folder: values, tensors, function sockets, the bridge crate.
    folder: OnceCell<tempfile::TempDir>,
    evaluator: RefCell<Option<Evaluator>>,
    /// Whether the Rust side ran its hidden first cell since it (re)started.
    ready: Cell<bool>,
    /// Values given with `rust_set`, by name, with their Rust type, in order.
    values: RefCell<Vec<(String, &'static str)>>,
    /// Names of `values` the next Rust cell declares as variables.
    undeclared: RefCell<Vec<String>>,
    pub functions: Functions,
}

impl RustCells {
    pub fn folder(&self) -> Result<&Path, String> {
        if self.folder.get().is_none() {
            let dir = tempfile::Builder::new()
                .prefix("ladder-rust-")
                .tempdir()
                .map_err(|e| format!("cannot make the Rust cells' folder: {e}"))?;
            for sub in ["values", "tensors", "fns"] {
                std::fs::create_dir_all(dir.path().join(sub)).map_err(|e| e.to_string())?;
            }
            let _ = self.folder.set(dir);
        }
        Ok(self.folder.get().expect("set above").path())
    }

    /// `rust_set(name, value)`: write the value and declare it in the next Rust cell.
    pub fn set(&self, name: &str, value: &Dynamic) -> Result<(), String> {
        if !is_identifier(name) {
            return Err(format!("rust_set: `{name}` is not a Rust variable name"));
        }
        let folder = self.folder()?;
        let json = values::to_json_text(value, folder)?;
        std::fs::write(folder.join("values").join(format!("{name}.json")), json)
            .map_err(|e| format!("rust_set: {e}"))?;
        let ty = values::rust_type(value);
        let mut known = self.values.borrow_mut();
        known.retain(|(n, _)| n != name);
        known.push((name.to_string(), ty));
        let mut undeclared = self.undeclared.borrow_mut();
        undeclared.retain(|n| n != name);
        undeclared.push(name.to_string());
        Ok(())
    }

    /// `rust_get(name)`: a value a Rust cell gave with `ladder_bridge::set`.
    pub fn get(&self, name: &str) -> Result<Dynamic, String> {
        let path = self.folder()?.join("values").join(format!("{name}.json"));
        let text = std::fs::read(&path).map_err(|_| {
            format!("rust_get: no value named `{name}` (a Rust cell gives one with ladder_bridge::set(\"{name}\", value))")
        })?;
        values::from_json_text(&text).map_err(|e| format!("rust_get: {e}"))
    }

    /// Start evcxr if it is not running.
    fn ensure_started(&self) -> Result<(), ScriptError> {
        if self.evaluator.borrow().is_some() {
            return Ok(());
        }
        let evaluator = Evaluator::start().map_err(|e| {
            ScriptError::new(
                ErrorKind::Runtime,
                "RustUnavailable",
                format!("Rust cells need rustc and cargo on PATH (install them with rustup, https://rustup.rs): {}", e.trim_end()),
            )
        })?;
        *self.evaluator.borrow_mut() = Some(evaluator);
        Ok(())
    }

    /// The hidden first cell: the bridge crate as a dependency, its folder and panic hook.
    fn ensure_ready(&self) -> Result<(), ScriptError> {
        if self.ready.get() {
            return Ok(());
        }
        let folder = self.folder().map_err(runtime)?;
        let crate_dir = folder.join("ladder_bridge");
        std::fs::create_dir_all(crate_dir.join("src")).map_err(|e| runtime(e.to_string()))?;
        std::fs::write(crate_dir.join("Cargo.toml"), BRIDGE_MANIFEST)
            .and_then(|_| std::fs::write(crate_dir.join("src/lib.rs"), BRIDGE_LIB))
            .and_then(|_| std::fs::write(crate_dir.join("src/wire.rs"), BRIDGE_WIRE))
            .map_err(|e| runtime(e.to_string()))?;
        let code = format!(
            // evcxr's crate cache (`:cache`) is left off: two sessions filling it at once
            // read each other's half-written entries and fail.
            ":dep ladder_bridge = {{ path = {:?} }}\nladder_bridge::__init({:?});",
            crate_dir.display().to_string(),
            folder.display().to_string()
        );
        // A child killed by an interrupt after its cell had finished is only found dead by
        // the next evaluation, which restarts it: then the first cell is run again.
        let mut outcome = self.evaluate(code.clone())?;
        if matches!(outcome, Err(evcxr::Error::SubprocessTerminated(_))) {
            outcome = self.evaluate(code)?;
        }
        if let Err(e) = outcome {
            return Err(ScriptError::new(
                ErrorKind::Runtime,
                "RustUnavailable",
                format!("could not build the ladder_bridge crate for Rust cells: {e}"),
            ));
        }
        self.ready.set(true);
        // A restarted Rust side has none of the values: declare them all again.
        *self.undeclared.borrow_mut() = self
            .values
            .borrow()
            .iter()
            .map(|(n, _)| n.clone())
            .collect();
        Ok(())
    }

    /// Run code on the Rust side, relaying its output (see [`Self::relay`]).
    fn evaluate(&self, code: String) -> Result<Result<EvalOutputs, evcxr::Error>, ScriptError> {
        let answer = self
            .evaluator
            .borrow()
            .as_ref()
            .expect("started")
            .execute(code);
        self.relay(answer)
    }

    /// Relay the Rust side's output into the cell until the answer comes; an interrupt
    /// kills the child process. `Err` is the interrupt.
    fn relay(
        &self,
        answer: Receiver<Result<EvalOutputs, evcxr::Error>>,
    ) -> Result<Result<EvalOutputs, evcxr::Error>, ScriptError> {
        let guard = self.evaluator.borrow();
        let evaluator = guard.as_ref().expect("started");
        let mut killed = false;
        let outcome = loop {
            select! {
                recv(evaluator.stdout) -> line => if let Ok(line) = line {
                    context::stream(Stream::Stdout, &format!("{line}\n"));
                },
                recv(evaluator.stderr) -> line => if let Ok(line) = line {
                    context::stream(Stream::Stderr, &format!("{line}\n"));
                },
                recv(answer) -> outcome => break outcome,
                default(Duration::from_millis(20)) => {
                    if !killed && context::interrupted() {
                        evaluator.kill();
                        killed = true;
                    }
                }
            }
        };
        // What the child wrote just before it finished.
        while let Ok(line) = evaluator.stderr.recv_timeout(Duration::from_millis(5)) {
            context::stream(Stream::Stderr, &format!("{line}\n"));
        }
        while let Ok(line) = evaluator.stdout.try_recv() {
            context::stream(Stream::Stdout, &format!("{line}\n"));
        }
        let outcome = outcome.unwrap_or_else(|_| {
            Err(evcxr::Error::SubprocessTerminated(
                "the Rust evaluator thread stopped".into(),
            ))
        });
        if matches!(outcome, Err(evcxr::Error::SubprocessTerminated(_))) {
            self.ready.set(false);
        }
        if killed {
            self.ready.set(false);
            let mut e = ScriptError::interrupted();
            e.message = "interrupted: the Rust side was restarted, so Rust variables are gone (Rhai's are kept)".into();
            return Err(e);
        }
        Ok(outcome)
    }

    /// The panic the bridge's hook recorded during the last cell, if any.
    fn take_panic(&self) -> Option<String> {
        let path = self.folder().ok()?.join("panic.json");
        let text = std::fs::read_to_string(&path).ok()?;
        let _ = std::fs::remove_file(&path);
        let report: serde_json::Value = serde_json::from_str(&text).ok()?;
        Some(report["message"].as_str().unwrap_or("").to_string())
    }
}

impl CellLanguage for RustCells {
    fn execute(
        &self,
        cell: &LanguageCell,
        engine: &mut Engine,
    ) -> Result<Option<MimeBundle>, ScriptError> {
        // The first Rust cell pays for evcxr's start and the bridge's build: say so, once.
        let first = self.evaluator.borrow().is_none();
        let started = Instant::now();
        self.ensure_started()?;
        self.ensure_ready()?;
        if first {
            context::stream(
                Stream::Stderr,
                &format!(
                    "Rust: evcxr and ladder_bridge ready in {:.1} s\n",
                    started.elapsed().as_secs_f64()
                ),
            );
        }
        let undeclared: Vec<String> = self.undeclared.borrow().clone();
        let prelude: String = undeclared
            .iter()
            .map(|name| {
                let ty = self
                    .values
                    .borrow()
                    .iter()
                    .find(|(n, _)| n == name)
                    .map_or("ladder_bridge::serde_json::Value", |(_, t)| t);
                format!("let {name}: {ty} = ladder_bridge::get(\"{name}\");\n")
            })
            .collect();
        let _ = self.take_panic();
        let outcome = self.evaluate(format!("{prelude}{}", cell.body))?;
        let lines = Lines {
            cell,
            prelude: undeclared.len(),
        };
        let outputs = outcome.map_err(|e| errors::script_error(e, &lines))?;
        if let Some(message) = self.take_panic() {
            return Err(errors::panic_error(&message));
        }
        self.undeclared.borrow_mut().clear();
        if let Ok(folder) = self.folder() {
            self.functions.refresh(folder, engine);
        }
        Ok(show(outputs))
    }

    fn complete(&self, body: &str, cursor: usize) -> Completions {
        complete::complete(self.evaluator.borrow().as_ref(), body, cursor)
    }

    fn is_complete(&self, body: &str) -> Completeness {
        complete::is_complete(body)
    }
}

/// What evcxr collected from the cell: rich content (through `ladder_bridge::display` or
/// any `evcxr_display` type) is shown as a display; the final expression's text is the
/// cell's result.
fn show(outputs: EvalOutputs) -> Option<MimeBundle> {
    let mut result = None;
    let mut rich = MimeBundle::default();
    for (mime, content) in outputs.content_by_mime_type {
        if mime == "text/plain" {
            // `()` is what a statement-like last line gives: as for Rhai's unit, nothing shows.
            if content != "()" {
                result = Some(MimeBundle::text(content));
            }
        } else {
            let value = if mime.contains("json") {
                serde_json::from_str(&content).unwrap_or(serde_json::Value::String(content))
            } else {
                serde_json::Value::String(content)
            };
            rich = rich.with(&mime, value);
        }
    }
    if !rich.data.is_empty() {
        context::display(&rich, None);
    }
    result
}

fn runtime(message: impl Into<String>) -> ScriptError {
    ScriptError::new(ErrorKind::Runtime, "RustError", message)
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}
