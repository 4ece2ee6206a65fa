#!/usr/bin/env bash
# JupyterLab's debugger on the `ladder` kernel in headless Chromium: a breakpoint set in the
# gutter stops the cell, the call stack and variables panels show the stopped frame, the
# step button moves it, continue finishes the cell. Leaves a screenshot of the stop.
# Needs what kernel/checks/jupyterlab_check.sh needs.
#   kernel/checks/debugger_lab_check.sh          # builds target/debug/ladder
#   LADDER_BIN=path/to/ladder SCREENSHOT=kernel/checks/debugger_lab.png kernel/checks/debugger_lab_check.sh
# (kernel/checks/debugger_lab.png is the kept screenshot of a passing run.)
set -euo pipefail
source "$(dirname "$0")/lab_common.sh"
"$venv/bin/python" - "$work/notebooks/debug.ipynb" <<'PY'
import sys, nbformat
nb = nbformat.v4.new_notebook()
nb.metadata["kernelspec"] = {"name": "ladder", "display_name": "Rhai (Ladder)", "language": "rhai"}
nb.cells = [nbformat.v4.new_code_cell(
    'let weak = 0.6;\nlet strong = weak + 0.25;\nlet gap = strong - weak;\nprint(`gap ${gap}`);')]
nbformat.write(nb, sys.argv[1])
PY
lab_start
lab_run debug.ipynb "$repo/kernel/checks/debugger_lab_check.cjs" SCREENSHOT="${SCREENSHOT:-/tmp/debugger-lab-check.png}"
