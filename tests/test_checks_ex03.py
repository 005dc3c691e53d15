"""The checks of exercises 03 accept correct answers (the solution notebook's and one
written differently) and name the typical mistakes."""


import numpy as np
import pytest
from exercise_support import solution

from sgdlab.checks import ex03

SOLUTION = solution("03_minibatch_sgd")


# --- minibatch_indices --------------------------------------------------------------------
def indices_other(n, batch_size, rng):
    order = np.arange(n)
    rng.shuffle(order)
    cuts = np.arange(batch_size, n, batch_size)
    return list(np.split(order, cuts))


@pytest.mark.parametrize("func", [SOLUTION["minibatch_indices"], indices_other],
                         ids=["solution", "other"])
def test_minibatch_indices_accepts_correct_answers(func, capsys):
    ex03.check_minibatch_indices(func)
    assert "✓ minibatch_indices passed" in capsys.readouterr().out


def _drop_last(n, batch_size, rng):
    order = rng.permutation(n)
    return [order[i:i + batch_size] for i in range(0, n - batch_size + 1, batch_size)]


def _padded(n, batch_size, rng):
    order = rng.permutation(n)
    wrapped = np.concatenate([order, order])
    return [wrapped[i:i + batch_size] for i in range(0, n, batch_size)]


def _generator_of_batches(n, batch_size, rng):
    order = rng.permutation(n)
    for i in range(0, n, batch_size):
        yield order[i:i + batch_size]


@pytest.mark.parametrize("func,diagnosis", [
    (_drop_last, "your batches cover only 9 of the 10 rows: the last, shorter batch of 1 "
                 "row is missing"),
    (lambda n, b, rng: [np.arange(n)[i:i + b] for i in range(0, n, b)],
     "your batches take the rows in order 0, 1, 2"),
    (lambda n, b, rng: [rng.integers(0, n, size=min(b, n - i)) for i in range(0, n, b)],
     "some rows appear more than once and others never"),
    (lambda n, b, rng: np.array_split(rng.permutation(n), -(-n // b)),
     "your batch sizes are \\[3, 3, 2, 2\\]; they should be \\[3, 3, 3, 1\\]"),
    (_padded, "your last batch is padded to full size"),
    (_generator_of_batches, "you returned a generator"),
    (lambda n, b, rng: [o[i:i + b] for o in [rng.choice(n, n, replace=False)]
                        for i in range(0, n, b)], "not in the order rng.permutation\\(n\\)"),
    (lambda n, b, rng: [x.astype(float) for x in SOLUTION["minibatch_indices"](n, b, rng)],
     "indices must be integers"),
])
def test_minibatch_indices_names_the_mistake(func, diagnosis):
    with pytest.raises(AssertionError, match=diagnosis):
        ex03.check_minibatch_indices(func)


# --- minibatch_gradient -------------------------------------------------------------------
def gradient_other(w, X, y, idx):
    rows = [(X[i] @ w - y[i]) * X[i] for i in idx]
    return np.mean(rows, axis=0)


@pytest.mark.parametrize("func", [SOLUTION["minibatch_gradient"], gradient_other],
                         ids=["solution", "other"])
def test_minibatch_gradient_accepts_correct_answers(func, capsys):
    ex03.check_minibatch_gradient(func)
    assert "✓ minibatch_gradient passed" in capsys.readouterr().out


@pytest.mark.parametrize("func,diagnosis", [
    (lambda w, X, y, idx: X[idx].T @ (X[idx] @ w - y[idx]),
     "the update is 32 times too large: average the gradient over the batch"),
    (lambda w, X, y, idx: X[idx].T @ (X[idx] @ w - y[idx]) / len(y), "3.125 times too small"),
    (lambda w, X, y, idx: X.T @ (X @ w - y) / len(y), "your gradient ignores idx"),
    (lambda w, X, y, idx: gradient_other(w, X, y, np.unique(idx)), "rows listed twice in idx "
                                                                   "must count twice"),
    (lambda w, X, y, idx: X[idx] * (X[idx] @ w - y[idx])[:, None], "you returned one gradient "
                                                                   "per row"),
])
def test_minibatch_gradient_names_the_mistake(func, diagnosis):
    with pytest.raises(AssertionError, match=diagnosis):
        ex03.check_minibatch_gradient(func)


# --- minibatch_sgd ------------------------------------------------------------------------
def sgd_other(w0, X, y, lr, batch_size, epochs, rng):
    w = np.array(w0, dtype=float)
    for _ in range(epochs):
        for idx in indices_other(len(y), batch_size, rng):
            w = w - lr * gradient_other(w, X, y, idx)
    return w


@pytest.mark.parametrize("func", [SOLUTION["minibatch_sgd"], sgd_other], ids=["solution", "other"])
def test_minibatch_sgd_accepts_correct_answers(func, capsys):
    ex03.check_minibatch_sgd(func)
    assert "✓ minibatch_sgd passed" in capsys.readouterr().out


def _sgd(reduce="mean", drop_last=False, order="epoch"):
    def minibatch_sgd(w0, X, y, lr, batch_size, epochs, rng):
        n = len(y)
        w = np.array(w0, dtype=float)
        fixed = rng.permutation(n) if order == "once" else None
        for _ in range(epochs):
            perm = {"epoch": None, "once": fixed, "none": np.arange(n)}[order]
            perm = rng.permutation(n) if perm is None else perm
            stop = n - n % batch_size if drop_last else n
            for s in range(0, stop, batch_size):
                idx = perm[s:s + batch_size]
                g = X[idx].T @ (X[idx] @ w - y[idx])
                w = w - lr * (g / len(idx) if reduce == "mean" else g)
        return w
    return minibatch_sgd


@pytest.mark.parametrize("func,diagnosis", [
    (_sgd(reduce="sum"), "the updates are 8 times too large: average the gradient"),
    (_sgd(drop_last=True), "you dropped the last, shorter batch of each epoch \\(2 rows\\)"),
    (_sgd(order="once"), "every epoch visits the batches in the same order"),
    (_sgd(order="none"), "you never shuffle"),
])
def test_minibatch_sgd_names_the_mistake(func, diagnosis):
    with pytest.raises(AssertionError, match=diagnosis):
        ex03.check_minibatch_sgd(func)
