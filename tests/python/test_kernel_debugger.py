"""JupyterLab's debugger on the `ladder` kernel, driven as ipykernel's tests/test_debugger.py
drives ipykernel: DAP requests in `debug_request` on the control channel, `debug_event`s on
iopub. Breakpoints are set on the file `dumpCell` names for a cell's code; a cell stops
there, shows its stack and variables, steps, and goes on; the variable explorer works
without stopping; an interrupt ends a stopped cell."""
from __future__ import annotations

import itertools
import time
from collections.abc import Iterator

import pytest
from jupyter_client.blocking.client import BlockingKernelClient
from jupyter_client.manager import KernelManager, start_new_kernel
from ladder_kernelspec import install_kernelspec

install_kernelspec()

TIMEOUT = 30
SEQ = itertools.count(1)


@pytest.fixture()
def kernel() -> Iterator[tuple[KernelManager, BlockingKernelClient]]:
    km, kc = start_new_kernel(kernel_name="ladder")
    try:
        yield km, kc
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


@pytest.fixture()
def kc(kernel) -> BlockingKernelClient:
    """A client attached to the kernel's debugger, as JupyterLab attaches."""
    client = kernel[1]
    init = debug(client, "initialize", {"clientID": "test", "adapterID": "", "pathFormat": "path",
                                        "linesStartAt1": True, "columnsStartAt1": True})
    assert init["success"], init
    assert debug(client, "attach")["success"]
    return client


def debug(kc: BlockingKernelClient, command: str, arguments: dict | None = None) -> dict:
    """Send one DAP request on control; the DAP response."""
    msg = kc.session.msg(
        "debug_request",
        {"type": "request", "seq": next(SEQ), "command": command, "arguments": arguments or {}},
    )
    kc.control_channel.send(msg)
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        reply = kc.control_channel.get_msg(timeout=TIMEOUT)
        if reply["parent_header"].get("msg_id") == msg["header"]["msg_id"]:
            assert reply["msg_type"] == "debug_reply"
            assert reply["content"]["command"] == command
            return reply["content"]
    raise AssertionError(f"no debug_reply to {command}")


def next_event(kc: BlockingKernelClient, name: str) -> dict:
    """The body of the next `debug_event` called `name` on iopub."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        msg = kc.get_iopub_msg(timeout=TIMEOUT)
        if msg["msg_type"] == "debug_event" and msg["content"]["event"] == name:
            return msg["content"]["body"]
    raise AssertionError(f"no {name} event")


def reply_to(kc: BlockingKernelClient, msg_id: str) -> dict:
    reply = kc.get_shell_msg(timeout=TIMEOUT)
    assert reply["parent_header"]["msg_id"] == msg_id
    return reply["content"]


def run(kc: BlockingKernelClient, code: str) -> dict:
    return reply_to(kc, kc.execute(code))


def break_at(kc: BlockingKernelClient, code: str, *lines: int) -> str:
    """Write the cell's file and set breakpoints on its lines; the file's path."""
    path = debug(kc, "dumpCell", {"code": code})["body"]["sourcePath"]
    with open(path, encoding="utf-8") as f:
        assert f.read() == code
    reply = debug(kc, "setBreakpoints", {"source": {"path": path},
                                         "breakpoints": [{"line": n} for n in lines],
                                         "sourceModified": False})
    assert [b["verified"] for b in reply["body"]["breakpoints"]] == [True] * len(lines)
    return path


def top_frame(kc: BlockingKernelClient) -> dict:
    return debug(kc, "stackTrace", {"threadId": 1})["body"]["stackFrames"][0]


def locals_of(kc: BlockingKernelClient, frame_id: int) -> dict[str, dict]:
    scopes = debug(kc, "scopes", {"frameId": frame_id})["body"]["scopes"]
    scope = next(s for s in scopes if s["name"] == "Locals")
    variables = debug(kc, "variables", {"variablesReference": scope["variablesReference"]})
    return {v["name"]: v for v in variables["body"]["variables"]}


def stopped_at(kc: BlockingKernelClient, reason: str) -> dict:
    body = next_event(kc, "stopped")
    assert body["reason"] == reason and body["threadId"] == 1
    return top_frame(kc)


def test_kernel_info_and_kernelspec_advertise_the_debugger(kernel):
    km, kc = kernel
    kc.kernel_info()
    info = kc.get_shell_msg(timeout=TIMEOUT)["content"]
    assert info["debugger"] is True
    assert "debugger" in info["supported_features"]
    assert km.kernel_spec.metadata["debugger"] is True


CELL = """fn add(a, b) {
    let c = a + b;
    let d = c * 2;
    d
}
let x = 10;
let y = add(x, 5);
let z = y + 1;
z"""


def test_stop_at_a_breakpoint_inspect_step_and_continue(kc):
    path = break_at(kc, CELL, 7)
    info = debug(kc, "debugInfo")["body"]
    assert info["hashMethod"] == "Murmur2" and info["tmpFileSuffix"] == ".rhai"
    assert path.startswith(info["tmpFilePrefix"])
    assert {"source": path, "breakpoints": [{"line": 7}]} in info["breakpoints"]
    assert debug(kc, "configurationDone")["success"]

    msg_id = kc.execute(CELL)
    frame = stopped_at(kc, "breakpoint")
    assert (frame["line"], frame["source"]["path"], frame["name"]) == (7, path, "<cell>")
    assert debug(kc, "debugInfo")["body"]["stoppedThreads"] == [1]
    x = locals_of(kc, frame["id"])["x"]
    assert (x["value"], x["type"]) == ("10", "int")
    evaluated = debug(kc, "evaluate", {"expression": "x * 2 + 1", "frameId": frame["id"]})
    assert evaluated["body"]["result"] == "21"

    assert debug(kc, "stepIn", {"threadId": 1})["success"]
    frame = stopped_at(kc, "step")
    assert (frame["line"], frame["name"]) == (2, "add")
    frames = debug(kc, "stackTrace", {"threadId": 1})["body"]["stackFrames"]
    assert [(f["name"], f["line"]) for f in frames] == [("add", 2), ("<cell>", 7)]
    args = locals_of(kc, frame["id"])
    assert (args["a"]["value"], args["b"]["value"]) == ("10", "5")

    debug(kc, "next", {"threadId": 1})
    frame = stopped_at(kc, "step")
    assert frame["line"] == 3
    assert locals_of(kc, frame["id"])["c"]["value"] == "15"

    debug(kc, "stepOut", {"threadId": 1})
    frame = stopped_at(kc, "step")
    assert (frame["line"], frame["name"]) == (8, "<cell>")
    assert locals_of(kc, frame["id"])["y"]["value"] == "30"

    assert debug(kc, "continue", {"threadId": 1})["body"]["allThreadsContinued"] is True
    next_event(kc, "continued")
    reply = reply_to(kc, msg_id)
    assert reply["status"] == "ok"
    assert debug(kc, "debugInfo")["body"]["stoppedThreads"] == []


def test_nested_values_show_by_reference_at_a_stop(kc):
    code = 'let m = #{name: "w2s", scores: [0.5, 0.75]};\nlet t = tensor([[1.0, 2.0], [3.0, 4.0]]);\nm'
    break_at(kc, code, 3)
    msg_id = kc.execute(code)
    frame = stopped_at(kc, "breakpoint")
    variables = locals_of(kc, frame["id"])
    assert variables["t"]["type"] == "Tensor" and variables["t"]["variablesReference"] == 0
    m = variables["m"]
    assert m["type"] == "map" and m["variablesReference"] > 0
    fields = debug(kc, "variables", {"variablesReference": m["variablesReference"]})
    fields = {v["name"]: v for v in fields["body"]["variables"]}
    assert fields["name"]["value"] == '"w2s"'
    scores = debug(kc, "variables", {"variablesReference": fields["scores"]["variablesReference"]})
    assert [(v["name"], v["value"], v["evaluateName"]) for v in scores["body"]["variables"]] == [
        ("0", "0.5", "m.scores[0]"), ("1", "0.75", "m.scores[1]")]
    rich = debug(kc, "richInspectVariables", {"variableName": "t", "frameId": frame["id"]})
    assert "text/plain" in rich["body"]["data"]
    debug(kc, "continue", {"threadId": 1})
    assert reply_to(kc, msg_id)["status"] == "ok"


def test_a_breakpoint_in_a_function_from_an_earlier_cell(kc):
    earlier = "fn triple(v) {\n    let t = v * 3;\n    t\n}"
    assert run(kc, earlier)["status"] == "ok"
    path = break_at(kc, earlier, 2)
    later = "let r = triple(4);\nr"
    later_path = debug(kc, "dumpCell", {"code": later})["body"]["sourcePath"]
    msg_id = kc.execute(later)
    stopped_at(kc, "breakpoint")
    frames = debug(kc, "stackTrace", {"threadId": 1})["body"]["stackFrames"]
    assert [(f["name"], f["line"], f["source"]["path"]) for f in frames] == [
        ("triple", 2, path), ("<cell>", 1, later_path)]
    assert locals_of(kc, frames[0]["id"])["v"]["value"] == "4"
    debug(kc, "continue", {"threadId": 1})
    assert reply_to(kc, msg_id)["status"] == "ok"
    # The same line number in another cell does not stop.
    assert run(kc, "let a = 1;\nlet b = 2;")["status"] == "ok"


def test_variable_explorer_without_stopping(kc):
    assert run(kc, 'let n = 42;\nlet xs = [1, 2, 3];\nlet text = "Hello the world";')["status"] == "ok"
    listed = debug(kc, "inspectVariables")["body"]["variables"]
    by_name = {v["name"]: v for v in listed}
    assert [v["name"] for v in listed] == ["n", "xs", "text"]
    assert (by_name["n"]["type"], by_name["n"]["value"]) == ("int", "42")
    assert by_name["xs"]["value"] == "[1, 2, 3]"
    items = debug(kc, "variables", {"variablesReference": by_name["xs"]["variablesReference"]})
    assert [v["value"] for v in items["body"]["variables"]] == ["1", "2", "3"]
    rich = debug(kc, "richInspectVariables", {"variableName": "text"})
    assert rich["body"]["data"]["text/plain"] == '"Hello the world"'
    # An expression the front end evaluates does not stop, even on a breakpoint's line.
    break_at(kc, 'let n = 42;\nlet xs = [1, 2, 3];\nlet text = "Hello the world";', 1)
    assert debug(kc, "evaluate", {"expression": "n * 2", "context": "repl"})["body"]["result"] == "84"
    # The explorer follows each cell.
    run(kc, "let n = 43;")
    listed = debug(kc, "inspectVariables")["body"]["variables"]
    assert {v["name"]: v["value"] for v in listed}["n"] == "43"


def test_interrupt_while_stopped_ends_the_cell(kernel, kc):
    km, _ = kernel
    code = "let before = 1;\nlet after = 2;"
    break_at(kc, code, 2)
    msg_id = kc.execute(code)
    stopped_at(kc, "breakpoint")
    km.interrupt_kernel()
    reply = reply_to(kc, msg_id)
    assert reply["status"] == "error" and "interrupt" in reply["evalue"]
    assert debug(kc, "debugInfo")["body"]["stoppedThreads"] == []
    # The session keeps what ran before the stop, and goes on.
    assert run(kc, "before + 1")["status"] == "ok"
    assert debug(kc, "disconnect", {"restart": False})["success"]
    assert run(kc, code)["status"] == "ok"


def test_shutdown_while_stopped_ends_the_kernel_and_tells_the_client(kernel, kc):
    km, _ = kernel
    code = "let a = 1;\nlet b = 2;"
    break_at(kc, code, 2)
    kc.execute(code)
    stopped_at(kc, "breakpoint")
    kc.shutdown(restart=True)
    assert next_event(kc, "terminated") == {}
    deadline = time.monotonic() + TIMEOUT
    while km.is_alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not km.is_alive()


def test_a_breakpoint_inside_a_closure_and_disconnect_while_stopped(kc):
    code = "let xs = [1, 2, 3].map(|v| {\n    let w = v * 10;\n    w\n});\nxs"
    path = break_at(kc, code, 2)
    msg_id = kc.execute(code)
    frame = stopped_at(kc, "breakpoint")
    assert (frame["line"], frame["source"]["path"]) == (2, path)
    assert locals_of(kc, frame["id"])["v"]["value"] == "1"
    # A client that goes away lets the cell run to its end, breakpoints forgotten.
    assert debug(kc, "disconnect", {"restart": False})["success"]
    next_event(kc, "continued")
    reply = reply_to(kc, msg_id)
    assert reply["status"] == "ok"
