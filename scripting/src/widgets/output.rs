//! The output area: what a callback (or `out.capture(|| ...)`) prints and displays goes
//! into its `outputs` state, in nbformat's output shape, so the front end shows it in place
//! and an executed notebook keeps it.

use super::model::Widget;
use crate::comms::CommMessage;
use crate::context::{self, Context};
use crate::frontend::{Frontend, InputError, Stream};
use crate::mime::MimeBundle;
use crate::RhaiResult;
use rhai::{Dynamic, EvalAltResult};
use serde_json::{json, Value};
use std::rc::Rc;

/// A front end that appends to an output area; input and comms go to the real one.
struct Capture {
    area: Widget,
    outer: Rc<dyn Frontend>,
}

impl Capture {
    fn outputs(&self) -> Vec<Value> {
        match self.area.get("outputs") {
            Some(Value::Array(outputs)) => outputs,
            _ => Vec::new(),
        }
    }

    /// Apply a pending `clear_output(wait=true)`: the old outputs go as the new ones come.
    fn take_pending_clear(&self, outputs: &mut Vec<Value>) {
        let mut inner = self.area.0.borrow_mut();
        if std::mem::take(&mut inner.clear_pending) {
            outputs.clear();
            inner.display_ids.clear();
        }
    }

    fn push(&self, output: Value, display_id: Option<&str>) {
        let mut outputs = self.outputs();
        self.take_pending_clear(&mut outputs);
        outputs.push(output);
        let mut inner = self.area.0.borrow_mut();
        inner.display_ids.resize(outputs.len() - 1, None);
        inner.display_ids.push(display_id.map(str::to_string));
        drop(inner);
        self.area.set_quietly("outputs", Value::Array(outputs));
    }
}

fn display_data(bundle: &MimeBundle) -> Value {
    json!({"output_type": "display_data", "data": bundle.data, "metadata": bundle.metadata})
}

impl Frontend for Capture {
    fn stream(&self, stream: Stream, text: &str) {
        let mut outputs = self.outputs();
        let pending = self.area.0.borrow().clear_pending;
        // Text joins the stream output it follows, as Jupyter front ends merge it.
        if let (Some(last), false) = (outputs.last_mut(), pending) {
            if last["output_type"] == "stream" && last["name"] == stream.name() {
                let joined = format!("{}{text}", last["text"].as_str().unwrap_or(""));
                last["text"] = Value::String(joined);
                self.area.set_quietly("outputs", Value::Array(outputs));
                return;
            }
        }
        let output = json!({"output_type": "stream", "name": stream.name(), "text": text});
        self.push(output, None);
    }

    fn display(&self, bundle: &MimeBundle, display_id: Option<&str>) {
        self.push(display_data(bundle), display_id);
    }

    fn update_display(&self, bundle: &MimeBundle, display_id: &str) {
        let mut outputs = self.outputs();
        let ids = self.area.0.borrow().display_ids.clone();
        for (output, id) in outputs.iter_mut().zip(ids) {
            if id.as_deref() == Some(display_id) {
                *output = display_data(bundle);
            }
        }
        self.area.set_quietly("outputs", Value::Array(outputs));
    }

    fn clear_output(&self, wait: bool) {
        if wait {
            self.area.0.borrow_mut().clear_pending = true;
        } else {
            self.area.0.borrow_mut().display_ids.clear();
            self.area.set_quietly("outputs", Value::Array(Vec::new()));
        }
    }

    fn input(&self, prompt: &str, password: bool) -> Result<String, InputError> {
        self.outer.input(prompt, password)
    }

    fn comm(&self, message: &CommMessage) {
        self.outer.comm(message);
    }
}

/// Run `f` with its outputs going to `area`. Its error is shown there (the kernel goes
/// on); an interrupt still stops the caller. With `show_result`, a value other than `()`
/// is displayed too, as `interact` shows what its function returns.
pub fn capture(
    area: &Widget,
    show_result: bool,
    f: impl FnOnce() -> RhaiResult<Dynamic>,
) -> RhaiResult<()> {
    let Some(outer) = context::current() else {
        return f().map(|_| ());
    };
    let capture = Rc::new(Capture {
        area: area.clone(),
        outer: outer.frontend.clone(),
    });
    let outcome = {
        let _inside = context::enter(Context {
            frontend: capture.clone(),
            ..outer.clone()
        });
        let outcome = f();
        if let (Ok(value), true) = (&outcome, show_result) {
            if let Some(bundle) = context::render(value) {
                capture.display(&bundle, None);
            }
        }
        outcome
    };
    if area.0.borrow().clear_pending {
        capture.clear_output(false);
        area.0.borrow_mut().clear_pending = false;
    }
    match outcome {
        Ok(_) => Ok(()),
        Err(e) if matches!(*e, EvalAltResult::ErrorTerminated(..)) => Err(e),
        Err(e) => {
            let (ename, evalue) = describe(&e);
            capture.push(
                json!({"output_type": "error", "ename": ename, "evalue": evalue,
                       "traceback": [format!("{ename}: {evalue}")]}),
                None,
            );
            Ok(())
        }
    }
}

/// An error's name and message, as Jupyter's error output carries them.
fn describe(error: &EvalAltResult) -> (String, String) {
    match error {
        EvalAltResult::ErrorInFunctionCall(_, _, inner, _) => describe(inner),
        EvalAltResult::ErrorRuntime(value, _) => ("RuntimeError".into(), value.to_string()),
        other => ("ScriptError".into(), other.to_string()),
    }
}
