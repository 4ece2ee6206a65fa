"""Tiny randomly initialised decoder models, one per family Ladder loads from a Hugging Face
folder (llama, qwen2, qwen3, mistral, gemma, phi3), written with transformers' save_pretrained
into tests/reference/lm_families/<family>/ (config.json, model.safetensors, tokenizer.json: a
48-word word-level tokenizer), and transformers' float32 logits for fixed token ids pinned in
tests/reference/lm_families/logits.json. stdlib/tests/lm_families.rs loads each folder with
`lm(...)` and compares. Run once; never in CI:

    nice .venv-ref/bin/python tests/reference/lm_families_reference.py
"""
import json
import os

import torch
from tokenizers import Tokenizer
from tokenizers.models import WordLevel
from tokenizers.pre_tokenizers import Whitespace
from transformers import (GemmaConfig, GemmaForCausalLM, LlamaConfig, LlamaForCausalLM,
                          MistralConfig, MistralForCausalLM, Phi3Config, Phi3ForCausalLM,
                          Qwen2Config, Qwen2ForCausalLM, Qwen3Config, Qwen3ForCausalLM)

VOCAB = 48
WORDS = ["<unk>", "<s>", "</s>"] + [f"w{i}" for i in range(VOCAB - 3)]
IDS = [1, 5, 17, 3, 44, 9, 30, 12]
COMMON = dict(vocab_size=VOCAB, hidden_size=16, intermediate_size=32, num_hidden_layers=2,
              num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=32,
              rms_norm_eps=1e-6, rope_theta=10000.0, bos_token_id=1, eos_token_id=2,
              pad_token_id=0, tie_word_embeddings=False)

FAMILIES = {
    "llama": (LlamaConfig, LlamaForCausalLM, {}),
    "qwen2": (Qwen2Config, Qwen2ForCausalLM, {}),
    "qwen3": (Qwen3Config, Qwen3ForCausalLM, {"head_dim": 4}),
    "mistral": (MistralConfig, MistralForCausalLM, {"sliding_window": None}),
    "gemma": (GemmaConfig, GemmaForCausalLM, {"head_dim": 4, "tie_word_embeddings": True,
                                              "hidden_activation": "gelu_pytorch_tanh"}),
    "phi3": (Phi3Config, Phi3ForCausalLM, {}),
}


def tokenizer() -> Tokenizer:
    tok = Tokenizer(WordLevel({w: i for i, w in enumerate(WORDS)}, unk_token="<unk>"))
    tok.pre_tokenizer = Whitespace()
    return tok


def main() -> None:
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lm_families")
    pinned = {"ids": IDS}
    for i, (name, (config_cls, model_cls, extra)) in enumerate(FAMILIES.items()):
        torch.manual_seed(i)
        config = config_cls(**{**COMMON, **extra})
        model = model_cls(config).eval()
        # Random norms too, so a family that skips or misplaces one is caught.
        with torch.no_grad():
            for n, p in model.named_parameters():
                p.copy_(torch.randn_like(p) * (0.5 if "norm" in n else 0.2))
        folder = os.path.join(root, name)
        model.save_pretrained(folder, safe_serialization=True)
        tokenizer().save(os.path.join(folder, "tokenizer.json"))
        with torch.no_grad():
            logits = model(torch.tensor([IDS])).logits[0].float()
        pinned[name] = [[round(float(v), 6) for v in row] for row in logits]
        for extra_file in ("generation_config.json",):
            path = os.path.join(folder, extra_file)
            if os.path.exists(path):
                os.remove(path)
    import transformers
    pinned["transformers_version"] = transformers.__version__
    with open(os.path.join(root, "logits.json"), "w") as f:
        json.dump(pinned, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {root}")


if __name__ == "__main__":
    main()
