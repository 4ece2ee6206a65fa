"""scikit-learn values of the evaluation metrics on fixed predictions, pinned in
stdlib/tests/experiments_metrics.rs. Run: .venv/bin/python tests/reference/metrics_reference.py"""
import numpy as np
from sklearn.metrics import (accuracy_score, confusion_matrix, log_loss,
                             precision_recall_fscore_support, roc_auc_score)

rng = np.random.default_rng(3)
n, k = 60, 3
y = rng.integers(0, k, n)
logits = rng.normal(size=(n, k)) + 1.5 * np.eye(k)[y]
logits = np.round(logits, 1)  # ties in scores, as real models produce
proba = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
pred = proba.argmax(1)
other = np.where(rng.random(n) < 0.3, (pred + 1) % k, pred)

p, r, f, s = precision_recall_fscore_support(y, pred, zero_division=0)
mp, mr, mf, _ = precision_recall_fscore_support(y, pred, average="macro", zero_division=0)

# binary problem: class 2 vs rest, scored by the rounded class-2 probability (ties)
yb = (y == 2).astype(int)
sb = np.round(proba[:, 2], 1)


def ece(y, proba, bins=10):
    conf = proba.max(1)
    correct = proba.argmax(1) == y
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        inb = (conf > lo) & (conf <= hi)
        if inb.any():
            total += inb.mean() * abs(correct[inb].mean() - conf[inb].mean())
    return total


fmt = lambda a: ", ".join(repr(float(x)) for x in np.ravel(a))
print("const Y: [usize; 60] = [" + ", ".join(map(str, y)) + "];")
print("const LOGITS: [f64; 180] = [" + fmt(logits) + "];")
print("const OTHER: [usize; 60] = [" + ", ".join(map(str, other)) + "];")
print(f"const ACCURACY: f64 = {accuracy_score(y, pred)!r};")
print("const PRECISION: [f64; 3] = [" + fmt(p) + "];")
print("const RECALL: [f64; 3] = [" + fmt(r) + "];")
print("const F1: [f64; 3] = [" + fmt(f) + "];")
print(f"const MACRO: [f64; 3] = [{mp!r}, {mr!r}, {mf!r}];")
print("const CONFUSION: [usize; 9] = [" + ", ".join(map(str, confusion_matrix(y, pred).ravel())) + "];")
print(f"const AUC_OVR: f64 = {roc_auc_score(y, proba, multi_class='ovr')!r};")
print(f"const AUC_BINARY: f64 = {roc_auc_score(yb, sb)!r};")
print(f"const LOG_LOSS: f64 = {log_loss(y, proba)!r};")
print(f"const ECE: f64 = {float(ece(y, proba))!r};")
print(f"const AGREEMENT: f64 = {float(np.mean(pred == other))!r};")
