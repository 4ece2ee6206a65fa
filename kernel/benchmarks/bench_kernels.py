"""Measure the ladder kernel against ipykernel, in one run, through jupyter_client.

    .venv/bin/python kernel/benchmarks/bench_kernels.py [--runs 200] [--ladder-bin PATH]

Figures: cold start (process spawn to kernel_info_reply, median of 5, client already
connected), `1 + 1` execute -> idle
(median and p99), a 10,000-line print cell -> idle (and lines received), interrupt of a
busy loop -> execute_reply, and idle RSS. Ratios are ladder / ipykernel (below 1 = faster
or smaller). Without --ladder-bin the release binary is built with cargo.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import zmq
from jupyter_client import BlockingKernelClient
from jupyter_client.connect import write_connection_file
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager

REPO = Path(__file__).resolve().parents[2]

KERNELS = {
    "ladder": {
        "one_plus_one": "1 + 1",
        "ten_k": "for i in 0..10000 { print(i); }",
        "busy_loop": "let n = 0; loop { n += 1; }",
    },
    "python3": {
        "one_plus_one": "1 + 1",
        "ten_k": "for i in range(10000): print(i)",
        "busy_loop": "n = 0\nwhile True: n += 1",
    },
}


def release_binary() -> Path:
    subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "ladder"], cwd=REPO, check=True)
    meta = subprocess.check_output(["cargo", "metadata", "--format-version", "1", "--no-deps"], cwd=REPO)
    return Path(json.loads(meta)["target_directory"]) / "release" / "ladder"


def wait_idle(kc, msg_id: str, lines: list[str] | None = None) -> dict:
    """Read iopub until the idle of msg_id; collect stdout text; return the shell reply."""
    while True:
        msg = kc.get_iopub_msg(timeout=60)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if lines is not None and msg["msg_type"] == "stream":
            lines.append(msg["content"]["text"])
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return kc.get_shell_msg(timeout=60)


def cold_start(name: str) -> float:
    """Seconds from spawning the kernel process to its kernel_info_reply, with the client
    already connected (so only the kernel's own start-up is timed)."""
    argv = KernelSpecManager().get_kernel_spec(name).argv
    folder = tempfile.mkdtemp(prefix="ladder-bench-conn-")
    connection_file, _ = write_connection_file(os.path.join(folder, "kernel.json"), ip="127.0.0.1")
    # Retry connecting every 2 ms (libzmq waits 100 ms by default), so the figure is the
    # kernel's start-up and not the client's reconnect interval.
    context = zmq.Context()
    context.setsockopt(zmq.RECONNECT_IVL, 2)
    kc = BlockingKernelClient(context=context)
    kc.load_connection_file(connection_file)
    kc.start_channels()
    argv = [sys.executable if a in ("python", "python3") else a.replace("{connection_file}", connection_file) for a in argv]
    started = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    kc.kernel_info()
    kc.get_shell_msg(timeout=60)
    elapsed = time.perf_counter() - started
    kc.stop_channels()
    process.kill()
    process.wait()
    context.term()
    return elapsed


def measure(name: str, runs: int) -> dict:
    code = KERNELS[name]
    start = statistics.median(cold_start(name) for _ in range(5))
    km = KernelManager(kernel_name=name)
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=60)
    time.sleep(0.5)  # let start-up messages settle
    while True:
        try:
            kc.get_iopub_msg(timeout=0.2)
        except Exception:
            break

    for _ in range(10):  # warm-up
        wait_idle(kc, kc.execute(code["one_plus_one"]))
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        wait_idle(kc, kc.execute(code["one_plus_one"]))
        times.append(time.perf_counter() - t0)
    times.sort()

    text: list[str] = []
    t0 = time.perf_counter()
    wait_idle(kc, kc.execute(code["ten_k"]), text)
    ten_k = time.perf_counter() - t0
    lines = "".join(text).splitlines()

    msg_id = kc.execute(code["busy_loop"])
    time.sleep(0.5)
    t0 = time.perf_counter()
    km.interrupt_kernel()
    while True:
        reply = kc.get_shell_msg(timeout=30)
        if reply["parent_header"].get("msg_id") == msg_id:
            break
    interrupt = time.perf_counter() - t0
    wait_idle_after = kc.execute("1")
    wait_idle(kc, wait_idle_after)

    time.sleep(0.5)
    pid = km.provisioner.process.pid
    rss = psutil.Process(pid).memory_info().rss
    kc.stop_channels()
    km.shutdown_kernel(now=False)
    return {
        "start_s": start,
        "median_s": statistics.median(times),
        "p99_s": times[int(0.99 * (len(times) - 1))],
        "ten_k_s": ten_k,
        "ten_k_lines": len(lines),
        "interrupt_s": interrupt,
        "rss_mib": rss / 2**20,
    }


def cpu_model() -> str:
    """The CPU's model name: figures from different CPUs are never compared blind."""
    try:
        with open("/proc/cpuinfo") as info:
            return next(l.split(":", 1)[1].strip() for l in info if l.startswith("model name"))
    except (OSError, StopIteration):
        return "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--ladder-bin", type=Path, default=None)
    args = parser.parse_args()

    binary = args.ladder_bin or release_binary()
    root = Path(tempfile.mkdtemp(prefix="ladder-bench-"))
    subprocess.run([str(binary), "install", "--prefix", str(root)], check=True, stdout=subprocess.DEVNULL)
    os.environ["JUPYTER_PATH"] = str(root / "share" / "jupyter")
    os.environ["XDG_DATA_HOME"] = str(root / "data")

    results = {name: measure(name, args.runs) for name in ("ladder", "python3")}
    ours, ref = results["ladder"], results["python3"]
    rows = [
        ("cold start -> kernel_info_reply (median 5)", "start_s", 1000, "ms"),
        (f"1 + 1 -> idle, median of {args.runs}", "median_s", 1000, "ms"),
        (f"1 + 1 -> idle, p99 of {args.runs}", "p99_s", 1000, "ms"),
        ("10,000-line cell -> idle", "ten_k_s", 1000, "ms"),
        ("lines received of 10,000", "ten_k_lines", 1, ""),
        ("interrupt busy loop -> reply", "interrupt_s", 1000, "ms"),
        ("idle RSS", "rss_mib", 1, "MiB"),
    ]
    print(f"CPU: {cpu_model()}; cores: {os.cpu_count()}")
    print(f"{'measure':40} {'ladder':>12} {'ipykernel':>12} {'ratio':>8}")
    for label, key, scale, unit in rows:
        a, b = ours[key] * scale, ref[key] * scale
        ratio = a / b if b else float("nan")
        print(f"{label:40} {a:10.2f}{unit:>2} {b:10.2f}{unit:>2} {ratio:8.3f}")
    print(json.dumps(results), file=sys.stderr)


if __name__ == "__main__":
    main()
