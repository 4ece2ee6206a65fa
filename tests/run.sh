#!/usr/bin/env bash
# The project's test command (the README's second command; CI runs exactly this).
#   1. a Python venv for the Jupyter-side tests, when tests/requirements.txt exists
#   2. every Rust test in the workspace (dev profile: dependencies are built with opt-level 3),
#      with `%%rust` cells built in (the rust-cells feature) so their tests run
#   3. the Python tests in tests/python/, when there are any
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# Tests must never write into the user's run store (README, "Run records"): every process
# started from here records into a throwaway one.
runs_dir="$(mktemp -d)"
trap 'rm -rf "$runs_dir"' EXIT
export LADDER_RUNS="$runs_dir/runs.sqlite"

if [[ -f tests/requirements.txt ]] && grep -qvE '^\s*(#|$)' tests/requirements.txt; then
    venv="$root/.venv"
    stamp="$venv/.requirements.sha256"
    want="$(sha256sum tests/requirements.txt | cut -d' ' -f1)"
    if [[ ! -x "$venv/bin/python" ]]; then
        echo "== creating $venv"
        python3 -m venv "$venv"
    fi
    if [[ "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
        echo "== installing tests/requirements.txt into $venv"
        "$venv/bin/python" -m pip install -q --disable-pip-version-check -r tests/requirements.txt
        echo "$want" > "$stamp"
    fi
    export PATH="$venv/bin:$PATH"
    export VIRTUAL_ENV="$venv"
fi

# The Rust-cell tests must run here, not skip.
export LADDER_EXPECT_RUST_CELLS=1
echo "== cargo build --workspace --features rust-cells"
cargo build --workspace --bins --features rust-cells
echo "== cargo test --workspace --features rust-cells"
cargo test --workspace --features rust-cells

shopt -s nullglob
python_tests=(tests/python/test_*.py tests/python/*_test.py)
if (( ${#python_tests[@]} )); then
    echo "== pytest tests/python"
    # The Python tests drive the binary that cargo just built.
    export LADDER_BIN="${CARGO_TARGET_DIR:-$root/target}/debug/ladder"
    set +e
    python3 -m pytest -q tests/python
    status=$?
    set -e
    # Exit 5 means pytest collected no tests: not a failure here.
    if (( status != 0 && status != 5 )); then
        exit "$status"
    fi
fi
echo "== all tests passed"
