//! `debug_request` on the control channel: Jupyter's debugger protocol (DAP requests in
//! `debug_request`, responses in `debug_reply`, events in `debug_event` on iopub).
//!
//! The DAP itself is answered by `ladder_scripting::debugger`; here is only where each
//! request goes. A request that needs the session is put to it through the host while no
//! cell runs; while one runs it is answered by the stopped cell, or refused if it is not
//! stopped (the session thread is busy).

use crate::core::{Flow, Kernel};
use crate::messages::{DebugEvent, DebugReply};
use crate::relay::Waited;
use crate::transport::Channel;
use crate::wire::Message;
use ladder_scripting::debugger::{self, Routed};
use ladder_scripting::host::{Reply, Request as SessionRequest};
use serde_json::{json, Map, Value};

impl Kernel {
    pub(crate) fn debug(
        &mut self,
        channel: Channel,
        message: &Message,
        parent: &Map<String, Value>,
        request: Value,
    ) -> Flow {
        let reply = match self.worker.debugger().route(request) {
            Routed::Answer(reply) => reply,
            Routed::Session(request) if self.relaying => debugger::busy(&request),
            Routed::Session(request) => {
                match self.ask(message, parent, SessionRequest::Debug(request)) {
                    Waited::Answer(Reply::Debug(reply)) => reply,
                    other => return self.unexpected(channel, message, parent, other),
                }
            }
        };
        let ids = &message.identities;
        self.transport
            .send(channel, ids, parent, &DebugReply(reply));
        Flow::Continue
    }

    /// The session ends: an attached client hears that its debuggee is gone.
    pub(crate) fn debugger_terminated(&self, parent: &Map<String, Value>) {
        if self.worker.debugger().attached() {
            let event = debugger::event("terminated", json!({}));
            self.transport.publish(parent, &DebugEvent(event));
        }
    }
}
