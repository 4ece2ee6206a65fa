//! The one interface through which a session talks to the outside world.
//!
//! The REPL, `ladder run` and the Jupyter kernel each implement [`Frontend`]; the session and
//! the standard library never know which one they are talking to.

use crate::comms::CommMessage;
use crate::mime::MimeBundle;

/// Which output stream text belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Stream {
    Stdout,
    Stderr,
}

impl Stream {
    /// The stream's name as Jupyter spells it.
    pub fn name(self) -> &'static str {
        match self {
            Stream::Stdout => "stdout",
            Stream::Stderr => "stderr",
        }
    }
}

/// Why a request for input could not be answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InputError {
    /// The front end cannot ask for input (e.g. a notebook run without stdin).
    NotSupported,
    /// The user interrupted while the prompt was waiting.
    Interrupted,
    /// End of input (Ctrl-D, closed pipe).
    Eof,
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InputError::NotSupported => write!(f, "this front end does not accept input"),
            InputError::Interrupted => write!(f, "input interrupted"),
            InputError::Eof => write!(f, "end of input"),
        }
    }
}

/// Where a session's output goes. Methods take `&self` so that a front end can be shared
/// (behind an `Rc`) by the session and the library functions registered in its engine;
/// implementations use interior mutability where they need state.
pub trait Frontend {
    /// Text written with `print` (stdout) or `debug`/`eprint` (stderr). `text` carries its
    /// own trailing newline when it has one.
    fn stream(&self, stream: Stream, text: &str);

    /// Show a rich value. With a `display_id`, later [`Frontend::update_display`] calls with
    /// the same id replace it in place.
    fn display(&self, bundle: &MimeBundle, display_id: Option<&str>);

    /// Replace the contents of an earlier display that was given `display_id`.
    fn update_display(&self, bundle: &MimeBundle, display_id: &str);

    /// Clear the cell's output; with `wait`, only once the next output arrives.
    fn clear_output(&self, wait: bool);

    /// Ask the user for a line of input.
    fn input(&self, prompt: &str, password: bool) -> Result<String, InputError>;

    /// Push buffered output out now (before an error or a result is shown).
    fn flush(&self) {}

    /// Send a comm message to the front end (widgets speak through comms). Front ends
    /// without comms drop it.
    fn comm(&self, _message: &CommMessage) {}

    /// A debugger event (`stopped`, `continued`) for an attached debugging client.
    fn debug_event(&self, _event: &serde_json::Value) {}
}

/// A front end that drops everything; handy for benchmarks and embedding.
#[derive(Default)]
pub struct NullFrontend;

impl Frontend for NullFrontend {
    fn stream(&self, _: Stream, _: &str) {}
    fn display(&self, _: &MimeBundle, _: Option<&str>) {}
    fn update_display(&self, _: &MimeBundle, _: &str) {}
    fn clear_output(&self, _: bool) {}
    fn input(&self, _: &str, _: bool) -> Result<String, InputError> {
        Err(InputError::NotSupported)
    }
}

/// One event recorded by [`CaptureFrontend`].
#[derive(Clone, Debug, PartialEq)]
pub enum Output {
    Stream(Stream, String),
    Display(MimeBundle, Option<String>),
    UpdateDisplay(MimeBundle, String),
    ClearOutput(bool),
    InputRequest(String, bool),
}

/// A front end that records every output in order and answers input requests from a queue,
/// for tests of the session.
#[derive(Default)]
pub struct CaptureFrontend {
    outputs: std::cell::RefCell<Vec<Output>>,
    comms: std::cell::RefCell<Vec<CommMessage>>,
    inputs: std::cell::RefCell<std::collections::VecDeque<String>>,
}

impl CaptureFrontend {
    pub fn new() -> Self {
        Self::default()
    }

    /// Queue an answer for the next `input()` call.
    pub fn push_input(&self, line: impl Into<String>) {
        self.inputs.borrow_mut().push_back(line.into());
    }

    /// Take every output recorded so far, merging adjacent text on the same stream.
    pub fn take(&self) -> Vec<Output> {
        std::mem::take(&mut *self.outputs.borrow_mut())
    }

    /// Take every comm message sent so far.
    pub fn take_comms(&self) -> Vec<CommMessage> {
        std::mem::take(&mut *self.comms.borrow_mut())
    }

    /// Everything printed to one stream so far (without taking it).
    pub fn text(&self, stream: Stream) -> String {
        self.outputs
            .borrow()
            .iter()
            .filter_map(|o| match o {
                Output::Stream(s, t) if *s == stream => Some(t.as_str()),
                _ => None,
            })
            .collect()
    }
}

impl Frontend for CaptureFrontend {
    fn stream(&self, stream: Stream, text: &str) {
        let mut outputs = self.outputs.borrow_mut();
        if let Some(Output::Stream(last, buf)) = outputs.last_mut() {
            if *last == stream {
                buf.push_str(text);
                return;
            }
        }
        outputs.push(Output::Stream(stream, text.to_string()));
    }
    fn display(&self, bundle: &MimeBundle, display_id: Option<&str>) {
        let id = display_id.map(str::to_string);
        self.outputs
            .borrow_mut()
            .push(Output::Display(bundle.clone(), id));
    }
    fn update_display(&self, bundle: &MimeBundle, display_id: &str) {
        self.outputs.borrow_mut().push(Output::UpdateDisplay(
            bundle.clone(),
            display_id.to_string(),
        ));
    }
    fn clear_output(&self, wait: bool) {
        self.outputs.borrow_mut().push(Output::ClearOutput(wait));
    }
    fn input(&self, prompt: &str, password: bool) -> Result<String, InputError> {
        self.outputs
            .borrow_mut()
            .push(Output::InputRequest(prompt.to_string(), password));
        self.inputs.borrow_mut().pop_front().ok_or(InputError::Eof)
    }
    fn comm(&self, message: &CommMessage) {
        self.comms.borrow_mut().push(message.clone());
    }
}
