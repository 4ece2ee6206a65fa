"""llama.cpp (llama-cpp-python) side of benches/lm.rs: prompt processing and generation
tokens/s of a GGUF model on the token ids it is given, at the given thread count.

    python lm_llama_cpp.py MODEL.gguf THREADS PROMPT_IDS_JSON GEN_TOKENS REPEATS

Prints one JSON line {"pp": tokens/s, "tg": tokens/s, "version": ...}.
"""
import json
import sys
import time
from pathlib import Path

# The AMX work-around the reference script needs too.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "reference"))
from smollm2_reference import without_extra_buffers  # noqa: E402


def main() -> None:
    path, threads, prompt, gen, repeats = sys.argv[1:]
    threads, gen, repeats = int(threads), int(gen), int(repeats)
    prompt = json.loads(prompt)
    import llama_cpp

    without_extra_buffers()
    llm = llama_cpp.Llama(model_path=path, n_ctx=1024, n_batch=512, n_threads=threads,
                          n_threads_batch=threads, verbose=False)
    best_pp, best_tg = 0.0, 0.0
    for _ in range(repeats):
        llm.reset()
        t = time.perf_counter()
        llm.eval(prompt)
        best_pp = max(best_pp, len(prompt) / (time.perf_counter() - t))
        t = time.perf_counter()
        for _ in range(gen):
            llm.eval([prompt[-1]])
        best_tg = max(best_tg, gen / (time.perf_counter() - t))
    print(json.dumps({"pp": best_pp, "tg": best_tg, "version": llama_cpp.__version__}))


if __name__ == "__main__":
    main()
