"""Reference values for stdlib/src/loss/tests.rs, computed independently with numpy from the
formulas in METHODS.md (and PyTorch's documented definitions). Run:

    .venv/bin/python stdlib/reference/losses.py

and paste the printed numbers into the Rust test if a formula changes.
"""
import numpy as np

np.set_printoptions(precision=10)

# Fixed inputs (the Rust test uses the same literals).
Z3 = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, -1.0], [-1.0, 0.0, 1.0], [3.0, -2.0, 0.5]])
Y3 = np.array([0, 1, 2, 1])
SOFT3 = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.2, 0.3, 0.5], [0.3, 0.3, 0.4]])
T3 = np.array([[1.0, 0.5, -0.5], [0.0, 3.0, 0.0], [-2.0, 0.5, 2.5], [1.5, 1.0, 0.0]])
W = np.array([1.0, 2.0, 0.5, 1.5])
Z2 = np.array([[1.0, -1.0], [0.2, 0.4], [-0.5, 1.5], [2.0, 1.9], [0.0, 0.3], [-1.0, -0.2]])
WEAK2 = np.array([[0.8, 0.2], [0.4, 0.6], [0.3, 0.7], [0.6, 0.4], [0.45, 0.55], [0.2, 0.8]])
Y2 = np.array([0, 1, 1, 0, 1, 1])


def log_softmax(z):
    m = z.max(axis=1, keepdims=True)
    s = z - m
    return s - np.log(np.exp(s).sum(axis=1, keepdims=True))


def softmax(z):
    return np.exp(log_softmax(z))


def ce(z, y):
    return -log_softmax(z)[np.arange(len(y)), y]


def soft_ce(z, t):
    return -(t * log_softmax(z)).sum(axis=1)


def wmean(l, w):
    return (l * w).sum() / w.sum()


def kd(s, t, T, alpha, y):
    pt = softmax(t / T)
    kl = (pt * (np.log(pt) - log_softmax(s / T))).sum(axis=1)
    return alpha * T * T * kl + (1 - alpha) * ce(s, y)


def logconf(z, weak, coef):
    p = softmax(z)
    t = np.quantile(p[:, 0], weak[:, 1].mean())  # linear interpolation, as torch.quantile
    hard = np.stack([(p[:, 0] >= t), (p[:, 0] < t)], axis=1).astype(float)
    target = weak * (1 - coef) + hard * coef
    return soft_ce(z, target)


def product(z, weak, alpha, beta):
    p = softmax(z)
    t = p**beta * weak**alpha
    t = t / t.sum(axis=1, keepdims=True)
    return soft_ce(z, t)


def focal(z, y, gamma, alpha):
    p = softmax(z)
    pt = p[np.arange(len(y)), y]
    if z.shape[1] == 2:
        at = np.where(y == 1, alpha, 1 - alpha)
    else:
        at = np.full(len(y), alpha)
    return -at * (1 - pt) ** gamma * np.log(pt)


def zloss(z, y, a, b):
    mu = z.mean(axis=1, keepdims=True)
    sd = z.std(axis=1, keepdims=True)  # population std
    zz = (z - mu) / sd
    return np.log1p(np.exp(a * (b - zz[np.arange(len(y)), y]))) / a


def info_nce(q, k, tau):
    return ce(q @ k.T / tau, np.arange(len(q)))


def reweight(l, strategy, r, delta=1.0):
    n = 2 * delta * (l - l.min()) / (l.max() - l.min()) - delta
    f = {"lin_upper": np.minimum(n + delta, delta), "quadratic": 1 - n**2 / delta**2, "extremes": np.abs(n)}[strategy]
    e = np.exp(f / r - (f / r).max())
    return e / e.sum()


def coef(step, total, aux=0.5, warm=0.1):
    return aux * min(1.0, (step / total) / warm)


rows = {
    "ce": ce(Z3, Y3).mean(),
    "ce_weighted": wmean(ce(Z3, Y3), W),
    "soft_ce": soft_ce(Z3, SOFT3).mean(),
    "soft_ce_weighted": wmean(soft_ce(Z3, SOFT3), W),
    "kd_t2_a07": kd(Z3, T3, 2.0, 0.7, Y3).mean(),
    "kd_t4_a1_weighted": wmean(kd(Z3, T3, 4.0, 1.0, Y3), W),
    "logconf_coef025": logconf(Z2, WEAK2, 0.25).mean(),
    "logconf_coef05_weighted": wmean(logconf(Z2, WEAK2, 0.5), np.array([1, 2, 1, 2, 1, 2.0])),
    "product_a1_b1": product(Z2, WEAK2, 1.0, 1.0).mean(),
    "focal3_g2_a025": focal(Z3, Y3, 2.0, 0.25).mean(),
    "focal2_g2_a025": focal(Z2, Y2, 2.0, 0.25).mean(),
    "zloss_a1_b1": zloss(Z3, Y3, 1.0, 1.0).mean(),
    "zloss_a01_b10_weighted": wmean(zloss(Z3, Y3, 0.1, 10.0), W),
    "info_nce_t005": info_nce(Z3[:, :2] / 3, T3[:, :2] / 3, 0.05).mean(),
    "info_nce_t1": info_nce(Z3, T3, 1.0).mean(),
    "coef_step5_of100": coef(5, 100),
    "coef_step50_of100": coef(50, 100),
}
for k, v in rows.items():
    print(f"{k} = {v:.10f}")
losses = ce(Z3, Y3)
for s in ["lin_upper", "quadratic", "extremes"]:
    print(f"reweight_{s}_r05 =", ", ".join(f"{x:.10f}" for x in reweight(losses, s, 0.5)))
