#!/usr/bin/env bash
# The GPU check, in one go: the standard library's results on the device against the CPU
# (gpu_check.rhai), the notebooks run with `-p device=...` beside a CPU run (their printed
# figures compared line by line), then the GPU benchmark, Ladder (gpu_bench.rhai) against PyTorch
# (gpu_bench.py) and all-MiniLM-L6-v2 against sentence-transformers, with ratios. Prints
# everything and keeps a log and the raw figures in OUT_DIR. Exits 1 if a check fails.
#
#   stdlib/checks/gpu_check.sh OUT_DIR            # on the GPU machine: device("cuda"), full sizes
#   stdlib/checks/gpu_check.sh OUT_DIR cpu        # the rehearsal: the same script on the CPU,
#                                                 # benchmark sizes scaled down
# Environment:
#   LADDER    the ladder binary to check (default: `ladder` on PATH); on the GPU machine, the
#             CUDA build from stdlib/checks/cuda_build.sh
#   PYTHON    a Python with torch (and sentence-transformers for the encoder); without it the
#             benchmark prints Ladder's figures only
#   SIZE      full or small (default: full on cuda, small on cpu)
#   LADDER_MODELS_DIR  where all-MiniLM-L6-v2 is installed (./install.sh --minilm-only); the
#             encoder benchmark is skipped, and says so, when it is not there
set -uo pipefail

[ $# -ge 1 ] || { sed -n '2,20p' "$0"; exit 2; }
out=$1
dev=${2:-cuda}
size=${SIZE:-$([ "$dev" = cpu ] && echo small || echo full)}
here=$(cd "$(dirname "$0")" && pwd)
ladder=${LADDER:-ladder}
python=${PYTHON:-}
mkdir -p "$out"
out=$(cd "$out" && pwd)
exec > >(tee "$out/gpu_check.log") 2>&1

echo "== gpu_check $(date -u +%FT%TZ): device $dev, sizes $size"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores"
if command -v nvidia-smi >/dev/null 2>&1; then
    nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv,noheader
fi
echo "ladder: $("$ladder" --version 2>&1)"
[ -n "$python" ] && echo "python: $("$python" -c 'import torch; print("torch", torch.__version__)' 2>&1)"

echo "== correctness: $dev against cpu"
lm=$out/lm
"$here/tiny_lms.sh" "$lm"
"$ladder" run "$here/gpu_check.rhai" -p device="$dev" -p lm_dir="$lm"
checks=$?

models=${LADDER_MODELS_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/ladder/models}
minilm=$models/all-MiniLM-L6-v2

echo "== notebooks with -p device=$dev against the CPU"
# The notebooks whose models are tensors (text_weak_to_strong needs the encoder installed,
# lm_weak_to_strong the encoder and SmolLM2).
notebooks=0
for nb in weak_to_strong distillation weak_supervision text_weak_to_strong lm_weak_to_strong; do
    if [[ $nb = text_weak_to_strong || $nb = lm_weak_to_strong ]] && [ ! -f "$minilm/model.safetensors" ]; then
        echo "(all-MiniLM-L6-v2 is not in $models: $nb is skipped)"
        continue
    fi
    if [ "$nb" = lm_weak_to_strong ] && [ ! -f "$models/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf" ]; then
        echo "(SmolLM2 is not in $models: $nb is skipped)"
        continue
    fi
    for d in cpu "$dev"; do
        [ "$d" = cpu ] && [ "$dev" = cpu ] && [ -f "$out/$nb-cpu.ipynb" ] && continue
        if ! "$ladder" run "$here/../../notebooks/$nb.ipynb" -p device="$d" -q -o "$out/$nb-$d.ipynb" \
            > "$out/$nb-$d.log" 2>&1; then
            echo "FAIL $nb on $d: $(tail -3 "$out/$nb-$d.log")"
            notebooks=1
            continue 2
        fi
    done
    # The printed figures of both runs, line by line, where they differ.
    python3 - "$out/$nb-cpu.ipynb" "$out/$nb-$dev.ipynb" "$nb" <<'EOF'
import json, sys
def lines(path):
    cells = json.load(open(path))["cells"]
    return [l for c in cells if c["cell_type"] == "code" for o in c.get("outputs", [])
            for l in "".join(o.get("text", "")).splitlines()]
cpu, dev, name = lines(sys.argv[1]), lines(sys.argv[2]), sys.argv[3]
diff = [(a, b) for a, b in zip(cpu, dev) if a != b]
print(f"ok   {name}: ran; {len(cpu)} printed lines, {len(diff)} differ from the CPU run")
for a, b in diff:
    print(f"       cpu: {a}\n       dev: {b}")
EOF
done

echo "== benchmark"
sentence_args=()
if [ -f "$minilm/model.safetensors" ]; then
    # The encoder benchmark's sentences: the CPU benchmark's 16 sentences of mixed length,
    # repeated (4,096 on the GPU, 256 in the rehearsal), as a CSV for Ladder, lines for Python.
    count=$([ "$size" = full ] && echo 4096 || echo 256)
    python3 - "$out" "$count" <<'EOF'
import csv, sys
parts = ["A man is eating food.", "The girl is carrying a baby on her back while she walks to the market",
         "A monkey is playing drums.", "Several children are running across a wet field after a red ball",
         "The committee postponed its decision until the auditors had finished their report.", "Rain again.",
         "She said the new bridge would cut the commute by almost twenty minutes each way",
         "Two dogs sleep in the sun.", "Although the film was long, most of the audience stayed until the very last credit rolled",
         "Prices rose sharply in the third quarter.", "He fixed the bicycle chain with a paper clip and a bit of patience",
         "The orchestra tuned up as the lights dimmed.", "Nobody expected the small startup to win the national design award this year",
         "Coffee first.", "The museum reopened after a renovation that took more than four years and cost millions",
         "A cat watches birds from the window."]
out, n = sys.argv[1], int(sys.argv[2])
texts = [" ".join(parts[(i * 7 + j) % 16] for j in range(1 + i % 3)) for i in range(n)]
with open(f"{out}/sentences.txt", "w") as f:
    f.write("\n".join(texts) + "\n")
with open(f"{out}/sentences.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["text", "label"])
    w.writerows([t, i % 2] for i, t in enumerate(texts))
EOF
    sentence_args=(-p sentences="$out/sentences.csv")
else
    echo "(all-MiniLM-L6-v2 is not in $models: the encoder benchmark is skipped)"
fi
"$ladder" run "$here/gpu_bench.rhai" -p device="$dev" -p size="$size" "${sentence_args[@]}" | tee "$out/ladder.txt"
bench=${PIPESTATUS[0]}
if [ -n "$python" ]; then
    "$python" "$here/gpu_bench.py" --device "$dev" --size "$size" | tee "$out/torch.txt"
    if [ ${#sentence_args[@]} -gt 0 ]; then
        "$python" "$here/../benches/minilm_torch.py" --model "$minilm" --sentences "$out/sentences.txt" \
            --device "$dev" --threads "$(nproc)" --batch 32 | sed 's/^sentences_per_s=/embed_sentences_per_s=/' \
            | tee -a "$out/torch.txt"
    fi
    python3 - "$out" <<'EOF'
import sys
out = sys.argv[1]
def read(name):
    with open(f"{out}/{name}") as f:
        return dict(line.strip().split("=", 1) for line in f if "=" in line)
ladder, torch = read("ladder.txt"), read("torch.txt")
rows = [("matmul_f32_tflops", "f32 matmul TFLOP/s", True), ("matmul_bf16_tflops", "bf16 matmul TFLOP/s", True),
        ("mlp_step_ms", "MLP AdamW step ms", False), ("transformer_step_ms", "transformer step ms", False),
        ("embed_sentences_per_s", "MiniLM sentences/s", True)]
print(f"{'':24}{'ladder':>12}{'pytorch':>12}{'ratio':>8}   (ratio > 1: Ladder is faster)")
for key, label, higher in rows:
    if key in ladder and key in torch:
        a, b = float(ladder[key]), float(torch[key])
        print(f"{label:24}{a:12.3f}{b:12.3f}{(a / b if higher else b / a):8.2f}")
EOF
fi

if [ "$checks" -ne 0 ] || [ "$bench" -ne 0 ] || [ "$notebooks" -ne 0 ]; then
    echo "== gpu_check FAILED (checks exit $checks, notebooks $notebooks, benchmark exit $bench); log in $out/gpu_check.log"
    exit 1
fi
echo "== gpu_check passed; log in $out/gpu_check.log"
