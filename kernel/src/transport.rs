//! Sockets, signing and the heartbeat: everything that touches ZeroMQ directly.

use crate::connection::ConnectionInfo;
use crate::messages::{Content, IopubWelcome};
use crate::wire::{Header, Message, SeenSignatures, Signer};
use serde::Serialize;
use serde_json::{Map, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

/// How many signatures are remembered to refuse replays (the oldest go first).
const REMEMBERED_SIGNATURES: usize = 2048;

/// The four sockets the protocol thread owns (the heartbeat runs on its own thread).
pub struct Transport {
    pub shell: zmq::Socket,
    pub control: zmq::Socket,
    pub stdin: zmq::Socket,
    pub iopub: zmq::Socket,
    signer: Signer,
    /// Signatures already received, on any channel, to refuse replays.
    seen: SeenSignatures,
    /// This kernel's session id, sent in every header.
    session: String,
    _heartbeat: Heartbeat,
}

/// Which socket a message came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    Shell,
    Control,
    Stdin,
}

impl Transport {
    /// Bind every socket of the connection file and start the heartbeat.
    pub fn bind(context: &zmq::Context, info: &ConnectionInfo) -> Result<Self, String> {
        let socket = |kind, port: u16, name: &str| -> Result<zmq::Socket, String> {
            let endpoint = info.endpoint(port);
            let s = context
                .socket(kind)
                .map_err(|e| format!("cannot create the {name} socket: {e}"))?;
            // Replies still queued at shutdown get a second to leave.
            s.set_linger(1000).map_err(|e| e.to_string())?;
            if kind == zmq::ROUTER {
                // A client reconnecting with the same identity takes over its old route.
                s.set_router_handover(true).map_err(|e| e.to_string())?;
            }
            if kind == zmq::XPUB {
                // Unlimited queue: output and the final `idle` must never be dropped.
                s.set_sndhwm(0).map_err(|e| e.to_string())?;
                // Report every subscription (not just the first) so each client gets a welcome.
                s.set_xpub_verbose(true).map_err(|e| e.to_string())?;
            }
            s.bind(&endpoint)
                .map_err(|e| format!("cannot bind the {name} socket to {endpoint}: {e}"))?;
            Ok(s)
        };
        let stdin = socket(zmq::ROUTER, info.stdin_port, "stdin")?;
        // A prompt for a client whose stdin is not connected yet must fail, not vanish.
        stdin
            .set_router_mandatory(true)
            .map_err(|e| e.to_string())?;
        let heartbeat = Heartbeat::start(socket(zmq::REP, info.hb_port, "heartbeat")?)?;
        let transport = Transport {
            shell: socket(zmq::ROUTER, info.shell_port, "shell")?,
            control: socket(zmq::ROUTER, info.control_port, "control")?,
            stdin,
            iopub: socket(zmq::XPUB, info.iopub_port, "iopub")?,
            signer: Signer::new(info.key.as_bytes()),
            seen: SeenSignatures::new(REMEMBERED_SIGNATURES),
            session: uuid::Uuid::new_v4().to_string(),
            _heartbeat: heartbeat,
        };
        Ok(transport)
    }

    pub fn socket(&self, channel: Channel) -> &zmq::Socket {
        match channel {
            Channel::Shell => &self.shell,
            Channel::Control => &self.control,
            Channel::Stdin => &self.stdin,
        }
    }

    /// Receive one message without waiting; a message that fails to decode or verify, or
    /// that replays one received before, is dropped with one line on stderr.
    pub fn try_recv(&mut self, channel: Channel) -> Option<Message> {
        loop {
            let frames = match self.socket(channel).recv_multipart(zmq::DONTWAIT) {
                Ok(frames) => frames,
                Err(_) => return None,
            };
            match Message::decode_fresh(frames, &self.signer, &mut self.seen) {
                Ok(message) => return Some(message),
                Err(e) => eprintln!("ladder kernel: dropped a {channel:?} message: {e}"),
            }
        }
    }

    /// Send a reply (or an input request) to the peer that sent `parent`.
    pub fn send<C: Content>(
        &self,
        channel: Channel,
        identities: &[Vec<u8>],
        parent: &Map<String, Value>,
        content: &C,
    ) {
        self.send_as(channel, identities, parent, C::MSG_TYPE, content);
    }

    /// Send a reply whose message type is known only at run time.
    pub fn send_as<C: Serialize>(
        &self,
        channel: Channel,
        identities: &[Vec<u8>],
        parent: &Map<String, Value>,
        msg_type: &str,
        content: &C,
    ) {
        let message = self.message_as(identities.to_vec(), parent, msg_type, content);
        self.send_frames(self.socket(channel), message.encode(&self.signer));
    }

    /// Send an input request on stdin, waiting up to `patience` for the client's stdin
    /// socket to connect; false if it never does.
    pub fn ask_input<C: Content>(
        &self,
        identities: &[Vec<u8>],
        parent: &Map<String, Value>,
        content: &C,
        patience: std::time::Duration,
    ) -> bool {
        let frames = self
            .message(identities.to_vec(), parent, content)
            .encode(&self.signer);
        let deadline = std::time::Instant::now() + patience;
        loop {
            match self.stdin.send_multipart(frames.iter(), 0) {
                Ok(()) => return true,
                Err(zmq::Error::EHOSTUNREACH) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(5));
                }
                Err(e) => {
                    eprintln!("ladder kernel: could not send an input request: {e}");
                    return false;
                }
            }
        }
    }

    /// Publish on iopub under a topic naming the message type.
    pub fn publish<C: Content>(&self, parent: &Map<String, Value>, content: &C) {
        self.publish_with_metadata(parent, Map::new(), content);
    }

    /// Publish on iopub with message metadata (a widget's comm_open carries its protocol
    /// version there).
    pub fn publish_with_metadata<C: Content>(
        &self,
        parent: &Map<String, Value>,
        metadata: Map<String, Value>,
        content: &C,
    ) {
        let topic = format!("kernel.{}.{}", self.session, C::MSG_TYPE).into_bytes();
        let mut message = self.message(vec![topic], parent, content);
        message.metadata = metadata;
        // A client that subscribed since the last poll must get its welcome before anything
        // else (the first `status` would otherwise overtake it when the kernel is slow).
        self.welcome_subscribers();
        self.send_frames(&self.iopub, message.encode(&self.signer));
    }

    /// Answer new iopub subscriptions with `iopub_welcome` (protocol 5.4), so a client knows
    /// it will not miss the next `busy`.
    pub fn welcome_subscribers(&self) {
        while let Ok(frame) = self.iopub.recv_bytes(zmq::DONTWAIT) {
            if frame.first() != Some(&1) {
                continue; // an unsubscription
            }
            let topic = frame[1..].to_vec();
            let subscription = String::from_utf8_lossy(&topic).into_owned();
            let message = self.message(vec![topic], &Map::new(), &IopubWelcome { subscription });
            self.send_frames(&self.iopub, message.encode(&self.signer));
        }
    }

    fn message<C: Content>(
        &self,
        identities: Vec<Vec<u8>>,
        parent: &Map<String, Value>,
        content: &C,
    ) -> Message {
        self.message_as(identities, parent, C::MSG_TYPE, content)
    }

    fn message_as<C: Serialize>(
        &self,
        identities: Vec<Vec<u8>>,
        parent: &Map<String, Value>,
        msg_type: &str,
        content: &C,
    ) -> Message {
        Message {
            identities,
            header: Header::new(msg_type, &self.session),
            parent_header: parent.clone(),
            metadata: Map::new(),
            content: serde_json::to_value(content).expect("message contents serialize"),
            buffers: Vec::new(),
        }
    }

    fn send_frames(&self, socket: &zmq::Socket, frames: Vec<Vec<u8>>) {
        if let Err(e) = socket.send_multipart(frames, 0) {
            eprintln!("ladder kernel: could not send a message: {e}");
        }
    }
}

/// The heartbeat: a thread that echoes every message, byte for byte, so clients can tell
/// the kernel is alive even while a cell runs. Stopped (and its socket closed) on drop, so
/// that the ZeroMQ context can end and flush the last replies.
struct Heartbeat {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Heartbeat {
    fn start(socket: zmq::Socket) -> Result<Self, String> {
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = std::thread::Builder::new()
            .name("ladder-heartbeat".into())
            .spawn(move || {
                while !stopped.load(Ordering::Relaxed) {
                    if socket.poll(zmq::POLLIN, 100).unwrap_or(0) == 0 {
                        continue;
                    }
                    let Ok(frames) = socket.recv_multipart(0) else {
                        break;
                    };
                    if socket.send_multipart(frames, 0).is_err() {
                        break;
                    }
                }
            })
            .map_err(|e| format!("cannot start the heartbeat thread: {e}"))?;
        Ok(Self {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
