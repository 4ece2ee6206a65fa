"""transformers + PEFT (PyTorch CPU) side of benches/lm.rs.

  make DIR          write a randomly initialised model of SmolLM2-135M's architecture (Llama:
                    hidden 576, 30 layers, 9 heads / 3 kv heads, MLP 1536, vocab 49152, tied)
                    as config.json + model.safetensors: the f32 path's cost does not depend on
                    the weights' values, and nothing needs downloading.
  serve DIR THREADS kept running beside the benchmark: prints `ready`, then for each line it
                    reads (`forward` or `step`) runs one forward pass (batch 4 × 128 tokens, no
                    gradients) or one LoRA training step (r 8 on all seven projections,
                    next-token cross-entropy, AdamW) and prints its speed: tokens/s, or steps/s.
"""

import sys
import time

import torch

BATCH, SEQ = 4, 128


def make(path):
    from transformers import LlamaConfig, LlamaForCausalLM

    cfg = LlamaConfig(
        vocab_size=49152,
        hidden_size=576,
        intermediate_size=1536,
        num_hidden_layers=30,
        num_attention_heads=9,
        num_key_value_heads=3,
        max_position_embeddings=8192,
        rms_norm_eps=1e-5,
        rope_theta=100000.0,
        tie_word_embeddings=True,
    )
    torch.manual_seed(0)
    LlamaForCausalLM(cfg).save_pretrained(path, safe_serialization=True)


def serve(path, threads):
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.set_num_threads(threads)
    model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32, attn_implementation="eager")
    g = torch.Generator().manual_seed(1)
    ids = torch.randint(1, 49152, (BATCH, SEQ), generator=g)

    targets = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
    pm = get_peft_model(model, LoraConfig(r=8, lora_alpha=16, lora_dropout=0.0, target_modules=targets))
    pm.train()
    opt = torch.optim.AdamW([p for p in pm.parameters() if p.requires_grad], lr=1e-4)

    def forward():
        # The model alone, as Ladder's forward figure (Llama has no dropout: train mode is
        # the same pass).
        with torch.no_grad(), pm.disable_adapter():
            pm(ids)

    def step():
        logits = pm(ids).logits[:, :-1].reshape(-1, 49152)
        loss = torch.nn.functional.cross_entropy(logits, ids[:, 1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()

    forward()
    step()
    print("ready", flush=True)
    for line in sys.stdin:
        what = line.strip()
        t = time.perf_counter()
        (forward if what == "forward" else step)()
        s = time.perf_counter() - t
        print(BATCH * SEQ / s if what == "forward" else 1 / s, flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
    else:
        serve(sys.argv[2], int(sys.argv[3]))
