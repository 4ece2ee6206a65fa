"""Memory bombs in the `ladder` kernel end in a LimitExceeded error within seconds, the
kernel's resident memory never passes max_memory by more than a tenth, and the session keeps
its variables: a typo in a shape (zeros([200000, 200000])), an array pushed forever, an array
or string doubled forever."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from jupyter_client.blocking.client import BlockingKernelClient
from jupyter_client.manager import KernelManager, start_new_kernel
from ladder_kernelspec import install_kernelspec

install_kernelspec()

TIMEOUT = 60
BUDGET_MIB = 384


@pytest.fixture(scope="module")
def kernel() -> Iterator[tuple[KernelManager, BlockingKernelClient]]:
    km, client = start_new_kernel(kernel_name="ladder")
    try:
        yield km, client
    finally:
        client.stop_channels()
        km.shutdown_kernel(now=True)


def run(kc: BlockingKernelClient, code: str) -> dict:
    """The execute_reply content of a cell, once the kernel is idle again."""
    reply = kc.execute_interactive(code, timeout=TIMEOUT, output_hook=lambda msg: None)
    return reply["content"]


def peak_rss_mib(km: KernelManager) -> float:
    pid = km.provisioner.process.pid
    with open(f"/proc/{pid}/status") as status:
        line = next(l for l in status if l.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def test_memory_bombs_end_in_limit_errors_and_keep_the_session(kernel) -> None:
    km, kc = kernel
    assert run(kc, "let keep = 7;")["status"] == "ok"

    typo = run(kc, "let t = zeros([200000, 200000]);")
    assert (typo["status"], typo["ename"]) == ("error", "LimitExceeded"), typo
    assert "[200000, 200000]" in typo["evalue"] and "max_memory" in typo["evalue"], typo
    assert "GiB" in typo["evalue"], typo

    assert run(kc, f"%limit max_memory {BUDGET_MIB}M")["status"] == "ok"
    for name, bomb in [
        ("a", 'let a = []; loop { a.push("xxxxxxxxxxxxxxxxxxxxxxxx"); }'),
        ("b", 'let b = ["xxxxxxxxxxxxxxxxxxxxxxxx"]; loop { b += b; }'),
        ("s", 'let s = "xxxxxxxxxxxxxxxxxxxxxxxx"; loop { s += s; }'),
    ]:
        reply = run(kc, bomb)
        assert (reply["status"], reply["ename"]) == ("error", "LimitExceeded"), reply
        assert run(kc, f"{name} = ();")["status"] == "ok"
    assert peak_rss_mib(km) <= BUDGET_MIB * 1.1

    shown = kc.execute_interactive("keep", timeout=TIMEOUT, output_hook=lambda m: None)
    assert shown["content"]["status"] == "ok"
    assert run(kc, "if keep != 7 { throw \"lost\" }")["status"] == "ok"
