//! Control flow across requests: stdin prompts, interrupts, aborting the queue, large
//! output, shutdown and restart with history kept.

mod client;

use client::{stream_text, types, Kernel};
use serde_json::json;
use std::time::{Duration, Instant};

#[test]
fn input_prompts_over_stdin_while_the_heartbeat_keeps_answering() {
    let kernel = Kernel::start();
    let id = kernel.send(
        &kernel.shell,
        "execute_request",
        json!({"code": "let name = input(\"Name: \");\nprint(`hi ${name}`);", "allow_stdin": true}),
    );
    let request = kernel.recv(&kernel.stdin);
    assert_eq!(request.header.msg_type, "input_request");
    assert_eq!(request.content["prompt"], "Name: ");
    assert_eq!(request.content["password"], false);
    assert_eq!(request.parent_header["msg_id"], id.as_str());

    // The cell is blocked on input; the heartbeat must still answer.
    kernel.heartbeat.send(&b"beat"[..], 0).unwrap();
    assert!(kernel.heartbeat.poll(zmq::POLLIN, 2000).unwrap() > 0);
    assert_eq!(kernel.heartbeat.recv_bytes(0).unwrap(), b"beat");

    kernel.send(&kernel.stdin, "input_reply", json!({"value": "Ada"}));
    let reply = kernel.reply(&kernel.shell, &id);
    assert_eq!(reply.content["status"], "ok");
    assert_eq!(
        stream_text(&kernel.iopub_until_idle(&id), "stdout"),
        "hi Ada\n"
    );
}

#[test]
fn an_interrupt_cancels_a_waiting_prompt() {
    let kernel = Kernel::start();
    let code = "let before = 1;\nlet answer = input(\"> \");";
    let id = kernel.send(
        &kernel.shell,
        "execute_request",
        json!({"code": code, "allow_stdin": true}),
    );
    assert_eq!(kernel.recv(&kernel.stdin).header.msg_type, "input_request");
    let interrupt = kernel.send(&kernel.control, "interrupt_request", json!({}));
    assert_eq!(
        kernel.reply(&kernel.control, &interrupt).content["status"],
        "ok"
    );
    let reply = kernel.reply(&kernel.shell, &id);
    assert_eq!(reply.content["ename"], "Interrupted");
    kernel.iopub_until_idle(&id);
    let (reply, _) = kernel.execute("before");
    assert_eq!(reply.content["status"], "ok");
}

#[test]
fn input_without_allow_stdin_is_an_error_not_a_hang() {
    let kernel = Kernel::start();
    let (reply, _) = kernel.execute_with(json!({"code": "input(\"? \")", "allow_stdin": false}));
    assert_eq!(reply.content["status"], "error");
    assert!(reply.content["evalue"].as_str().unwrap().contains("input"));
}

#[test]
fn interrupting_an_infinite_loop_keeps_the_variables() {
    let kernel = Kernel::start();
    kernel.execute("let kept = 5;");
    let id = kernel.send(
        &kernel.shell,
        "execute_request",
        json!({"code": "let n = 0; loop { n += 1; }"}),
    );
    // Wait until the loop is surely running.
    let busy = kernel.iopub_until_type(&id, "execute_input");
    assert_eq!(busy.content["code"], "let n = 0; loop { n += 1; }");
    std::thread::sleep(Duration::from_millis(200));

    let sent = Instant::now();
    let interrupt = kernel.send(&kernel.control, "interrupt_request", json!({}));
    let control_reply = kernel.reply(&kernel.control, &interrupt);
    assert_eq!(control_reply.content["status"], "ok");
    let reply = kernel.reply(&kernel.shell, &id);
    let latency = sent.elapsed();
    eprintln!("interrupt_request -> execute_reply: {latency:?}");
    assert_eq!(reply.content["status"], "error");
    assert_eq!(reply.content["ename"], "Interrupted");
    // As with any failed cell, the next one is sent once this one is idle.
    kernel.iopub_until_idle(&id);

    let (reply, iopub) = kernel.execute("kept + 1");
    assert_eq!(reply.content["status"], "ok");
    assert_eq!(iopub[2].content["data"]["text/plain"], "6");
}

#[test]
fn sigint_interrupts_the_running_cell() {
    let kernel = Kernel::start();
    let id = kernel.send(&kernel.shell, "execute_request", json!({"code": "loop {}"}));
    kernel.iopub_until_type(&id, "execute_input");
    std::thread::sleep(Duration::from_millis(200));
    let status = std::process::Command::new("kill")
        .args(["-INT", &kernel.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let reply = kernel.reply(&kernel.shell, &id);
    assert_eq!(reply.content["ename"], "Interrupted");
    kernel.iopub_until_idle(&id);
    let (reply, _) = kernel.execute("1 + 1");
    assert_eq!(reply.content["status"], "ok");
}

#[test]
fn an_error_aborts_the_queued_cells_unless_stop_on_error_is_false() {
    let kernel = Kernel::start();
    let failing = "let i = 0; while i < 300000 { i += 1; }\nthrow \"stop here\";";
    let first = kernel.send(&kernel.shell, "execute_request", json!({"code": failing}));
    let queued = kernel.send(
        &kernel.shell,
        "execute_request",
        json!({"code": "let after = 1;"}),
    );
    assert_eq!(
        kernel.reply(&kernel.shell, &first).content["status"],
        "error"
    );
    let aborted = kernel.reply(&kernel.shell, &queued);
    assert_eq!(aborted.content["status"], "aborted");
    assert_eq!(aborted.header.msg_type, "execute_reply");
    // Aborted requests still get busy/idle, and nothing else.
    assert_eq!(
        types(&kernel.iopub_until_idle(&queued)),
        ["status", "status"]
    );
    let (reply, _) = kernel.execute("after");
    assert_eq!(
        reply.content["status"], "error",
        "the queued cell never ran"
    );

    let first = kernel.send(
        &kernel.shell,
        "execute_request",
        json!({"code": failing, "stop_on_error": false}),
    );
    let queued = kernel.send(
        &kernel.shell,
        "execute_request",
        json!({"code": "let after = 2;"}),
    );
    assert_eq!(
        kernel.reply(&kernel.shell, &first).content["status"],
        "error"
    );
    assert_eq!(kernel.reply(&kernel.shell, &queued).content["status"], "ok");
}

#[test]
fn ten_thousand_printed_lines_all_arrive_in_order_in_few_messages() {
    let kernel = Kernel::start();
    let (reply, iopub) = kernel.execute("for i in 0..10000 { print(i); }");
    assert_eq!(reply.content["status"], "ok");
    let text = stream_text(&iopub, "stdout");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 10000);
    assert!(lines.iter().enumerate().all(|(i, l)| *l == i.to_string()));
    let messages = iopub
        .iter()
        .filter(|m| m.header.msg_type == "stream")
        .count();
    assert!(
        messages < 100,
        "{messages} stream messages for 10,000 prints"
    );
}

#[test]
fn shutdown_with_restart_then_history_continues_in_a_new_session() {
    let dir = client::temp_dir();
    let mut kernel = Kernel::start_in(&dir);
    kernel.execute("let first = 1;");
    kernel.execute("first + 1");
    let id = kernel.send(
        &kernel.control,
        "shutdown_request",
        json!({"restart": true}),
    );
    let reply = kernel.reply(&kernel.control, &id);
    assert_eq!(reply.content, json!({"status": "ok", "restart": true}));
    let iopub = kernel.iopub_until_idle(&id);
    assert!(types(&iopub).contains(&"shutdown_reply"));
    assert!(kernel.wait_exit().success());
    drop(kernel);

    let kernel = Kernel::start_in(&dir);
    kernel.execute("let second = 2;");
    let reply = kernel.request(
        "history_request",
        json!({"hist_access_type": "tail", "n": 3, "output": true, "raw": true}),
    );
    let history = reply.content["history"].as_array().unwrap().clone();
    assert_eq!(history.len(), 3);
    assert_eq!(history[0], json!([1, 1, ["let first = 1;", null]]));
    assert_eq!(history[1], json!([1, 2, ["first + 1", "2"]]));
    assert_eq!(history[2], json!([2, 1, ["let second = 2;", null]]));

    let range = |session: i64| {
        let reply = kernel.request(
            "history_request",
            json!({"hist_access_type": "range", "session": session, "start": 1, "stop": 2,
                   "output": false, "raw": true}),
        );
        reply.content["history"].clone()
    };
    assert_eq!(range(-1), json!([[1, 1, "let first = 1;"]]));
    assert_eq!(range(0), json!([[2, 1, "let second = 2;"]]));
    let reply = kernel.request(
        "history_request",
        json!({"hist_access_type": "search", "pattern": "let *", "unique": true,
               "output": false, "raw": true}),
    );
    assert_eq!(reply.content["history"].as_array().unwrap().len(), 2);
}
