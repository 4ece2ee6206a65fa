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
repo=$(cd "$(dirname "$0")/../.." && pwd)
venv=${VENV:-$repo/.venv}
if [[ -z "${LADDER_BIN:-}" ]]; then
  (cd "$repo" && cargo build --quiet --bin ladder)
  LADDER_BIN=$(cd "$repo" && cargo metadata --format-version 1 --no-deps |
    "$venv/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/debug/ladder
fi
chromium_bin=$(command -v chromium || command -v chromium-browser)
cache=${LADDER_LAB_CACHE:-$HOME/.cache/ladder-lab-check}
if [[ ! -d "$cache/node_modules/playwright-core" ]]; then
  mkdir -p "$cache" && npm install --silent --prefix "$cache" playwright-core
fi

work=$(mktemp -d)
trap 'kill "${lab_pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
"$LADDER_BIN" install --prefix "$work/prefix" >/dev/null
export JUPYTER_PATH=$work/prefix/share/jupyter XDG_DATA_HOME=$work/data
export JUPYTERLAB_SETTINGS_DIR=$work/settings
mkdir -p "$JUPYTERLAB_SETTINGS_DIR/@jupyterlab/apputils-extension" "$work/notebooks"
echo '{"fetchNews": "false"}' > "$JUPYTERLAB_SETTINGS_DIR/@jupyterlab/apputils-extension/notification.jupyterlab-settings"
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

port=$("$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
token=$("$venv/bin/python" -c 'import secrets; print(secrets.token_hex(16))')
"$venv/bin/jupyter" lab --no-browser --allow-root --ServerApp.ip=127.0.0.1 --ServerApp.port="$port" \
  --IdentityProvider.token="$token" --ServerApp.root_dir="$work/notebooks" >"$work/lab.log" 2>&1 &
lab_pid=$!
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$port/api/status?token=$token" >/dev/null && break
  sleep 0.3
done
LAB_URL="http://127.0.0.1:$port/lab/tree/check.ipynb?token=$token" CHROMIUM=$chromium_bin \
  PLAYWRIGHT_CORE=$cache/node_modules/playwright-core SCREENSHOT=${SCREENSHOT:-/tmp/jupyterlab-check.png} \
  node "$repo/kernel/checks/${check}_check.cjs" || { tail -30 "$work/lab.log"; exit 1; }
