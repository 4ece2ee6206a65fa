//! A [`Frontend`] that records a notebook's outputs as nbformat JSON, as Jupyter would save
//! what the kernel sent, and echoes them to the terminal as they come.

use crate::terminal::TerminalFrontend;
use ladder_scripting::comms::CommMessage;
use ladder_scripting::error::ScriptError;
use ladder_scripting::frontend::{Frontend, InputError, Stream};
use ladder_scripting::mime::MimeBundle;
use ladder_scripting::widgets::SavedState;
use serde_json::{json, Value};
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// Outputs of each code cell run so far, by the cell's index in the notebook. Shared with
/// the thread that writes the notebook, as the recorder lives on the session thread.
pub type Outputs = Arc<Mutex<HashMap<usize, Vec<Value>>>>;

pub struct Recorder {
    outputs: Outputs,
    /// The cell being run.
    current: RefCell<usize>,
    /// Where each display id was shown: (cell, output index), for `update_display`, which
    /// may change outputs of earlier cells (as nbclient does).
    displays: RefCell<HashMap<String, Vec<(usize, usize)>>>,
    clear_pending: RefCell<bool>,
    /// Where outputs are echoed as they come (`None` for `ladder run --quiet`).
    echo: Option<TerminalFrontend>,
    /// The widgets' state, for the notebook's metadata.
    widgets: Option<Arc<Mutex<SavedState>>>,
}

impl Recorder {
    pub fn new(echo: Option<TerminalFrontend>, outputs: Outputs) -> Self {
        Self {
            outputs,
            current: RefCell::new(0),
            displays: RefCell::default(),
            clear_pending: RefCell::new(false),
            echo,
            widgets: None,
        }
    }

    /// Keep the state of the widgets the run makes in `saved`.
    pub fn keep_widgets(mut self, saved: Arc<Mutex<SavedState>>) -> Self {
        self.widgets = Some(saved);
        self
    }

    pub fn start_cell(&self, index: usize) {
        *self.current.borrow_mut() = index;
        *self.clear_pending.borrow_mut() = false;
        self.outputs().insert(index, Vec::new());
    }

    /// The cell's result, as `execute_result`.
    pub fn result(&self, execution_count: usize, bundle: &MimeBundle) {
        self.push(json!({
            "output_type": "execute_result",
            "execution_count": execution_count,
            "data": bundle.data,
            "metadata": bundle.metadata,
        }));
        if let Some(echo) = &self.echo {
            echo.show_result(execution_count, bundle);
        }
    }

    /// The cell's error, as an `error` output with the kernel's (coloured) traceback.
    pub fn error(&self, error: &ScriptError) {
        self.push(json!({
            "output_type": "error",
            "ename": error.name,
            "evalue": error.message,
            "traceback": error.traceback(true),
        }));
        match &self.echo {
            Some(echo) => echo.show_error(error),
            None => eprintln!("{}", error.report()),
        }
    }

    pub fn end_cell(&self) {
        if let Some(echo) = &self.echo {
            echo.end_cell();
        }
    }

    /// Help asked for with `?name` is shown, not recorded (Jupyter's pager is not saved).
    pub fn help(&self, text: &str) {
        if let Some(echo) = &self.echo {
            echo.show_help(text);
        }
    }

    fn outputs(&self) -> MutexGuard<'_, HashMap<usize, Vec<Value>>> {
        self.outputs.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn push(&self, output: Value) -> usize {
        self.apply_pending_clear();
        let current = *self.current.borrow();
        let mut outputs = self.outputs();
        let cell = outputs.entry(current).or_default();
        cell.push(output);
        cell.len() - 1
    }

    fn apply_pending_clear(&self) {
        if std::mem::take(&mut *self.clear_pending.borrow_mut()) {
            self.clear_now();
        }
    }

    fn clear_now(&self) {
        let current = *self.current.borrow();
        self.outputs().insert(current, Vec::new());
        for places in self.displays.borrow_mut().values_mut() {
            places.retain(|(cell, _)| *cell != current);
        }
    }
}

impl Frontend for Recorder {
    fn stream(&self, stream: Stream, text: &str) {
        if let Some(echo) = &self.echo {
            echo.stream(stream, text);
        }
        self.apply_pending_clear();
        let current = *self.current.borrow();
        let mut outputs = self.outputs();
        let cell = outputs.entry(current).or_default();
        // Consecutive text on one stream is one output, as Jupyter merges it.
        if let Some(last) = cell.last_mut() {
            if last["output_type"] == "stream" && last["name"] == stream.name() {
                let joined = format!("{}{text}", last["text"].as_str().unwrap_or(""));
                last["text"] = Value::String(joined);
                return;
            }
        }
        cell.push(json!({ "output_type": "stream", "name": stream.name(), "text": text }));
    }

    fn display(&self, bundle: &MimeBundle, display_id: Option<&str>) {
        if let Some(echo) = &self.echo {
            echo.display(bundle, display_id);
        }
        let index = self.push(json!({
            "output_type": "display_data",
            "data": bundle.data,
            "metadata": bundle.metadata,
        }));
        if let Some(id) = display_id {
            let current = *self.current.borrow();
            self.displays
                .borrow_mut()
                .entry(id.to_string())
                .or_default()
                .push((current, index));
        }
    }

    fn update_display(&self, bundle: &MimeBundle, display_id: &str) {
        if let Some(echo) = &self.echo {
            echo.update_display(bundle, display_id);
        }
        let displays = self.displays.borrow();
        let Some(places) = displays.get(display_id) else {
            return;
        };
        let mut outputs = self.outputs();
        for (cell, index) in places {
            if let Some(output) = outputs.get_mut(cell).and_then(|o| o.get_mut(*index)) {
                output["data"] = json!(bundle.data);
                output["metadata"] = json!(bundle.metadata);
            }
        }
    }

    fn clear_output(&self, wait: bool) {
        if let Some(echo) = &self.echo {
            echo.clear_output(wait);
        }
        if wait {
            *self.clear_pending.borrow_mut() = true;
        } else {
            self.clear_now();
        }
    }

    fn input(&self, _prompt: &str, _password: bool) -> Result<String, InputError> {
        // As nbclient without stdin: a notebook run is not interactive.
        Err(InputError::NotSupported)
    }

    fn flush(&self) {
        if let Some(echo) = &self.echo {
            echo.flush();
        }
    }

    fn comm(&self, message: &CommMessage) {
        if let Some(saved) = &self.widgets {
            saved
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .record(message);
        }
    }
}
