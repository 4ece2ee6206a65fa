//! While the session works on a request: publish its outputs in order, batch its stream
//! text, carry `input()` prompts over stdin, and keep serving control (interrupt, shutdown)
//! and new iopub subscribers.

use crate::core::{Flow, Kernel};
use crate::messages::*;
use crate::outputs::Event;
use crate::transport::Channel;
use crate::wire::Message;
use ladder_scripting::host::{Reply, Request as SessionRequest};
use ladder_scripting::{InputError, MimeBundle, Stream};
use serde_json::{json, Map, Value};
use std::sync::mpsc::{SyncSender, TryRecvError};
use std::time::{Duration, Instant};

/// How waiting for the session ended.
// One per request, moved once: boxing the reply would buy nothing.
#[allow(clippy::large_enum_variant)]
pub enum Waited {
    Answer(Reply),
    /// A shutdown request arrived (and was answered) while the session worked.
    Shutdown,
    /// The session thread is gone.
    SessionGone,
}

/// How long a prompt waits for the client's stdin socket to connect.
const STDIN_PATIENCE: Duration = Duration::from_secs(2);

type InputReplyTo = SyncSender<Result<String, InputError>>;

impl Kernel {
    /// Hand `to_session` to the session and relay everything it produces until its reply.
    pub(crate) fn relay(
        &mut self,
        request: &Message,
        parent: &Map<String, Value>,
        to_session: SessionRequest,
        allow_stdin: bool,
    ) -> Waited {
        if !self.worker.send(to_session) {
            return Waited::SessionGone;
        }
        self.relaying = true;
        let waited = self.relay_events(request, parent, allow_stdin);
        self.relaying = false;
        waited
    }

    fn relay_events(
        &mut self,
        request: &Message,
        parent: &Map<String, Value>,
        allow_stdin: bool,
    ) -> Waited {
        let mut waiting_input: Option<InputReplyTo> = None;
        loop {
            loop {
                match self.worker.events.try_recv() {
                    Ok(Event::Done(answer)) => {
                        self.flush(parent);
                        return Waited::Answer(answer);
                    }
                    Ok(Event::Input {
                        prompt,
                        password,
                        reply,
                    }) => {
                        self.flush(parent);
                        let ask = InputRequest { prompt, password };
                        let ids = &request.identities;
                        if allow_stdin
                            && self.transport.ask_input(ids, parent, &ask, STDIN_PATIENCE)
                        {
                            waiting_input = Some(reply);
                        } else {
                            let _ = reply.send(Err(InputError::NotSupported));
                        }
                    }
                    Ok(event) => self.publish_output(parent, event),
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => {
                        self.flush(parent);
                        return Waited::SessionGone;
                    }
                }
            }
            if let Some((stream, text)) = self.batch.take_due(Instant::now()) {
                self.publish_stream(parent, stream, text);
            }

            let timeout = self.batch.poll_timeout_ms(Instant::now());
            let t = &self.transport;
            let mut items = [
                t.control.as_poll_item(zmq::POLLIN),
                t.iopub.as_poll_item(zmq::POLLIN),
                t.stdin.as_poll_item(zmq::POLLIN),
                self.wake.as_poll_item(zmq::POLLIN),
            ];
            if zmq::poll(&mut items, timeout).is_err() {
                continue;
            }
            // Wake-ups are drained before the events they announce (at the loop's top).
            while self.wake.recv_bytes(zmq::DONTWAIT).is_ok() {}
            self.transport.welcome_subscribers();
            while let Some(message) = self.transport.try_recv(Channel::Stdin) {
                match (
                    Request::parse(&message.header.msg_type, &message.content),
                    waiting_input.take(),
                ) {
                    (Ok(Request::InputReply(r)), Some(reply)) => {
                        let _ = reply.send(Ok(r.value));
                    }
                    (_, pending) => waiting_input = pending,
                }
            }
            while let Some(message) = self.transport.try_recv(Channel::Control) {
                let is_interrupt = message.header.msg_type == "interrupt_request";
                if self.handle(Channel::Control, message) == Flow::Stop {
                    return Waited::Shutdown;
                }
                if is_interrupt {
                    if let Some(reply) = waiting_input.take() {
                        let _ = reply.send(Err(InputError::Interrupted));
                    }
                }
            }
        }
    }

    /// Publish any held stream text now (before a rich output, a prompt or a reply).
    pub(crate) fn flush(&mut self, parent: &Map<String, Value>) {
        if let Some((stream, text)) = self.batch.take() {
            self.publish_stream(parent, stream, text);
        }
    }

    fn publish_stream(&self, parent: &Map<String, Value>, stream: Stream, text: String) {
        let content = StreamText {
            name: stream.name(),
            text,
        };
        self.transport.publish(parent, &content);
    }

    fn publish_output(&mut self, parent: &Map<String, Value>, event: Event) {
        if let Event::Stream(stream, text) = event {
            if let Some((stream, text)) = self.batch.push(stream, &text) {
                self.publish_stream(parent, stream, text);
            }
            return;
        }
        self.flush(parent);
        let t = &self.transport;
        match event {
            Event::Display { bundle, display_id } => {
                let MimeBundle { data, metadata } = bundle;
                let transient = transient(display_id.as_deref());
                t.publish(
                    parent,
                    &DisplayData {
                        data,
                        metadata,
                        transient,
                    },
                );
            }
            Event::UpdateDisplay { bundle, display_id } => {
                let MimeBundle { data, metadata } = bundle;
                let transient = transient(Some(&display_id));
                t.publish(
                    parent,
                    &UpdateDisplayData {
                        data,
                        metadata,
                        transient,
                    },
                );
            }
            Event::ClearOutput(wait) => t.publish(parent, &ClearOutput { wait }),
            Event::Comm(message) => self.publish_comm(parent, message),
            Event::Debug(event) => t.publish(parent, &DebugEvent(event)),
            Event::Stream(..) | Event::Input { .. } | Event::Done(_) => {}
        }
    }
}

/// `{"display_id": id}`, or `{}`: never null.
fn transient(display_id: Option<&str>) -> Map<String, Value> {
    let mut map = Map::new();
    if let Some(id) = display_id {
        map.insert("display_id".into(), json!(id));
    }
    map
}
