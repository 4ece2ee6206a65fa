#!/usr/bin/env bash
# Lays out the tests' tiny language models in DIR for gpu_check.rhai (`-p lm_dir=DIR`): each
# tiny GGUF beside a tokenizer.json (the files carry none), the Hugging Face folders as they are,
# and the tiny Llama the LoRA check trains.
set -euo pipefail
[ $# -eq 1 ] || { sed -n '2,4p' "$0"; exit 2; }
dir=$1
here=$(cd "$(dirname "$0")" && pwd)
data=$here/../tests/data/lm
families=$here/../../tests/reference/lm_families
mkdir -p "$dir"
for f in llama qwen2; do
    mkdir -p "$dir/$f"
    cp "$data/tiny-$f.gguf" "$families/$f/tokenizer.json" "$dir/$f/"
    rm -rf "$dir/$f-folder" && cp -r "$families/$f" "$dir/$f-folder"
done
rm -rf "$dir/tiny-llama-train" && cp -r "$data/tiny-llama" "$dir/tiny-llama-train"
