"""What JupyterLab's debugger costs a cell that does not stop, in one run, through jupyter_client.

    .venv/bin/python kernel/benchmarks/bench_debugger.py --ladder-bin target/debug/ladder \
        [--baseline-bin PATH] [--runs 200]

Times `1 + 1` (execute -> idle, median of --runs) and a 1M-iteration Rhai loop (median of 5)
in one kernel, in rounds that alternate: no debugger client; a client attached (the engine
hook installed) with no breakpoints; and attached with a breakpoint set in another cell (the
engine then checks every node's line). --baseline-bin adds a `ladder` built without Rhai's
`debugging` feature (e.g. the main branch's), to show what compiling it in costs.
"""
from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import time
from pathlib import Path

from jupyter_client.manager import start_new_kernel

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "python"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_kernels import cpu_model, wait_idle  # noqa: E402
from ladder_kernelspec import install_kernelspec  # noqa: E402

LOOP = "let s = 0; for i in 0..1000000 { s += i; } s"
SEQ = itertools.count(1)


def debug(kc, command: str, arguments: dict | None = None) -> dict:
    msg = kc.session.msg("debug_request", {"type": "request", "seq": next(SEQ),
                                           "command": command, "arguments": arguments or {}})
    kc.control_channel.send(msg)
    while True:
        reply = kc.control_channel.get_msg(timeout=60)
        if reply["parent_header"].get("msg_id") == msg["header"]["msg_id"]:
            return reply["content"]


def timed(kc, code: str, runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        wait_idle(kc, kc.execute(code))
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def measure(kc, runs: int) -> tuple[float, float]:
    return timed(kc, "1 + 1", runs), timed(kc, LOOP, 5)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ladder-bin", required=True)
    parser.add_argument("--baseline-bin")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    import os
    results: dict[str, list[tuple[float, float]]] = {}
    kernels = {}
    for label, binary in [("ladder", args.ladder_bin), ("baseline", args.baseline_bin)]:
        if binary:
            os.environ["LADDER_BIN"] = binary
            install_kernelspec()
            kernels[label] = start_new_kernel(kernel_name="ladder")
    kc = kernels["ladder"][1]
    for client in (c for _, c in kernels.values()):
        for _ in range(20):
            wait_idle(client, client.execute("1 + 1"))
    other_cell = "let unrelated = 1;\nunrelated"
    for _ in range(args.rounds):
        if "baseline" in kernels:
            results.setdefault("baseline (no debugging feature)", []).append(
                measure(kernels["baseline"][1], args.runs))
        results.setdefault("not attached", []).append(measure(kc, args.runs))
        debug(kc, "initialize")
        debug(kc, "attach")
        results.setdefault("attached, no breakpoints", []).append(measure(kc, args.runs))
        path = debug(kc, "dumpCell", {"code": other_cell})["body"]["sourcePath"]
        debug(kc, "setBreakpoints", {"source": {"path": path}, "breakpoints": [{"line": 2}]})
        results.setdefault("attached, a breakpoint elsewhere", []).append(measure(kc, args.runs))
        debug(kc, "disconnect")
    print(f"CPU: {cpu_model()}; cores: {os.cpu_count()}; {args.rounds} alternating rounds")
    print(f"{'state':36} {'1 + 1 (µs)':>12} {'1M loop (ms)':>14}")
    for state, rounds in results.items():
        one = statistics.median(r[0] for r in rounds) * 1e6
        loop = statistics.median(r[1] for r in rounds) * 1e3
        print(f"{state:36} {one:12.0f} {loop:14.1f}")
    for km, client in kernels.values():
        client.stop_channels()
        km.shutdown_kernel(now=True)


if __name__ == "__main__":
    main()
