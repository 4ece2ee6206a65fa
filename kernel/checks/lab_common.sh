# Shared by the JupyterLab browser checks; source it after `set -euo pipefail`.
# It finds (or builds) the `ladder` binary, Chromium and playwright-core (installed into
# ~/.cache/ladder-lab-check on first use), makes a temporary folder `$work` (removed on
# exit) with the kernelspec installed, `$work/notebooks` for the check's notebooks and its
# own JupyterLab settings and workspaces (so no earlier session's layout is restored), and
# defines `lab_start` (start JupyterLab on that folder) and `lab_run NOTEBOOK SCRIPT [VAR=value...]`
# (open the notebook in headless Chromium and run the Node script against it).
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
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

lab_start() {
  port=$("$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  token=$("$venv/bin/python" -c 'import secrets; print(secrets.token_hex(16))')
  "$venv/bin/jupyter" lab --no-browser --allow-root --ServerApp.ip=127.0.0.1 --ServerApp.port="$port" \
    --IdentityProvider.token="$token" --ServerApp.root_dir="$work/notebooks" \
    --LabApp.workspaces_dir="$work/workspaces" >"$work/lab.log" 2>&1 &
  lab_pid=$!
  for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$port/api/status?token=$token" >/dev/null && break
    sleep 0.3
  done
}

lab_run() {
  local notebook=$1 script=$2
  shift 2
  env LAB_URL="http://127.0.0.1:$port/lab/tree/$notebook?token=$token" CHROMIUM="$chromium_bin" \
    PLAYWRIGHT_CORE="$cache/node_modules/playwright-core" "$@" node "$script" ||
    { tail -30 "$work/lab.log"; exit 1; }
}
