//! Comms: messages from the front end go to the session (on its thread, in order with
//! cells); what the session sends goes out on iopub under the request being served.

use crate::core::{Flow, Kernel};
use crate::messages::*;
use crate::relay::Waited;
use crate::transport::Channel;
use crate::wire::Message;
use ladder_scripting::comms::CommMessage;
use ladder_scripting::host::{Reply, Request as SessionRequest};
use serde_json::{json, Map, Value};

impl Kernel {
    /// Hand a `comm_open`, `comm_msg` or `comm_close` to the session. Its callbacks' output
    /// and replies are published with the message as their parent; no reply is sent
    /// (comm messages have none).
    pub(crate) fn comm(
        &mut self,
        message: &Message,
        parent: &Map<String, Value>,
        request: Request,
    ) -> Flow {
        let metadata = message.metadata.clone();
        let to_session = match request {
            Request::CommOpen(open) => CommMessage::Open {
                comm_id: open.comm_id,
                target_name: open.target_name,
                data: open.data,
                metadata,
            },
            Request::CommMsg(msg) => CommMessage::Msg {
                comm_id: msg.comm_id,
                data: msg.data,
                metadata,
            },
            Request::CommClose(close) => CommMessage::Close {
                comm_id: close.comm_id,
                data: close.data,
            },
            _ => return Flow::Continue,
        };
        match self.relay(message, parent, SessionRequest::Comm(to_session), false) {
            Waited::Answer(Reply::Comm) => Flow::Continue,
            other => self.unexpected(Channel::Shell, message, parent, other),
        }
    }

    /// `comm_info_reply`: the open comms, `{id: {target_name}}`, of one target if asked.
    pub(crate) fn comm_info(
        &mut self,
        channel: Channel,
        message: &Message,
        parent: &Map<String, Value>,
        target_name: Option<String>,
    ) -> Flow {
        match self.relay(
            message,
            parent,
            SessionRequest::CommInfo { target_name },
            false,
        ) {
            Waited::Answer(Reply::CommInfo(open)) => {
                let comms: Map<String, Value> = open
                    .into_iter()
                    .map(|(id, target)| (id, json!({ "target_name": target })))
                    .collect();
                let reply = CommInfoReply {
                    status: "ok",
                    comms,
                };
                self.transport
                    .send(channel, &message.identities, parent, &reply);
                Flow::Continue
            }
            other => self.unexpected(channel, message, parent, other),
        }
    }

    /// Publish a comm message from the session.
    pub(crate) fn publish_comm(&self, parent: &Map<String, Value>, message: CommMessage) {
        let t = &self.transport;
        match message {
            CommMessage::Open {
                comm_id,
                target_name,
                data,
                metadata,
            } => t.publish_with_metadata(
                parent,
                metadata,
                &CommOpened {
                    comm_id,
                    target_name,
                    data,
                },
            ),
            CommMessage::Msg {
                comm_id,
                data,
                metadata,
            } => t.publish_with_metadata(parent, metadata, &CommMsg { comm_id, data }),
            CommMessage::Close { comm_id, data } => t.publish(parent, &CommClose { comm_id, data }),
        }
    }
}
