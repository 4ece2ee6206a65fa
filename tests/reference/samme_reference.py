"""scikit-learn reference for SAMME with stumps (issue 5): 5-fold CV accuracies and the first
round's alpha on a fixed split. Run: .venv/bin/python tests/reference/samme_reference.py
The printed figures are pinned in stdlib/tests/experiments_boost.rs."""
import numpy as np
from pathlib import Path
from sklearn.ensemble import AdaBoostClassifier
from sklearn.model_selection import cross_val_score, StratifiedKFold, KFold
from sklearn.tree import DecisionTreeClassifier

DATA = Path(__file__).resolve().parents[2] / "stdlib" / "data"


def load(name):
    t = np.loadtxt(DATA / f"{name}.csv", delimiter=",", skiprows=1)
    return t[:, :-1], t[:, -1].astype(int)


for name in ["breast_cancer", "digits", "wine", "iris"]:
    X, y = load(name)
    for rounds in [50, 200]:
        clf = AdaBoostClassifier(DecisionTreeClassifier(max_depth=1), n_estimators=rounds, random_state=0)
        strat = cross_val_score(clf, X, y, cv=5).mean()
        plain = cross_val_score(clf, X, y, cv=KFold(5)).mean()
        print(f"{name} rounds={rounds} stratified5={strat:.4f} kfold5={plain:.4f}")

# first-round alpha and error on a fixed split: the first 100 rows of wine's even rows train
X, y = load("wine")
train = np.arange(0, len(y), 2)
clf = AdaBoostClassifier(DecisionTreeClassifier(max_depth=1), n_estimators=3, random_state=0).fit(X[train], y[train])
print("wine even rows: errors", clf.estimator_errors_.tolist(), "alphas", clf.estimator_weights_.tolist())
stump = clf.estimators_[0].tree_
print("first stump feature", stump.feature[0], "threshold", stump.threshold[0])
test = np.arange(1, len(y), 2)
print("proba of the first 3 odd rows", clf.predict_proba(X[test[:3]]).tolist())
print("staged test accuracy", list(clf.staged_score(X[test], y[test])))
