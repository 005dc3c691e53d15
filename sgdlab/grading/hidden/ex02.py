"""Hidden cases for exercises 02 (stochastic gradient descent)."""

from __future__ import annotations

import numpy as np

from sgdlab.checks._runner import task_check
from sgdlab.checks._variants import sgd_variant
from sgdlab.grading.hidden import compare
from sgdlab.losses import LeastSquares


def _data(n: int, d: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * rng.uniform(0.5, 2.0, size=d)
    return X, X @ rng.normal(size=d) + rng.normal(size=n)


@task_check("per_example_gradients")
def hidden_per_example_gradients(func) -> int:
    cases = []
    for n, d, seed in ((13, 5, 9101), (2, 1, 9102), (40, 3, 9103)):
        X, y = _data(n, d, seed)
        w = np.random.default_rng(seed + 50).normal(size=d)
        cases.append(({"w": w, "X": X, "y": y}, LeastSquares(X, y).per_example_grads(w)))
    return compare("per_example_gradients", func, cases)


@task_check("sgd_epoch")
def hidden_sgd_epoch(func) -> int:
    cases = []
    for n, d, lr, seed in ((17, 4, 0.03, 9201), (9, 2, 0.1, 9202), (25, 1, 0.05, 9203)):
        X, y = _data(n, d, seed)
        w = np.random.default_rng(seed + 50).normal(size=d)
        expected = sgd_variant(w, X, y, lr, 1, 1, np.random.default_rng(seed))[-1]
        cases.append(({"w": w, "X": X, "y": y, "lr": lr,
                       "rng": np.random.default_rng(seed)}, expected))
    return compare("sgd_epoch", func, cases)


@task_check("run_sgd")
def hidden_run_sgd(func) -> int:
    cases = []
    for n, d, lr, epochs, seed in ((11, 3, 0.04, 5, 9301), (6, 2, 0.1, 2, 9302)):
        X, y = _data(n, d, seed)
        w0 = np.random.default_rng(seed + 50).normal(size=d)
        expected = sgd_variant(w0, X, y, lr, 1, epochs, np.random.default_rng(seed))
        cases.append(({"w0": w0, "X": X, "y": y, "lr": lr, "epochs": epochs,
                       "rng": np.random.default_rng(seed)}, expected))
    return compare("run_sgd", func, cases)


@task_check("inverse_time_lr")
def hidden_inverse_time_lr(func) -> int:
    cases = [({"t": t, "lr0": lr0, "decay": decay}, lr0 / (1 + decay * t))
             for t, lr0, decay in ((37, 0.7, 0.3), (5, 0.05, 2.0), (250, 1.5, 0.001),
                                   (np.int32(12), 4, 1))]
    return compare("inverse_time_lr", func, cases)
