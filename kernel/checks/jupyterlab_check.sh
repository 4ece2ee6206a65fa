#!/usr/bin/env bash
# JupyterLab in headless Chromium runs a Rhai cell on the installed `ladder` kernel and
# shows its output. Needs: .venv with jupyterlab (pip), Debian's chromium, node/npm
# (playwright-core is installed into ~/.cache/ladder-lab-check on first use).
#   kernel/checks/jupyterlab_check.sh            # builds target/debug/ladder
#   LADDER_BIN=path/to/ladder kernel/checks/jupyterlab_check.sh
# CHECK=widgets runs widgets_check.cjs on the cells of widgets_lab.rhai instead (a slider
# drives a chart); its venv needs jupyterlab_widgets and ipywidgets too:
#   VENV=/work/labvenv CHECK=widgets SCREENSHOT=kernel/checks/widgets_lab.png kernel/checks/jupyterlab_check.sh
set -euo pipefail
source "$(dirname "$0")/lab_common.sh"
check=${CHECK:-jupyterlab}
cells=$repo/kernel/checks/${check}_lab.rhai
"$venv/bin/python" - "$work/notebooks/check.ipynb" "$cells" <<'PY'
import os, sys, nbformat
nb = nbformat.v4.new_notebook()
nb.metadata["kernelspec"] = {"name": "ladder", "display_name": "Rhai (Ladder)", "language": "rhai"}
# A check's cells, one file, separated by `// ---- cell` lines.
if os.path.exists(sys.argv[2]):
    with open(sys.argv[2]) as f:
        sources = [c.strip() for c in f.read().split("// ---- cell\n")]
else:
    sources = ['print("hello from rhai");\n6 * 7']
nb.cells = [nbformat.v4.new_code_cell(source) for source in sources]
nbformat.write(nb, sys.argv[1])
PY
lab_start
lab_run check.ipynb "$repo/kernel/checks/${check}_check.cjs" SCREENSHOT="${SCREENSHOT:-/tmp/${check}-check.png}"
