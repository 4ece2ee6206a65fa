#!/usr/bin/env bash
# Charts in a shared notebook, as a reader sees them: `ladder run` executes a notebook of
# chart cells, JupyterLab (headless Chromium) opens the executed file, and the check passes
# when every chart's <img> has loaded with its real size. Leaves a screenshot.
# Needs: .venv with jupyterlab, Debian's chromium, node/npm (playwright-core is installed
# into ~/.cache/ladder-lab-check on first use).
#   stdlib/checks/plot_lab_check.sh                      # builds target/debug/ladder
#   LADDER_BIN=path/to/ladder SCREENSHOT=/tmp/plots.png stdlib/checks/plot_lab_check.sh
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

port=$("$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
token=$("$venv/bin/python" -c 'import secrets; print(secrets.token_hex(16))')
"$venv/bin/jupyter" lab --no-browser --allow-root --ServerApp.ip=127.0.0.1 --ServerApp.port="$port" \
  --IdentityProvider.token="$token" --ServerApp.root_dir="$work/notebooks" >"$work/lab.log" 2>&1 &
lab_pid=$!
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$port/api/status?token=$token" >/dev/null && break
  sleep 0.3
done
LAB_URL="http://127.0.0.1:$port/lab/tree/charts.ipynb?token=$token" CHROMIUM=$chromium_bin EXPECTED_IMAGES=6 \
  PLAYWRIGHT_CORE=$cache/node_modules/playwright-core SCREENSHOT=${SCREENSHOT:-/tmp/plot-lab-check.png} \
  node "$repo/stdlib/checks/plot_lab_check.cjs" || { tail -30 "$work/lab.log"; exit 1; }
