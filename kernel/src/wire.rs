//! The wire format: identities, `<IDS|MSG>`, an HMAC-SHA256 signature over the four JSON
//! frames, the frames themselves, then binary buffers.

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::Sha256;
use std::collections::{HashSet, VecDeque};

/// The protocol version this kernel speaks (5.4 adds the iopub welcome message).
pub const PROTOCOL_VERSION: &str = "5.4";
const DELIMITER: &[u8] = b"<IDS|MSG>";

/// A message header. Unknown fields sent by newer clients (e.g. `subshell_id`) are kept so
/// that a reply's parent header is exactly the request's header; `username` and `date` may
/// be missing, as ipykernel allows.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Header {
    pub msg_id: String,
    pub session: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    pub msg_type: String,
    pub version: String,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Header {
    /// A fresh header for a message this kernel sends.
    pub fn new(msg_type: &str, session: &str) -> Self {
        Self {
            msg_id: uuid::Uuid::new_v4().simple().to_string(),
            session: session.to_string(),
            username: Some("ladder".to_string()),
            date: Some(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)),
            msg_type: msg_type.to_string(),
            version: PROTOCOL_VERSION.to_string(),
            extra: Map::new(),
        }
    }
}

/// A decoded message. `parent_header` and `metadata` are always JSON objects (clients such
/// as jupyter console crash on `null`).
#[derive(Clone, Debug)]
pub struct Message {
    /// Routing identities (ROUTER sockets) or the topic (iopub).
    pub identities: Vec<Vec<u8>>,
    pub header: Header,
    pub parent_header: Map<String, Value>,
    pub metadata: Map<String, Value>,
    pub content: Value,
    pub buffers: Vec<Vec<u8>>,
}

/// Why an incoming message was dropped.
#[derive(Debug, PartialEq)]
pub enum WireError {
    NoDelimiter,
    TooFewFrames,
    BadSignature,
    BadJson(&'static str, String),
    /// A correctly signed message whose signature was seen before: a replay.
    DuplicateSignature,
}

impl std::fmt::Display for WireError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WireError::NoDelimiter => write!(f, "no <IDS|MSG> delimiter"),
            WireError::TooFewFrames => write!(f, "fewer than the five frames after <IDS|MSG>"),
            WireError::BadSignature => write!(f, "bad or missing HMAC signature"),
            WireError::BadJson(part, err) => write!(f, "invalid JSON in the {part}: {err}"),
            WireError::DuplicateSignature => write!(f, "duplicate signature (a replayed message)"),
        }
    }
}

/// Signs and verifies messages with the connection file's key (an empty key disables
/// signing, as the spec allows).
#[derive(Clone)]
pub struct Signer {
    mac: Option<Hmac<Sha256>>,
}

impl Signer {
    pub fn new(key: &[u8]) -> Self {
        let mac = (!key.is_empty())
            .then(|| Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts any key length"));
        Self { mac }
    }

    /// Lower-case hex signature of the four JSON frames.
    pub fn sign(&self, frames: &[&[u8]; 4]) -> String {
        let Some(mac) = &self.mac else {
            return String::new();
        };
        let mut mac = mac.clone();
        for frame in frames {
            mac.update(frame);
        }
        to_hex(&mac.finalize().into_bytes())
    }

    /// Constant-time check of a received signature.
    pub fn verify(&self, signature: &[u8], frames: &[&[u8]; 4]) -> bool {
        let Some(mac) = &self.mac else {
            return true;
        };
        let Some(expected) = from_hex(signature) else {
            return false;
        };
        let mut mac = mac.clone();
        for frame in frames {
            mac.update(frame);
        }
        mac.verify_slice(&expected).is_ok()
    }
}

/// The signatures of the last messages received, as ipykernel keeps them: a signed message
/// seen again is a replay (someone who saw it on the wire sending it again), and is refused.
/// Bounded: the oldest are forgotten first.
pub struct SeenSignatures {
    order: VecDeque<Vec<u8>>,
    seen: HashSet<Vec<u8>>,
    capacity: usize,
}

impl SeenSignatures {
    pub fn new(capacity: usize) -> Self {
        Self {
            order: VecDeque::with_capacity(capacity),
            seen: HashSet::with_capacity(capacity),
            capacity,
        }
    }

    /// Remember a signature; false if it is remembered already.
    pub fn first_time(&mut self, signature: &[u8]) -> bool {
        if !self.seen.insert(signature.to_vec()) {
            return false;
        }
        self.order.push_back(signature.to_vec());
        if self.order.len() > self.capacity {
            if let Some(oldest) = self.order.pop_front() {
                self.seen.remove(&oldest);
            }
        }
        true
    }
}

impl Message {
    /// Decode a received message, checking its signature and, where messages are signed,
    /// that it is not a replay of one in `seen`.
    pub fn decode_fresh(
        frames: Vec<Vec<u8>>,
        signer: &Signer,
        seen: &mut SeenSignatures,
    ) -> Result<Message, WireError> {
        let (message, signature) = Self::decode_signed(frames, signer)?;
        // Unsigned messages (no key) all carry the same empty signature.
        if signer.mac.is_some() && !seen.first_time(&signature) {
            return Err(WireError::DuplicateSignature);
        }
        Ok(message)
    }

    /// Decode the frames of a received multipart message, checking its signature.
    pub fn decode(frames: Vec<Vec<u8>>, signer: &Signer) -> Result<Message, WireError> {
        Self::decode_signed(frames, signer).map(|(message, _)| message)
    }

    /// The message and its (verified) signature.
    fn decode_signed(
        mut frames: Vec<Vec<u8>>,
        signer: &Signer,
    ) -> Result<(Message, Vec<u8>), WireError> {
        let split = frames
            .iter()
            .position(|f| f == DELIMITER)
            .ok_or(WireError::NoDelimiter)?;
        if frames.len() < split + 6 {
            return Err(WireError::TooFewFrames);
        }
        let buffers = frames.split_off(split + 6);
        let parts = frames.split_off(split + 1);
        frames.pop(); // the delimiter
        let json = [&parts[1][..], &parts[2][..], &parts[3][..], &parts[4][..]];
        if !signer.verify(&parts[0], &json) {
            return Err(WireError::BadSignature);
        }
        let parse = |name: &'static str, bytes: &[u8]| -> Result<Value, WireError> {
            serde_json::from_slice(bytes).map_err(|e| WireError::BadJson(name, e.to_string()))
        };
        let header = serde_json::from_slice(json[0])
            .map_err(|e| WireError::BadJson("header", e.to_string()))?;
        let message = Message {
            identities: frames,
            header,
            parent_header: as_object(parse("parent header", json[1])?),
            metadata: as_object(parse("metadata", json[2])?),
            content: parse("content", json[3])?,
            buffers,
        };
        Ok((message, parts[0].clone()))
    }

    /// Encode as signed frames ready to send.
    pub fn encode(&self, signer: &Signer) -> Vec<Vec<u8>> {
        let header = serde_json::to_vec(&self.header).expect("headers serialize");
        let parent = serde_json::to_vec(&self.parent_header).expect("maps serialize");
        let metadata = serde_json::to_vec(&self.metadata).expect("maps serialize");
        let content = serde_json::to_vec(&self.content).expect("values serialize");
        let signature = signer.sign(&[&header, &parent, &metadata, &content]);
        let mut frames = self.identities.clone();
        frames.push(DELIMITER.to_vec());
        frames.push(signature.into_bytes());
        frames.extend([header, parent, metadata, content]);
        frames.extend(self.buffers.iter().cloned());
        frames
    }
}

/// A parent header given as `null` or anything else but an object counts as empty.
fn as_object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn from_hex(text: &[u8]) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    let digit = |c: u8| (c as char).to_digit(16);
    text.chunks(2)
        .map(|pair| Some((digit(pair[0])? * 16 + digit(pair[1])?) as u8))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> Message {
        Message {
            identities: vec![b"client".to_vec()],
            header: Header::new("execute_request", "s1"),
            parent_header: Map::new(),
            metadata: Map::new(),
            content: json!({"code": "1 + 1"}),
            buffers: vec![b"\x00\x01".to_vec()],
        }
    }

    #[test]
    fn round_trip_keeps_identities_content_and_buffers() {
        let signer = Signer::new(b"secret");
        let decoded = Message::decode(sample().encode(&signer), &signer).unwrap();
        assert_eq!(decoded.identities, vec![b"client".to_vec()]);
        assert_eq!(decoded.content, json!({"code": "1 + 1"}));
        assert_eq!(decoded.buffers, vec![b"\x00\x01".to_vec()]);
        assert_eq!(decoded.header.msg_type, "execute_request");
    }

    #[test]
    fn signature_matches_a_known_hmac_sha256() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let signer = Signer::new(b"Jefe");
        let sig = signer.sign(&[b"what do ya ", b"want ", b"for nothing", b"?"]);
        assert_eq!(
            sig,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn tampered_or_unsigned_messages_are_rejected() {
        let signer = Signer::new(b"secret");
        let mut frames = sample().encode(&signer);
        let content = frames.len() - 2;
        frames[content] = br#"{"code": "evil"}"#.to_vec();
        assert_eq!(
            Message::decode(frames, &signer).unwrap_err(),
            WireError::BadSignature
        );
        let unsigned = sample().encode(&Signer::new(b""));
        assert_eq!(
            Message::decode(unsigned, &signer).unwrap_err(),
            WireError::BadSignature
        );
    }

    #[test]
    fn a_signed_message_is_accepted_once_and_the_oldest_signatures_are_forgotten() {
        let signer = Signer::new(b"secret");
        let mut seen = SeenSignatures::new(2);
        let first = sample().encode(&signer);
        assert!(Message::decode_fresh(first.clone(), &signer, &mut seen).is_ok());
        assert_eq!(
            Message::decode_fresh(first.clone(), &signer, &mut seen).unwrap_err(),
            WireError::DuplicateSignature
        );
        for _ in 0..2 {
            let other = sample().encode(&signer); // a new msg_id and date
            assert!(Message::decode_fresh(other, &signer, &mut seen).is_ok());
        }
        assert!(Message::decode_fresh(first, &signer, &mut seen).is_ok());
        // Without a key nothing is signed, so nothing can be told apart.
        let open = Signer::new(b"");
        let unsigned = sample().encode(&open);
        assert!(Message::decode_fresh(unsigned.clone(), &open, &mut seen).is_ok());
        assert!(Message::decode_fresh(unsigned, &open, &mut seen).is_ok());
    }

    #[test]
    fn a_header_may_lack_username_and_date() {
        let header: Header = serde_json::from_value(serde_json::json!({
            "msg_id": "m", "session": "s", "msg_type": "kernel_info_request", "version": "5.3",
        }))
        .unwrap();
        assert_eq!((header.username, header.date), (None, None));
    }

    #[test]
    fn null_parent_header_becomes_an_object_and_bad_json_is_reported() {
        let signer = Signer::new(b"");
        let mut frames = sample().encode(&signer);
        let delim = frames.iter().position(|f| f == DELIMITER).unwrap();
        frames[delim + 3] = b"null".to_vec();
        assert!(Message::decode(frames.clone(), &signer)
            .unwrap()
            .parent_header
            .is_empty());
        frames[delim + 5] = b"{oops".to_vec();
        assert!(matches!(
            Message::decode(frames, &signer),
            Err(WireError::BadJson("content", _))
        ));
    }
}
