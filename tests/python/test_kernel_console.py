"""`jupyter console` in tmux, as a person would use it: a multi-line function typed line by
line (the kernel's is_complete decides when to continue), then called."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from ladder_kernelspec import install_kernelspec

install_kernelspec()

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")
SESSION = f"ladder-console-{os.getpid()}"


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], check=True, capture_output=True, text=True).stdout


def screen() -> str:
    return tmux("capture-pane", "-p", "-t", SESSION)


def wait_for(text: str, timeout: float = 30) -> str:
    deadline = time.time() + timeout
    while time.time() < deadline:
        shown = screen()
        if text in shown:
            return shown
        time.sleep(0.1)
    raise AssertionError(f"{text!r} never appeared; screen:\n{screen()}")


def test_console_runs_a_multi_line_function() -> None:
    console = Path(sys.executable).with_name("jupyter-console")
    command = f"{console} --kernel ladder --no-confirm-exit"
    env = ["-e", f"JUPYTER_PATH={os.environ['JUPYTER_PATH']}", "-e", f"XDG_DATA_HOME={os.environ['XDG_DATA_HOME']}"]
    tmux("new-session", "-d", "-s", SESSION, "-x", "120", "-y", "40", *env, command)
    try:
        wait_for("In [1]")
        for line in ["fn twice(x) {", "x * 2", "}"]:
            tmux("send-keys", "-t", SESSION, "-l", line)
            tmux("send-keys", "-t", SESSION, "Enter")
            time.sleep(0.3)
        # A complete function definition runs on the final Enter.
        wait_for("In [2]")
        tmux("send-keys", "-t", SESSION, "-l", "twice(21)")
        tmux("send-keys", "-t", SESSION, "Enter")
        shown = wait_for("Out[2]")
        assert "42" in shown.split("Out[2]")[1]
        tmux("send-keys", "-t", SESSION, "C-d")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", SESSION], capture_output=True)
