"""Hidden cases for exercises 06 (scikit-learn's SGD)."""

from __future__ import annotations

import numpy as np

from sgdlab.checks._runner import task_check
from sgdlab.grading.hidden import compare


@task_check("optimal_lr")
def hidden_optimal_lr(func) -> int:
    cases = []
    for t, alpha in ((1, 3e-4), (17, 0.02), (500, 1e-5)):
        t0 = 1.0 / (alpha * np.sqrt(1.0 / np.sqrt(alpha)))
        cases.append(({"t": t, "alpha": alpha}, 1.0 / (alpha * (t0 + t - 1))))
    return compare("optimal_lr", func, cases)


@task_check("sgd_epoch_l2")
def hidden_sgd_epoch_l2(func) -> int:
    rng = np.random.default_rng(6201)
    cases = []
    for n, d, eta, alpha in ((9, 3, 0.02, 0.1), (4, 2, 0.1, 0.0)):
        X, y = rng.normal(size=(n, d)), rng.normal(size=n)
        w0, b0 = rng.normal(size=d), 0.3
        w, b = w0.copy(), b0
        for i in range(n):
            dloss = X[i] @ w + b - y[i]
            w, b = (1.0 - eta * alpha) * w - eta * dloss * X[i], b - eta * dloss
        cases.append(({"w": w0, "b": b0, "X": X, "y": y, "eta": eta, "alpha": alpha}, (w, b)))
    return compare("sgd_epoch_l2", func, cases)


@task_check("averaged_weights")
def hidden_averaged_weights(func) -> int:
    rng = np.random.default_rng(6301)
    cases = []
    for steps, start in ((12, 5), (6, 0), (9, 9)):
        path = rng.normal(size=(steps + 1, 3))
        cases.append(({"path": path, "start": start}, path[start:].mean(axis=0)))
    return compare("averaged_weights", func, cases)
