#!/usr/bin/env bash
# Peak memory of embedding the 4,000 shipped reviews with SmolLM2-135M (GGUF Q4_1, installed by
# `./install.sh --with-smollm2`): runs lm_memory.rhai with `ladder run` and prints the process's
# peak RSS (target: under 1 GiB) and the CPU it ran on. Reviews longer than 32 tokens are cut,
# and lm_features says how many were.
#
#   stdlib/checks/lm_memory.sh                 # uses target/release/ladder, else target/debug/ladder
#   LADDER_BIN=path/to/ladder stdlib/checks/lm_memory.sh
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
bin="${LADDER_BIN:-}"
if [ -z "$bin" ]; then
    bin="$repo/target/release/ladder"
    [ -x "$bin" ] || bin="$repo/target/debug/ladder"
fi
report="$(mktemp)"
trap 'rm -f "$report"' EXIT
/usr/bin/time -v -o "$report" "$bin" run "$repo/stdlib/checks/lm_memory.rhai"
kib="$(awk -F': ' '/Maximum resident set size/ {print $2}' "$report")"
cpu="$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
echo "peak RSS $((kib / 1024)) MiB ($bin, $(nproc) CPUs: $cpu)"
