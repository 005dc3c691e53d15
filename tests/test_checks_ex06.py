"""The checks of exercises 06 accept correct answers (the solution notebook's and one
written differently) and name the typical mistakes."""


import numpy as np
import pytest
from exercise_support import solution

from sgdlab.checks import ex06

SOLUTION = solution("06_scikit_learn")


# --- optimal_lr ---------------------------------------------------------------------------
def optimal_other(t, alpha):
    first = alpha ** -0.25                 # the first rate, typw
    return first / (1 + alpha * first * (t - 1))


@pytest.mark.parametrize("func", [SOLUTION["optimal_lr"], optimal_other],
                         ids=["solution", "other"])
def test_optimal_lr_accepts_correct_answers(func, capsys):
    ex06.check_optimal_lr(func)
    assert "✓ optimal_lr passed" in capsys.readouterr().out


def _t0(alpha):
    return 1 / (alpha * np.sqrt(1 / np.sqrt(alpha)))


@pytest.mark.parametrize("func,diagnosis", [
    (lambda t, a: 1 / (a * (_t0(a) + t)), "one step late"),
    (lambda t, a: 1 / (a * t), "you left out the offset t0"),
    (lambda t, a: 1 / (a * (a ** -0.5 + t - 1)), "your t0 uses typw = 1/sqrt\\(alpha\\)"),
    (lambda t, a: 1 / (a * _t0(a) + t - 1), "a bracket is missing"),
    (lambda t, a: 1 / (a * (a ** -0.25 + t - 1)), "t0 is 1/\\(alpha \\* typw\\), not typw"),
    (lambda t, a: None, "got None"),
    (lambda t, a: np.array([1.0, 2.0]), "return one number"),
])
def test_optimal_lr_names_the_mistake(func, diagnosis):
    with pytest.raises(AssertionError, match=diagnosis):
        ex06.check_optimal_lr(func)


# --- sgd_epoch_l2 -------------------------------------------------------------------------
def epoch_other(w, b, X, y, eta, alpha):
    w = np.asarray(w, dtype=float).copy()
    for i in range(len(y)):
        residual = float(np.dot(X[i], w)) + b - y[i]
        w -= eta * (residual * X[i] + alpha * w)   # decay and step at once, same thing
        b -= eta * residual
    return w, float(b)


@pytest.mark.parametrize("func", [SOLUTION["sgd_epoch_l2"], epoch_other],
                         ids=["solution", "other"])
def test_sgd_epoch_l2_accepts_correct_answers(func, capsys):
    ex06.check_sgd_epoch_l2(func)
    assert "✓ sgd_epoch_l2 passed" in capsys.readouterr().out


def _epoch(decay=lambda eta, a: 1 - eta * a, decay_b=False, use_b=True, after=False,
           factor=1.0, full_batch=False):
    def sgd_epoch_l2(w, b, X, y, eta, alpha):
        w, b = np.array(w, dtype=float), float(b)
        if full_batch:
            r = X @ w + b - y
            return decay(eta, alpha) * w - eta * X.T @ r / len(y), b - eta * r.mean()
        for x, target in zip(X, y, strict=True):
            if after:
                w = decay(eta, alpha) * w
            p = x @ w + (b if use_b else 0.0)
            if not after:
                w = decay(eta, alpha) * w
            w = w - eta * factor * (p - target) * x
            b = (decay(eta, alpha) if decay_b else 1.0) * b - eta * factor * (p - target)
        return w, b
    return sgd_epoch_l2


@pytest.mark.parametrize("func,diagnosis", [
    (_epoch(decay=lambda eta, a: 1 + eta * a), "the penalty pushes the weights away from zero"),
    (_epoch(decay_b=True), "scikit-learn does not penalise the intercept"),
    (_epoch(use_b=False), "your prediction leaves out the intercept"),
    (_epoch(after=True), "you predicted with the already decayed weights"),
    (_epoch(factor=2.0), "twice too large"),
    (_epoch(full_batch=True), "you took one full-batch gradient step"),
    (lambda w, b, X, y, eta, alpha: _epoch()(w, b, X, y, eta, alpha)[0],
     "expected a tuple \\(w, b\\), got one array"),
])
def test_sgd_epoch_l2_names_the_mistake(func, diagnosis):
    with pytest.raises(AssertionError, match=diagnosis):
        ex06.check_sgd_epoch_l2(func)


def test_sgd_epoch_l2_reports_an_argument_changed_in_place():
    def in_place(w, b, X, y, eta, alpha):
        for x, target in zip(X, y, strict=True):
            r = x @ w + b - target
            w *= 1 - eta * alpha
            w -= eta * r * x
            b -= eta * r
        return w, b

    with pytest.raises(AssertionError, match="w"):
        ex06.check_sgd_epoch_l2(in_place)


# --- averaged_weights ---------------------------------------------------------------------
def average_other(path, start):
    rows = [np.asarray(p, dtype=float) for p in path[start:]]
    return sum(rows) / len(rows)


@pytest.mark.parametrize("func", [SOLUTION["averaged_weights"], average_other],
                         ids=["solution", "other"])
def test_averaged_weights_accepts_correct_answers(func, capsys):
    ex06.check_averaged_weights(func)
    assert "✓ averaged_weights passed" in capsys.readouterr().out


@pytest.mark.parametrize("func,diagnosis", [
    (lambda path, start: np.asarray(path, float)[start - 1:].mean(axis=0),
     "you started one step early"),
    (lambda path, start: np.asarray(path, float)[start + 1:].mean(axis=0),
     "you started one step late"),
    (lambda path, start: np.asarray(path, float).mean(axis=0), "you averaged the whole path"),
    (lambda path, start: np.asarray(path, float)[-1], "you returned the last iterate"),
    (lambda path, start: np.asarray(path, float)[start:].sum(axis=0), "you summed the iterates"),
    (lambda path, start: np.cumsum(path[start:], axis=0) / np.arange(1, len(path) - start + 1)[
        :, None], "expected the averaged weights as a numpy array of shape"),
])
def test_averaged_weights_names_the_mistake(func, diagnosis):
    with pytest.raises(AssertionError, match=diagnosis):
        ex06.check_averaged_weights(func)
