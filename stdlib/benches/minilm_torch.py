"""sentence-transformers (PyTorch CPU) reference for `cargo bench -p ladder-stdlib --bench embedding`:
embeds the same sentences with all-MiniLM-L6-v2 at a given thread count and batch size. Prints
`key=value` lines the bench parses; writes the embeddings (float32, row-major) when asked.

    HF_HUB_OFFLINE=1 python stdlib/benches/minilm_torch.py --model DIR --sentences FILE \
        --threads 1 --batch 32 [--out emb.f32] [--device cuda]

With --serve it prints "ready" and then, for each batch size it reads on a line, embeds the
sentences once at that batch size, writes the embeddings to --out and prints the sentences/s,
so that the bench can time each of its runs right beside one of these.
"""
import argparse
import os
import sys
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# No loading progress bars in the bench's table (they go to the stderr the bench shares).
os.environ.setdefault("TQDM_DISABLE", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from sentence_transformers import SentenceTransformer  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--model", required=True)
    p.add_argument("--sentences", required=True)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--out")
    p.add_argument("--device", default="cpu", help="cpu, or cuda for the GPU check")
    p.add_argument("--serve", action="store_true", help="one timed run per batch size read")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    with open(args.sentences, encoding="utf-8") as f:
        sentences = [line.rstrip("\n") for line in f]
    model = SentenceTransformer(args.model, device=args.device)

    def run(batch=args.batch):
        return model.encode(
            sentences,
            batch_size=batch,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )

    if args.serve:
        run()  # warm-up
        print(f"torch_version={torch.__version__}")
        print("ready", flush=True)
        for line in sys.stdin:
            start = time.perf_counter()
            emb = run(int(line))
            rate = len(sentences) / (time.perf_counter() - start)
            if args.out:
                np.ascontiguousarray(emb, dtype=np.float32).tofile(args.out)
            print(f"{rate:.3f}", flush=True)
        return
    emb = run()  # warm-up
    best = float("inf")
    for _ in range(args.repeats):
        start = time.perf_counter()
        emb = run()
        best = min(best, time.perf_counter() - start)
    print(f"torch_version={torch.__version__}")
    print(f"sentences_per_s={len(sentences) / best:.3f}")
    if args.out:
        np.ascontiguousarray(emb, dtype=np.float32).tofile(args.out)


if __name__ == "__main__":
    main()
