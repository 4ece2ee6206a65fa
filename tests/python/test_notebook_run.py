"""`ladder run notebook.ipynb`: a notebook executed without Jupyter is valid nbformat 4.5,
records outputs as the kernel does (checked against nbclient running the same notebook on
the installed kernel), stops at the first error, and takes papermill-style parameters."""
from __future__ import annotations

import copy
import subprocess
import tempfile
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from ladder_kernelspec import install_kernelspec, ladder_binary

install_kernelspec()

CELLS = [
    ("markdown", "# Sweep report\n\nA *small* notebook.", []),
    ("code", "let n = 2;\nlet label = \"base\";", ["parameters"]),
    ("code", 'print(`n = ${n}, label = ${label}`);\nprint("second line");\neprint("a warning");', []),
    ("code", 'display(#{ setting: label, n: n });\ndisplay("step 0", "progress");\n'
             'for i in 1..=3 { update_display(`step ${i}`, "progress"); }', []),
    ("code", "", []),
    ("code", 'let c = line_chart(#{title: "loss", width: 320, height: 240});\n'
             'c.add_series("train", [3.0, 2.0, 1.5]);\nc', []),
    ("code", "n * 10", []),
    ("code", "let broken = n + missing_name;", []),
    ("code", '"never run"', []),
]


def make_notebook(path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    for kind, source, tags in CELLS:
        cell = nbformat.v4.new_markdown_cell(source) if kind == "markdown" else nbformat.v4.new_code_cell(source)
        if tags:
            cell.metadata["tags"] = tags
        nb.cells.append(cell)
    nbformat.write(nb, path)


def run_ladder(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(ladder_binary()), "run", *args], capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def executed() -> tuple[subprocess.CompletedProcess, nbformat.NotebookNode, str]:
    folder = Path(tempfile.mkdtemp(prefix="ladder-nb-"))
    source = folder / "sweep.ipynb"
    make_notebook(source)
    out, html = folder / "out.ipynb", folder / "report.html"
    done = run_ladder(str(source), "-o", str(out), "--html", str(html), "-p", "n=5", "-p", "label=tuned")
    return done, nbformat.read(out, as_version=4), html.read_text()


def test_the_output_is_valid_nbformat_4_5(executed) -> None:
    done, nb, _ = executed
    nbformat.validate(nb)
    assert (nb.nbformat, nb.nbformat_minor) == (4, 5)
    assert nb.metadata.kernelspec.name == "ladder"
    assert nb.metadata.language_info.name == "rhai"


def test_parameters_are_injected_after_the_tagged_cell(executed) -> None:
    _, nb, _ = executed
    injected = nb.cells[2]
    assert injected.metadata.tags == ["injected-parameters"]
    assert "let n = 5;" in injected.source and 'let label = "tuned";' in injected.source
    assert nb.cells[3].outputs[0].text == "n = 5, label = tuned\nsecond line\n"


def test_outputs_are_recorded_as_the_kernel_sends_them(executed) -> None:
    _, nb, _ = executed
    printed, shown, blank, chart, result = (nb.cells[i] for i in range(3, 8))
    assert [(o.output_type, o.name) for o in printed.outputs] == [("stream", "stdout"), ("stream", "stderr")]
    assert shown.outputs[0].output_type == "display_data"
    assert shown.outputs[0].data["application/json"] == {"setting": "tuned", "n": 5}
    # The display with an id holds its last update, as in a saved Jupyter notebook.
    assert shown.outputs[1].data["text/plain"] == '"step 3"'
    assert blank.execution_count is None and blank.outputs == []
    assert chart.outputs[0].output_type == "execute_result"
    assert chart.outputs[0].data["image/png"].startswith("iVBORw0KGgo")
    assert result.outputs[0].data["text/plain"] == "50"
    assert [c.execution_count for c in nb.cells if c.cell_type == "code"] == [1, 2, 3, 4, None, 5, 6, 7, None]


def test_the_run_stops_at_the_first_error_and_fails(executed) -> None:
    done, nb, _ = executed
    assert done.returncode == 1
    error = nb.cells[8].outputs[0]
    assert error.output_type == "error"
    assert error.ename == "VariableNotFound"
    assert any("n + missing_name" in line for line in error.traceback)
    assert nb.cells[9].outputs == [] and nb.cells[9].execution_count is None
    assert "stopped at cell 9" in done.stderr


def test_the_html_report_is_self_contained(executed) -> None:
    _, _, html = executed
    assert "<h1>Sweep report</h1>" in html
    assert "<em>small</em>" in html
    assert 'src="data:image/png;base64,iVBORw0KGgo' in html
    assert "n = 5, label = tuned" in html
    assert "VariableNotFound" in html and "\x1b" not in html


def coalesced(outputs: list) -> list:
    """Outputs as a viewer shows them: consecutive text on one stream merged; no metadata
    that depends on timing."""
    merged: list = []
    for o in outputs:
        o = dict(copy.deepcopy(o))
        if merged and o["output_type"] == "stream" and merged[-1]["output_type"] == "stream" \
                and merged[-1]["name"] == o["name"]:
            merged[-1]["text"] += o["text"]
        else:
            merged.append(o)
    return merged


def test_same_outputs_as_nbclient_through_the_kernel(executed) -> None:
    _, ours, _ = executed
    theirs = copy.deepcopy(ours)
    for cell in theirs.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    client = NotebookClient(theirs, timeout=60, kernel_name="ladder")
    with pytest.raises(CellExecutionError):
        client.execute()
    for mine, reference in zip(ours.cells, theirs.cells):
        if mine.cell_type != "code":
            continue
        assert mine.execution_count == reference.execution_count, mine.source
        assert coalesced(mine.outputs) == coalesced(reference.outputs), mine.source


def test_a_script_takes_parameters_too(tmp_path: Path) -> None:
    script = tmp_path / "s.rhai"
    script.write_text("print(`lr = ${lr}, name = ${name}`);\n")
    done = run_ladder(str(script), "-p", "lr=0.001", "-p", "name=mlp")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "lr = 0.001, name = mlp\n"


def test_bad_arguments_are_reported(tmp_path: Path) -> None:
    script = tmp_path / "s.rhai"
    script.write_text("1\n")
    assert "NAME=VALUE" in run_ladder(str(script), "-p", "oops").stderr
    assert "notebooks" in run_ladder(str(script), "-o", str(tmp_path / "x.ipynb")).stderr
    broken = tmp_path / "b.ipynb"
    broken.write_text("{not json")
    done = run_ladder(str(broken))
    assert done.returncode != 0 and "not valid notebook JSON" in done.stderr
