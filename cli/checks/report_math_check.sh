#!/usr/bin/env bash
# The HTML report as a reader sees it: `ladder run --html` reports the weak-to-strong notebook
# (one of its code cells tagged `remove-input` first), headless Chromium opens the file, and
# the check passes when the PGR formula is a MathML <math> element drawn with a real size
# (a fraction, taller than a line of text), no `$$` is left in the text, and the tagged
# cell's source is not shown. Leaves a screenshot of the page and one of the formula.
# Not run by the tests. Needs: python3, Debian's chromium, node/npm (playwright-core is
# installed into ~/.cache/ladder-report-check on first use).
#   cli/checks/report_math_check.sh                      # builds target/debug/ladder
#   LADDER_BIN=path/to/ladder SCREENSHOT=/tmp/report.png cli/checks/report_math_check.sh
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
if [[ -z "${LADDER_BIN:-}" ]]; then
  (cd "$repo" && cargo build --quiet --bin ladder)
  LADDER_BIN=$(cd "$repo" && cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/debug/ladder
fi
chromium_bin=$(command -v chromium || command -v chromium-browser)
cache=${LADDER_REPORT_CACHE:-$HOME/.cache/ladder-report-check}
if [[ ! -d "$cache/node_modules/playwright-core" ]]; then
  mkdir -p "$cache" && npm install --silent --prefix "$cache" playwright-core
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Tag the first code cell after the parameters cell `remove-input`; remember its source.
hidden=$(python3 - "$repo/notebooks/weak_to_strong.ipynb" "$work/w2s.ipynb" <<'PY'
import json, sys
nb = json.load(open(sys.argv[1]))
code = [c for c in nb["cells"] if c["cell_type"] == "code"
        and "parameters" not in c.get("metadata", {}).get("tags", [])]
cell = code[0]
cell.setdefault("metadata", {}).setdefault("tags", []).append("remove-input")
json.dump(nb, open(sys.argv[2], "w"))
source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
print(next(line for line in source.splitlines() if line.strip()))
PY
)
LADDER_IMAGE_DIR="$work/images" "$LADDER_BIN" run "$work/w2s.ipynb" -q --html "$work/report.html"

REPORT_URL="file://$work/report.html" CHROMIUM=$chromium_bin HIDDEN_SOURCE=$hidden \
  PLAYWRIGHT_CORE=$cache/node_modules/playwright-core \
  SCREENSHOT=${SCREENSHOT:-/tmp/report-math-check.png} \
  node "$repo/cli/checks/report_math_check.cjs"
