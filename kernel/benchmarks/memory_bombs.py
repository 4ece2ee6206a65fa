"""How the `ladder` kernel stops memory bombs: time to the LimitExceeded error and the
kernel's peak resident memory (VmHWM) against the budget, through jupyter_client.

    LADDER_BIN=target/debug/ladder .venv/bin/python kernel/benchmarks/memory_bombs.py [--budget-mib 1024]

The tests (tests/python/test_kernel_memory.py) check the bounds; this prints the figures.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from jupyter_client.manager import start_new_kernel

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "python"))
from ladder_kernelspec import install_kernelspec  # noqa: E402

BOMBS = {
    "typo in a shape": "let t = zeros([200000, 200000]);",
    "push forever": 'let a = []; loop { a.push("xxxxxxxxxxxxxxxxxxxxxxxx"); }',
    "array doubled": 'let b = ["xxxxxxxxxxxxxxxxxxxxxxxx"]; loop { b += b; }',
    "string doubled": 'let s = "xxxxxxxxxxxxxxxxxxxxxxxx"; loop { s += s; }',
}


def cpu_model() -> str:
    with open("/proc/cpuinfo") as info:
        return next((l.split(":", 1)[1].strip() for l in info if l.startswith("model name")), "unknown")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--budget-mib", type=int, default=1024)
    budget = parser.parse_args().budget_mib
    install_kernelspec()
    km, kc = start_new_kernel(kernel_name="ladder")

    def run(code: str) -> tuple[dict, float]:
        start = time.monotonic()
        reply = kc.execute_interactive(code, timeout=300, output_hook=lambda msg: None)
        return reply["content"], time.monotonic() - start

    def peak_mib() -> float:
        with open(f"/proc/{km.provisioner.process.pid}/status") as status:
            return int(next(l for l in status if l.startswith("VmHWM:")).split()[1]) / 1024

    try:
        print(f"CPU: {cpu_model()}; budget (max_memory): {budget} MiB")
        run("let keep = 1;")
        run(f"%limit max_memory {budget}M")
        for name, bomb in BOMBS.items():
            reply, took = run(bomb)
            variable = bomb.split()[1]
            run(f"{variable} = ();")
            print(f"{name:16} {reply.get('ename', 'ok'):14} after {took:6.2f} s, peak RSS {peak_mib():6.0f} MiB")
        kept, _ = run("if keep != 1 { throw \"lost\" }")
        print(f"session kept its variables: {kept['status'] == 'ok'}")
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


if __name__ == "__main__":
    main()
