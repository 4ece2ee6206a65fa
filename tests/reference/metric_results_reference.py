"""scikit-learn values for the metric result objects (confusion_matrix, classification_report,
calibration) on a small fixed example, pinned in stdlib/tests/experiments_metric_results.rs.
Run: .venv/bin/python tests/reference/metric_results_reference.py"""
import numpy as np
from sklearn.calibration import calibration_curve
from sklearn.metrics import accuracy_score, classification_report, confusion_matrix

y = np.array([0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2])
pred = np.array([0, 0, 1, 2, 1, 1, 1, 0, 2, 2, 2, 1])
# predictions with abstains (-1): Snorkel scores the rows that have a prediction
votes = np.array([0, -1, 1, 2, 1, -1, 1, 0, -1, 2, 2, -1])
proba = np.array([
    [0.70, 0.20, 0.10], [0.55, 0.35, 0.10], [0.30, 0.45, 0.25], [0.20, 0.30, 0.50],
    [0.10, 0.85, 0.05], [0.25, 0.60, 0.15], [0.05, 0.92, 0.03], [0.48, 0.40, 0.12],
    [0.10, 0.35, 0.55], [0.05, 0.15, 0.80], [0.20, 0.10, 0.70], [0.30, 0.38, 0.32],
])
bins = 5

cm = confusion_matrix(y, pred)
rep = classification_report(y, pred, output_dict=True, zero_division=0)
kept = votes != -1
conf = proba.max(1)
correct = (proba.argmax(1) == y).astype(int)
prob_true, prob_pred = calibration_curve(correct, conf, n_bins=bins)
# ECE: count-weighted |accuracy - confidence| over the same occupied bins
edges = np.linspace(0, 1, bins + 1)
ids = np.searchsorted(edges[1:-1], conf)  # calibration_curve's binning
counts = np.bincount(ids, minlength=bins)
ece = sum(counts[b] / len(y) * abs(correct[ids == b].mean() - conf[ids == b].mean())
          for b in range(bins) if counts[b] > 0)

fmt = lambda a: ", ".join(repr(float(x)) for x in np.ravel(a))
print("const Y: &str = \"[" + ", ".join(map(str, y)) + "]\";")
print("const PRED: &str = \"[" + ", ".join(map(str, pred)) + "]\";")
print("const VOTES: &str = \"[" + ", ".join(map(str, votes)) + "]\";")
print("const PROBA: &str = \"[" + ", ".join("[" + ", ".join(map(str, r)) + "]" for r in proba) + "]\";")
print("const CONFUSION: [i64; 9] = [" + ", ".join(map(str, cm.ravel())) + "];")
for key in ["precision", "recall", "f1-score"]:
    print(f"const {key.split('-')[0].upper()}: [f64; 3] = [" + fmt([rep[str(k)][key] for k in range(3)]) + "];")
print("const SUPPORT: [i64; 3] = [" + ", ".join(str(int(rep[str(k)]["support"])) for k in range(3)) + "];")
print(f"const ACCURACY: f64 = {rep['accuracy']!r};")
print("const MACRO: [f64; 3] = [" + fmt([rep["macro avg"][k] for k in ["precision", "recall", "f1-score"]]) + "];")
print("const WEIGHTED: [f64; 3] = [" + fmt([rep["weighted avg"][k] for k in ["precision", "recall", "f1-score"]]) + "];")
print(f"const VOTES_ACCURACY: f64 = {accuracy_score(y[kept], votes[kept])!r};")
print(f"const VOTES_COVERAGE: f64 = {float(kept.mean())!r};")
print("const CONFUSION_VOTES: [i64; 9] = [" + ", ".join(map(str, confusion_matrix(y[kept], votes[kept]).ravel())) + "];")
print(f"const CURVE_TRUE: [f64; {len(prob_true)}] = [" + fmt(prob_true) + "];")
print(f"const CURVE_PRED: [f64; {len(prob_pred)}] = [" + fmt(prob_pred) + "];")
print(f"const ECE: f64 = {float(ece)!r};")
