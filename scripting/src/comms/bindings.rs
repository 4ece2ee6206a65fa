//! The Rhai side of comms: `comm(target, data)`, `.send(data)`, `.on_msg(|msg| ...)`,
//! `.on_close(|msg| ...)`, `.close()`, and `register_comm_target(name, |comm, msg| ...)`
//! for comms the front end opens.

use super::registry::{self, Handler, Target};
use super::{new_id, CommMessage};
use crate::context;
use crate::mime::{MimeBundle, Renderers};
use crate::RhaiResult;
use rhai::{Dynamic, Engine, FnPtr};
use serde_json::{Map, Value};

/// A handle on one comm; copies share it.
#[derive(Clone, Debug, PartialEq)]
pub struct Comm {
    pub id: String,
    pub target: String,
}

impl Comm {
    /// How `print` and a cell's value show it.
    fn text(&self) -> String {
        format!("Comm({}, {})", self.target, self.id)
    }

    /// Open a comm from the session's side.
    pub fn open(target: &str, data: Map<String, Value>, metadata: Map<String, Value>) -> Self {
        let comm = Comm {
            id: new_id(),
            target: target.to_string(),
        };
        registry::add(&comm.id, target);
        send_out(CommMessage::Open {
            comm_id: comm.id.clone(),
            target_name: target.to_string(),
            data,
            metadata,
        });
        comm
    }

    /// A handle on a comm the front end opened.
    pub fn existing(id: &str, target: &str) -> Self {
        Comm {
            id: id.to_string(),
            target: target.to_string(),
        }
    }

    pub fn is_open(&self) -> bool {
        registry::is_open(&self.id)
    }

    /// Send data to the front end; a closed comm sends nothing.
    pub fn send(&self, data: Map<String, Value>, metadata: Map<String, Value>) {
        if self.is_open() {
            send_out(CommMessage::Msg {
                comm_id: self.id.clone(),
                data,
                metadata,
            });
        }
    }

    pub fn on_msg(&self, handler: Handler) {
        registry::set_on_msg(&self.id, handler);
    }

    pub fn on_close(&self, handler: Handler) {
        registry::set_on_close(&self.id, handler);
    }

    /// Close from the session's side (the close callback is for the front end's close).
    pub fn close(&self) {
        if registry::remove(&self.id) {
            send_out(CommMessage::Close {
                comm_id: self.id.clone(),
                data: Map::new(),
            });
        }
    }
}

/// Hand a message to the running session's front end.
pub(crate) fn send_out(message: CommMessage) {
    if let Some(c) = context::current() {
        c.frontend.comm(&message);
    }
}

/// A map given to Rhai as the data of a message (`()` sends `{}`).
pub fn data_of(value: &Dynamic, what: &str) -> RhaiResult<Map<String, Value>> {
    if value.is_unit() {
        return Ok(Map::new());
    }
    match rhai::serde::from_dynamic::<Value>(value) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(format!("{what}: the data must be a map, not {}", value.type_name()).into()),
        Err(e) => Err(format!("{what}: {e}").into()),
    }
}

/// A message as Rhai handlers see it: `#{comm_id, data, metadata, comm}`. `m.comm` replies
/// on the comm (a closure that captured the comm cannot use it as the object of the
/// `on_msg` call that registers that closure: Rhai holds it locked during the call).
pub(crate) fn message_map(message: &CommMessage) -> Dynamic {
    let metadata = match message {
        CommMessage::Open { metadata, .. } | CommMessage::Msg { metadata, .. } => metadata.clone(),
        CommMessage::Close { .. } => Map::new(),
    };
    let json = serde_json::json!({
        "comm_id": message.comm_id(),
        "data": message.data(),
        "metadata": metadata,
    });
    let mut map = rhai::serde::to_dynamic(json)
        .ok()
        .and_then(|d| d.try_cast::<rhai::Map>())
        .unwrap_or_default();
    let target = registry::target_of(message.comm_id()).unwrap_or_default();
    let comm = Comm::existing(message.comm_id(), &target);
    map.insert("comm".into(), Dynamic::from(comm));
    Dynamic::from(map)
}

pub fn register(engine: &mut Engine, renderers: &mut Renderers) {
    engine
        .register_type_with_name::<Comm>("Comm")
        .register_get("id", |c: &mut Comm| c.id.clone())
        .register_get("target", |c: &mut Comm| c.target.clone())
        .register_get("is_open", |c: &mut Comm| c.is_open())
        .register_fn("to_string", |c: &mut Comm| c.text())
        .register_fn("to_debug", |c: &mut Comm| c.text());
    // A comm as a cell's value shows as `print` shows it.
    renderers.register_fn(|v| v.read_lock::<Comm>().map(|c| MimeBundle::text(c.text())));
    engine.register_fn("comm", |target: &str| {
        Comm::open(target, Map::new(), Map::new())
    });
    engine.register_fn("comm", |target: &str, data: Dynamic| -> RhaiResult<Comm> {
        Ok(Comm::open(target, data_of(&data, "comm")?, Map::new()))
    });
    engine.register_fn("send", |c: Comm, data: Dynamic| -> RhaiResult<()> {
        c.send(data_of(&data, "send")?, Map::new());
        Ok(())
    });
    // Methods take the handle by value: a callback that captured it (to reply on it) would
    // otherwise find it locked by the call that registers the callback.
    engine.register_fn("on_msg", |c: Comm, f: FnPtr| c.on_msg(Handler::Script(f)));
    engine.register_fn("on_close", |c: Comm, f: FnPtr| {
        c.on_close(Handler::Script(f))
    });
    engine.register_fn("close", |c: Comm| c.close());
    engine.register_fn("register_comm_target", |name: &str, f: FnPtr| {
        registry::register_target(name, Target::Script(f))
    });
}
