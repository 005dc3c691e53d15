"""The checks of exercises 02 accept correct answers (the solution notebook's and others
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

from sgdlab.checks import StudentCodeError, ex02

SOLUTION = solution("02_stochastic_gradient_descent")


def _grad_i(w, x, y):
    return (x @ w - y) * x


# --- per_example_gradients ----------------------------------------------------------------
def per_example_other(w, X, y):
    return np.array([_grad_i(np.asarray(w, float), x, t) for x, t in zip(X, y, strict=True)])


# --- sgd_epoch ----------------------------------------------------------------------------
def sgd_epoch_other(w, X, y, lr, rng):
    idx = np.arange(len(y))
    rng.shuffle(idx)  # the same permutation as rng.permutation(n)
    w = w.astype(float)
    for i in idx:
        w = w - lr * _grad_i(w, X[i], y[i])
    return w


def _epoch(order, stale=False, kind="sgd"):
    def sgd_epoch(w, X, y, lr, rng):
        n = len(y)
        w = np.asarray(w, dtype=float)
        if kind == "full gradient":
            for _ in range(n):
                w = w - lr * X.T @ (X @ w - y) / n
            return w
        if order == "none":
            idx = np.arange(n)
        elif order == "replacement":
            idx = rng.integers(0, n, size=n)
        elif order == "own":
            idx = np.random.default_rng(0).permutation(n)
        elif order == "choice":
            idx = rng.choice(n, n, replace=False)
        else:
            idx = rng.permutation(n)
        start = w.copy()
        for k, i in enumerate(idx):
            if kind == "unpaired":
                w = w - lr * (X[i] @ w - y[k]) * X[i]
            elif kind == "uphill":
                w = w + lr * _grad_i(w, X[i], y[i])
            else:
                w = w - lr * _grad_i(start if stale else w, X[i], y[i])
            if kind == "one step":
                return w
        return w
    return sgd_epoch


def _shuffles_data(w, X, y, lr, rng):
    rng.shuffle(X)
    return _epoch("none")(w, X, y, lr, rng)


# --- run_sgd ------------------------------------------------------------------------------
def run_sgd_other(w0, X, y, lr, epochs, rng):
    out = np.empty((epochs + 1, len(w0)))
    out[0] = w0
    for k in range(epochs):
        out[k + 1] = sgd_epoch_other(out[k], X, y, lr, rng)
    return out


def _shuffle_once(w0, X, y, lr, epochs, rng):
    order = rng.permutation(len(y))
    w = np.asarray(w0, dtype=float)
    rows = [w]
    for _ in range(epochs):
        for i in order:
            w = w - lr * _grad_i(w, X[i], y[i])
        rows.append(w)
    return np.array(rows)


def _aliased_rows(w0, X, y, lr, epochs, rng):
    w = np.array(w0, dtype=float)
    rows = [w]
    for _ in range(epochs):
        w[:] = sgd_epoch_other(w, X, y, lr, rng)
        rows.append(w)
    return np.array(rows)


def _run(kind):
    def run_sgd(w0, X, y, lr, epochs, rng):
        w = np.asarray(w0, dtype=float)
        rows = [w]
        for _ in range(epochs):
            if kind == "never moves":
                sgd_epoch_other(w, X, y, lr, rng)
            elif kind == "none":
                w = _epoch("none")(w, X, y, lr, rng)
            elif kind == "replacement":
                w = _epoch("replacement")(w, X, y, lr, rng)
            elif kind == "own rng":
                w = sgd_epoch_other(w, X, y, lr, np.random.default_rng(7))
            elif kind == "uphill":
                w = _epoch("epoch", kind="uphill")(w, X, y, lr, rng)
            elif kind == "choice":
                w = _epoch("choice")(w, X, y, lr, rng)
            else:
                w = sgd_epoch_other(w, X, y, lr, rng)
            rows.append(w)
        if kind == "final":
            return w
        if kind == "shifted":
            return np.array(rows[1:] + [sgd_epoch_other(w, X, y, lr, rng)])
        return np.array(rows)
    return run_sgd


def _without_start(w0, X, y, lr, epochs, rng):
    rows, w = [], w0
    for _ in range(epochs):
        w = sgd_epoch_other(w, X, y, lr, rng)
        rows.append(w)
    return np.array(rows).reshape(epochs, len(w0))


# --- inverse_time_lr ----------------------------------------------------------------------
def _inverse(kind):
    def inverse_time_lr(t, lr0, decay):
        if kind == "floor":
            return lr0 // (1 + decay * t)
        if kind == "late":
            return lr0 / (1 + decay * (t + 1))
        if kind == "exp":
            return lr0 * np.exp(-decay * t)
        if kind == "linear":
            return lr0 - decay * t
        if kind == "brackets":
            return lr0 / (1 + decay) * t
        if kind == "grows":
            return lr0 * (1 + decay * t)
        return None
    return inverse_time_lr


CORRECT = {
    "per_example_gradients": [SOLUTION["per_example_gradients"], per_example_other,
                              lambda w, X, y: np.einsum("ij,i->ij", X, X @ w - y)],
    "sgd_epoch": [SOLUTION["sgd_epoch"], sgd_epoch_other],
    "run_sgd": [SOLUTION["run_sgd"], run_sgd_other],
    "inverse_time_lr": [SOLUTION["inverse_time_lr"],
                        lambda t, lr0, decay: lr0 * (1 + decay * t) ** -1.0],
}

CATALOG = {
    "per_example_gradients": [
        ("mean", lambda w, X, y: (X * (X @ w - y)[:, None]).mean(axis=0)),
        ("~Rows and columns are swapped", lambda w, X, y: X.T * (X @ w - y)),
        ("twice", lambda w, X, y: 2 * X * (X @ w - y)[:, None]),
        ("sign", lambda w, X, y: X * (y - X @ w)[:, None]),
        ("over_n", lambda w, X, y: X * (X @ w - y)[:, None] / len(y)),
        ("ignores_y", lambda w, X, y: X * (X @ w)[:, None]),
        ("tiled_mean", lambda w, X, y: np.tile((X * (X @ w - y)[:, None]).mean(axis=0),
                                               (len(y), 1))),
        ("losses", lambda w, X, y: X @ w - y),
        ("losses", lambda w, X, y: 0.5 * (X @ w - y) ** 2),
    ],
    "sgd_epoch": [
        ("no_shuffle", _epoch("none")),
        ("replacement", _epoch("replacement")),
        ("choice", _epoch("choice")),
        ("ignores_rng", _epoch("own")),
        ("stale", _epoch("epoch", stale=True)),
        ("full_batch", lambda w, X, y, lr, rng: w - lr * X.T @ (X @ w - y) / len(y)),
        ("full_gradient", _epoch("epoch", kind="full gradient")),
        ("never_moves", lambda w, X, y, lr, rng: np.asarray(w, dtype=float)),
        ("one_step", _epoch("epoch", kind="one step")),
        ("unpaired", _epoch("epoch", kind="unpaired")),
        ("uphill", _epoch("epoch", kind="uphill")),
        ("~changed its argument X in place\n.*shuffle an index array", _shuffles_data),
    ],
    "run_sgd": [
        ("same_order", _shuffle_once),
        ("aliased", _aliased_rows),
        ("rows", _without_start),
        ("never_moves", _run("never moves")),
        ("no_shuffle", _run("none")),
        ("replacement", _run("replacement")),
        ("choice", _run("choice")),
        ("ignores_rng", _run("own rng")),
        ("uphill", _run("uphill")),
        ("final_only", _run("final")),
        ("shifted", _run("shifted")),
    ],
    "inverse_time_lr": [
        ("exponential", lambda t, lr0, decay: lr0 / (1 + decay) ** t),
        ("late", _inverse("late")),
        ("no_decay", lambda t, lr0, decay: lr0 / (1 + t)),
        ("squared", lambda t, lr0, decay: lr0 / (1 + decay * t) ** 2),
        ("floor", _inverse("floor")),
        ("exp_e", _inverse("exp")),
        ("linear", _inverse("linear")),
        ("brackets", _inverse("brackets")),
        ("grows", _inverse("grows")),
        ("~one number", lambda t, lr0, decay: np.array([lr0 / (1 + decay * t)])),
        ("~did you forget to `return`", _inverse("none")),
        ("generic", lambda t, lr0, decay: lr0 / (1 + decay * (t + 1)) ** 2),
    ],
}


@pytest.mark.parametrize("task,func", correct_params(CORRECT))
def test_correct_answers_pass(task, func):
    assert_passes(ex02, task, func)


@pytest.mark.parametrize("task,expected,func", catalog_params(CATALOG))
def test_each_mistake_gets_its_own_diagnosis(task, expected, func):
    assert_diagnosis(ex02, task, expected, func)


def test_a_division_by_zero_at_the_first_step_is_explained():
    with pytest.raises(StudentCodeError, match="(?s)ZeroDivisionError.*first step \\(t = 0\\)"):
        ex02.check_inverse_time_lr(lambda t, lr0, decay: lr0 / (decay * t))


def test_answers_that_ignore_the_data_are_not_told_to_shuffle():
    """Returning w, or full-data gradient steps, also ignore rng: they get their own
    diagnosis, not the rng one."""
    for func in (lambda w, X, y, lr, rng: w.astype(float), _epoch("epoch", kind="full gradient")):
        with pytest.raises(AssertionError) as info:
            ex02.check_sgd_epoch(func)
        assert "rng" not in str(info.value).splitlines()[0]
