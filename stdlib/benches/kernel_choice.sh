#!/usr/bin/env bash
# Which kernel should run the long f32 products on this CPU: gemm or OpenBLAS?
#
# Runs the benchmarks whose speed the choice decides (the 1024³ matmul, the transformer's
# training step, MiniLM embedding, SmolLM2's f32 forward pass and LoRA step), once with each
# kernel per round, the two kernels one right after the other, and prints only the lines that
# carry the ratios against PyTorch. The rule it informs is `by_cpu` in
# stdlib/src/kernels/blas.rs; figures for the README come from the benchmarks themselves.
#
#   LADDER_TORCH_PYTHON=/path/to/venv/bin/python stdlib/benches/kernel_choice.sh [ROUNDS]
#
# ROUNDS (default 2) alternates the order (gemm first, then OpenBLAS first) so that a host
# whose speed drifts does not favour one side. About 15 minutes a round on 2 cores.
# The Python needs torch (and sentence-transformers, transformers and peft for the text
# benchmarks, which otherwise print n/a); the models come from ./install.sh --minilm-only
# and --smollm2-only.
set -euo pipefail
cd "$(dirname "$0")/../.."

rounds="${1:-2}"
if [ -z "${LADDER_TORCH_PYTHON:-}" ]; then
    echo "kernel_choice.sh: set LADDER_TORCH_PYTHON to a Python with torch (the ratios need it)" >&2
    exit 2
fi
cargo bench -p ladder-stdlib --no-run --quiet 2>/dev/null

# The lines each benchmark prints that hold a figure and its ratio.
figures='matmul GFLOP/s|transformer ms/step|thread\(s\), batch|^forward:|^LoRA step'

bench() { # lines to keep, kernel, threads for lm_train, cargo bench arguments...
    local keep="$1" kernel="$2" lm_threads="$3"
    shift 3
    LADDER_MATMUL_KERNEL="$kernel" LADDER_BENCH_THREADS="$lm_threads" TQDM_DISABLE=1 \
        cargo bench -p ladder-stdlib --quiet "$@" 2>/dev/null | grep -E "$keep" || true
}

one_kernel() {
    local kernel="$1"
    echo "=== $kernel"
    local header
    header=$(bench "^CPU:|$figures" "$kernel" 1 --bench training -- --matmul)
    # A build without OpenBLAS quietly runs gemm for both: say so rather than compare gemm
    # with itself.
    if [ "$kernel" = openblas ] && ! grep -q 'products: openblas' <<<"$header"; then
        echo "this build has no OpenBLAS (./install.sh --openblas-only, then rebuild)" >&2
        exit 1
    fi
    echo "$header"
    bench "$figures" "$kernel" 1 --bench training -- --transformer
    bench "$figures" "$kernel" 1 --bench embedding
    for t in 1 2; do
        echo "lm_train, $t thread(s):"
        bench "$figures" "$kernel" "$t" --bench lm_train
    done
}

for ((r = 1; r <= rounds; r++)); do
    echo "##### round $r of $rounds"
    if ((r % 2)); then
        one_kernel gemm
        one_kernel openblas
    else
        one_kernel openblas
        one_kernel gemm
    fi
done
