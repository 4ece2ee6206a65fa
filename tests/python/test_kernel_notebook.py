"""nbclient (what `jupyter execute` and nbconvert --execute use) runs a notebook of Rhai
cells end to end on the installed `ladder` kernel."""
from __future__ import annotations

import nbformat
from nbclient import NotebookClient
from ladder_kernelspec import install_kernelspec

install_kernelspec()


def run(cells: list[str], allow_errors: bool = False) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "ladder", "display_name": "Rhai (Ladder)", "language": "rhai"}
    nb.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    NotebookClient(nb, timeout=60, kernel_name="ladder", allow_errors=allow_errors).execute()
    return nb


def test_a_notebook_runs_end_to_end_with_every_kind_of_output() -> None:
    nb = run(
        [
            "fn square(x) {\n    x * x\n}\nlet xs = [1, 2, 3];",
            'print("squares:");\nfor x in xs { print(square(x)); }',
            "xs.map(square)",
            'display(#{ model: "mlp", layers: 3 });\neprint("done")',
        ]
    )
    assert nb.metadata["language_info"]["name"] == "rhai"
    define, loop, result, shown = (cell.outputs for cell in nb.cells)
    assert define == []
    assert [o.output_type for o in loop] == ["stream"]
    assert loop[0].text == "squares:\n1\n4\n9\n"
    assert result[0].output_type == "execute_result"
    assert result[0].data["text/plain"] == "[1, 4, 9]"
    assert result[0].execution_count == 3
    assert shown[0].output_type == "display_data"
    assert shown[0].data["application/json"] == {"model": "mlp", "layers": 3}
    assert shown[1].name == "stderr" and shown[1].text == "done\n"


def test_an_error_cell_is_reported_with_its_traceback() -> None:
    nb = run(["let a = 1;", "let b = a + nope;", "a"], allow_errors=True)
    error = nb.cells[1].outputs[0]
    assert error.output_type == "error"
    assert error.ename == "VariableNotFound"
    assert any("a + nope" in line for line in error.traceback)


def test_markup_in_names_titles_and_cells_reaches_jupyterlab_escaped() -> None:
    # JupyterLab renders text/html and image/svg+xml as markup: a class name, a chart title and
    # a table cell holding <, >, &, " and ' must arrive as text.
    nb = run(
        [
            "let hostile = \"<b>\\\"x\\\" & 'y'</b>\";",
            'let d = text_dataset(["good", "bad", "fine"], [hostile, "plain", "plain"]);',
            "classification_report(d, d)",
            'let c = line_chart(#{title: hostile, svg: true}); c.add_series("s", [1, 2], [3, 4]); c',
        ]
    )
    table = nb.cells[2].outputs[0].data["text/html"]
    svg = nb.cells[3].outputs[0].data["image/svg+xml"]
    assert "&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/b&gt;" in table
    assert "&lt;b&gt;" in svg and "&amp;" in svg
    assert "<b>" not in table and "<b>" not in svg
