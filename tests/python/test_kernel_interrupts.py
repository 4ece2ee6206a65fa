"""An `interrupt_request` on the control channel stops a long library call (samme, fit,
apply_lfs) in the `ladder` kernel: the execute reply is the same interrupt error as for a
plain Rhai loop, and the session keeps its variables."""
from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from jupyter_client.blocking.client import BlockingKernelClient
from jupyter_client.manager import start_new_kernel
from ladder_kernelspec import install_kernelspec

install_kernelspec()

MARKER = "cell started"
TIMEOUT = 60


@pytest.fixture(scope="module")
def kc() -> Iterator[BlockingKernelClient]:
    km, client = start_new_kernel(kernel_name="ladder")
    try:
        yield client
    finally:
        client.stop_channels()
        km.shutdown_kernel(now=True)


def iopub_until(kc: BlockingKernelClient, msg_id: str, done) -> list[dict]:
    """The iopub messages of request `msg_id` up to the first one for which `done` is true."""
    seen = []
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        msg = kc.get_iopub_msg(timeout=TIMEOUT)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        seen.append(msg)
        if done(msg):
            return seen
    raise AssertionError(f"no matching iopub message for {msg_id}; saw {seen}")


def is_idle(msg: dict) -> bool:
    return msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle"


def run(kc: BlockingKernelClient, code: str) -> dict:
    """Execute a cell to the end; its execute_reply content."""
    msg_id = kc.execute(code)
    reply = kc.get_shell_msg(timeout=TIMEOUT)
    assert reply["parent_header"]["msg_id"] == msg_id
    iopub_until(kc, msg_id, is_idle)
    return reply["content"]


def value(kc: BlockingKernelClient, code: str) -> str:
    """The text/plain result of a cell."""
    msg_id = kc.execute(code)
    reply = kc.get_shell_msg(timeout=TIMEOUT)
    assert reply["content"]["status"] == "ok", reply["content"]
    results = [
        m for m in iopub_until(kc, msg_id, is_idle) if m["msg_type"] == "execute_result"
    ]
    assert results, f"{code} gave no result"
    return results[-1]["content"]["data"]["text/plain"]


def interrupted(kc: BlockingKernelClient, call: str) -> dict:
    """Run a cell that prints a marker then runs `call`; once the marker arrives, send an
    interrupt_request on the control channel. Returns the cell's execute_reply content."""
    msg_id = kc.execute(f'print("{MARKER}");\n{call}')
    iopub_until(
        kc,
        msg_id,
        lambda m: m["msg_type"] == "stream" and MARKER in m["content"]["text"],
    )
    # Let the call get going inside the library before interrupting it.
    time.sleep(0.3)
    request = kc.session.msg("interrupt_request", {})
    kc.control_channel.send(request)
    answer = kc.control_channel.get_msg(timeout=TIMEOUT)
    assert answer["msg_type"] == "interrupt_reply"
    assert answer["content"]["status"] == "ok"
    reply = kc.get_shell_msg(timeout=TIMEOUT)
    assert reply["parent_header"]["msg_id"] == msg_id
    iopub_until(kc, msg_id, is_idle)
    return reply["content"]


@pytest.fixture(scope="module")
def interrupt_name(kc: BlockingKernelClient) -> str:
    """The ename of an interrupted plain Rhai loop (scripting's `Interrupted` kind)."""
    reply = interrupted(kc, "let s = 0; for i in 0..1000000000 { s += i; }")
    assert reply["status"] == "error"
    assert reply["ename"] == "Interrupted"
    return reply["ename"]


CALLS = {
    "samme": 'let m = samme(dataset("digits"), #{rounds: 100000});',
    "fit": 'fit(mlp([64, 32, 10]), dataset("digits"), #{epochs: 100000, progress: false});',
    "apply_lfs": (
        "let L = apply_lfs(rows, [|r| { let s = 0; for k in 0..20 { s += k; }"
        " if r % 2 == 0 { 1 } else { -1 } }]);"
    ),
}


@pytest.mark.parametrize("name", list(CALLS))
def test_an_interrupted_library_call_is_an_interrupt_and_keeps_variables(
    kc: BlockingKernelClient, interrupt_name: str, name: str
) -> None:
    assert run(kc, "let keep = 42;")["status"] == "ok"
    if name == "apply_lfs":
        assert run(kc, "let rows = []; for i in 0..300000 { rows.push(i); }")["status"] == "ok"
    reply = interrupted(kc, CALLS[name])
    assert reply["status"] == "error", reply
    assert reply["ename"] == interrupt_name, reply
    assert value(kc, "keep") == "42"
