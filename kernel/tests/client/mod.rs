//! A minimal Jupyter client over real ZeroMQ sockets, driving the kernel binary as a
//! separate process (as JupyterLab or jupyter_client would).

#![allow(dead_code)]

use ladder_kernel::wire::{Header, Message, Signer};
use serde_json::{json, Map, Value};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

pub const KEY: &str = "a0436f6c-1916-498b-8eb9-e81ab9368e84";
const TIMEOUT: Duration = Duration::from_secs(20);

pub struct Kernel {
    pub child: Child,
    pub shell: zmq::Socket,
    pub control: zmq::Socket,
    pub stdin: zmq::Socket,
    pub iopub: zmq::Socket,
    pub heartbeat: zmq::Socket,
    pub signer: Signer,
    pub session: String,
    /// Holds the connection file and the history (as `$XDG_DATA_HOME`).
    pub dir: PathBuf,
    _context: zmq::Context,
}

/// A fresh temporary folder for one kernel's files.
pub fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ladder-kernel-test-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub const KERNEL_BIN: &str = env!("CARGO_BIN_EXE_ladder-rhai-kernel");

/// Write a connection file with free ports into `dir`; its path and the ports (shell,
/// iopub, stdin, control, heartbeat).
pub fn connection_file(dir: &Path) -> (PathBuf, Vec<u16>) {
    // Hold every listener until all five are chosen, so no port is picked twice.
    let listeners: Vec<TcpListener> = (0..5)
        .map(|_| TcpListener::bind("127.0.0.1:0").unwrap())
        .collect();
    let ports: Vec<u16> = listeners
        .iter()
        .map(|l| l.local_addr().unwrap().port())
        .collect();
    let connection = json!({
        "shell_port": ports[0], "iopub_port": ports[1], "stdin_port": ports[2],
        "control_port": ports[3], "hb_port": ports[4], "ip": "127.0.0.1",
        "key": KEY, "transport": "tcp", "signature_scheme": "hmac-sha256",
        "kernel_name": "ladder",
    });
    let file = dir.join("connection.json");
    std::fs::write(&file, connection.to_string()).unwrap();
    (file, ports)
}

impl Kernel {
    pub fn start() -> Self {
        Self::start_in(&temp_dir())
    }

    /// Start a kernel whose files (connection file, history) live in `dir`.
    /// A free port can be taken by a test running beside this one before the kernel binds
    /// it; the kernel then exits, and it is started again on fresh ports.
    pub fn start_in(dir: &Path) -> Self {
        for _ in 0..5 {
            let (file, ports) = connection_file(dir);
            let child = Command::new(KERNEL_BIN)
                .arg("--connection-file")
                .arg(&file)
                .env("XDG_DATA_HOME", dir)
                .spawn()
                .expect("the kernel binary starts");
            if let Some(kernel) = Self::try_connect(child, dir, &ports) {
                return kernel;
            }
        }
        panic!("the kernel could not bind its ports in 5 tries");
    }

    /// Connect to the kernel that `child` started (or is) on `ports`, once it is ready.
    pub fn connect(child: Child, dir: &Path, ports: &[u16]) -> Self {
        Self::try_connect(child, dir, ports).expect("the kernel is running")
    }

    /// As [`Kernel::connect`]; `None` if the kernel exits before it welcomes us (a port of
    /// its connection file was taken).
    fn try_connect(child: Child, dir: &Path, ports: &[u16]) -> Option<Self> {
        let context = zmq::Context::new();
        let connect = |kind, port: u16| {
            let socket = context.socket(kind).unwrap();
            socket.set_linger(0).unwrap();
            // Shell and stdin share an identity: input requests are routed to it.
            if kind == zmq::DEALER {
                socket.set_identity(b"test-client").unwrap();
            }
            socket.connect(&format!("tcp://127.0.0.1:{port}")).unwrap();
            socket
        };
        let iopub = connect(zmq::SUB, ports[1]);
        iopub.set_subscribe(b"").unwrap();
        let kernel = Kernel {
            child,
            shell: connect(zmq::DEALER, ports[0]),
            control: context.socket(zmq::DEALER).unwrap(),
            stdin: connect(zmq::DEALER, ports[2]),
            iopub,
            heartbeat: connect(zmq::REQ, ports[4]),
            signer: Signer::new(KEY.as_bytes()),
            session: uuid::Uuid::new_v4().to_string(),
            dir: dir.to_path_buf(),
            _context: context,
        };
        kernel.control.set_linger(0).unwrap();
        kernel
            .control
            .connect(&format!("tcp://127.0.0.1:{}", ports[3]))
            .unwrap();
        // The kernel says hello on iopub once our subscription reaches it (protocol 5.4).
        // (`starting` may come first if we subscribed before the kernel was ready.)
        let mut kernel = kernel;
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let Some(message) = kernel.try_recv(&kernel.iopub, Duration::from_millis(50)) else {
                if kernel.child.try_wait().unwrap().is_some() {
                    return None;
                }
                assert!(Instant::now() < deadline, "the kernel welcomed us in time");
                continue;
            };
            if message.header.msg_type == "iopub_welcome" {
                assert_eq!(message.content["subscription"], "");
                return Some(kernel);
            }
            assert_eq!(message.content["execution_state"], "starting");
        }
    }

    /// Send a signed request; returns its msg_id.
    pub fn send(&self, socket: &zmq::Socket, msg_type: &str, content: Value) -> String {
        let (frames, id) = self.frames(msg_type, content);
        socket.send_multipart(frames, 0).unwrap();
        id
    }

    /// The signed frames of a request (to send as they are, more than once), and its msg_id.
    pub fn frames(&self, msg_type: &str, content: Value) -> (Vec<Vec<u8>>, String) {
        let message = Message {
            identities: vec![],
            header: Header::new(msg_type, &self.session),
            parent_header: Map::new(),
            metadata: Map::new(),
            content,
            buffers: vec![],
        };
        (message.encode(&self.signer), message.header.msg_id)
    }

    /// Send a correctly signed request whose header and content are any JSON at all.
    pub fn send_raw(&self, socket: &zmq::Socket, header: &Value, content: &Value) {
        let json: Vec<Vec<u8>> = [header, &json!({}), &json!({}), content]
            .iter()
            .map(|v| serde_json::to_vec(v).unwrap())
            .collect();
        let signature = self.signer.sign(&[&json[0], &json[1], &json[2], &json[3]]);
        let mut frames = vec![b"<IDS|MSG>".to_vec(), signature.into_bytes()];
        frames.extend(json);
        socket.send_multipart(frames, 0).unwrap();
    }

    pub fn try_recv(&self, socket: &zmq::Socket, timeout: Duration) -> Option<Message> {
        if socket
            .poll(zmq::POLLIN, timeout.as_millis() as i64)
            .unwrap()
            == 0
        {
            return None;
        }
        let frames = socket.recv_multipart(0).unwrap();
        Some(Message::decode(frames, &self.signer).expect("the kernel signs correctly"))
    }

    pub fn recv(&self, socket: &zmq::Socket) -> Message {
        self.try_recv(socket, TIMEOUT)
            .expect("the kernel answered within the timeout")
    }

    /// The reply to `msg_id` on a socket (skipping replies to earlier requests).
    pub fn reply(&self, socket: &zmq::Socket, msg_id: &str) -> Message {
        loop {
            let message = self.recv(socket);
            if message.parent_header["msg_id"] == msg_id {
                return message;
            }
        }
    }

    /// Every iopub message caused by `msg_id`, from `busy` to `idle` included.
    pub fn iopub_until_idle(&self, msg_id: &str) -> Vec<Message> {
        let mut messages = Vec::new();
        let deadline = Instant::now() + TIMEOUT;
        while Instant::now() < deadline {
            let message = self.recv(&self.iopub);
            if message.parent_header.get("msg_id").and_then(Value::as_str) != Some(msg_id) {
                continue;
            }
            let idle =
                message.header.msg_type == "status" && message.content["execution_state"] == "idle";
            messages.push(message);
            if idle {
                return messages;
            }
        }
        panic!("no idle for {msg_id}");
    }

    /// Wait for the first iopub message of a type caused by `msg_id`.
    pub fn iopub_until_type(&self, msg_id: &str, msg_type: &str) -> Message {
        loop {
            let message = self.recv(&self.iopub);
            let mine = message.parent_header.get("msg_id").and_then(Value::as_str) == Some(msg_id);
            if mine && message.header.msg_type == msg_type {
                return message;
            }
        }
    }

    /// Execute code; returns the reply and the iopub messages between busy and idle.
    pub fn execute(&self, code: &str) -> (Message, Vec<Message>) {
        self.execute_with(json!({"code": code}))
    }

    pub fn execute_with(&self, content: Value) -> (Message, Vec<Message>) {
        let id = self.send(&self.shell, "execute_request", content);
        let reply = self.reply(&self.shell, &id);
        (reply, self.iopub_until_idle(&id))
    }

    pub fn request(&self, msg_type: &str, content: Value) -> Message {
        let id = self.send(&self.shell, msg_type, content);
        let reply = self.reply(&self.shell, &id);
        self.iopub_until_idle(&id);
        reply
    }

    /// Wait for the process to end; panics if it is still running after the timeout.
    pub fn wait_exit(&mut self) -> std::process::ExitStatus {
        let deadline = Instant::now() + TIMEOUT;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("the kernel did not exit");
    }
}

impl Drop for Kernel {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Message types in order, without status messages.
pub fn types(messages: &[Message]) -> Vec<&str> {
    messages
        .iter()
        .map(|m| m.header.msg_type.as_str())
        .collect()
}

/// The concatenated text of every `stream` message on one stream.
pub fn stream_text(messages: &[Message], name: &str) -> String {
    messages
        .iter()
        .filter(|m| m.header.msg_type == "stream" && m.content["name"] == name)
        .map(|m| m.content["text"].as_str().unwrap().to_string())
        .collect()
}
