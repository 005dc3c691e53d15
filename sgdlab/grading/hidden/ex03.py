"""Hidden cases for exercises 03 (minibatch SGD)."""

from __future__ import annotations

import numpy as np

from sgdlab.checks._runner import task_check
from sgdlab.checks._variants import sgd_variant
from sgdlab.grading.hidden import compare


def _data(n: int, d: int, seed: int):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    return X, X @ rng.normal(size=d) + rng.normal(size=n)


def _same_batches(got, expected) -> bool:
    try:
        got = [np.asarray(b) for b in got]
    except TypeError:
        return False
    return len(got) == len(expected) and all(
        g.shape == e.shape and np.array_equal(g, e) for g, e in zip(got, expected, strict=True))


@task_check("minibatch_indices")
def hidden_minibatch_indices(func) -> int:
    cases = []
    for n, batch_size, seed in ((23, 4, 3101), (9, 9, 3102), (50, 7, 3103), (3, 5, 3104)):
        order = np.random.default_rng(seed).permutation(n)
        expected = [order[k:k + batch_size] for k in range(0, n, batch_size)]
        cases.append(({"n": n, "batch_size": batch_size, "rng": np.random.default_rng(seed)},
                      expected))
    return compare("minibatch_indices", func, cases, agree=_same_batches)


@task_check("minibatch_gradient")
def hidden_minibatch_gradient(func) -> int:
    cases = []
    for n, d, idx, seed in ((40, 3, [5, 1, 33, 5, 12], 3201), (15, 2, [14], 3202),
                            (20, 4, list(range(0, 20, 3)), 3203)):
        X, y = _data(n, d, seed)
        w = np.random.default_rng(seed + 1).normal(size=d)
        idx = np.array(idx)
        Xb, yb = X[idx], y[idx]
        cases.append(({"w": w, "X": X, "y": y, "idx": idx}, Xb.T @ (Xb @ w - yb) / len(idx)))
    return compare("minibatch_gradient", func, cases)


@task_check("minibatch_sgd")
def hidden_minibatch_sgd(func) -> int:
    cases = []
    for n, d, lr, batch_size, epochs, seed in ((27, 3, 0.05, 6, 3, 3301),
                                               (12, 2, 0.1, 5, 2, 3302)):
        X, y = _data(n, d, seed)
        w0 = np.random.default_rng(seed + 1).normal(size=d)
        expected = sgd_variant(w0, X, y, lr, batch_size, epochs, np.random.default_rng(seed))[-1]
        cases.append(({"w0": w0, "X": X, "y": y, "lr": lr, "batch_size": batch_size,
                       "epochs": epochs, "rng": np.random.default_rng(seed)}, expected))
    return compare("minibatch_sgd", func, cases)
