"""The checks of exercises 03 accept correct answers (the solution notebook's and one
written differently) and name each mistake of the catalog below exactly."""


import numpy as np
import pytest
from exercise_support import (
    assert_diagnosis,
    assert_passes,
    catalog_params,
    correct_params,
    solution,
)

from sgdlab.checks import ex03

SOLUTION = solution("03_minibatch_sgd")


# --- minibatch_indices --------------------------------------------------------------------
def indices_other(n, batch_size, rng):
    order = np.arange(n)
    rng.shuffle(order)
    cuts = np.arange(batch_size, n, batch_size)
    return list(np.split(order, cuts))


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


# --- minibatch_gradient -------------------------------------------------------------------
def gradient_other(w, X, y, idx):
    rows = [(X[i] @ w - y[i]) * X[i] for i in idx]
    return np.mean(rows, axis=0)


# --- minibatch_sgd ------------------------------------------------------------------------
def sgd_other(w0, X, y, lr, batch_size, epochs, rng):
    w = np.array(w0, dtype=float)
    for _ in range(epochs):
        for idx in indices_other(len(y), batch_size, rng):
            w = w - lr * gradient_other(w, X, y, idx)
    return w


def _sgd(reduce="mean", drop_last=False, order="epoch", kind=""):
    def minibatch_sgd(w0, X, y, lr, batch_size, epochs, rng):
        n = len(y)
        w = np.array(w0, dtype=float)
        fixed = rng.permutation(n) if order == "once" else None
        for _ in range(1 if kind == "one epoch" else epochs):
            perm = {"epoch": None, "once": fixed, "none": np.arange(n)}.get(order)
            if order == "replacement":
                perm = rng.integers(0, n, size=n)
            elif order == "own":
                perm = np.random.default_rng(0).permutation(n)
            perm = rng.permutation(n) if perm is None else perm
            stop = n - n % batch_size if drop_last else n
            start = w.copy()
            for s in range(0, stop, batch_size):
                idx = perm[s:s + batch_size]
                at = start if kind == "stale" else w
                g = X[idx].T @ (X[idx] @ at - y[idx])
                if kind == "uphill":
                    g = -g
                w = w - lr * (g / len(idx) if reduce == "mean" else
                              g / n if reduce == "n" else g)
                if kind == "one batch":
                    break
        return w
    return minibatch_sgd


def _full_gradient_sgd(w0, X, y, lr, batch_size, epochs, rng):
    w = np.asarray(w0, dtype=float)
    for _ in range(epochs):
        for _ in range(0, len(y), batch_size):
            w = w - lr * X.T @ (X @ w - y) / len(y)
    return w


def _indices_no_last(n, batch_size, rng):
    order = rng.permutation(n)
    return [order[i:i + batch_size] for i in range(0, n - batch_size, batch_size)]


def _sliding(n, batch_size, rng):
    order = rng.permutation(n)
    return [order[i:i + batch_size] for i in range(n)]


def _per_batch_draw(n, batch_size, rng):
    return [rng.permutation(n)[:min(batch_size, n - i)] for i in range(0, n, batch_size)]


def _one_based(n, batch_size, rng):
    order = rng.permutation(n) + 1
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]





CORRECT = {
    "minibatch_indices": [SOLUTION["minibatch_indices"], indices_other,
                          lambda n, b, rng: [list(x) for x in indices_other(n, b, rng)]],
    "minibatch_gradient": [SOLUTION["minibatch_gradient"], gradient_other],
    "minibatch_sgd": [SOLUTION["minibatch_sgd"], sgd_other],
}

CATALOG = {
    "minibatch_indices": [
        ("drop_last", _drop_last),
        ("no_shuffle", lambda n, b, rng: [np.arange(n)[i:i + b] for i in range(0, n, b)]),
        ("replacement", lambda n, b, rng: [rng.integers(0, n, size=min(b, n - i))
                                           for i in range(0, n, b)]),
        ("array_split", lambda n, b, rng: np.array_split(rng.permutation(n), -(-n // b))),
        ("padded", _padded),
        ("choice", lambda n, b, rng: [o[i:i + b] for o in [rng.choice(n, n, replace=False)]
                                      for i in range(0, n, b)]),
        ("ignores_rng", lambda n, b, rng: indices_other(n, b, np.random.default_rng(0))),
        ("sliding", _sliding),
        ("per_batch_draw", _per_batch_draw),
        ("missing", _indices_no_last),
        ("out_of_range", _one_based),
        ("~you returned a generator|the result is a generator", _generator_of_batches),
        ("~indices that are not integers",
         lambda n, b, rng: [x.astype(float) for x in SOLUTION["minibatch_indices"](n, b, rng)]),
    ],
    "minibatch_gradient": [
        ("sum", lambda w, X, y, idx: X[idx].T @ (X[idx] @ w - y[idx])),
        ("over_n", lambda w, X, y, idx: X[idx].T @ (X[idx] @ w - y[idx]) / len(y)),
        ("all_rows", lambda w, X, y, idx: X.T @ (X @ w - y) / len(y)),
        ("unique", lambda w, X, y, idx: gradient_other(w, X, y, np.unique(idx))),
        ("per_row", lambda w, X, y, idx: X[idx] * (X[idx] @ w - y[idx])[:, None]),
        ("sign", lambda w, X, y, idx: X[idx].T @ (y[idx] - X[idx] @ w) / len(idx)),
        ("twice", lambda w, X, y, idx: 2 * X[idx].T @ (X[idx] @ w - y[idx]) / len(idx)),
        ("first_rows", lambda w, X, y, idx: gradient_other(w, X, y, np.arange(len(idx)))),
        ("~got None", lambda w, X, y, idx: None),
        ("generic", lambda w, X, y, idx: X[idx].T @ (y[idx] - X[idx] @ w)),
    ],
    "minibatch_sgd": [
        ("sum", _sgd(reduce="sum")),
        ("over_n", _sgd(reduce="n")),
        ("drop_last", _sgd(drop_last=True)),
        ("same_order", _sgd(order="once")),
        ("no_shuffle", _sgd(order="none")),
        ("replacement", _sgd(order="replacement")),
        ("ignores_rng", _sgd(order="own")),
        ("uphill", _sgd(kind="uphill")),
        ("stale", _sgd(kind="stale")),
        ("one_batch", _sgd(kind="one batch")),
        ("one_epoch", _sgd(kind="one epoch")),
        ("never_moves", lambda w0, X, y, lr, b, epochs, rng: np.asarray(w0, dtype=float)),
        ("full_gradient", _full_gradient_sgd),
    ],
}


@pytest.mark.parametrize("task,func", correct_params(CORRECT))
def test_correct_answers_pass(task, func):
    assert_passes(ex03, task, func)


@pytest.mark.parametrize("task,expected,func", catalog_params(CATALOG))
def test_each_mistake_gets_its_own_diagnosis(task, expected, func):
    assert_diagnosis(ex03, task, expected, func)


def test_missing_rows_are_not_blamed_on_rng_integers():
    with pytest.raises(AssertionError) as info:
        ex03.check_minibatch_indices(_indices_no_last)
    assert "rng.integers" not in str(info.value) and "never appear" in str(info.value)
