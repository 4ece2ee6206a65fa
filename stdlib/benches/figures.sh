#!/usr/bin/env bash
# Every figure of the README's benchmark table, on the CPU at hand, in one command.
#
#   stdlib/benches/figures.sh [--venv DIR] [--out DIR] [--only NAME,...]
#
# Runs, one after the other (never two at once: they share the cores), the training benchmark
# (MLP step, 1024³ matmul, transformer step at 1 and 2 threads), MiniLM embedding, SmolLM2
# against llama.cpp and against transformers + PEFT (each at 1 and 2 threads), the labelling
# functions against CPython and the kernel against ipykernel, each with its reference in the
# same run. Each benchmark's whole output goes to OUT/NAME.log (default
# target/figures/DATE-CPU); the lines that carry the ratios are printed, after the CPU line.
# NAME is one of: training embedding lm lm_train lfs kernel.
#
# The references come from a venv of their own (default .venv-ref), created from PyPI with the
# versions the README's figures were measured with when it lacks them (several GB; building
# llama-cpp-python compiles llama.cpp, about 10 minutes on 2 cores). The kernel benchmark uses
# the tests' .venv (tests/run.sh creates it). The models come from ./install.sh --minilm-only
# and --smollm2-only. About an hour on 2 cores, most of it the LM benchmarks.
set -euo pipefail
cd "$(dirname "$0")/../.."

venv=.venv-ref
out=""
only=""
while (($#)); do
    case "$1" in
        --venv) venv="$2"; shift 2 ;;
        --out) out="$2"; shift 2 ;;
        --only) only="$2"; shift 2 ;;
        -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
        *) echo "figures.sh: unknown argument '$1' (known: --venv DIR, --out DIR, --only NAME,...)" >&2; exit 2 ;;
    esac
done

wanted() { [ -z "$only" ] || [[ ",$only," == *",$1,"* ]]; }

# The versions behind the README's figures.
reference_packages=(torch==2.15.0 transformers==5.25.0 peft==0.21.2 sentence-transformers==6.3.0
    safetensors==0.8.0 numpy llama-cpp-python==0.3.36)
if ! "$venv/bin/python" -c 'import torch, transformers, peft, sentence_transformers, llama_cpp' 2>/dev/null; then
    echo "== installing the references into $venv: ${reference_packages[*]}"
    [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
    "$venv/bin/python" -m pip install -q "${reference_packages[@]}"
fi
python="$(cd "$(dirname "$venv/bin/python")" && pwd)/python"

cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
if [ -z "$out" ]; then
    out="target/figures/$(date +%Y-%m-%d-%H%M)-$(tr -c 'A-Za-z0-9\n' - <<<"$cpu" | tr -s -)"
fi
mkdir -p "$out"
echo "== building the benchmarks and the release binary"
cargo bench -p ladder-stdlib --no-run --quiet
cargo build --release --quiet -p ladder --bin ladder

# The lines of each benchmark's output that hold a figure and its ratio.
figures='^CPU:|ratio|[0-9.]+x( |$)|tok/s|tokens/s|speed ratio|closures|lf\("|x faster|cold start|1 \+ 1|lines|interrupt|RSS'

run() { # name, command...
    local name="$1"
    shift
    wanted "${name%%-*}" || return 0
    echo "== $name: $*" | tee "$out/$name.log"
    if TQDM_DISABLE=1 "$@" >>"$out/$name.log" 2>&1; then
        grep -E "$figures" "$out/$name.log" | grep -v '^==' || true
    else
        echo "$name failed (exit $?): see $out/$name.log"
    fi
}

echo "CPU: $cpu; $(nproc) vCPUs; $(date -u +%Y-%m-%dT%H:%MZ); logs in $out"
run training env LADDER_TORCH_PYTHON="$python" cargo bench -p ladder-stdlib --quiet --bench training
run embedding env LADDER_TORCH_PYTHON="$python" cargo bench -p ladder-stdlib --quiet --bench embedding
for t in 1 2; do
    run "lm-$t" env RAYON_NUM_THREADS=$t LADDER_LLAMA_CPP_PYTHON="$python" \
        cargo bench -p ladder-stdlib --quiet --bench lm
    run "lm_train-$t" env LADDER_BENCH_THREADS=$t LADDER_TORCH_PYTHON="$python" \
        cargo bench -p ladder-stdlib --quiet --bench lm_train
done
run lfs cargo bench -p ladder-stdlib --quiet --bench lfs
if [ -x .venv/bin/python ]; then
    run kernel .venv/bin/python kernel/benchmarks/bench_kernels.py --ladder-bin target/release/ladder
elif wanted kernel; then
    echo "kernel: skipped (no .venv: tests/run.sh creates it)"
fi
