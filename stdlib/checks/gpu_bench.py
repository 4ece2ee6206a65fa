"""PyTorch's side of the GPU benchmark: the work gpu_bench.rhai times in Ladder, the same sizes,
eager mode, f32 products without TF32 (PyTorch's default, and what Ladder's f32 does).
Prints `key=value` lines.

    python stdlib/checks/gpu_bench.py --device cuda --size full
    python stdlib/checks/gpu_bench.py --device cpu --size small     (the rehearsal)
"""
import argparse
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "benches"))
from torch_reference import Transformer  # noqa: E402  (the transformer the CPU bench uses)


def wait(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def matmul_tflops(n: int, dtype: torch.dtype, device: torch.device, reps: int) -> float:
    a = torch.randn(n, n, device=device).to(dtype)
    b = torch.randn(n, n, device=device).to(dtype)
    a @ b
    wait(device)
    start = time.perf_counter()
    for _ in range(reps):
        a @ b
    wait(device)
    return 2 * n**3 * reps / (time.perf_counter() - start) / 1e12


def step_ms(model, x, y, steps: int, device: torch.device) -> float:
    """ms per AdamW step on one batch, after two warm-up steps (as gpu_bench.rhai)."""
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

    for _ in range(2):
        step()
    wait(device)
    start = time.perf_counter()
    for _ in range(steps):
        loss = step()
    loss.item()
    return (time.perf_counter() - start) * 1000 / steps


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--device", default="cuda")
    p.add_argument("--size", choices=["full", "small"], default="full")
    args = p.parse_args()
    device = torch.device(args.device)
    full = args.size == "full"
    n = 8192 if full else 512
    dims = [1024, 4096, 4096, 10] if full else [64, 256, 256, 10]
    mlp_batch = 4096 if full else 256
    tf_batch, tf_seq = (64, 128) if full else (8, 64)
    steps = 20 if full else 5
    torch.manual_seed(0)
    print(f"torch_version={torch.__version__}")
    if device.type == "cuda":
        print(f"gpu={torch.cuda.get_device_name(device)}")
    print(f"matmul_f32_tflops={matmul_tflops(n, torch.float32, device, 10)}")
    print(f"matmul_bf16_tflops={matmul_tflops(n, torch.bfloat16, device, 10)}")

    layers = []
    for i in range(len(dims) - 1):
        layers.append(torch.nn.Linear(dims[i], dims[i + 1]))
        if i < len(dims) - 2:
            layers.append(torch.nn.ReLU())
    mlp = torch.nn.Sequential(*layers).to(device)
    x = torch.randn(mlp_batch, dims[0], device=device)
    y = torch.randint(0, dims[-1], (mlp_batch,), device=device)
    print(f"mlp_step_ms={step_ms(mlp, x, y, steps, device)}")

    vocab = 30522
    tf = Transformer(vocab, 64, 4, 256, 2, tf_seq, 0.1, 2).to(device)
    tf.train()
    ids = torch.randint(1, vocab, (tf_batch, tf_seq), device=device)
    labels = torch.randint(0, 2, (tf_batch,), device=device)
    print(f"transformer_step_ms={step_ms(tf, ids, labels, steps, device)}")


if __name__ == "__main__":
    main()
