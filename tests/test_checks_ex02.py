"""The checks of exercises 02 accept correct answers (the solution notebook's and one
written differently) and name the typical mistakes."""

import numpy as np
import pytest
from exercise_support import solution

from sgdlab.checks import StudentCodeError, ex02

SOLUTION = solution("02_stochastic_gradient_descent")


def _grad_i(w, x, y):
    return (x @ w - y) * x


# --- per_example_gradients ----------------------------------------------------------------
def per_example_other(w, X, y):
    return np.array([_grad_i(np.asarray(w, float), x, t) for x, t in zip(X, y, strict=True)])


@pytest.mark.parametrize("func", [SOLUTION["per_example_gradients"], per_example_other],
                         ids=["solution", "other"])
def test_per_example_gradients_accepts_correct_answers(func, capsys):
    ex02.check_per_example_gradients(func)
    assert "✓ per_example_gradients passed" in capsys.readouterr().out


@pytest.mark.parametrize("func,diagnosis", [
    (lambda w, X, y: (X * (X @ w - y)[:, None]).mean(axis=0), "you returned the average "
                                                              "gradient"),
    (lambda w, X, y: X.T * (X @ w - y), "Rows and columns are swapped"),
    (lambda w, X, y: 2 * X * (X @ w - y)[:, None], "twice too large"),
    (lambda w, X, y: X * (y - X @ w)[:, None], "the sign is flipped"),
    (lambda w, X, y: X * (X @ w - y)[:, None] / len(y), "you divided by n"),
])
def test_per_example_gradients_names_the_mistake(func, diagnosis):
    with pytest.raises(AssertionError, match=diagnosis):
        ex02.check_per_example_gradients(func)


# --- sgd_epoch ----------------------------------------------------------------------------
def sgd_epoch_other(w, X, y, lr, rng):
    idx = np.arange(len(y))
    rng.shuffle(idx)  # the same permutation as rng.permutation(n)
    w = w.astype(float)
    for i in idx:
        w = w - lr * _grad_i(w, X[i], y[i])
    return w


@pytest.mark.parametrize("func", [SOLUTION["sgd_epoch"], sgd_epoch_other],
                         ids=["solution", "other"])
def test_sgd_epoch_accepts_correct_answers(func, capsys):
    ex02.check_sgd_epoch(func)
    assert "✓ sgd_epoch passed" in capsys.readouterr().out


def _epoch(order, stale=False):
    def sgd_epoch(w, X, y, lr, rng):
        n = len(y)
        w = np.asarray(w, dtype=float)
        if order == "none":
            idx = np.arange(n)
        elif order == "replacement":
            idx = rng.integers(0, n, size=n)
        elif order == "own":
            idx = np.random.default_rng(0).permutation(n)
        else:
            idx = rng.permutation(n)
        start = w.copy()
        for i in idx:
            w = w - lr * _grad_i(start if stale else w, X[i], y[i])
        return w
    return sgd_epoch


def _shuffles_data(w, X, y, lr, rng):
    rng.shuffle(X)
    return _epoch("none")(w, X, y, lr, rng)


@pytest.mark.parametrize("func,diagnosis", [
    (_epoch("none"), "you visited the samples in their stored order"),
    (_epoch("replacement"), "you drew the samples with replacement"),
    (_epoch("own"), "your result is the same whatever rng you pass"),
    (_epoch("epoch", stale=True), "taken at the weights the epoch started from"),
    (lambda w, X, y, lr, rng: w - lr * X.T @ (X @ w - y) / len(y), "one full-batch gradient "
                                                                   "descent step"),
    (_shuffles_data, "changed its argument `X` in place.*shuffle an index array"),
])
def test_sgd_epoch_names_the_mistake(func, diagnosis):
    with pytest.raises(AssertionError, match=diagnosis):
        ex02.check_sgd_epoch(func)


# --- run_sgd ------------------------------------------------------------------------------
def run_sgd_other(w0, X, y, lr, epochs, rng):
    out = np.empty((epochs + 1, len(w0)))
    out[0] = w0
    for k in range(epochs):
        out[k + 1] = sgd_epoch_other(out[k], X, y, lr, rng)
    return out


@pytest.mark.parametrize("func", [SOLUTION["run_sgd"], run_sgd_other], ids=["solution", "other"])
def test_run_sgd_accepts_correct_answers(func, capsys):
    ex02.check_run_sgd(func)
    assert "✓ run_sgd passed" in capsys.readouterr().out


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


def _without_start(w0, X, y, lr, epochs, rng):
    rows, w = [], w0
    for _ in range(epochs):
        w = sgd_epoch_other(w, X, y, lr, rng)
        rows.append(w)
    return np.array(rows).reshape(epochs, len(w0))


@pytest.mark.parametrize("func,diagnosis", [
    (_shuffle_once, "every epoch visits the samples in the same order: shuffle with rng at "
                    "the start of each epoch"),
    (_aliased_rows, "every row is the final weights"),
    (_without_start, "your result has 4 rows; it should have epochs \\+ 1 = 5"),
])
def test_run_sgd_names_the_mistake(func, diagnosis):
    with pytest.raises(AssertionError, match=diagnosis):
        ex02.check_run_sgd(func)


# --- inverse_time_lr ----------------------------------------------------------------------
@pytest.mark.parametrize("func", [SOLUTION["inverse_time_lr"],
                                  lambda t, lr0, decay: lr0 * (1 + decay * t) ** -1.0],
                         ids=["solution", "other"])
def test_inverse_time_lr_accepts_correct_answers(func, capsys):
    ex02.check_inverse_time_lr(func)
    assert "✓ inverse_time_lr passed" in capsys.readouterr().out


@pytest.mark.parametrize("func,diagnosis", [
    (lambda t, lr0, decay: lr0 / (1 + decay) ** t, "that is exponential decay"),
    (lambda t, lr0, decay: lr0 / (1 + decay * (t + 1)), "starts one step late"),
    (lambda t, lr0, decay: lr0 / (1 + t), "ignores decay"),
    (lambda t, lr0, decay: lr0 / (1 + decay * t) ** 2, "you squared the denominator"),
    (lambda t, lr0, decay: np.array([lr0 / (1 + decay * t)]), "one number"),
])
def test_inverse_time_lr_names_the_mistake(func, diagnosis):
    with pytest.raises(AssertionError, match=diagnosis):
        ex02.check_inverse_time_lr(func)


def test_a_division_by_zero_at_the_first_step_is_explained():
    with pytest.raises(StudentCodeError, match="(?s)ZeroDivisionError.*first step \\(t = 0\\)"):
        ex02.check_inverse_time_lr(lambda t, lr0, decay: lr0 / (decay * t))
