//! The kernel answers each request type as the messaging spec (and ipykernel) does.

mod client;

use client::{stream_text, types, Kernel};
use serde_json::json;
use std::time::Duration;

#[test]
fn heartbeat_echoes_the_exact_bytes() {
    let kernel = Kernel::start();
    kernel.heartbeat.send(&b"ping \x00\xff"[..], 0).unwrap();
    assert!(kernel.heartbeat.poll(zmq::POLLIN, 5000).unwrap() > 0);
    assert_eq!(kernel.heartbeat.recv_bytes(0).unwrap(), b"ping \x00\xff");
}

#[test]
fn kernel_info_describes_rhai_between_busy_and_idle() {
    let kernel = Kernel::start();
    let id = kernel.send(&kernel.shell, "kernel_info_request", json!({}));
    let reply = kernel.reply(&kernel.shell, &id);
    assert_eq!(reply.header.msg_type, "kernel_info_reply");
    assert_eq!(reply.parent_header["msg_id"], id.as_str());
    let info = &reply.content;
    assert_eq!(info["status"], "ok");
    assert_eq!(info["protocol_version"], "5.4");
    assert_eq!(info["language_info"]["name"], "rhai");
    assert_eq!(info["language_info"]["file_extension"], ".rhai");
    assert!(info["help_links"].as_array().is_some_and(|l| !l.is_empty()));
    let iopub = kernel.iopub_until_idle(&id);
    assert_eq!(types(&iopub), ["status", "status"]);
    assert_eq!(iopub[0].content["execution_state"], "busy");
}

#[test]
fn execute_publishes_input_then_result_and_counts_stored_cells_only() {
    let kernel = Kernel::start();
    let (reply, iopub) = kernel.execute("let x = 40; x + 2");
    assert_eq!(reply.content["status"], "ok");
    assert_eq!(reply.content["execution_count"], 1);
    assert_eq!(
        types(&iopub),
        ["status", "execute_input", "execute_result", "status"]
    );
    assert_eq!(iopub[1].content["code"], "let x = 40; x + 2");
    assert_eq!(iopub[2].content["data"]["text/plain"], "42");
    assert_eq!(iopub[2].content["execution_count"], 1);

    // store_history=false runs the cell without counting it.
    let (reply, iopub) = kernel.execute_with(json!({"code": "x * 2", "store_history": false}));
    assert_eq!(reply.content["execution_count"], 1);
    assert_eq!(iopub[2].content["data"]["text/plain"], "80");
    // silent: no execute_input, no result, not counted; state still changes.
    let (_, iopub) = kernel.execute_with(json!({"code": "x = 7; x", "silent": true}));
    assert_eq!(types(&iopub), ["status", "status"]);
    let (reply, iopub) = kernel.execute("x");
    assert_eq!(reply.content["execution_count"], 2);
    assert_eq!(iopub[2].content["data"]["text/plain"], "7");
}

#[test]
fn streams_displays_and_clear_output_arrive_in_order() {
    let kernel = Kernel::start();
    let code = "print(\"hello, world\");\neprint(\"careful\");\ndisplay(1, \"d\");\n\
                update_display(2, \"d\");\nclear_output(true);\nprint(\"after\");";
    let (reply, iopub) = kernel.execute(code);
    assert_eq!(reply.content["status"], "ok");
    assert_eq!(
        types(&iopub),
        [
            "status",
            "execute_input",
            "stream",
            "stream",
            "display_data",
            "update_display_data",
            "clear_output",
            "stream",
            "status"
        ]
    );
    assert_eq!(stream_text(&iopub, "stdout"), "hello, world\nafter\n");
    assert_eq!(stream_text(&iopub, "stderr"), "careful\n");
    assert_eq!(iopub[4].content["transient"]["display_id"], "d");
    assert_eq!(iopub[5].content["data"]["text/plain"], "2");
    assert_eq!(iopub[6].content["wait"], true);
    // Every iopub message of the cell names the request as its parent.
    assert!(iopub
        .iter()
        .all(|m| m.parent_header["msg_id"] == reply.parent_header["msg_id"]));
}

#[test]
fn errors_publish_a_traceback_pointing_at_the_line() {
    let kernel = Kernel::start();
    let (reply, iopub) = kernel.execute("let a = 1;\nlet b = a + missing;");
    assert_eq!(reply.content["status"], "error");
    assert_eq!(
        types(&iopub),
        ["status", "execute_input", "error", "status"]
    );
    let error = &iopub[2].content;
    assert_eq!(error["ename"], reply.content["ename"]);
    assert!(error["evalue"].as_str().unwrap().contains("missing"));
    let traceback = error["traceback"].as_array().unwrap();
    let text: Vec<&str> = traceback.iter().map(|l| l.as_str().unwrap()).collect();
    assert!(
        text.iter().any(|l| l.contains("let b = a + missing;")),
        "{text:?}"
    );
    assert!(text.iter().any(|l| l.contains(":2")), "{text:?}");
}

#[test]
fn completion_cursors_count_code_points_not_bytes() {
    let kernel = Kernel::start();
    kernel.execute("let value = 1; let velocity = 2;");
    // 'é' is two bytes in UTF-8, '𝕏' four bytes and two UTF-16 units: one code point each.
    let code = "let s = \"é𝕏\"; val";
    let cursor = code.chars().count();
    let reply = kernel.request(
        "complete_request",
        json!({"code": code, "cursor_pos": cursor}),
    );
    assert_eq!(reply.content["status"], "ok");
    let matches = reply.content["matches"].as_array().unwrap();
    assert!(matches.contains(&json!("value")), "{matches:?}");
    assert!(!matches.contains(&json!("velocity")), "{matches:?}");
    let types = reply.content["metadata"]["_jupyter_types_experimental"]
        .as_array()
        .unwrap();
    assert_eq!(types.len(), matches.len());
    let value = types.iter().find(|t| t["text"] == "value").unwrap();
    assert_eq!(value["type"], "variable");
    assert_eq!(value["start"], cursor - 3);
    assert_eq!(reply.content["cursor_end"], cursor);
    assert_eq!(reply.content["cursor_start"], cursor - 3);
}

#[test]
fn is_complete_inspect_and_comms() {
    let kernel = Kernel::start();
    let check = |code: &str| {
        let reply = kernel.request("is_complete_request", json!({"code": code}));
        reply.content["status"].as_str().unwrap().to_string()
    };
    assert_eq!(check("let a = 1;"), "complete");
    assert_eq!(check("fn f(x) {"), "incomplete");
    assert_eq!(check("let = ;"), "invalid");

    kernel.execute("let weights = [1, 2];");
    let reply = kernel.request(
        "inspect_request",
        json!({"code": "weights", "cursor_pos": 3}),
    );
    assert_eq!(reply.content["found"], true);
    assert!(reply.content["data"]["text/plain"]
        .as_str()
        .unwrap()
        .contains("weights"));

    let reply = kernel.request("comm_info_request", json!({}));
    assert_eq!(reply.content["comms"], json!({}));
    let id = kernel.send(
        &kernel.shell,
        "comm_open",
        json!({"comm_id": "c1", "target_name": "jupyter.widget", "data": {}}),
    );
    let iopub = kernel.iopub_until_idle(&id);
    assert_eq!(types(&iopub), ["status", "comm_close", "status"]);
    assert_eq!(iopub[1].content["comm_id"], "c1");
}

#[test]
fn help_queries_open_the_pager() {
    let kernel = Kernel::start();
    kernel.execute("let ratio = 0.5;");
    let (reply, _) = kernel.execute("?ratio");
    let payload = reply.content["payload"].as_array().unwrap();
    assert_eq!(payload.len(), 1);
    assert_eq!(payload[0]["source"], "page");
    assert!(payload[0]["data"]["text/plain"]
        .as_str()
        .unwrap()
        .contains("ratio"));
}

#[test]
fn user_expressions_are_evaluated_after_the_cell_as_the_spec_shapes_them() {
    let kernel = Kernel::start();
    let (reply, _) = kernel.execute_with(json!({
        "code": "let x = 20;",
        "user_expressions": {"double": "x * 2", "missing": "nope"},
    }));
    assert_eq!(reply.content["status"], "ok");
    let values = &reply.content["user_expressions"];
    assert_eq!(values["double"]["status"], "ok");
    assert_eq!(values["double"]["data"]["text/plain"], "40");
    assert_eq!(values["missing"]["status"], "error");
    assert_eq!(values["missing"]["ename"], "VariableNotFound");
    assert!(values["missing"]["traceback"].is_array());
}

#[test]
fn messages_with_a_bad_signature_are_dropped_and_the_kernel_lives_on() {
    let mut kernel = Kernel::start();
    let good = kernel.signer.clone();
    kernel.signer = ladder_kernel::wire::Signer::new(b"not the key");
    kernel.send(
        &kernel.shell,
        "execute_request",
        json!({"code": "print(\"pwned\")"}),
    );
    kernel.signer = good;
    assert!(kernel
        .try_recv(&kernel.shell, Duration::from_millis(500))
        .is_none());
    // Garbage frames are dropped too.
    kernel.shell.send_multipart([&b"junk"[..]], 0).unwrap();
    let reply = kernel.request("kernel_info_request", json!({}));
    assert_eq!(reply.content["status"], "ok");
    // The forged cell never ran: the first stored cell is number 1.
    let (reply, _) = kernel.execute("1");
    assert_eq!(reply.content["execution_count"], 1);
}
