#!/usr/bin/env bash
# Build a release `ladder` and install it where your PATH finds it.
#
#   ./install.sh            build and install (safe to run again: it rebuilds what changed)
#
# Needs only a Rust toolchain (cargo). The binary goes to cargo's bin directory,
# ~/.cargo/bin (or $CARGO_HOME/bin), which rustup puts on PATH. Build files are kept in
# ./target so a second run takes seconds.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"

if ! command -v cargo >/dev/null 2>&1; then
    echo "install.sh: cargo not found. Install Rust first (https://rustup.rs), then rerun." >&2
    exit 1
fi

bin_dir="${CARGO_HOME:-$HOME/.cargo}/bin"
echo "== building a release ladder (the first build takes several minutes)"
cargo install --path . --locked --force --target-dir "${CARGO_TARGET_DIR:-$root/target}" --bin ladder

echo "== installed $bin_dir/ladder ($("$bin_dir/ladder" --version))"
case ":$PATH:" in
    *":$bin_dir:"*) ;;
    *)
        echo "   note: $bin_dir is not on your PATH; add it, e.g.:"
        echo "     echo 'export PATH=\"$bin_dir:\$PATH\"' >> ~/.bashrc && export PATH=\"$bin_dir:\$PATH\""
        ;;
esac

# The Jupyter kernelspec, when Jupyter is installed (otherwise `ladder install --user` later).
if command -v jupyter >/dev/null 2>&1; then
    echo "== installing the Jupyter kernelspec"
    "$bin_dir/ladder" install --user
else
    echo "== Jupyter not found: skipping the kernelspec (run 'ladder install --user' once Jupyter is installed)"
fi
