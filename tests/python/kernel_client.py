"""What the kernel tests share: a module-wide kernel and reading a request's iopub messages."""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from jupyter_client.blocking.client import BlockingKernelClient
from jupyter_client.manager import start_new_kernel

TIMEOUT = 60


def kernel_client() -> Iterator[BlockingKernelClient]:
    """A started `ladder` kernel's client, shut down afterwards (a pytest fixture's body)."""
    km, client = start_new_kernel(kernel_name="ladder")
    try:
        yield client
    finally:
        client.stop_channels()
        km.shutdown_kernel(now=True)


def is_idle(msg: dict) -> bool:
    return msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle"


def iopub_until(
    kc: BlockingKernelClient,
    msg_id: str,
    done: Callable[[dict], bool] = is_idle,
    timeout: float = TIMEOUT,
) -> list[dict]:
    """The iopub messages of request `msg_id` up to the first one for which `done` is true
    (by default its idle)."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        msg = kc.get_iopub_msg(timeout=timeout)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        seen.append(msg)
        if done(msg):
            return seen
    raise AssertionError(f"no matching iopub message for {msg_id}; saw {seen}")


def execute(
    kc: BlockingKernelClient, code: str, timeout: float = TIMEOUT
) -> tuple[dict, list[dict]]:
    """Run a cell to its idle: the execute_reply content and the cell's iopub messages."""
    msg_id = kc.execute(code)
    reply = kc.get_shell_msg(timeout=timeout)
    assert reply["parent_header"]["msg_id"] == msg_id
    return reply["content"], iopub_until(kc, msg_id, timeout=timeout)
