"""Reference numbers for the chart statistics (stdlib/src/plot/stats.rs tests).

Run: .venv/bin/python tests/reference/plot_reference.py
"""
import numpy as np
from sklearn.calibration import calibration_curve

print("numpy", np.__version__)
for values, bins, rng in [
    ([0, 0.5, 1, 1.5, 2, 2, 3], 3, (0, 3)),
    ([0.5, 0.6, 0.6, 0.7, 0.9, 0.95, 0.99], 5, (0.5, 1.0)),
    ([0.1, 0.2, 0.3, 0.4, 0.7], 10, (0, 1)),
]:
    print("histogram", values, bins, rng, "->", np.histogram(values, bins=bins, range=rng)[0].tolist())

for y, p, n in [
    ([0, 1, 1, 0, 1, 1], [0.1, 0.2, 0.55, 0.6, 0.9, 1.0], 2),
    ([1, 0, 1, 1, 1, 0], [0.55, 0.65, 0.75, 0.85, 0.95, 0.9], 5),
    ([1], [0.5], 2),
    ([1, 0, 1], [0.2, 0.4, 0.6], 5),
]:
    prob_true, prob_pred = calibration_curve(y, p, n_bins=n)
    print("calibration", y, p, n, "->", prob_true.tolist(), prob_pred.tolist())
