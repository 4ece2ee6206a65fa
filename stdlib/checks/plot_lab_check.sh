#!/usr/bin/env bash
# Charts in a shared notebook, as a reader sees them: `ladder run` executes a notebook of
# chart cells, JupyterLab (headless Chromium) opens the executed file, and the check passes
# when every chart's <img> has loaded with its real size. Leaves a screenshot.
# Needs: .venv with jupyterlab, Debian's chromium, node/npm (playwright-core is installed
# into ~/.cache/ladder-lab-check on first use).
#   stdlib/checks/plot_lab_check.sh                      # builds target/debug/ladder
#   LADDER_BIN=path/to/ladder SCREENSHOT=/tmp/plots.png stdlib/checks/plot_lab_check.sh
set -euo pipefail
source "$(dirname "$0")/../../kernel/checks/lab_common.sh"

# One cell per chart kind; the last asks for SVG too.
"$venv/bin/python" - "$work/charts.ipynb" <<'PY'
import sys, nbformat
cells = [
    'let c = line_chart(#{title: "training loss", x_label: "step", y_label: "loss", size: [560, 320]});\n'
    'let train = []; let val = [];\nfor i in 0..50 { train.push(2.0 * exp(-i / 12.0) + 0.1); val.push(2.1 * exp(-i / 14.0) + 0.2); }\n'
    'c.add_series("train", train);\nc.add_series("val", val, #{dashed: true});\nc',
    'let pts = []; let cls = [];\nfor i in 0..120 { let t = i / 19.0; pts.push([cos(t) + (i % 2), sin(t) * (1 - 2 * (i % 2))]); cls.push(i % 2); }\n'
    'let s = scatter_chart(#{title: "decision boundary", size: [420, 340]});\ns.add_classes(pts, cls);\n'
    's.decision_boundary(|x, y| 1.0 / (1.0 + exp(-4.0 * (x - 0.5))));\ns',
    'let b = bar_chart(#{title: "weak-to-strong", categories: ["sciq", "boolq", "anli"], y_label: "accuracy", size: [560, 320]});\n'
    'b.add_series("weak", [0.61, 0.58, 0.51]);\nb.add_series("w2s", [0.68, 0.63, 0.52], #{errors: [0.02, 0.02, 0.01]});\n'
    'b.add_series("ceiling", [0.75, 0.70, 0.55]);\nb',
    'histogram([0.55, 0.6, 0.62, 0.7, 0.71, 0.8, 0.9, 0.95, 0.97, 0.99], #{title: "confidence", bins: 10, range: [0.5, 1.0], size: [420, 300]})',
    'heatmap([[50, 3], [4, 40]], #{title: "confusion matrix", labels: ["neg", "pos"], x_label: "predicted", y_label: "true", size: [400, 340]})',
    'reliability_diagram([0.55, 0.65, 0.75, 0.85, 0.95, 0.9], [true, false, true, true, true, false], #{bins: 5, size: [400, 360]}).svg()',
]
nb = nbformat.v4.new_notebook()
nb.metadata["kernelspec"] = {"name": "ladder", "display_name": "Rhai (Ladder)", "language": "rhai"}
nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
nbformat.write(nb, sys.argv[1])
PY
"$LADDER_BIN" run "$work/charts.ipynb" -o "$work/notebooks/charts.ipynb" >/dev/null

lab_start
lab_run charts.ipynb "$repo/stdlib/checks/plot_lab_check.cjs" EXPECTED_IMAGES=6 \
  SCREENSHOT="${SCREENSHOT:-/tmp/plot-lab-check.png}"
