"""Times scikit-learn's AdaBoostClassifier (200 stumps) on breast_cancer: fit on all rows, best of
5 runs; prints `sklearn_fit_ms <ms> train_accuracy <acc> cv5_accuracy <acc>`. Called by stdlib/benches/samme.rs."""
import sys, time
import numpy as np
from sklearn.ensemble import AdaBoostClassifier
from sklearn.model_selection import cross_val_score
from sklearn.tree import DecisionTreeClassifier

t = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1)
X, y = t[:, :-1], t[:, -1].astype(int)
best = float("inf")
for _ in range(5):
    start = time.perf_counter()
    clf = AdaBoostClassifier(DecisionTreeClassifier(max_depth=1), n_estimators=200, random_state=0).fit(X, y)
    best = min(best, time.perf_counter() - start)
cv = cross_val_score(clf, X, y, cv=5).mean()
print(f"sklearn_fit_ms {best * 1000:.3f} train_accuracy {clf.score(X, y):.4f} cv5_accuracy {cv:.4f}")
