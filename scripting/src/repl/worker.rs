//! The session's own thread. A session is `!Send` and deep Rhai recursion needs a big stack,
//! so it is created (through the factory) and run on a thread of its own; the thread that
//! owns the terminal talks to it over channels and interrupts it through its handle.

use super::terminal::{ResultStyle, TerminalFrontend};
use crate::complete::Completions;
use crate::error::{ErrorKind, ScriptError};
use crate::frontend::{Frontend, InputError};
use crate::interrupt::InterruptHandle;
use crate::is_complete::Completeness;
use crate::session::SessionFactory;
use std::rc::Rc;
use std::sync::mpsc::{channel, Receiver, Sender};

/// Stack for the session thread: deeply recursive scripts and the parser's recursion need
/// far more than the 2 MiB a spawned thread gets by default.
const SESSION_STACK: usize = 256 * 1024 * 1024;

enum Request {
    /// Run a cell; `file` renames the cell's source in error reports (`ladder run`).
    Execute {
        code: String,
        file: Option<String>,
    },
    IsComplete(String),
    Complete(String, usize),
}

/// What the session thread tells the terminal thread.
pub enum Event {
    /// `input()` was called in the running cell: answer with [`Worker::answer_input`].
    Input {
        prompt: String,
        password: bool,
    },
    /// The cell finished; the kind of error if it failed.
    Done(Option<ErrorKind>),
    IsComplete(Completeness),
    Completions(Completions),
}

/// How the running cell's `input()` is answered.
pub enum InputMode {
    /// Ask the terminal thread ([`Event::Input`]), which owns the line editor.
    Routed,
    /// Read standard input on the session thread.
    Direct,
}

/// The terminal thread's handle on the session thread.
pub struct Worker {
    requests: Sender<Request>,
    events: Receiver<Event>,
    answers: Sender<Result<String, InputError>>,
    interrupt: InterruptHandle,
}

/// The session thread stopped (a panic outside a cell, or a failed start).
#[derive(Debug)]
pub struct WorkerGone;

impl std::fmt::Display for WorkerGone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the session thread stopped unexpectedly")
    }
}

impl Worker {
    /// Start a session thread whose results are shown in `style`.
    pub fn spawn(
        factory: SessionFactory,
        style: ResultStyle,
        input: InputMode,
    ) -> Result<Self, String> {
        let (request_tx, request_rx) = channel::<Request>();
        let (event_tx, event_rx) = channel::<Event>();
        let (answer_tx, answer_rx) = channel::<Result<String, InputError>>();
        let (ready_tx, ready_rx) = channel::<InterruptHandle>();
        std::thread::Builder::new()
            .name("ladder-session".into())
            .stack_size(SESSION_STACK)
            .spawn(move || {
                let input_fn: super::terminal::InputFn = match input {
                    InputMode::Direct => Box::new(super::editor::read_input_line),
                    InputMode::Routed => {
                        let events = event_tx.clone();
                        Box::new(move |prompt: &str, password: bool| {
                            let prompt = prompt.to_string();
                            events
                                .send(Event::Input { prompt, password })
                                .map_err(|_| InputError::Eof)?;
                            answer_rx.recv().unwrap_or(Err(InputError::Eof))
                        })
                    }
                };
                let frontend = Rc::new(TerminalFrontend::new(style, input_fn));
                let mut session = factory(frontend.clone() as Rc<dyn Frontend>);
                if ready_tx.send(session.interrupt_handle()).is_err() {
                    return;
                }
                let mut count = 0;
                for request in request_rx {
                    let event = match request {
                        Request::Execute { code, file } => {
                            count += 1;
                            let outcome = session.execute(&code);
                            frontend.end_cell();
                            match outcome {
                                Ok(Some(bundle)) => {
                                    frontend.show_result(count, &bundle);
                                    Event::Done(None)
                                }
                                Ok(None) => Event::Done(None),
                                Err(mut error) => {
                                    if let Some(file) = &file {
                                        rename_cell_sources(&mut error, file);
                                    }
                                    frontend.show_error(&error);
                                    Event::Done(Some(error.kind))
                                }
                            }
                        }
                        Request::IsComplete(code) => Event::IsComplete(session.is_complete(&code)),
                        Request::Complete(code, cursor) => {
                            Event::Completions(session.complete(&code, cursor))
                        }
                    };
                    if event_tx.send(event).is_err() {
                        break;
                    }
                }
            })
            .map_err(|e| format!("cannot start the session thread: {e}"))?;
        let interrupt = ready_rx
            .recv()
            .map_err(|_| "the session could not be created".to_string())?;
        Ok(Self {
            requests: request_tx,
            events: event_rx,
            answers: answer_tx,
            interrupt,
        })
    }

    /// The running cell's interrupt handle (for a Ctrl-C handler).
    pub fn interrupt_handle(&self) -> InterruptHandle {
        self.interrupt.clone()
    }

    /// Start running a cell; follow with [`Worker::next_event`] until [`Event::Done`].
    pub fn execute(&self, code: &str, file: Option<&str>) -> Result<(), WorkerGone> {
        let request = Request::Execute {
            code: code.to_string(),
            file: file.map(str::to_string),
        };
        self.requests.send(request).map_err(|_| WorkerGone)
    }

    pub fn next_event(&self) -> Result<Event, WorkerGone> {
        self.events.recv().map_err(|_| WorkerGone)
    }

    /// Answer the running cell's `input()`.
    pub fn answer_input(&self, answer: Result<String, InputError>) -> Result<(), WorkerGone> {
        self.answers.send(answer).map_err(|_| WorkerGone)
    }

    /// Ask the idle session whether `code` is ready to run.
    pub fn is_complete(&self, code: &str) -> Result<Completeness, WorkerGone> {
        self.requests
            .send(Request::IsComplete(code.to_string()))
            .map_err(|_| WorkerGone)?;
        match self.next_event()? {
            Event::IsComplete(answer) => Ok(answer),
            _ => Err(WorkerGone),
        }
    }

    /// Ask the idle session for completions at `cursor` (code points).
    pub fn complete(&self, code: &str, cursor: usize) -> Result<Completions, WorkerGone> {
        self.requests
            .send(Request::Complete(code.to_string(), cursor))
            .map_err(|_| WorkerGone)?;
        match self.next_event()? {
            Event::Completions(answer) => Ok(answer),
            _ => Err(WorkerGone),
        }
    }
}

/// A script run as one cell is reported against its file name rather than `cell[1]`.
fn rename_cell_sources(error: &mut ScriptError, file: &str) {
    let rename = |source: &mut String| {
        if source.starts_with("cell[") {
            *source = file.to_string();
        }
    };
    if let Some(location) = &mut error.location {
        rename(&mut location.source);
    }
    for frame in &mut error.call_chain {
        if let Some(site) = &mut frame.call_site {
            rename(&mut site.source);
        }
    }
}
