//! Bad input gets a clear error and loses nothing: odd requests are answered, the session
//! keeps its variables, and errors name the cell as the front end numbers it.

mod client;

use client::Kernel;
use serde_json::json;

#[test]
fn an_inspect_request_at_a_bare_path_separator_is_answered_and_the_session_lives() {
    let kernel = Kernel::start();
    kernel.execute("let b = 1;");
    for cursor in [3, 2] {
        let reply = kernel.request(
            "inspect_request",
            json!({"code": "::b", "cursor_pos": cursor, "detail_level": 0}),
        );
        assert_eq!(reply.content["status"], "ok", "{:?}", reply.content);
        assert_eq!(reply.content["found"], false);
    }
    let (reply, iopub) = kernel.execute("b");
    assert_eq!(reply.content["status"], "ok", "{:?}", reply.content);
    assert_eq!(iopub[2].content["data"]["text/plain"], "1");
}

/// The `cell[N]` an error names, from its traceback's first line.
fn cell_named(reply: &ladder_kernel::wire::Message) -> String {
    let first = reply.content["traceback"][0].as_str().unwrap_or_default();
    let start = first.find("cell[").expect("a cell is named");
    let end = start + first[start..].find(']').unwrap();
    first[start..=end].to_string()
}

#[test]
fn errors_name_the_cell_by_its_execution_count() {
    let kernel = Kernel::start();
    kernel.execute("let a = 1;");
    // Requests that run code without a new execution count: user expressions, a silent
    // cell, one kept out of the history, and a help query.
    kernel.execute_with(json!({
        "code": "a",
        "user_expressions": {"x": "a + 1", "y": "nope"},
    }));
    kernel.execute_with(json!({"code": "a", "silent": true}));
    kernel.execute_with(json!({"code": "a", "store_history": false}));
    kernel.execute("?print");
    let (reply, _) = kernel.execute("let b = 2;\nb + nope");
    assert_eq!(reply.content["status"], "error");
    let count = reply.content["execution_count"].as_u64().unwrap();
    assert_eq!(count, 4);
    assert_eq!(cell_named(&reply), format!("cell[{count}]"));
}

#[test]
fn a_user_expression_that_is_not_a_string_is_an_error_naming_it() {
    let kernel = Kernel::start();
    let (reply, _) = kernel.execute_with(json!({
        "code": "let a = 1;",
        "user_expressions": {"number": 5, "fine": "a"},
    }));
    let expressions = &reply.content["user_expressions"];
    assert_eq!(expressions["fine"]["status"], "ok");
    let number = &expressions["number"];
    assert_eq!(number["status"], "error", "{number}");
    let evalue = number["evalue"].as_str().unwrap();
    assert!(evalue.contains("string"), "{evalue}");
}

#[test]
fn requests_on_the_control_channel_are_answered_as_on_shell() {
    // The spec: control is "identical to Shell" on its own socket; ipykernel serves every
    // shell request there too. A request dropped without a reply leaves its client waiting.
    let kernel = Kernel::start();
    kernel.execute("let counter_value = 1;");
    let ask = |msg_type: &str, content| {
        let id = kernel.send(&kernel.control, msg_type, content);
        let reply = kernel.reply(&kernel.control, &id);
        kernel.iopub_until_idle(&id);
        reply
    };
    let reply = ask("is_complete_request", json!({"code": "if true {"}));
    assert_eq!(reply.header.msg_type, "is_complete_reply");
    assert_eq!(reply.content["status"], "incomplete");
    let reply = ask(
        "complete_request",
        json!({"code": "counter_v", "cursor_pos": 9}),
    );
    assert_eq!(reply.header.msg_type, "complete_reply");
    assert_eq!(reply.content["matches"], json!(["counter_value"]));
    let reply = ask(
        "history_request",
        json!({"hist_access_type": "tail", "n": 1}),
    );
    assert_eq!(reply.header.msg_type, "history_reply");
    assert_eq!(reply.content["history"].as_array().unwrap().len(), 1);
    let reply = ask("comm_info_request", json!({}));
    assert_eq!(reply.header.msg_type, "comm_info_reply");
}

#[test]
fn a_session_request_on_control_while_a_cell_runs_is_refused_not_lost() {
    let kernel = Kernel::start();
    kernel.execute("let n = 0;");
    let cell = kernel.send(
        &kernel.shell,
        "execute_request",
        json!({"code": "loop { n += 1; }"}),
    );
    kernel.iopub_until_type(&cell, "execute_input");
    let id = kernel.send(
        &kernel.control,
        "complete_request",
        json!({"code": "n", "cursor_pos": 1}),
    );
    let reply = kernel.reply(&kernel.control, &id);
    assert_eq!(reply.header.msg_type, "complete_reply");
    assert_eq!(reply.content["status"], "error");
    assert_eq!(reply.content["ename"], "KernelBusy");
    let evalue = reply.content["evalue"].as_str().unwrap();
    assert!(evalue.contains("shell"), "{evalue}");
    // The running cell goes on until interrupted, and keeps its variables.
    let interrupt = kernel.send(&kernel.control, "interrupt_request", json!({}));
    kernel.reply(&kernel.control, &interrupt);
    let reply = kernel.reply(&kernel.shell, &cell);
    assert_eq!(reply.content["ename"], "Interrupted");
    kernel.iopub_until_idle(&cell);
    let (reply, iopub) = kernel.execute("n > 0");
    assert_eq!(reply.content["status"], "ok");
    assert_eq!(iopub[2].content["data"]["text/plain"], "true");
}
