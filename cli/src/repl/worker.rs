//! The terminal front ends' end of the session host: results and errors are shown on the
//! session thread as each reply arrives, and the terminal thread hears what it must act on
//! (a finished cell, an `input()` to answer, a completion) over one channel.

use crate::terminal::{InputFn, ResultStyle, TerminalFrontend};
use ladder_scripting::error::ErrorKind;
use ladder_scripting::host::{
    Execute, ExecuteReply, HostGone, Reply, ReplySink, Request, SessionHost,
};
use ladder_scripting::{
    Completeness, Completions, Frontend, InputError, InterruptHandle, SessionFactory,
};
use std::rc::Rc;
use std::sync::mpsc::{channel, Receiver, Sender};

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
    events: Receiver<Event>,
    answers: Sender<Result<String, InputError>>,
    interrupt: InterruptHandle,
    /// Last: dropping the host waits for the session thread, which may be waiting on the
    /// channels above.
    host: SessionHost,
}

/// The session thread stopped (a panic outside a cell, or a failed start).
pub type WorkerGone = HostGone;

impl Worker {
    /// Start a session whose results are shown in `style`.
    pub fn spawn(
        factory: SessionFactory,
        style: ResultStyle,
        input: InputMode,
    ) -> Result<Self, String> {
        let (event_tx, events) = channel::<Event>();
        let (answers, answer_rx) = channel::<Result<String, InputError>>();
        let host = SessionHost::spawn(factory, move || {
            let input_fn: InputFn = match input {
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
            let shown = frontend.clone();
            let mut count = 0;
            let sink: ReplySink = Box::new(move |reply| {
                let event = match reply {
                    Reply::Executed(reply) => {
                        count += 1;
                        Event::Done(show(&shown, count, reply))
                    }
                    Reply::IsComplete(answer) => Event::IsComplete(answer),
                    Reply::Completed(answer) => Event::Completions(answer),
                    // Never asked for by the terminal front ends.
                    Reply::Inspected(_)
                    | Reply::Help(_)
                    | Reply::Reset
                    | Reply::Comm
                    | Reply::CommInfo(_)
                    | Reply::Debug(_) => return,
                };
                let _ = event_tx.send(event);
            });
            (frontend as Rc<dyn Frontend>, sink)
        })?;
        let interrupt = host
            .wait_ready()
            .map_err(|_| "the session could not be created".to_string())?;
        Ok(Self {
            events,
            answers,
            interrupt,
            host,
        })
    }

    /// The running cell's interrupt handle (for a Ctrl-C handler).
    pub fn interrupt_handle(&self) -> InterruptHandle {
        self.interrupt.clone()
    }

    /// Start running a cell; follow with [`Worker::next_event`] until [`Event::Done`].
    /// `file` names the cell's source in error reports.
    /// Run `code` as the cell `file` (a script's path) or `cell[number]` (the prompt's
    /// number, which a help query moves though the session runs no cell for it).
    pub fn execute(
        &self,
        code: &str,
        file: Option<&str>,
        number: Option<usize>,
    ) -> Result<(), WorkerGone> {
        let execute = Execute {
            source_name: file.map(str::to_string),
            cell: number,
            ..Execute::new(code)
        };
        self.host.send(Request::Execute(execute))
    }

    pub fn next_event(&self) -> Result<Event, WorkerGone> {
        self.events.recv().map_err(|_| HostGone)
    }

    /// Answer the running cell's `input()`.
    pub fn answer_input(&self, answer: Result<String, InputError>) -> Result<(), WorkerGone> {
        self.answers.send(answer).map_err(|_| HostGone)
    }

    /// Ask the idle session whether `code` is ready to run.
    pub fn is_complete(&self, code: &str) -> Result<Completeness, WorkerGone> {
        let code = code.to_string();
        self.host.send(Request::IsComplete { code })?;
        match self.next_event()? {
            Event::IsComplete(answer) => Ok(answer),
            _ => Err(HostGone),
        }
    }

    /// Ask the idle session for completions at `cursor` (code points).
    pub fn complete(&self, code: &str, cursor: usize) -> Result<Completions, WorkerGone> {
        let code = code.to_string();
        self.host.send(Request::Complete { code, cursor })?;
        match self.next_event()? {
            Event::Completions(answer) => Ok(answer),
            _ => Err(HostGone),
        }
    }
}

/// Show how a cell ended; the kind of error if it failed.
fn show(frontend: &TerminalFrontend, count: usize, reply: ExecuteReply) -> Option<ErrorKind> {
    frontend.end_cell();
    if let Some(help) = &reply.help {
        frontend.show_help(&help.page());
    }
    match reply.outcome {
        Ok(Some(bundle)) => {
            frontend.show_result(count, &bundle);
            None
        }
        Ok(None) => None,
        Err(error) => {
            frontend.show_error(&error);
            Some(error.kind)
        }
    }
}
