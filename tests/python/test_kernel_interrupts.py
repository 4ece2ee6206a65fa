"""An `interrupt_request` on the control channel stops every long-running library call (fit,
samme, samme_cv, weak_to_strong, distill, distill_chain, bootstrap_chain, dawid_skene, embed,
apply_lfs) in the `ladder` kernel: the execute reply is the same interrupt error as for a
plain Rhai loop, and the session keeps its variables."""
from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from jupyter_client.blocking.client import BlockingKernelClient
from kernel_client import TIMEOUT, is_idle, iopub_until, kernel_client
from ladder_kernelspec import install_kernelspec

install_kernelspec()

MARKER = "cell started"


@pytest.fixture(scope="module")
def kc() -> Iterator[BlockingKernelClient]:
    yield from kernel_client()


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


EMBED_TEXTS = (
    "let texts = []; for i in 0..20000 { texts.push(`A man is eating a piece of bread, number ${i}`); }"
)

# Every long-running library call: (set-up cell, the call that gets interrupted).
CALLS = {
    "samme": ("", 'let m = samme(dataset("digits"), #{rounds: 100000});'),
    "samme_cv": ("", 'samme_cv(dataset("digits"), #{rounds: 100000});'),
    "fit": ("", 'fit(mlp([64, 32, 10]), dataset("digits"), #{epochs: 100000, progress: false});'),
    "weak_to_strong": (
        "",
        'weak_to_strong(dataset("digits"), #{weak: #{kind: "logistic", epochs: 100000},'
        " strong: #{hidden: [32], epochs: 100000}});",
    ),
    "distill": (
        'let d = dataset("digits"); let t = mlp([64, 10]);',
        "distill(t, #{hidden: [16], epochs: 100000}, d, #{test: d});",
    ),
    "distill_chain": (
        'let d = dataset("digits"); let t = mlp([64, 10]);',
        "distill_chain(t, [#{hidden: [32], epochs: 100000}, #{hidden: [16], epochs: 100000}],"
        " d, #{test: d});",
    ),
    "bootstrap_chain": (
        "",
        'bootstrap_chain(dataset("digits"), #{models: [#{kind: "logistic", epochs: 100000},'
        " #{hidden: [16], epochs: 100000}]});",
    ),
    "dawid_skene": (
        "",
        "dawid_skene(label_matrix([[0, 1, 0], [1, 1, -1], [0, 0, 1], [1, -1, 1]]),"
        " #{max_iter: 1000000000, tol: 0.0});",
    ),
    "embed": (f"let e = encoder(); {EMBED_TEXTS}", "embed(e, texts);"),
    "apply_lfs": (
        "let rows = []; for i in 0..300000 { rows.push(i); }",
        "let L = apply_lfs(rows, [|r| { let s = 0; for k in 0..20 { s += k; }"
        " if r % 2 == 0 { 1 } else { -1 } }]);",
    ),
}


@pytest.mark.parametrize("name", list(CALLS))
def test_an_interrupted_library_call_is_an_interrupt_and_keeps_variables(
    kc: BlockingKernelClient, interrupt_name: str, name: str
) -> None:
    setup, call = CALLS[name]
    assert run(kc, "let keep = 42;")["status"] == "ok"
    if setup:
        done = run(kc, setup)
        if name == "embed" and done["status"] != "ok":
            pytest.skip(f"all-MiniLM-L6-v2 is not installed: {done.get('evalue')}")
        assert done["status"] == "ok", done
    reply = interrupted(kc, call)
    assert reply["status"] == "error", reply
    assert reply["ename"] == interrupt_name, reply
    assert value(kc, "keep") == "42"
