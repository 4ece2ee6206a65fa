"""Tiny decoder LMs for stdlib/tests/lm_forward.rs, written once and pinned.

Writes, under stdlib/tests/data/lm/:
- tiny-llama/ and tiny-qwen2/: config.json + model.safetensors of randomly initialised
  transformers models (hidden 32, 2 layers, vocab 100, GQA 4 heads / 2 kv heads);
- tiny-llama.gguf and tiny-qwen2.gguf: the same weights as f32 GGUF files, the Llama's Q/K
  permuted as llama.cpp's converter does (so the loader's un-permutation and the GGUF pass's
  interleaved rotation are checked), the Qwen2's biases kept;
- tiny-llama-peft/: a PEFT LoRA adapter (r 4, alpha 8, all seven projections) with non-zero B;
- reference.json: transformers' logits for fixed prompts (each run alone, no padding), the
  hidden states after layer 1 of the first prompt, and the logits with the PEFT adapter.

Run: .venv-ref/bin/python tests/reference/tiny_lm_reference.py
     (transformers 5.x, torch CPU, peft, gguf).
With --check-adapter DIR MODEL_DIR: load a Ladder-saved adapter in PEFT and pin its logits at the
first prompt's last position as "ladder_adapter_in_peft" (the adapter is the one
lm_forward.rs's an_adapter_ladder_saved_... test writes when LADDER_WRITE_ADAPTER names a folder).
"""

import json
import os
import sys

import numpy as np
import torch

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "stdlib", "tests", "data", "lm")
PROMPTS = [[1, 5, 17, 42, 99, 3, 8], [2, 64, 7], [11, 12, 13, 14, 15]]


def tiny_config(family):
    common = dict(
        vocab_size=100,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=64,
        rms_norm_eps=1e-5,
        rope_theta=10000.0,
        torch_dtype="float32",
    )
    if family == "llama":
        from transformers import LlamaConfig

        return LlamaConfig(tie_word_embeddings=False, **common)
    from transformers import Qwen2Config

    return Qwen2Config(tie_word_embeddings=True, use_sliding_window=False, **common)


def build(family, seed):
    from transformers import AutoModelForCausalLM

    torch.manual_seed(seed)
    cfg = tiny_config(family)
    model = AutoModelForCausalLM.from_config(cfg, torch_dtype=torch.float32)
    # Larger than the default 0.02 init, so layers matter and mistakes show.
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() >= 1:
                p.normal_(0.0, 0.2)
        for n, p in model.named_parameters():
            if "norm" in n:
                p.copy_(1.0 + 0.1 * torch.randn_like(p))
    model.eval()
    return model


def logits_of(model, prompts):
    out = []
    with torch.no_grad():
        for p in prompts:
            out.append(model(torch.tensor([p])).logits[0].tolist())
    return out


def permute(w, n_head):
    """llama.cpp's convert_hf_to_gguf permutation of Q/K rows."""
    return (
        w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:])
        .swapaxes(1, 2)
        .reshape(w.shape)
    )


def write_gguf(model, path, arch="llama"):
    """The model as an f32 GGUF the way llama.cpp's convert_hf_to_gguf writes it: a Llama's
    Q/K rows permuted, a Qwen2's left as they are with its q/k/v biases, a tied output matrix
    left out."""
    import gguf

    cfg = model.config
    w = gguf.GGUFWriter(path, arch)
    w.add_block_count(cfg.num_hidden_layers)
    w.add_context_length(cfg.max_position_embeddings)
    w.add_embedding_length(cfg.hidden_size)
    w.add_feed_forward_length(cfg.intermediate_size)
    w.add_head_count(cfg.num_attention_heads)
    w.add_head_count_kv(cfg.num_key_value_heads)
    rope = getattr(cfg, "rope_parameters", None) or {}
    w.add_rope_freq_base(rope.get("rope_theta", getattr(cfg, "rope_theta", 10000.0)))
    w.add_layer_norm_rms_eps(cfg.rms_norm_eps)
    sd = {k: v.detach().numpy().astype(np.float32) for k, v in model.state_dict().items()}
    names = {
        "self_attn.q_proj": "attn_q",
        "self_attn.k_proj": "attn_k",
        "self_attn.v_proj": "attn_v",
        "self_attn.o_proj": "attn_output",
        "mlp.gate_proj": "ffn_gate",
        "mlp.up_proj": "ffn_up",
        "mlp.down_proj": "ffn_down",
        "input_layernorm": "attn_norm",
        "post_attention_layernorm": "ffn_norm",
    }
    w.add_tensor("token_embd.weight", sd["model.embed_tokens.weight"])
    for i in range(cfg.num_hidden_layers):
        for hf, gg in names.items():
            t = sd[f"model.layers.{i}.{hf}.weight"]
            if arch == "llama" and hf == "self_attn.q_proj":
                t = permute(t, cfg.num_attention_heads)
            if arch == "llama" and hf == "self_attn.k_proj":
                t = permute(t, cfg.num_key_value_heads)
            w.add_tensor(f"blk.{i}.{gg}.weight", np.ascontiguousarray(t))
            bias = sd.get(f"model.layers.{i}.{hf}.bias")
            if bias is not None:
                w.add_tensor(f"blk.{i}.{gg}.bias", np.ascontiguousarray(bias))
    w.add_tensor("output_norm.weight", sd["model.norm.weight"])
    if not cfg.tie_word_embeddings:
        w.add_tensor("output.weight", sd["lm_head.weight"])
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def peft_adapter(model, path):
    from peft import LoraConfig, get_peft_model

    cfg = LoraConfig(r=4, lora_alpha=8, lora_dropout=0.0, target_modules=TARGETS, task_type="CAUSAL_LM")
    torch.manual_seed(7)
    pm = get_peft_model(model, cfg)
    with torch.no_grad():
        for n, p in pm.named_parameters():
            if "lora_B" in n:
                p.normal_(0.0, 0.2)
    pm.eval()
    pm.save_pretrained(path)
    return logits_of(pm, PROMPTS)


def main():
    os.makedirs(OUT, exist_ok=True)
    ref = {"prompts": PROMPTS}
    for family, seed in [("llama", 1), ("qwen2", 2)]:
        model = build(family, seed)
        d = os.path.join(OUT, f"tiny-{family}")
        model.save_pretrained(d, safe_serialization=True)
        ref[family] = {"logits": logits_of(model, PROMPTS)}
        with torch.no_grad():
            hs = model(torch.tensor([PROMPTS[0]]), output_hidden_states=True).hidden_states
        # hidden_states[1] is the output of the first decoder layer (before the final norm).
        ref[family]["hidden_layer1"] = hs[1][0].tolist()
        write_gguf(model, os.path.join(OUT, f"tiny-{family}.gguf"), family)
        if family == "llama":
            ref[family]["peft_logits"] = peft_adapter(model, os.path.join(OUT, "tiny-llama-peft"))
    import peft
    import transformers

    ref["versions"] = {
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "peft": peft.__version__,
    }
    with open(os.path.join(OUT, "reference.json"), "w") as f:
        json.dump(ref, f)
    print("wrote", OUT)


def check_adapter(adapter_dir, model_dir):
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    base = AutoModelForCausalLM.from_pretrained(model_dir, torch_dtype=torch.float32)
    pm = PeftModel.from_pretrained(base, adapter_dir)
    pm.eval()
    last = logits_of(pm, PROMPTS[:1])[0][-1]
    path = os.path.join(OUT, "reference.json")
    with open(path) as f:
        ref = json.load(f)
    ref["ladder_adapter_in_peft"] = last
    with open(path, "w") as f:
        json.dump(ref, f)
    print(json.dumps(last))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--check-adapter":
        check_adapter(sys.argv[2], sys.argv[3])
    else:
        main()
