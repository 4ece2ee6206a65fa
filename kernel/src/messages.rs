//! Typed message contents: the requests this kernel understands and everything it sends.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

fn yes() -> bool {
    true
}

#[derive(Clone, Debug, Deserialize)]
pub struct ExecuteRequest {
    pub code: String,
    #[serde(default)]
    pub silent: bool,
    #[serde(default = "yes")]
    pub store_history: bool,
    #[serde(default)]
    pub user_expressions: Map<String, Value>,
    #[serde(default = "yes")]
    pub allow_stdin: bool,
    #[serde(default = "yes")]
    pub stop_on_error: bool,
}

/// `cursor_pos` counts Unicode code points (protocol 5.2+); missing means the end.
#[derive(Clone, Debug, Deserialize)]
pub struct CodeAtCursor {
    pub code: String,
    #[serde(default)]
    pub cursor_pos: Option<usize>,
    #[serde(default)]
    pub detail_level: u8,
}

impl CodeAtCursor {
    pub fn cursor(&self) -> usize {
        self.cursor_pos.unwrap_or_else(|| self.code.chars().count())
    }
}

#[derive(Clone, Debug, Deserialize)]
pub struct IsCompleteRequest {
    pub code: String,
}

#[derive(Clone, Debug, Deserialize)]
pub struct HistoryRequest {
    #[serde(default)]
    pub output: bool,
    pub hist_access_type: String,
    #[serde(default)]
    pub session: Option<i64>,
    #[serde(default)]
    pub start: Option<i64>,
    #[serde(default)]
    pub stop: Option<i64>,
    #[serde(default)]
    pub n: Option<usize>,
    #[serde(default)]
    pub pattern: Option<String>,
    #[serde(default)]
    pub unique: bool,
}

/// A `comm_open` from the front end; its metadata (a widget's protocol version) is the
/// message's.
#[derive(Clone, Debug, Deserialize)]
pub struct CommOpenRequest {
    pub comm_id: String,
    pub target_name: String,
    #[serde(default)]
    pub data: Map<String, Value>,
}

/// A `comm_msg` or `comm_close` from the front end.
#[derive(Clone, Debug, Deserialize)]
pub struct CommData {
    pub comm_id: String,
    #[serde(default)]
    pub data: Map<String, Value>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct CommInfoRequest {
    #[serde(default)]
    pub target_name: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct ShutdownRequest {
    #[serde(default)]
    pub restart: bool,
}

#[derive(Clone, Debug, Deserialize)]
pub struct InputReply {
    pub value: String,
}

/// Every request this kernel answers, on shell, control or stdin.
#[derive(Clone, Debug)]
pub enum Request {
    KernelInfo,
    Execute(ExecuteRequest),
    Complete(CodeAtCursor),
    Inspect(CodeAtCursor),
    IsComplete(IsCompleteRequest),
    History(HistoryRequest),
    CommInfo(CommInfoRequest),
    CommOpen(CommOpenRequest),
    CommMsg(CommData),
    CommClose(CommData),
    Shutdown(ShutdownRequest),
    Interrupt,
    InputReply(InputReply),
    /// A debugger (DAP) request, passed on as it came.
    Debug(Value),
}

/// Why a message's content could not be typed.
#[derive(Debug, PartialEq)]
pub enum ParseError {
    /// A message type this kernel does not know.
    Unknown(String),
    /// A known message type whose content is not what the spec says.
    Malformed { msg_type: String, reason: String },
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParseError::Unknown(msg_type) => write!(f, "unknown message type {msg_type:?}"),
            ParseError::Malformed { msg_type, reason } => {
                write!(f, "malformed {msg_type}: {reason}")
            }
        }
    }
}

impl Request {
    /// Type the content of a message. Content must be a JSON object, even where no field
    /// is read; a malformed one names the field at fault.
    pub fn parse(msg_type: &str, content: &Value) -> Result<Request, ParseError> {
        let malformed = |reason| ParseError::Malformed {
            msg_type: msg_type.to_string(),
            reason,
        };
        let known = Self::read(msg_type, content).map_err(malformed)?;
        known.ok_or_else(|| ParseError::Unknown(msg_type.to_string()))
    }

    /// `Ok(None)` for an unknown type.
    fn read(msg_type: &str, c: &Value) -> Result<Option<Request>, String> {
        use crate::fields::typed;
        let request = match msg_type {
            "kernel_info_request" => typed::<Map<String, Value>>(c).map(|_| Request::KernelInfo),
            "execute_request" => typed(c).map(Request::Execute),
            "complete_request" => typed(c).map(Request::Complete),
            "inspect_request" => typed(c).map(Request::Inspect),
            "is_complete_request" => typed(c).map(Request::IsComplete),
            "history_request" => typed(c).map(Request::History),
            "comm_info_request" => typed(c).map(Request::CommInfo),
            "comm_open" => typed(c).map(Request::CommOpen),
            "comm_msg" => typed(c).map(Request::CommMsg),
            "comm_close" => typed(c).map(Request::CommClose),
            "shutdown_request" => typed(c).map(Request::Shutdown),
            "interrupt_request" => typed::<Map<String, Value>>(c).map(|_| Request::Interrupt),
            "input_reply" => typed(c).map(Request::InputReply),
            "debug_request" => {
                typed::<Map<String, Value>>(c).map(|m| Request::Debug(Value::Object(m)))
            }
            _ => return Ok(None),
        };
        request.map(Some)
    }
}

/// Content this kernel sends, with its message type.
pub trait Content: Serialize {
    const MSG_TYPE: &'static str;
}

macro_rules! content {
    ($($ty:ident => $name:literal),* $(,)?) => {
        $(impl Content for $ty { const MSG_TYPE: &'static str = $name; })*
    };
}

content! {
    Status => "status", IopubWelcome => "iopub_welcome", ExecuteInput => "execute_input",
    StreamText => "stream", DisplayData => "display_data", UpdateDisplayData => "update_display_data",
    ExecuteResult => "execute_result", ErrorOutput => "error", ClearOutput => "clear_output",
    ExecuteReply => "execute_reply", ExecuteAborted => "execute_reply", KernelInfoReply => "kernel_info_reply",
    CompleteReply => "complete_reply", InspectReply => "inspect_reply",
    IsCompleteReply => "is_complete_reply", HistoryReply => "history_reply",
    CommInfoReply => "comm_info_reply", CommClose => "comm_close",
    CommOpened => "comm_open", CommMsg => "comm_msg",
    ShutdownReply => "shutdown_reply", InterruptReply => "interrupt_reply",
    InputRequest => "input_request",
    DebugReply => "debug_reply", DebugEvent => "debug_event",
}

#[derive(Serialize)]
pub struct Status {
    pub execution_state: &'static str,
}

#[derive(Serialize)]
pub struct IopubWelcome {
    pub subscription: String,
}

#[derive(Serialize)]
pub struct ExecuteInput {
    pub code: String,
    pub execution_count: u64,
}

#[derive(Serialize)]
pub struct StreamText {
    pub name: &'static str,
    pub text: String,
}

/// `transient` is always an object (nbclient fails on `null`).
#[derive(Serialize)]
pub struct DisplayData {
    pub data: Map<String, Value>,
    pub metadata: Map<String, Value>,
    pub transient: Map<String, Value>,
}

#[derive(Serialize)]
pub struct UpdateDisplayData {
    pub data: Map<String, Value>,
    pub metadata: Map<String, Value>,
    pub transient: Map<String, Value>,
}

#[derive(Serialize)]
pub struct ExecuteResult {
    pub execution_count: u64,
    pub data: Map<String, Value>,
    pub metadata: Map<String, Value>,
}

#[derive(Clone, Serialize)]
pub struct ErrorOutput {
    pub ename: String,
    pub evalue: String,
    pub traceback: Vec<String>,
}

#[derive(Serialize)]
pub struct ClearOutput {
    pub wait: bool,
}

#[derive(Serialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum ExecuteReply {
    Ok {
        execution_count: u64,
        payload: Vec<Value>,
        user_expressions: Map<String, Value>,
    },
    Error {
        execution_count: u64,
        #[serde(flatten)]
        error: ErrorOutput,
    },
}

/// The reply to an execute request dropped after an earlier error (`stop_on_error`).
#[derive(Serialize)]
pub struct ExecuteAborted {
    pub status: &'static str,
}

#[derive(Serialize)]
pub struct KernelInfoReply {
    pub status: &'static str,
    pub protocol_version: &'static str,
    pub implementation: &'static str,
    pub implementation_version: &'static str,
    pub language_info: Value,
    pub banner: String,
    pub debugger: bool,
    pub help_links: Vec<Value>,
    pub supported_features: Vec<&'static str>,
}

/// A DAP response, as the debugger wrote it.
#[derive(Serialize)]
#[serde(transparent)]
pub struct DebugReply(pub Value);

/// A DAP event (`stopped`, `continued`, `terminated`).
#[derive(Serialize)]
#[serde(transparent)]
pub struct DebugEvent(pub Value);

#[derive(Serialize)]
pub struct CompleteReply {
    pub status: &'static str,
    pub matches: Vec<String>,
    pub cursor_start: usize,
    pub cursor_end: usize,
    pub metadata: Map<String, Value>,
}

#[derive(Serialize)]
pub struct InspectReply {
    pub status: &'static str,
    pub found: bool,
    pub data: Map<String, Value>,
    pub metadata: Map<String, Value>,
}

#[derive(Serialize)]
pub struct IsCompleteReply {
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub indent: Option<String>,
}

#[derive(Serialize)]
pub struct HistoryReply {
    pub status: &'static str,
    pub history: Vec<Value>,
}

#[derive(Serialize)]
pub struct CommInfoReply {
    pub status: &'static str,
    pub comms: Map<String, Value>,
}

#[derive(Serialize)]
pub struct CommOpened {
    pub comm_id: String,
    pub target_name: String,
    pub data: Map<String, Value>,
}

#[derive(Serialize)]
pub struct CommMsg {
    pub comm_id: String,
    pub data: Map<String, Value>,
}

#[derive(Serialize)]
pub struct CommClose {
    pub comm_id: String,
    pub data: Map<String, Value>,
}

#[derive(Serialize)]
pub struct ShutdownReply {
    pub status: &'static str,
    pub restart: bool,
}

#[derive(Serialize)]
pub struct InterruptReply {
    pub status: &'static str,
}

/// The answer to a known request whose content is malformed, sent as that request's
/// `_reply` (so no single message type): an error that names the field at fault.
#[derive(Serialize)]
pub struct BadRequestReply {
    pub status: &'static str,
    pub ename: &'static str,
    pub evalue: String,
    pub traceback: Vec<String>,
    /// For an `execute_reply`, which clients expect to carry one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution_count: Option<u64>,
}

/// The spec types `password` as a boolean (jupyter_kernel_test's schema says number, but
/// never tests stdin).
#[derive(Serialize)]
pub struct InputRequest {
    pub prompt: String,
    pub password: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn execute_request_defaults_follow_the_spec() {
        let r = Request::parse("execute_request", &json!({"code": "1"})).unwrap();
        let Request::Execute(e) = r else { panic!() };
        assert!(!e.silent && e.store_history && e.allow_stdin && e.stop_on_error);
    }

    #[test]
    fn unknown_types_and_bad_content_are_named() {
        let err = Request::parse("frobnicate", &json!({})).unwrap_err();
        assert_eq!(err, ParseError::Unknown("frobnicate".into()));
        let err = Request::parse("execute_request", &json!({"code": 3})).unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("malformed execute_request: field `code`"),
            "{text}"
        );
    }

    #[test]
    fn content_must_be_an_object_even_where_nothing_is_read() {
        for msg_type in [
            "execute_request",
            "kernel_info_request",
            "interrupt_request",
        ] {
            let err = Request::parse(msg_type, &json!(["print(\"x\")", true])).unwrap_err();
            assert!(matches!(err, ParseError::Malformed { .. }), "{msg_type}");
        }
    }

    #[test]
    fn debug_requests_pass_through_and_replies_are_the_dap_message() {
        let dap = json!({"seq": 3, "type": "request", "command": "stackTrace", "arguments": {}});
        let Request::Debug(content) = Request::parse("debug_request", &dap).unwrap() else {
            panic!()
        };
        assert_eq!(content, dap);
        let reply = serde_json::to_value(DebugReply(json!({"success": true}))).unwrap();
        assert_eq!(reply, json!({"success": true}));
        assert!(Request::parse("debug_request", &json!([1])).is_err());
    }

    #[test]
    fn execute_replies_carry_their_status() {
        let ok = ExecuteReply::Ok {
            execution_count: 2,
            payload: vec![],
            user_expressions: Map::new(),
        };
        assert_eq!(serde_json::to_value(ok).unwrap()["status"], "ok");
        let err = ExecuteReply::Error {
            execution_count: 2,
            error: ErrorOutput {
                ename: "E".into(),
                evalue: "v".into(),
                traceback: vec![],
            },
        };
        let v = serde_json::to_value(err).unwrap();
        assert_eq!(
            (v["status"].as_str(), v["ename"].as_str()),
            (Some("error"), Some("E"))
        );
    }
}
