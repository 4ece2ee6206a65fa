"""Each experiment report in notebooks/ gives the same outputs through the Jupyter kernel
(nbclient, as `jupyter execute` and nbconvert --execute run it) as through `ladder run`,
apart from timings."""
from __future__ import annotations

import os
import re
import subprocess
import tempfile
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from ladder_kernelspec import REPO, install_kernelspec, ladder_binary

install_kernelspec()

NOTEBOOKS = ["weak_to_strong", "boosting", "distillation", "weak_supervision", "text_weak_to_strong", "lm_weak_to_strong", "rust_cells"]


def installed(path: str) -> bool:
    """Whether a model file is where Ladder looks (`./install.sh --with-minilm --with-smollm2` puts them there)."""
    import os

    models = os.environ.get("LADDER_MODELS_DIR") or os.path.join(
        os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share"), "ladder", "models"
    )
    return os.path.isfile(os.path.join(models, path))


def minilm_installed() -> bool:
    return installed("all-MiniLM-L6-v2/model.safetensors")


def smollm2_installed() -> bool:
    return installed("smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")

# A line that reports a duration or a rate: its digits may differ between runs.
TIMING = re.compile(r"\b(time|rate|elapsed|ms|s|µs|it/s|steps/s)\b", re.IGNORECASE)


def has_rust_cells() -> bool:
    """Whether the ladder under test runs `%%rust` cells (tests/run.sh builds it so, and says
    so with LADDER_EXPECT_RUST_CELLS: then this cannot skip)."""
    if os.environ.get("LADDER_EXPECT_RUST_CELLS"):
        return True
    # An unknown cell language's error lists the known ones.
    probe = Path(tempfile.mkdtemp(prefix="ladder-probe-")) / "probe.rhai"
    probe.write_text("%%no_such_language\n")
    done = subprocess.run([str(ladder_binary()), "run", str(probe)], capture_output=True, text=True, timeout=60)
    return "%%rust" in done.stdout + done.stderr


def normalise_text(text: str) -> str:
    return "\n".join(re.sub(r"\d+", "#", line) if TIMING.search(line) else line for line in text.split("\n"))


def outputs(nb: nbformat.NotebookNode) -> list[list[dict]]:
    """Per code cell, its outputs as comparable records (timings masked)."""
    cells = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        records = []
        for o in cell.outputs:
            record = {"output_type": o.output_type}
            if o.output_type == "stream":
                record["name"] = o.name
                record["text"] = normalise_text(o.text)
            elif o.output_type == "error":
                record["error"] = f"{o.ename}: {o.evalue}"
            else:
                record["data"] = {
                    mime: normalise_text(value) if mime.startswith("text/") else value
                    for mime, value in o.data.items()
                }
                # A widget's model id is fresh in every run.
                view = record["data"].get("application/vnd.jupyter.widget-view+json")
                if view:
                    record["data"]["application/vnd.jupyter.widget-view+json"] = {
                        k: v for k, v in view.items() if k != "model_id"
                    }
            records.append(record)
        cells.append(records)
    return cells


def run_ladder(source: Path, out: Path) -> nbformat.NotebookNode:
    done = subprocess.run(
        [str(ladder_binary()), "run", str(source), "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return nbformat.read(out, as_version=4)


def run_kernel(source: Path) -> nbformat.NotebookNode:
    nb = nbformat.read(source, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    NotebookClient(nb, timeout=300, kernel_name="ladder").execute()
    return nb


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_kernel_and_ladder_run_give_the_same_outputs(name: str) -> None:
    if name in ("text_weak_to_strong", "lm_weak_to_strong") and not minilm_installed():
        pytest.skip("all-MiniLM-L6-v2 is not installed (./install.sh --with-minilm)")
    if name == "lm_weak_to_strong" and not smollm2_installed():
        pytest.skip("SmolLM2 is not installed (./install.sh --with-smollm2)")
    if name == "rust_cells" and not has_rust_cells():
        pytest.skip("this ladder was built without the rust-cells feature")
    source = REPO / "notebooks" / f"{name}.ipynb"
    folder = Path(tempfile.mkdtemp(prefix=f"ladder-nb-{name}-"))
    headless = run_ladder(source, folder / "out.ipynb")
    kernel = run_kernel(source)
    nbformat.validate(kernel)
    expected, got = outputs(headless), outputs(kernel)
    assert len(expected) == len(got)
    for i, (a, b) in enumerate(zip(expected, got)):
        assert a == b, f"{name}: code cell {i} differs between ladder run and the kernel"
    charts = ("image/png", "image/svg+xml")
    assert any(o.get("data", {}).get(m) for cell in got for o in cell for m in charts), f"{name} draws a chart"
    counts = [c.execution_count for c in kernel.cells if c.cell_type == "code"]
    assert counts == list(range(1, len(counts) + 1))
