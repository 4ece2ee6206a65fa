//! Requests a kernel must survive as ipykernel does: replayed messages, malformed content,
//! interrupts at the first moment of a cell, and a parent process that dies.

mod client;

use client::{types, Kernel};
use ladder_kernel::wire::Message;
use serde_json::json;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

#[test]
fn a_replayed_execute_request_runs_once() {
    let kernel = Kernel::start();
    kernel.execute("let counter = 0;");
    let (frames, id) = kernel.frames("execute_request", json!({"code": "counter += 1;"}));
    kernel.shell.send_multipart(frames.clone(), 0).unwrap();
    kernel.shell.send_multipart(frames, 0).unwrap();
    assert_eq!(kernel.reply(&kernel.shell, &id).content["status"], "ok");
    kernel.iopub_until_idle(&id);
    // Shell requests are answered in order: a second run would answer before this one.
    let next = kernel.send(&kernel.shell, "execute_request", json!({"code": "counter"}));
    let reply = kernel.recv(&kernel.shell);
    assert_eq!(reply.parent_header["msg_id"], next.as_str());
    let iopub = kernel.iopub_until_idle(&next);
    assert_eq!(iopub[2].content["data"]["text/plain"], "1");
}

/// Send a request and return its reply and its iopub messages.
fn ask(
    kernel: &Kernel,
    socket: &zmq::Socket,
    msg_type: &str,
    content: serde_json::Value,
) -> (Message, Vec<Message>) {
    let id = kernel.send(socket, msg_type, content);
    let reply = kernel.reply(socket, &id);
    (reply, kernel.iopub_until_idle(&id))
}

#[test]
fn content_that_is_an_array_is_refused_not_run_by_position() {
    let kernel = Kernel::start();
    let content = json!(["print(\"x\")", true]);
    let (reply, iopub) = ask(&kernel, &kernel.shell, "execute_request", content);
    assert_eq!(reply.header.msg_type, "execute_reply");
    assert_eq!(reply.content["status"], "error");
    assert_eq!(reply.content["ename"], "BadRequest");
    let evalue = reply.content["evalue"].as_str().unwrap();
    assert!(evalue.contains("object"), "{evalue}");
    assert_eq!(types(&iopub), ["status", "status"]);
}

#[test]
fn a_known_request_with_bad_content_gets_an_error_naming_the_field() {
    let kernel = Kernel::start();
    let bad = [
        ("execute_request", json!({"code": 42}), "code"),
        ("execute_request", json!({}), "code"),
        (
            "complete_request",
            json!({"code": "x", "cursor_pos": "end"}),
            "cursor_pos",
        ),
        (
            "history_request",
            json!({"output": true}),
            "hist_access_type",
        ),
    ];
    for (msg_type, content, field) in bad {
        let (reply, iopub) = ask(&kernel, &kernel.shell, msg_type, content);
        let expected = msg_type.replace("_request", "_reply");
        assert_eq!(reply.header.msg_type, expected);
        assert_eq!(reply.content["status"], "error");
        assert_eq!(reply.content["ename"], "BadRequest");
        let evalue = reply.content["evalue"].as_str().unwrap();
        assert!(evalue.contains(field), "{msg_type}: {evalue}");
        assert_eq!(types(&iopub), ["status", "status"], "{msg_type}");
        assert_eq!(iopub[0].content["execution_state"], "busy");
    }
    // On control too, and the kernel is still there afterwards.
    let (reply, _) = ask(
        &kernel,
        &kernel.control,
        "shutdown_request",
        json!({"restart": "yes"}),
    );
    assert_eq!(reply.header.msg_type, "shutdown_reply");
    assert_eq!(reply.content["status"], "error");
    // None of the bad cells counted.
    let (reply, _) = kernel.execute("1");
    assert_eq!(reply.content["execution_count"], 1);
}

#[test]
fn a_header_without_date_or_username_is_accepted() {
    let kernel = Kernel::start();
    let header = json!({
        "msg_id": "no-date", "session": kernel.session, "msg_type": "execute_request",
        "version": "5.3",
    });
    kernel.send_raw(&kernel.shell, &header, &json!({"code": "40 + 2"}));
    let reply = kernel.reply(&kernel.shell, "no-date");
    assert_eq!(reply.content["status"], "ok");
    // The parent header is the request's header, nothing added.
    assert_eq!(serde_json::Value::Object(reply.parent_header), header);
    let iopub = kernel.iopub_until_idle("no-date");
    assert_eq!(iopub[2].content["data"]["text/plain"], "42");
}

#[test]
fn an_unknown_message_type_is_dropped_without_a_reply() {
    let kernel = Kernel::start();
    kernel.send(&kernel.shell, "frobnicate_request", json!({}));
    let next = kernel.send(&kernel.shell, "kernel_info_request", json!({}));
    let reply = kernel.recv(&kernel.shell);
    assert_eq!(reply.parent_header["msg_id"], next.as_str());
}

/// Threads that keep every core busy while alive, so the kernel's threads wait their turn.
struct BusyNeighbour {
    stop: Arc<AtomicBool>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl BusyNeighbour {
    fn start() -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let threads = (0..2 * cores)
            .map(|_| {
                let stop = stop.clone();
                std::thread::spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        std::hint::spin_loop();
                    }
                })
            })
            .collect();
        Self { stop, threads }
    }
}

impl Drop for BusyNeighbour {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

#[test]
fn an_interrupt_right_after_execute_input_stops_that_cell_every_time() {
    let kernel = Kernel::start();
    kernel.execute("let n = 0;");
    let _load = BusyNeighbour::start();
    for attempt in 0..200 {
        let id = kernel.send(
            &kernel.shell,
            "execute_request",
            json!({"code": "loop { n += 1; }"}),
        );
        kernel.iopub_until_type(&id, "execute_input");
        let interrupt = kernel.send(&kernel.control, "interrupt_request", json!({}));
        assert_eq!(
            kernel.reply(&kernel.control, &interrupt).content["status"],
            "ok"
        );
        let reply = kernel.reply(&kernel.shell, &id);
        assert_eq!(reply.content["ename"], "Interrupted", "attempt {attempt}");
        kernel.iopub_until_idle(&id);
        if attempt % 20 == 0 {
            // An interrupt while idle is for no cell: the next one runs.
            let idle = kernel.send(&kernel.control, "interrupt_request", json!({}));
            kernel.reply(&kernel.control, &idle);
            let (reply, _) = kernel.execute("n > 0");
            assert_eq!(reply.content["status"], "ok", "attempt {attempt}");
        }
    }
}

#[cfg(target_os = "linux")]
mod orphans {
    use super::client::{connection_file, temp_dir, Kernel, KERNEL_BIN};
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    /// Whether a process has ended (gone, or a zombie waiting for its new parent to reap).
    fn ended(pid: u32) -> bool {
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Ok(stat) => stat
                .rsplit(')')
                .next()
                .unwrap_or("")
                .trim_start()
                .starts_with('Z'),
            Err(_) => true,
        }
    }

    #[test]
    fn the_kernel_exits_when_the_process_that_started_it_is_killed() {
        let dir = temp_dir();
        let (file, ports) = connection_file(&dir);
        // A parent that starts the kernel, says its pid, and waits.
        let mut parent = Command::new("sh")
            .arg("-c")
            .arg("\"$0\" --connection-file \"$1\" & echo $!; wait")
            .arg(KERNEL_BIN)
            .arg(&file)
            .env("XDG_DATA_HOME", &dir)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(parent.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let pid: u32 = line.trim().parse().unwrap();
        // Once the kernel answers, it watches its parent; then the parent dies.
        let mut kernel = Kernel::connect(parent, &dir, &ports);
        assert_eq!(kernel.execute("1").0.content["status"], "ok");
        kernel.child.kill().unwrap();
        kernel.child.wait().unwrap();

        let deadline = Instant::now() + Duration::from_secs(20);
        while !ended(pid) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        let orphaned = !ended(pid);
        if orphaned {
            let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
        }
        assert!(!orphaned, "the kernel outlived its parent");
    }
}
