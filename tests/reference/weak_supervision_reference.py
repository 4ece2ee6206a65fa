"""Independent numpy computation of majority vote, Dawid-Skene EM and Snorkel's LF summary on a
fixed label matrix (METHODS.md formulas), for stdlib/tests/experiments_weak.rs.
Run: .venv/bin/python tests/reference/weak_supervision_reference.py > /tmp/ws.txt"""
import numpy as np

rng = np.random.default_rng(7)
n, m, k = 40, 4, 3
gold = rng.integers(0, k, n)
acc = [0.85, 0.7, 0.6, 0.5]
cov = [0.8, 0.6, 0.9, 0.5]
L = -np.ones((n, m), dtype=int)
for j in range(m):
    votes = rng.random(n) < cov[j]
    right = rng.random(n) < acc[j]
    wrong = (gold + rng.integers(1, k, n)) % k
    L[votes, j] = np.where(right, gold, wrong)[votes]

# majority vote (Snorkel's MajorityLabelVoter)
counts = np.stack([(L == c).sum(1) for c in range(k)], 1)
top = counts == counts.max(1, keepdims=True)
mv_proba = top / top.sum(1, keepdims=True)
mv_pred = np.where(top.sum(1) == 1, counts.argmax(1), -1)

# Dawid-Skene EM in log space
T = mv_proba.copy()
votes_onehot = np.stack([(L == l) for l in range(k)], 2).astype(float)  # n, m, k
for it in range(100):
    p = T.mean(0)
    num = np.einsum("iy,ijl->jyl", T, votes_onehot)
    den = np.einsum("iy,ij->jy", T, (L != -1).astype(float))
    pi = np.where(den[:, :, None] > 0, num / np.where(den > 0, den, 1)[:, :, None], 1.0 / k)
    pi = np.maximum(pi, 1e-10)
    logpi = np.log(pi)
    logT = np.log(np.maximum(p, 1e-10))[None, :] + np.einsum("ijl,jyl->iy", votes_onehot, logpi)
    logT -= logT.max(1, keepdims=True)
    newT = np.exp(logT)
    newT /= newT.sum(1, keepdims=True)
    change = np.abs(newT - T).max()
    T = newT
    if change < 1e-5:
        break
iterations = it + 1

# LF summary
covered = L != -1
overlapped = covered.sum(1) > 1
conflicted = np.array([len(set(r[r != -1])) > 1 for r in L])
coverage = covered.mean(0)
overlaps = (covered & overlapped[:, None]).mean(0)
conflicts = (covered & conflicted[:, None]).mean(0)
correct = (covered & (L == gold[:, None])).sum(0)
incorrect = covered.sum(0) - correct
emp_acc = correct / covered.sum(0)

fmt = lambda a: ", ".join(repr(float(x)) for x in np.ravel(a))
print("const L: [[i64; 4]; 40] = [" + ", ".join("[" + ", ".join(str(v) for v in r) + "]" for r in L) + "];")
print("const GOLD: [i64; 40] = [" + ", ".join(str(g) for g in gold) + "];")
print("const MV_PROBA: [f64; 120] = [" + fmt(mv_proba) + "];")
print("const MV_PRED: [i64; 40] = [" + ", ".join(str(v) for v in mv_pred) + "];")
print("const DS_POSTERIOR: [f64; 120] = [" + fmt(T) + "];")
print("const DS_PRIOR: [f64; 3] = [" + fmt(T.mean(0) if False else p) + "];")
print(f"const DS_ITERATIONS: usize = {iterations};")
print("const COVERAGE: [f64; 4] = [" + fmt(coverage) + "];")
print("const OVERLAPS: [f64; 4] = [" + fmt(overlaps) + "];")
print("const CONFLICTS: [f64; 4] = [" + fmt(conflicts) + "];")
print("const CORRECT: [usize; 4] = [" + ", ".join(str(v) for v in correct) + "];")
print("const INCORRECT: [usize; 4] = [" + ", ".join(str(v) for v in incorrect) + "];")
print("const EMP_ACC: [f64; 4] = [" + fmt(emp_acc) + "];")
print(f"// majority-vote accuracy {np.mean(mv_pred == gold):.4f}, Dawid-Skene accuracy {np.mean(T.argmax(1) == gold):.4f}")
