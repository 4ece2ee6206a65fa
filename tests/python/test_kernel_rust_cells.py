"""`%%rust` cells in the `ladder` kernel (README, "Rust cells"), driven through jupyter_client:
output and results, Rust state across cells, compile errors on the cell's lines, panics and
interrupts that leave both sessions usable, values and tensors both ways, a Rust function
called from Rhai's apply_lfs, completion and is_complete.

They need a `ladder` built with the `rust-cells` feature (tests/run.sh builds one and sets
LADDER_EXPECT_RUST_CELLS so they cannot skip there) and rustc/cargo on PATH."""
from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest
from jupyter_client.blocking.client import BlockingKernelClient
from kernel_client import TIMEOUT, execute, iopub_until, kernel_client
from ladder_kernelspec import install_kernelspec

install_kernelspec()

# The first Rust cell starts evcxr and compiles the bridge crate (once per machine, then
# evcxr's cache has it); a loaded 2-core machine can take minutes.
FIRST_CELL_TIMEOUT = 600


@pytest.fixture(scope="module")
def kc() -> Iterator[BlockingKernelClient]:
    for client in kernel_client():
        reply, iopub = execute(client, "%%rust\nlet started = 1;", timeout=FIRST_CELL_TIMEOUT)
        if reply["status"] != "ok" and reply["ename"] == "UnknownCellLanguage":
            if os.environ.get("LADDER_EXPECT_RUST_CELLS"):
                pytest.fail("this ladder has no Rust cells, but LADDER_EXPECT_RUST_CELLS is set")
            pytest.skip("this ladder was built without the rust-cells feature")
        assert reply["status"] == "ok", (reply, iopub)
        yield client


def of_type(messages: list[dict], msg_type: str) -> list[dict]:
    return [m for m in messages if m["msg_type"] == msg_type]


def ok(kc: BlockingKernelClient, code: str) -> list[dict]:
    reply, iopub = execute(kc, code, timeout=120)
    assert reply["status"] == "ok", (reply, iopub)
    return iopub


def result(kc: BlockingKernelClient, code: str) -> str:
    [shown] = of_type(ok(kc, code), "execute_result")
    return shown["content"]["data"]["text/plain"]


def stdout(iopub: list[dict]) -> str:
    return "".join(
        m["content"]["text"] for m in of_type(iopub, "stream") if m["content"]["name"] == "stdout"
    )


def failed(kc: BlockingKernelClient, code: str) -> tuple[dict, list[dict]]:
    reply, iopub = execute(kc, code, timeout=120)
    assert reply["status"] == "error", (reply, iopub)
    [error] = of_type(iopub, "error")
    assert error["content"]["ename"] == reply["ename"]
    return reply, iopub


def test_a_rust_cell_prints_and_returns_a_value(kc):
    iopub = ok(kc, '%%rust\nprintln!("hello from Rust");\nlet x: i64 = 40;\nx + 2')
    assert stdout(iopub) == "hello from Rust\n"
    [shown] = of_type(iopub, "execute_result")
    assert shown["content"]["data"]["text/plain"] == "42"


def test_a_later_rust_cell_sees_the_earlier_ones_variables(kc):
    ok(kc, "%%rust\nlet base: i64 = 20;")
    assert result(kc, "%%rust\nbase * 3") == "60"


def test_a_compile_error_names_the_cells_line(kc):
    reply, _ = failed(kc, '%%rust\nlet a = 1;\nlet b: i32 = "text";')
    assert reply["ename"] == "RustCompileError"
    assert "mismatched types" in reply["evalue"]
    traceback = "\n".join(reply["traceback"])
    assert "line 3" in traceback, traceback
    assert 'let b: i32 = "text";' in traceback and "^" in traceback, traceback


def test_a_panic_is_an_error_and_both_sessions_go_on(kc):
    ok(kc, "let kept = 7;")
    ok(kc, "%%rust\nlet survivor: i64 = 5;")
    reply, _ = failed(kc, '%%rust\nlet v: Vec<i64> = Vec::new();\nif v.is_empty() { panic!("no rows given"); }')
    assert reply["ename"] == "RustPanic"
    assert "no rows given" in reply["evalue"]
    assert result(kc, "%%rust\nsurvivor + 1") == "6"
    assert result(kc, "kept") == "7"


def test_an_endless_rust_loop_is_interrupted_and_rhai_keeps_its_variables(kc):
    ok(kc, "let before = 11;")
    msg_id = kc.execute("%%rust\nlet mut n: u64 = 0;\nloop { n = n.wrapping_add(1); std::hint::black_box(n); }")
    # Let it compile and start spinning before interrupting.
    time.sleep(8)
    request = kc.session.msg("interrupt_request", {})
    kc.control_channel.send(request)
    answer = kc.control_channel.get_msg(timeout=TIMEOUT)
    assert answer["msg_type"] == "interrupt_reply"
    reply = kc.get_shell_msg(timeout=120)
    assert reply["parent_header"]["msg_id"] == msg_id
    iopub_until(kc, msg_id, timeout=120)
    assert reply["content"]["status"] == "error"
    assert "interrupt" in reply["content"]["evalue"].lower(), reply["content"]
    assert result(kc, "before") == "11"
    # The Rust side starts again.
    assert result(kc, "%%rust\n2 + 2") == "4"


def test_a_rhai_array_and_tensor_reach_rust_and_results_come_back(kc):
    ok(kc, 'rust_set("weights", [0.5, 1.5, 2.0]); rust_set("m", tensor([[1.0, 2.0], [3.0, 4.0]]));')
    ok(
        kc,
        "%%rust\n"
        "let total: f64 = weights.iter().sum();\n"
        'ladder_bridge::set("total", total);\n'
        "let doubled = ladder_bridge::Tensor::new(m.shape.clone(), m.data.iter().map(|v| v * 2.0).collect());\n"
        'ladder_bridge::set("doubled", doubled);',
    )
    assert result(kc, 'rust_get("total")') == "4.0"
    assert result(kc, 'rust_get("doubled").to_array()') == "[[2.0, 4.0], [6.0, 8.0]]"


def test_a_rust_function_labels_100000_rows_from_apply_lfs(kc):
    ok(
        kc,
        "%%rust\n"
        "fn keyword_votes(texts: Vec<String>) -> Vec<i64> {\n"
        '    texts.iter().map(|t| if t.contains("great") { 1 } else if t.contains("awful") { 0 } else { -1 }).collect()\n'
        "}\n"
        'ladder_bridge::register("keyword_votes", keyword_votes);',
    )
    ok(
        kc,
        'let words = ["a great film", "awful", "fine", "great fun"];\n'
        "let rows = []; for i in 0..100000 { rows.push(#{text: words[i % 4]}); }\n"
        'let L = apply_lfs(rows, [lf_column("text", Fn("keyword_votes")), '
        '|r| if r.text.contains("great") { 1 } else if r.text.contains("awful") { 0 } else { -1 }]);',
    )
    assert result(kc, "L.to_array()[0]") == "[1, 1]"
    assert result(kc, "L.to_array()[1]") == "[0, 0]"
    assert result(kc, "L.to_array()[99998]") == "[-1, -1]"
    assert result(kc, "L.rows") == "100000"


def test_registered_functions_take_and_give_every_kind_of_value(kc):
    # Arrays of one kind cross as columns, other values as JSON: each way must reach the
    # function's parameter types.
    ok(
        kc,
        "%%rust\n"
        "fn scaled(xs: Vec<f64>, k: f64) -> Vec<f64> { xs.iter().map(|x| x * k).collect() }\n"
        "fn shout(xs: Vec<String>) -> Vec<String> { xs.iter().map(|s| s.to_uppercase()).collect() }\n"
        "fn tensor_sum(t: ladder_bridge::Tensor) -> f32 { t.data.iter().sum() }\n"
        "fn width(m: std::collections::HashMap<String, i64>) -> i64 { m[\"w\"] }\n"
        'ladder_bridge::register("scaled", scaled);\n'
        'ladder_bridge::register("shout", shout);\n'
        'ladder_bridge::register("tensor_sum", tensor_sum);\n'
        'ladder_bridge::register("width", width);',
    )
    assert result(kc, "scaled([1, 2, 3], 0.5)") == "[0.5, 1.0, 1.5]"
    assert result(kc, "scaled([1.0, 2.5], 2.0)") == "[2.0, 5.0]"
    assert result(kc, "scaled([], 2.0)") == "[]"
    assert result(kc, 'shout(["a", "é"])') == '["A", "É"]'
    assert result(kc, "tensor_sum(tensor([[1.0, 2.0]]))") == "3.0"
    assert result(kc, "width(#{w: 4})") == "4"
    reply, _ = failed(kc, 'scaled(["x"], 1.0)')
    assert "argument 1: item 0: expected a number, got a string" in reply["evalue"], reply


def test_completion_and_is_complete_come_from_rust(kc):
    code = "%%rust\nlet items: Vec<i64> = vec![3, 1, 2];\nitems.le"
    msg_id = kc.complete(code, len(code))
    reply = kc.get_shell_msg(timeout=120)
    assert reply["parent_header"]["msg_id"] == msg_id
    assert "len" in reply["content"]["matches"], reply["content"]
    assert reply["content"]["cursor_end"] == len(code)

    for text, status in [("%%rust\nfn f() {", "incomplete"), ("%%rust\nlet x = 1;", "complete"), ("%%rust\nlet = ;\nx", "invalid")]:
        msg_id = kc.is_complete(text)
        reply = kc.get_shell_msg(timeout=TIMEOUT)
        assert reply["content"]["status"] == status, (text, reply["content"])
