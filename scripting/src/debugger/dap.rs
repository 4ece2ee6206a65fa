//! The Debug Adapter Protocol's envelopes: responses to requests, and events.

use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};

/// DAP numbers every message the adapter sends.
static SEQ: AtomicU64 = AtomicU64::new(1);

fn next_seq() -> u64 {
    SEQ.fetch_add(1, Ordering::Relaxed)
}

pub fn command(request: &Value) -> &str {
    request["command"].as_str().unwrap_or("")
}

pub fn arguments(request: &Value) -> &Value {
    &request["arguments"]
}

/// A successful response with `body`.
pub fn response(request: &Value, body: Value) -> Value {
    json!({
        "seq": next_seq(),
        "type": "response",
        "request_seq": request["seq"],
        "success": true,
        "command": command(request),
        "body": body,
    })
}

/// A failed response that says why.
pub fn failure(request: &Value, message: impl Into<String>) -> Value {
    json!({
        "seq": next_seq(),
        "type": "response",
        "request_seq": request["seq"],
        "success": false,
        "command": command(request),
        "message": message.into(),
        "body": {},
    })
}

pub fn event(name: &str, body: Value) -> Value {
    json!({"seq": next_seq(), "type": "event", "event": name, "body": body})
}

/// The session runs on one thread; DAP still wants an id for it.
pub const THREAD_ID: u64 = 1;
