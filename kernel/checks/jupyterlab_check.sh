#!/usr/bin/env bash
# JupyterLab in headless Chromium runs a Rhai cell on the installed `ladder` kernel and
# shows its output. Needs: .venv with jupyterlab (pip), Debian's chromium, node/npm
# (playwright-core is installed into ~/.cache/ladder-lab-check on first use).
#   kernel/checks/jupyterlab_check.sh            # builds target/debug/ladder
#   LADDER_BIN=path/to/ladder kernel/checks/jupyterlab_check.sh
set -euo pipefail
source "$(dirname "$0")/lab_common.sh"
"$venv/bin/python" - "$work/notebooks/check.ipynb" <<'PY'
import sys, nbformat
nb = nbformat.v4.new_notebook()
nb.metadata["kernelspec"] = {"name": "ladder", "display_name": "Rhai (Ladder)", "language": "rhai"}
nb.cells = [nbformat.v4.new_code_cell('print("hello from rhai");\n6 * 7')]
nbformat.write(nb, sys.argv[1])
PY
lab_start
lab_run check.ipynb "$repo/kernel/checks/jupyterlab_check.cjs" SCREENSHOT="${SCREENSHOT:-/tmp/jupyterlab-check.png}"
