"""PyTorch CPU reference for `cargo bench -p ladder-stdlib --bench training`: the same MLP
step and matmul, at a given thread count. Prints `key=value` lines the bench parses.

    python stdlib/benches/torch_reference.py --threads 1
"""
import argparse
import time

import torch


def mlp_step_ms(steps: int) -> float:
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(64, 256), torch.nn.ReLU(), torch.nn.Linear(256, 256), torch.nn.ReLU(), torch.nn.Linear(256, 2)
    )
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    x = torch.randn(256 * 8, 64)
    y = (x[:, 0] > 0).long()
    loss_fn = torch.nn.CrossEntropyLoss()

    def step(i):
        s = (i % 8) * 256
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x[s : s + 256]), y[s : s + 256])
        loss.backward()
        opt.step()
        return loss.item()

    for i in range(20):
        step(i)
    start = time.perf_counter()
    for i in range(steps):
        step(i)
    return (time.perf_counter() - start) * 1000 / steps


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
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch_version={torch.__version__}")
    print(f"mlp_ms={mlp_step_ms(args.steps):.4f}")
    print(f"matmul_gflops={matmul_gflops(20):.2f}")
