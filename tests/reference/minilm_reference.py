"""Reference embeddings for all-MiniLM-L6-v2 with sentence-transformers (PyTorch, CPU), pinned in
stdlib/tests/pretrained.rs. Mean pooling + L2 normalisation, as the model's modules.json says.

    HF_HUB_OFFLINE=1 target-stdlib/venv-torch/bin/python tests/reference/minilm_reference.py \
        [MODEL_DIR]

MODEL_DIR defaults to the installed model ($LADDER_MODELS_DIR/all-MiniLM-L6-v2, else
${XDG_DATA_HOME:-~/.local/share}/ladder/models/all-MiniLM-L6-v2); `./install.sh --with-minilm`
puts it there. Needs sentence-transformers in the venv (never in CI: it pulls torch).
"""
import os
import sys

import numpy as np
from sentence_transformers import SentenceTransformer

QUERY = "A man is eating food."
OTHERS = [
    "A man is eating a piece of bread.",
    "The girl is carrying a baby.",
    "A monkey is playing drums.",
]


def installed_model() -> str:
    base = os.environ.get("LADDER_MODELS_DIR")
    if not base:
        data = os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share")
        base = os.path.join(data, "ladder", "models")
    return os.path.join(base, "all-MiniLM-L6-v2")


def main() -> None:
    path = sys.argv[1] if len(sys.argv) > 1 else installed_model()
    model = SentenceTransformer(path, device="cpu")
    emb = model.encode([QUERY] + OTHERS, normalize_embeddings=True, convert_to_numpy=True)
    cos = emb[1:] @ emb[0]
    print(f"model: {path}")
    print(f"max_seq_length: {model.max_seq_length}")
    for text, c in zip(OTHERS, cos):
        print(f"cosine({QUERY!r}, {text!r}) = {c:.6f}")
    print("first 4 values of each normalised embedding:")
    for text, e in zip([QUERY] + OTHERS, emb):
        print(f"  {text!r}: [{', '.join(f'{v:.6f}' for v in e[:4])}]")
    # The model's own pipeline ends in Normalize: run only Transformer + Pooling for the raw mean.
    import torch

    with torch.no_grad():
        features = (getattr(model, "preprocess", None) or model.tokenize)([QUERY])
        raw = model[1](model[0](features))["sentence_embedding"][0].numpy()
    print(f"raw mean-pooled query embedding, first 4: [{', '.join(f'{v:.6f}' for v in raw[:4])}]")
    print(f"norm of the raw query embedding: {np.linalg.norm(raw):.6f}")


if __name__ == "__main__":
    main()
