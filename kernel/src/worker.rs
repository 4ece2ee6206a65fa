//! The session thread: it owns the Rhai session (which is not `Send`), runs what the
//! protocol thread asks for and reports outputs and answers back over a channel.

use crate::outputs::{Event, KernelFrontend, Wake};
use ladder_scripting::{
    Completeness, Completions, InterruptHandle, MimeBundle, ScriptError, Session, SessionFactory,
};
use serde_json::{json, Map, Value};
use std::rc::Rc;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, OnceLock};

/// The session thread's stack: deep Rhai recursion and big library calls need room.
const STACK_SIZE: usize = 256 << 20;

/// What the protocol thread asks of the session.
pub enum Command {
    Execute {
        code: String,
        user_expressions: Map<String, Value>,
    },
    Complete {
        code: String,
        cursor: usize,
    },
    Inspect {
        code: String,
        cursor: usize,
    },
    IsComplete {
        code: String,
    },
}

/// The session's answer to a [`Command`], sent after all of its outputs.
pub enum Answer {
    Executed {
        outcome: Result<Option<MimeBundle>, ScriptError>,
        /// `page` payloads (for `?name` help).
        payload: Vec<Value>,
        user_expressions: Map<String, Value>,
    },
    Completed(Completions),
    Inspected(Option<MimeBundle>),
    IsComplete(Completeness),
}

/// The protocol thread's end of the session thread.
pub struct Worker {
    commands: Option<Sender<Command>>,
    thread: Option<std::thread::JoinHandle<()>>,
    pub events: Receiver<Event>,
    /// Set once the session exists; the control channel and SIGINT use it.
    pub interrupt: Arc<OnceLock<InterruptHandle>>,
}

impl Worker {
    /// Start the session thread; the session is made there, by the factory.
    pub fn spawn(make_session: SessionFactory, wake: Wake) -> Result<Self, String> {
        let (commands, command_rx) = channel();
        let (event_tx, events) = channel();
        let interrupt = Arc::new(OnceLock::new());
        let handle = interrupt.clone();
        let thread = std::thread::Builder::new()
            .name("ladder-session".into())
            .stack_size(STACK_SIZE)
            .spawn(move || {
                let frontend = Rc::new(KernelFrontend::new(event_tx, wake));
                let mut session = make_session(frontend.clone());
                let _ = handle.set(session.interrupt_handle());
                for command in command_rx {
                    let answer = serve(&mut session, command);
                    frontend.send(Event::Done(answer));
                }
            })
            .map_err(|e| format!("cannot start the session thread: {e}"))?;
        Ok(Self {
            commands: Some(commands),
            thread: Some(thread),
            events,
            interrupt,
        })
    }

    /// Hand a command to the session; false when the session thread has died.
    pub fn send(&self, command: Command) -> bool {
        self.commands
            .as_ref()
            .is_some_and(|c| c.send(command).is_ok())
    }

    pub fn interrupt(&self) {
        if let Some(handle) = self.interrupt.get() {
            handle.interrupt();
        }
    }
}

/// Closing the command channel ends the session thread once its cell is done; waiting for
/// it lets its socket close before the ZeroMQ context ends.
impl Drop for Worker {
    fn drop(&mut self) {
        self.interrupt();
        self.commands.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(session: &mut Session, command: Command) -> Answer {
    match command {
        Command::Execute {
            code,
            user_expressions,
        } => {
            if let Some(name) = help_query(&code) {
                let text = session
                    .help_text(name)
                    .unwrap_or_else(|| format!("No help found for `{name}`."));
                return Answer::Executed {
                    outcome: Ok(None),
                    payload: vec![
                        json!({"source": "page", "data": {"text/plain": text}, "start": 0}),
                    ],
                    user_expressions: Map::new(),
                };
            }
            let outcome = session.execute(&code);
            let user_expressions = if outcome.is_ok() {
                evaluate_expressions(session, user_expressions)
            } else {
                Map::new()
            };
            Answer::Executed {
                outcome,
                payload: Vec::new(),
                user_expressions,
            }
        }
        Command::Complete { code, cursor } => Answer::Completed(session.complete(&code, cursor)),
        Command::Inspect { code, cursor } => Answer::Inspected(session.inspect(&code, cursor)),
        Command::IsComplete { code } => Answer::IsComplete(session.is_complete(&code)),
    }
}

/// `?name` or `name?` asks for help in the pager, as in IPython.
fn help_query(code: &str) -> Option<&str> {
    let code = code.trim();
    let name = code
        .strip_prefix('?')
        .or_else(|| code.strip_suffix('?'))?
        .trim();
    let is_name = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == ':');
    is_name.then_some(name)
}

/// Each user expression's rich value, or its error, as the spec shapes them.
fn evaluate_expressions(
    session: &mut Session,
    expressions: Map<String, Value>,
) -> Map<String, Value> {
    expressions
        .into_iter()
        .map(|(key, expr)| {
            let code = expr.as_str().unwrap_or_default();
            let value = match session.execute(code) {
                Ok(bundle) => {
                    let bundle = bundle.unwrap_or_default();
                    json!({"status": "ok", "data": bundle.data, "metadata": bundle.metadata})
                }
                Err(e) => json!({
                    "status": "error",
                    "ename": e.name,
                    "evalue": e.message,
                    "traceback": e.traceback(true),
                }),
            };
            (key, value)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::help_query;

    #[test]
    fn help_queries_are_a_name_with_a_question_mark() {
        assert_eq!(help_query("?print"), Some("print"));
        assert_eq!(help_query(" x? "), Some("x"));
        assert_eq!(help_query("x ? 1 : 2"), None);
        assert_eq!(help_query("?"), None);
    }
}
