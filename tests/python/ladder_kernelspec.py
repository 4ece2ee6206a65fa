"""Install the `ladder` kernelspec from this checkout into a temporary Jupyter path.

Set LADDER_BIN to use a given `ladder` binary; otherwise it is built with cargo (a no-op
after `cargo test --workspace`). History goes to a temporary XDG_DATA_HOME so test runs
never touch the user's.
"""
from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def ladder_binary() -> Path:
    if os.environ.get("LADDER_BIN"):
        return Path(os.environ["LADDER_BIN"])
    subprocess.run(["cargo", "build", "--quiet", "--bin", "ladder"], cwd=REPO, check=True)
    meta = subprocess.check_output(
        ["cargo", "metadata", "--format-version", "1", "--no-deps"], cwd=REPO
    )
    return Path(json.loads(meta)["target_directory"]) / "debug" / "ladder"


def install_kernelspec() -> Path:
    """Install the kernelspec and point JUPYTER_PATH at it; returns the temporary root."""
    root = Path(tempfile.mkdtemp(prefix="ladder-jupyter-"))
    subprocess.run(
        [str(ladder_binary()), "install", "--prefix", str(root)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    jupyter_path = str(root / "share" / "jupyter")
    previous = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = jupyter_path + (os.pathsep + previous if previous else "")
    # Installed models (all-MiniLM-L6-v2) stay visible: they live in the real data directory.
    real_data = os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share")
    os.environ.setdefault("LADDER_MODELS_DIR", os.path.join(real_data, "ladder", "models"))
    os.environ["XDG_DATA_HOME"] = str(root / "data")
    return root
