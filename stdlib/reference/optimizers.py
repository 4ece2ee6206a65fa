"""Reference trajectories for stdlib/src/optim/tests.rs: three steps of each optimiser on
f(θ) = Σ c·θ², written from PyTorch's documented update rules (SGD, AdamW) and Chen et al.
2023 (Lion), in numpy. Run: .venv/bin/python stdlib/reference/optimizers.py
"""
import math

import numpy as np

C = np.array([1.0, 2.0, 3.0])
THETA0 = np.array([1.0, -2.0, 0.5])


def grad(theta):
    return 2 * C * theta


def sgd(lr, momentum, wd, steps=3):
    th, buf = THETA0.copy(), None
    for _ in range(steps):
        g = grad(th) + wd * th
        buf = g if buf is None else momentum * buf + g
        th = th - lr * buf
    return th


def adamw(lr, b1, b2, eps, wd, steps=3):
    th, m, v = THETA0.copy(), np.zeros(3), np.zeros(3)
    for t in range(1, steps + 1):
        g = grad(th)
        th = th * (1 - lr * wd)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        mhat, vhat = m / (1 - b1**t), v / (1 - b2**t)
        th = th - lr * mhat / (np.sqrt(vhat) + eps)
    return th


def lion(lr, b1, b2, wd, steps=3):
    th, m = THETA0.copy(), np.zeros(3)
    for _ in range(steps):
        g = grad(th)
        c = b1 * m + (1 - b1) * g
        th = th - lr * (np.sign(c) + wd * th)
        m = b2 * m + (1 - b2) * g
    return th


def cosine(base, step, total, warmup=0, min_lr=0.0):
    if warmup and step < warmup:
        return base * (step + 1) / warmup
    p = min((step - warmup) / max(total - warmup, 1), 1.0)
    return min_lr + (base - min_lr) * 0.5 * (1 + math.cos(math.pi * p))


def show(name, v):
    print(f"{name} = [{', '.join(f'{x:.10f}' for x in np.atleast_1d(v))}]")


show("sgd_lr01_m09_wd0", sgd(0.1, 0.9, 0.0))
show("sgd_lr005_m0_wd01", sgd(0.05, 0.0, 0.1))
show("adamw_lr01_wd001", adamw(0.1, 0.9, 0.999, 1e-8, 0.01))
show("adam_lr005_wd0", adamw(0.05, 0.9, 0.999, 1e-8, 0.0))
show("lion_lr001_wd0", lion(0.01, 0.9, 0.99, 0.0))
show("lion_lr001_wd01", lion(0.01, 0.9, 0.99, 0.1))
show("cosine_0_5_10", [cosine(1.0, s, 10) for s in (0, 5, 9)])
show("cosine_warm2_steps_0_1_2_6", [cosine(1.0, s, 10, warmup=2) for s in (0, 1, 2, 6)])
