"""PyTorch CPU reference for `cargo bench -p ladder-stdlib --bench training`: the same MLP
step, transformer step and matmul, at a given thread count. Prints `key=value` lines the bench
parses.

    python stdlib/benches/torch_reference.py --threads 1
"""
import argparse
import sys
import time

import torch


def step_ms(model, x, y, batch: int, warmup: int, steps: int) -> float:
    """ms per AdamW step (cross-entropy) over 8 batches of x, y in turn, after `warmup` steps."""
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()

    def step(i):
        s = (i % 8) * batch
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x[s : s + batch]), y[s : s + batch])
        loss.backward()
        opt.step()
        return loss.item()

    for i in range(warmup):
        step(i)
    start = time.perf_counter()
    for i in range(steps):
        step(i)
    return (time.perf_counter() - start) * 1000 / steps


def mlp_step_ms(steps: int) -> float:
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(64, 256), torch.nn.ReLU(), torch.nn.Linear(256, 256), torch.nn.ReLU(), torch.nn.Linear(256, 2)
    )
    x = torch.randn(256 * 8, 64)
    return step_ms(model, x, (x[:, 0] > 0).long(), 256, 20, steps)


class Block(torch.nn.Module):
    """Ladder's pre-LN block (nn/transformer.rs): attention then a GELU feed-forward, each
    with a residual and dropout on its output."""

    def __init__(self, dim, heads, ff, p):
        super().__init__()
        self.heads, self.p = heads, p
        self.ln1, self.ln2 = torch.nn.LayerNorm(dim), torch.nn.LayerNorm(dim)
        self.q, self.k, self.v, self.out = (torch.nn.Linear(dim, dim) for _ in range(4))
        self.up, self.down = torch.nn.Linear(dim, ff), torch.nn.Linear(ff, dim)

    def forward(self, h, bias):
        F = torch.nn.functional
        b, l, d = h.shape
        n = self.ln1(h)
        split = lambda t: t.view(b, l, self.heads, d // self.heads).transpose(1, 2)
        ctx = F.scaled_dot_product_attention(split(self.q(n)), split(self.k(n)), split(self.v(n)), attn_mask=bias)
        h = h + F.dropout(self.out(ctx.transpose(1, 2).reshape(b, l, d)), self.p, self.training)
        ff = self.down(F.gelu(self.up(self.ln2(h))))
        return h + F.dropout(ff, self.p, self.training)


class Transformer(torch.nn.Module):
    """transformer_classifier: token + position embeddings, blocks, final layer norm, mean over
    real tokens, linear head."""

    def __init__(self, vocab, dim, heads, ff, layers, max_len, p, classes):
        super().__init__()
        self.p = p
        self.tokens = torch.nn.Embedding(vocab, dim)
        self.positions = torch.nn.Parameter(torch.randn(max_len, dim) * 0.02)
        self.blocks = torch.nn.ModuleList(Block(dim, heads, ff, p) for _ in range(layers))
        self.norm = torch.nn.LayerNorm(dim)
        self.head = torch.nn.Linear(dim, classes)

    def forward(self, ids, pad_id=0):
        mask = (ids != pad_id).float()
        bias = ((mask - 1.0) * 1e9)[:, None, None, :]
        h = self.tokens(ids) + self.positions[: ids.shape[1]]
        h = torch.nn.functional.dropout(h, self.p, self.training)
        for blk in self.blocks:
            h = blk(h, bias)
        h = self.norm(h)
        pooled = (h * mask[:, :, None]).sum(1) / mask.sum(1, keepdim=True).clamp(min=1.0)
        return self.head(pooled)


def transformer_step_ms(steps: int, spec: dict) -> float:
    torch.manual_seed(0)
    s = spec
    model = Transformer(s["vocab"], s["dim"], s["heads"], s["ff"], s["layers"], s["seq"], s["dropout"], 2)
    model.train()
    b = s["batch"]
    x = torch.randint(1, s["vocab"], (b * 8, s["seq"]))
    return step_ms(model, x, torch.randint(0, 2, (b * 8,)), b, 3, steps)


def matmul_gflops(reps: int) -> float:
    a = torch.randn(1024, 1024)
    b = torch.randn(1024, 1024)
    a @ b
    start = time.perf_counter()
    for _ in range(reps):
        a @ b
    return 2 * 1024**3 * reps / (time.perf_counter() - start) / 1e9


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--transformer", default="", help="vocab,dim,heads,ff,layers,seq,batch,dropout,steps")
    p.add_argument("--matmul-serve", action="store_true", help="one matmul figure per line read")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch_version={torch.__version__}")
    if args.matmul_serve:
        # Kept running so that each of its figures is measured right beside one of the bench's.
        print("ready", flush=True)
        for _ in sys.stdin:
            print(f"{matmul_gflops(20):.3f}", flush=True)
        raise SystemExit
    print(f"mlp_ms={mlp_step_ms(args.steps):.4f}")
    print(f"matmul_gflops={matmul_gflops(20):.2f}")
    if args.transformer:
        keys = ["vocab", "dim", "heads", "ff", "layers", "seq", "batch", "dropout", "steps"]
        spec = {k: (float(v) if k == "dropout" else int(v)) for k, v in zip(keys, args.transformer.split(","))}
        print(f"transformer_ms={transformer_step_ms(spec['steps'], spec):.4f}")
