//! The protocol's rules, in one place: `busy`/`idle` around every shell and control
//! request, `execute_input`, the execution count (stored cells only), parent headers,
//! output published before the reply, and queued cells aborted after an error.

use crate::batch::StreamBatch;
use crate::history::History;
use crate::info::kernel_info;
use crate::messages::*;
use crate::relay::Waited;
use crate::transport::{Channel, Transport};
use crate::wire::Message;
use crate::worker::Worker;
use ladder_scripting::host::{Execute, Help, Reply, Request as SessionRequest};
use ladder_scripting::{Completeness, MimeBundle, ScriptError};
use serde_json::{Map, Value};

/// Whether the kernel keeps serving after a request.
#[derive(Debug, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Stop,
}

pub struct Kernel {
    pub(crate) transport: Transport,
    /// Rung by the session thread whenever it has queued an event.
    pub(crate) wake: zmq::Socket,
    pub(crate) worker: Worker,
    pub(crate) batch: StreamBatch,
    history: History,
    execution_count: u64,
    /// Requests that were waiting when a cell failed with `stop_on_error` (taken before
    /// that cell's `idle`, as ipykernel does): their execute requests are answered `aborted`.
    queued_after_error: Vec<Message>,
    /// Set while a request is with the session: requests that need it cannot be put now.
    pub(crate) relaying: bool,
}

impl Kernel {
    pub fn new(transport: Transport, wake: zmq::Socket, worker: Worker, history: History) -> Self {
        Self {
            transport,
            wake,
            worker,
            batch: StreamBatch::default(),
            history,
            execution_count: 0,
            queued_after_error: Vec::new(),
            relaying: false,
        }
    }

    /// Serve requests until a shutdown request.
    pub fn serve(&mut self) -> Result<(), String> {
        self.status(&Map::new(), "starting");
        loop {
            if !self.queued_after_error.is_empty() && self.abort_queue() == Flow::Stop {
                return Ok(());
            }
            let t = &self.transport;
            let mut items = [
                t.control.as_poll_item(zmq::POLLIN),
                t.shell.as_poll_item(zmq::POLLIN),
                t.iopub.as_poll_item(zmq::POLLIN),
                t.stdin.as_poll_item(zmq::POLLIN),
                self.wake.as_poll_item(zmq::POLLIN),
            ];
            zmq::poll(&mut items, -1).map_err(|e| format!("polling the sockets failed: {e}"))?;
            let shell_ready = items[1].is_readable();
            while let Some(message) = self.transport.try_recv(Channel::Control) {
                if self.handle(Channel::Control, message) == Flow::Stop {
                    return Ok(());
                }
            }
            self.transport.welcome_subscribers();
            // Nothing runs, so input replies and wake-ups here are stale.
            while self.transport.try_recv(Channel::Stdin).is_some() {}
            while self.wake.recv_bytes(zmq::DONTWAIT).is_ok() {}
            if shell_ready {
                if let Some(message) = self.transport.try_recv(Channel::Shell) {
                    if self.handle(Channel::Shell, message) == Flow::Stop {
                        return Ok(());
                    }
                }
            }
        }
    }

    /// Answer one request between `busy` and `idle`. A known request whose content is
    /// malformed is answered too, with an error (a client would otherwise wait forever);
    /// an unknown one is dropped.
    pub(crate) fn handle(&mut self, channel: Channel, message: Message) -> Flow {
        let msg_type = message.header.msg_type.as_str();
        let request = match Request::parse(msg_type, &message.content) {
            // Control is "identical to Shell" (the spec; ipykernel serves every shell
            // request there), but while a cell runs the session cannot take another.
            Ok(request) if self.relaying && waits_for_session(&request) => {
                if !msg_type.ends_with("_request") {
                    eprintln!(
                        "ladder kernel: dropped a {msg_type} sent on control while a cell runs"
                    );
                    return Flow::Continue;
                }
                Err((
                    "KernelBusy",
                    format!(
                        "{msg_type} on the control channel while a cell runs: the session is busy; \
                         send it on shell to have it answered after the cell"
                    ),
                ))
            }
            Ok(request) => Ok(request),
            Err(e @ ParseError::Malformed { .. }) if msg_type.ends_with("_request") => {
                Err(("BadRequest", e.to_string()))
            }
            Err(e) => {
                eprintln!("ladder kernel: dropped a {channel:?} message: {e}");
                return Flow::Continue;
            }
        };
        let parent = parent_of(&message);
        self.status(&parent, "busy");
        let flow = match request {
            Ok(request) => self.dispatch(channel, &message, &parent, request),
            Err((ename, evalue)) => {
                self.refuse(channel, &message, &parent, ename, evalue);
                Flow::Continue
            }
        };
        self.status(&parent, "idle");
        flow
    }

    /// Answer a request that cannot be served (malformed, or the session is busy) with an
    /// error naming what was wrong, as ipykernel answers a malformed one.
    fn refuse(
        &self,
        channel: Channel,
        message: &Message,
        parent: &Map<String, Value>,
        ename: &'static str,
        evalue: String,
    ) {
        let msg_type = message.header.msg_type.as_str();
        eprintln!("ladder kernel: {evalue}");
        let reply = BadRequestReply {
            status: "error",
            ename,
            evalue,
            traceback: Vec::new(),
            execution_count: (msg_type == "execute_request").then_some(self.execution_count),
        };
        let reply_type = format!("{}_reply", msg_type.trim_end_matches("_request"));
        let ids = &message.identities;
        self.transport
            .send_as(channel, ids, parent, &reply_type, &reply);
    }

    fn dispatch(
        &mut self,
        channel: Channel,
        message: &Message,
        parent: &Map<String, Value>,
        request: Request,
    ) -> Flow {
        let ids = &message.identities;
        let t = &self.transport;
        match request {
            Request::KernelInfo => t.send(channel, ids, parent, &kernel_info()),
            Request::Execute(request) => return self.execute(channel, message, parent, request),
            Request::Complete(at) => {
                let ask = SessionRequest::Complete {
                    cursor: at.cursor(),
                    code: at.code,
                };
                match self.ask(message, parent, ask) {
                    Waited::Answer(Reply::Completed(c)) => {
                        // JupyterLab shows what each match is from this metadata.
                        let types: Vec<Value> = c
                            .matches
                            .iter()
                            .zip(&c.kinds)
                            .map(|(text, kind)| {
                                serde_json::json!({"start": c.cursor_start, "end": c.cursor_end,
                                                   "text": text, "type": kind})
                            })
                            .collect();
                        let mut metadata = Map::new();
                        metadata.insert("_jupyter_types_experimental".into(), types.into());
                        let reply = CompleteReply {
                            status: "ok",
                            matches: c.matches,
                            cursor_start: c.cursor_start,
                            cursor_end: c.cursor_end,
                            metadata,
                        };
                        self.transport.send(channel, ids, parent, &reply);
                    }
                    other => return self.unexpected(channel, message, parent, other),
                }
            }
            Request::Inspect(at) => {
                let ask = SessionRequest::Inspect {
                    cursor: at.cursor(),
                    code: at.code,
                };
                match self.ask(message, parent, ask) {
                    Waited::Answer(Reply::Inspected(bundle)) => {
                        let reply = InspectReply {
                            status: "ok",
                            found: bundle.is_some(),
                            data: bundle.clone().unwrap_or_default().data,
                            metadata: bundle.unwrap_or_default().metadata,
                        };
                        self.transport.send(channel, ids, parent, &reply);
                    }
                    other => return self.unexpected(channel, message, parent, other),
                }
            }
            Request::IsComplete(r) => {
                match self.ask(message, parent, SessionRequest::IsComplete { code: r.code }) {
                    Waited::Answer(Reply::IsComplete(answer)) => {
                        let reply = match answer {
                            Completeness::Complete => IsCompleteReply {
                                status: "complete",
                                indent: None,
                            },
                            Completeness::Invalid => IsCompleteReply {
                                status: "invalid",
                                indent: None,
                            },
                            Completeness::Incomplete { indent } => IsCompleteReply {
                                status: "incomplete",
                                indent: Some(indent),
                            },
                        };
                        self.transport.send(channel, ids, parent, &reply);
                    }
                    other => return self.unexpected(channel, message, parent, other),
                }
            }
            Request::History(request) => {
                let history = self.history.reply(&request);
                let reply = HistoryReply {
                    status: "ok",
                    history,
                };
                self.transport.send(channel, ids, parent, &reply);
            }
            Request::CommInfo(r) => return self.comm_info(channel, message, parent, r.target_name),
            Request::CommOpen(_) | Request::CommMsg(_) | Request::CommClose(_) => {
                return self.comm(message, parent, request)
            }
            Request::InputReply(_) => {}
            Request::Interrupt => {
                self.worker.interrupt();
                t.send(channel, ids, parent, &InterruptReply { status: "ok" });
            }
            Request::Debug(dap) => return self.debug(channel, message, parent, dap),
            Request::Shutdown(request) => {
                self.shutdown(channel, ids, parent, request.restart);
                return Flow::Stop;
            }
        }
        Flow::Continue
    }

    fn execute(
        &mut self,
        channel: Channel,
        message: &Message,
        parent: &Map<String, Value>,
        request: ExecuteRequest,
    ) -> Flow {
        let ids = &message.identities;
        let store = request.store_history && !request.silent;
        if store {
            self.execution_count += 1;
        }
        let count = self.execution_count;
        if !request.silent {
            let input = ExecuteInput {
                code: request.code.clone(),
                execution_count: count,
            };
            self.transport.publish(parent, &input);
        }
        // User expressions must be strings; any other value is answered with an error of
        // its own (ipykernel: eval's TypeError), and the others are evaluated.
        let (expressions, not_text): (Vec<_>, Vec<_>) = request
            .user_expressions
            .iter()
            .partition(|(_, expr)| expr.is_string());
        let execute = Execute {
            code: request.code.clone(),
            source_name: None,
            // Not stored: numbered as the next stored cell will be, as IPython names it.
            cell: Some(if store { count } else { count + 1 } as usize),
            user_expressions: expressions
                .into_iter()
                .map(|(key, expr)| (key.clone(), expr.as_str().unwrap_or_default().to_string()))
                .collect(),
        };
        let to_session = SessionRequest::Execute(execute);
        let waited = self.relay(message, parent, to_session, request.allow_stdin);
        let (outcome, payload, user_expressions) = match waited {
            Waited::Answer(Reply::Executed(reply)) => (
                reply.outcome,
                reply.help.iter().map(page_payload).collect(),
                user_expressions_json(reply.user_expressions),
            ),
            Waited::Shutdown => return Flow::Stop,
            _ => (Err(session_gone()), Vec::new(), Map::new()),
        };
        let mut user_expressions = user_expressions;
        if outcome.is_ok() {
            for (key, value) in not_text {
                user_expressions.insert(key.clone(), not_an_expression(value));
            }
        }
        let mut output = None;
        let reply = match outcome {
            Ok(result) => {
                if let (Some(bundle), false) = (result, request.silent) {
                    output = bundle.plain().map(str::to_string);
                    let result = ExecuteResult {
                        execution_count: count,
                        data: bundle.data,
                        metadata: bundle.metadata,
                    };
                    self.transport.publish(parent, &result);
                }
                ExecuteReply::Ok {
                    execution_count: count,
                    payload,
                    user_expressions,
                }
            }
            Err(error) => {
                let error = ErrorOutput {
                    ename: error.name.clone(),
                    evalue: error.message.clone(),
                    traceback: error.traceback(true),
                };
                self.transport.publish(parent, &error);
                ExecuteReply::Error {
                    execution_count: count,
                    error,
                }
            }
        };
        if store {
            self.history.record(count, &request.code, output);
        }
        let failed = matches!(reply, ExecuteReply::Error { .. });
        self.transport.send(channel, ids, parent, &reply);
        if failed && request.stop_on_error && !request.silent {
            while let Some(message) = self.transport.try_recv(Channel::Shell) {
                self.queued_after_error.push(message);
            }
        }
        Flow::Continue
    }

    /// After an error with `stop_on_error`: answer the execute requests already waiting
    /// `aborted` (between busy and idle); other waiting requests are served as usual.
    fn abort_queue(&mut self) -> Flow {
        for message in std::mem::take(&mut self.queued_after_error) {
            if message.header.msg_type != "execute_request" {
                if self.handle(Channel::Shell, message) == Flow::Stop {
                    return Flow::Stop;
                }
                continue;
            }
            let parent = parent_of(&message);
            self.status(&parent, "busy");
            let reply = ExecuteAborted { status: "aborted" };
            self.transport
                .send(Channel::Shell, &message.identities, &parent, &reply);
            self.status(&parent, "idle");
        }
        Flow::Continue
    }

    /// Put a non-execute request to the session (no stdin).
    pub(crate) fn ask(
        &mut self,
        message: &Message,
        parent: &Map<String, Value>,
        ask: SessionRequest,
    ) -> Waited {
        self.relay(message, parent, ask, false)
    }

    /// The session did not answer (it is gone, or a shutdown came meanwhile). A request is
    /// still answered, with an error, so that its client does not wait forever.
    pub(crate) fn unexpected(
        &self,
        channel: Channel,
        message: &Message,
        parent: &Map<String, Value>,
        waited: Waited,
    ) -> Flow {
        match waited {
            Waited::Shutdown => Flow::Stop,
            _ => {
                let gone = session_gone();
                if message.header.msg_type.ends_with("_request") {
                    self.refuse(channel, message, parent, "KernelError", gone.message);
                } else {
                    eprintln!("ladder kernel: {}", gone.message);
                }
                Flow::Continue
            }
        }
    }

    /// Reply, publish the reply on iopub too (clients watch for it there), and stop the cell.
    pub(crate) fn shutdown(
        &mut self,
        channel: Channel,
        ids: &[Vec<u8>],
        parent: &Map<String, Value>,
        restart: bool,
    ) {
        let reply = ShutdownReply {
            status: "ok",
            restart,
        };
        self.transport.send(channel, ids, parent, &reply);
        self.transport.publish(parent, &reply);
        self.debugger_terminated(parent);
        self.worker.interrupt();
    }

    pub(crate) fn status(&self, parent: &Map<String, Value>, state: &'static str) {
        self.transport.publish(
            parent,
            &Status {
                execution_state: state,
            },
        );
    }
}

/// Whether a request is put to the session (which cannot take it while a cell runs).
/// Debug requests are routed on their own (see `debug.rs`).
fn waits_for_session(request: &Request) -> bool {
    matches!(
        request,
        Request::Execute(_)
            | Request::Complete(_)
            | Request::Inspect(_)
            | Request::IsComplete(_)
            | Request::CommInfo(_)
            | Request::CommOpen(_)
            | Request::CommMsg(_)
            | Request::CommClose(_)
    )
}

/// The request's header, as the parent header of everything sent in answer to it.
fn parent_of(message: &Message) -> Map<String, Value> {
    match serde_json::to_value(&message.header) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    }
}

/// Help (`?name`) goes to the pager, as IPython sends it.
fn page_payload(help: &Help) -> Value {
    serde_json::json!({"source": "page", "data": {"text/plain": help.page()}, "start": 0})
}

/// Each user expression's rich value, or its error, as the spec shapes them.
fn user_expressions_json(
    values: Vec<(String, Result<MimeBundle, ScriptError>)>,
) -> Map<String, Value> {
    values
        .into_iter()
        .map(|(key, value)| {
            let value = match value {
                Ok(bundle) => serde_json::json!({
                    "status": "ok", "data": bundle.data, "metadata": bundle.metadata,
                }),
                Err(e) => serde_json::json!({
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

/// The answer for a user expression that is not a string.
fn not_an_expression(value: &Value) -> Value {
    let evalue = format!("a user expression must be a string of code, not {value}");
    serde_json::json!({
        "status": "error",
        "ename": "TypeError",
        "evalue": evalue,
        "traceback": [format!("TypeError: {evalue}")],
    })
}

fn session_gone() -> ScriptError {
    ScriptError::new(
        ladder_scripting::ErrorKind::Panic,
        "KernelError",
        "the session thread has stopped; restart the kernel",
    )
}
