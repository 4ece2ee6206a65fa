//! Comms: named, two-way message channels between a session and its front end (Jupyter's
//! `comm_open` / `comm_msg` / `comm_close`). Either side may open one; the session answers
//! a front end's open only for a target registered here, and closes the others at once.
//!
//! The registry is per thread: a session owns its thread (see `host`), so its comms and
//! the callbacks attached to them live beside it, and library code reaches them without
//! holding the session.

mod bindings;
mod registry;
mod serve;

pub use bindings::{register, Comm};
pub use registry::{
    open_comms, register_target as register_native_target, Handler, Invoker, Target,
};

use serde_json::{Map, Value};

/// One comm message, in either direction.
#[derive(Clone, Debug, PartialEq)]
pub enum CommMessage {
    Open {
        comm_id: String,
        target_name: String,
        data: Map<String, Value>,
        metadata: Map<String, Value>,
    },
    Msg {
        comm_id: String,
        data: Map<String, Value>,
        metadata: Map<String, Value>,
    },
    Close {
        comm_id: String,
        data: Map<String, Value>,
    },
}

impl CommMessage {
    pub fn comm_id(&self) -> &str {
        match self {
            CommMessage::Open { comm_id, .. }
            | CommMessage::Msg { comm_id, .. }
            | CommMessage::Close { comm_id, .. } => comm_id,
        }
    }

    pub fn data(&self) -> &Map<String, Value> {
        match self {
            CommMessage::Open { data, .. }
            | CommMessage::Msg { data, .. }
            | CommMessage::Close { data, .. } => data,
        }
    }
}

/// A fresh comm id: 32 hex digits, as uuid4().hex reads (front ends treat ids as opaque).
pub fn new_id() -> String {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let half = |salt: u64| {
        let mut h = RandomState::new().build_hasher();
        h.write_u64(count ^ salt);
        h.finish()
    };
    format!("{:016x}{:016x}", half(0x5eed), half(count.rotate_left(17)))
}

#[cfg(test)]
mod tests;
