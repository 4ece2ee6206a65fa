//! Messages from the front end, delivered on the session thread between cells.

use super::bindings::{message_map, send_out, Comm};
use super::registry::{self, Handler, Invoker, Target};
use super::CommMessage;
use crate::context;
use crate::error::{ErrorKind, ScriptError};
use crate::session::Session;
use crate::{panic, RhaiResult};
use rhai::Dynamic;
use serde_json::Map;
use std::panic::AssertUnwindSafe;

impl Session {
    /// Deliver one comm message from the front end: open a comm for a registered target
    /// (any other is closed at once), run a comm's message or close callback. Output goes
    /// to the front end as a cell's does; an error in a callback is returned, and the
    /// session stays as it was.
    pub fn comm(&mut self, message: CommMessage) -> Result<(), ScriptError> {
        let _context = context::enter(self.context());
        let invoker = Invoker::Session {
            engine: &self.engine,
            ast: &self.ast,
        };
        let outcome = panic::catch(AssertUnwindSafe(|| deliver(&invoker, message)));
        self.interrupt_handle().reset();
        match outcome {
            Ok(Ok(())) => Ok(()),
            Ok(Err(err)) => Err(self.sources.eval_error("comm", &err)),
            Err(message) => Err(ScriptError::new(
                ErrorKind::Panic,
                "Panic",
                format!("a comm callback panicked: {message} (the session is intact)"),
            )),
        }
    }
}

pub(crate) fn deliver(invoker: &Invoker, message: CommMessage) -> RhaiResult<()> {
    match &message {
        CommMessage::Open {
            comm_id,
            target_name,
            ..
        } => match registry::target(target_name) {
            None => send_out(CommMessage::Close {
                comm_id: comm_id.clone(),
                data: Map::new(),
            }),
            Some(target) => {
                registry::add(comm_id, target_name);
                match target {
                    Target::Script(f) => {
                        let comm = Dynamic::from(Comm::existing(comm_id, target_name));
                        let _ = invoker.call(
                            &f,
                            vec![comm, message_map(&message)],
                            "two arguments: the comm and the opening message",
                        )?;
                    }
                    Target::Native(h) => h(invoker, &message)?,
                }
            }
        },
        CommMessage::Msg { comm_id, .. } => {
            if let Some((Some(on_msg), _)) = registry::handlers(comm_id) {
                run(invoker, &on_msg, &message)?;
            }
        }
        CommMessage::Close { comm_id, .. } => {
            let handlers = registry::handlers(comm_id);
            registry::remove(comm_id);
            if let Some((_, Some(on_close))) = handlers {
                run(invoker, &on_close, &message)?;
            }
        }
    }
    Ok(())
}

fn run(invoker: &Invoker, handler: &Handler, message: &CommMessage) -> RhaiResult<()> {
    match handler {
        Handler::Script(f) => invoker
            .call(f, vec![message_map(message)], "one argument, the message")
            .map(|_| ()),
        Handler::Native(h) => h(invoker, message),
    }
}
