"""Times scikit-learn's AdaBoostClassifier (200 stumps) on breast_cancer: fit on all rows, best of
5 runs; prints `sklearn_fit_ms <ms> train_accuracy <acc>`. Called by stdlib/benches/samme.rs."""
import sys, time
import numpy as np
from sklearn.ensemble import AdaBoostClassifier
from sklearn.tree import DecisionTreeClassifier

t = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1)
X, y = t[:, :-1], t[:, -1].astype(int)
best = float("inf")
for _ in range(5):
    start = time.perf_counter()
    clf = AdaBoostClassifier(DecisionTreeClassifier(max_depth=1), n_estimators=200, random_state=0).fit(X, y)
    best = min(best, time.perf_counter() - start)
print(f"sklearn_fit_ms {best * 1000:.3f} train_accuracy {clf.score(X, y):.4f}")
