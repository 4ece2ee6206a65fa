"""Reference values for SmolLM2-135M-Instruct (GGUF Q4_1), pinned in
tests/reference/smollm2_reference.json and checked by stdlib/tests/lm_smollm2.rs:

- token ids of fixed texts from the Hugging Face tokenizer (transformers' tokenizer built from
  the same GGUF file; tokenizers `fast` backend);
- logits of fixed prompts from transformers loading the GGUF (dequantised, float32), at a few
  fixed ids and the top 5, at every position;
- llama.cpp (llama-cpp-python) on the quantised weights: the top-1 next token at every position
  of 5 texts, and greedy 32-token generations with each step's top-1/top-2 logit margin (a
  small margin is a near-tie, where any two implementations may part).

    nice .venv-ref/bin/python tests/reference/smollm2_reference.py [GGUF]

GGUF defaults to the installed model (`./install.sh --with-smollm2`). Run once; never in CI.
"""
import json
import os
import sys

import numpy as np

TOKEN_TEXTS = [
    "Hello, world! This is a test.",
    "Café, naïve, résumé, Zürich, São Paulo, Ελληνικά, Русский",
    "Emoji: 😀🎉👍🏽 and 🇫🇷 flags",
    "def add(a, b):\n    return a + b  # 12345 numbers 3.14159\n\n\tx = [1, 2]",
    "<|im_start|>user\nHi there<|im_end|>\n",
    "   leading spaces and trailing   ",
]

PROMPTS = [
    "The capital of France is",
    "def fibonacci(n):",
    "Once upon a time, there was a little",
]

FIXED_IDS = [0, 1, 2, 28, 260, 1000, 12345, 49151]

TEXTS = [
    "The quick brown fox jumps over the lazy dog. It was a sunny day in the park.",
    "Machine learning is a field of artificial intelligence that uses statistical techniques.",
    "I loved this movie! The acting was wonderful and the story kept me engaged until the end.",
    "import numpy as np\n\ndef mean(values):\n    return np.sum(values) / len(values)\n",
    "Water boils at 100 degrees Celsius at sea level, and freezes at zero degrees.",
]

GEN_PROMPTS = [
    "The capital of France is",
    "Here is a list of fruits: apple,",
    "def square(x):",
    "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n",
    "Once upon a time",
]
GEN_TOKENS = 32
THREADS = 2


def installed_model() -> str:
    base = os.environ.get("LADDER_MODELS_DIR")
    if not base:
        data = os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share")
        base = os.path.join(data, "ladder", "models")
    return os.path.join(base, "smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")


def transformers_part(path: str) -> dict:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.set_num_threads(THREADS)
    folder, name = os.path.split(path)
    tok = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, torch_dtype=torch.float32)
    model.eval()
    tokens = [{"text": t, "ids": tok.encode(t, add_special_tokens=False)} for t in TOKEN_TEXTS]
    logits = []
    for p in PROMPTS:
        ids = tok.encode(p, add_special_tokens=False)
        with torch.no_grad():
            out = model(torch.tensor([ids])).logits[0].float().numpy()
        rows = []
        for pos in range(len(ids)):
            row = out[pos]
            top = np.argsort(-row)[:5]
            rows.append({
                "fixed": [float(row[i]) for i in FIXED_IDS],
                "top_ids": [int(i) for i in top],
                "top": [float(row[i]) for i in top],
            })
        logits.append({"prompt": p, "ids": ids, "positions": rows})
    text_ids = [tok.encode(t, add_special_tokens=False) for t in TEXTS]
    gen_ids = [tok.encode(p, add_special_tokens=False) for p in GEN_PROMPTS]
    return {"tokens": tokens, "fixed_ids": FIXED_IDS, "logits": logits,
            "text_ids": text_ids, "gen_ids": gen_ids}


def without_extra_buffers():
    """llama.cpp's AMX kernels stop with SIGILL where the OS does not grant AMX tile state
    (this VM), and its repacking buffers sit on the same switch: use the plain CPU kernels."""
    import llama_cpp
    import llama_cpp.llama as high_level

    default = llama_cpp.llama_model_default_params

    def params():
        p = default()
        p.use_extra_bufts = False
        return p

    high_level.llama_cpp.llama_model_default_params = params


def llama_cpp_part(path: str, text_ids, gen_ids) -> dict:
    from llama_cpp import Llama

    without_extra_buffers()
    llm = Llama(model_path=path, n_ctx=512, n_threads=THREADS, logits_all=True, verbose=False)
    top1 = []
    for ids in text_ids:
        llm.reset()
        llm.eval(ids)
        scores = np.array(llm.scores[: len(ids)])
        top1.append([int(i) for i in scores.argmax(axis=1)])
    gens = []
    for ids in gen_ids:
        llm.reset()
        llm.eval(ids)
        out, margins = [], []
        for _ in range(GEN_TOKENS):
            row = np.array(llm.scores[llm.n_tokens - 1])
            order = np.argsort(-row)
            out.append(int(order[0]))
            margins.append(float(row[order[0]] - row[order[1]]))
            llm.eval([int(order[0])])
        gens.append({"prompt_ids": ids, "tokens": out, "margins": margins})
    import llama_cpp
    return {"llama_cpp_version": llama_cpp.__version__, "top1": top1, "generations": gens}


def main() -> None:
    path = sys.argv[1] if len(sys.argv) > 1 else installed_model()
    import transformers
    ref = {"model": os.path.basename(path), "transformers_version": transformers.__version__}
    ref.update(transformers_part(path))
    ref.update(llama_cpp_part(path, ref["text_ids"], ref["gen_ids"]))
    ref["texts"] = TEXTS
    ref["gen_prompts"] = GEN_PROMPTS
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "smollm2_reference.json")
    with open(out, "w") as f:
        json.dump(ref, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
