"""The checks of exercises 06 accept correct answers (the solution notebook's and one
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

from sgdlab.checks import ex06

SOLUTION = solution("06_scikit_learn")


# --- optimal_lr ---------------------------------------------------------------------------
def optimal_other(t, alpha):
    first = alpha ** -0.25                 # the first rate, typw
    return first / (1 + alpha * first * (t - 1))


def _t0(alpha):
    return 1 / (alpha * np.sqrt(1 / np.sqrt(alpha)))


# --- sgd_epoch_l2 -------------------------------------------------------------------------
def epoch_other(w, b, X, y, eta, alpha):
    w = np.asarray(w, dtype=float).copy()
    for i in range(len(y)):
        residual = float(np.dot(X[i], w)) + b - y[i]
        w -= eta * (residual * X[i] + alpha * w)   # decay and step at once, same thing
        b -= eta * residual
    return w, float(b)


def _epoch(decay=lambda eta, a: 1 - eta * a, decay_b=False, use_b=True, after=False,
           factor=1.0, full_batch=False, fixed_b=False, decay_last=False):
    def sgd_epoch_l2(w, b, X, y, eta, alpha):
        w, b = np.array(w, dtype=float), float(b)
        if full_batch:
            r = X @ w + b - y
            return decay(eta, alpha) * w - eta * X.T @ r / len(y), b - eta * r.mean()
        for x, target in zip(X, y, strict=True):
            if after:
                w = decay(eta, alpha) * w
            p = x @ w + (b if use_b else 0.0)
            if not after and not decay_last:
                w = decay(eta, alpha) * w
            w = w - eta * factor * (p - target) * x
            if decay_last:
                w = decay(eta, alpha) * w
            if not fixed_b:
                b = (decay(eta, alpha) if decay_b else 1.0) * b - eta * factor * (p - target)
        return w, b
    return sgd_epoch_l2


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





def _truncating_average(path, start):
    out = np.zeros_like(path[0])
    out[:] = np.mean(path[start:], axis=0)
    return out


def _running_mean(path, start):
    avg = np.zeros(path.shape[1])
    for k, w in enumerate(path[start:]):
        avg += (w - avg) / (k + 1)
    return avg


CORRECT = {
    "optimal_lr": [SOLUTION["optimal_lr"], optimal_other],
    "sgd_epoch_l2": [SOLUTION["sgd_epoch_l2"], epoch_other],
    "averaged_weights": [SOLUTION["averaged_weights"], average_other, _running_mean],
}

CATALOG = {
    "optimal_lr": [
        ("late", lambda t, a: 1 / (a * (_t0(a) + t))),
        ("no_t0", lambda t, a: 1 / (a * t)),
        ("typw_sqrt", lambda t, a: 1 / (a * (a ** -0.5 + t - 1))),
        ("brackets", lambda t, a: 1 / (a * _t0(a) + t - 1)),
        ("t0_is_typw", lambda t, a: 1 / (a * (a ** -0.25 + t - 1))),
        ("early", lambda t, a: 1 / (a * (_t0(a) + t - 2))),
        ("typw_one", lambda t, a: 1 / (a * (1 / a + t - 1))),
        ("multiplied", lambda t, a: a * (_t0(a) + t - 1)),
        ("zero_division", lambda t, a: 1 / (a * (t - 1))),
        ("~got None", lambda t, a: None),
        ("~return one number", lambda t, a: np.array([1.0, 2.0])),
    ],
    "sgd_epoch_l2": [
        ("decay_sign", _epoch(decay=lambda eta, a: 1 + eta * a)),
        ("decay_b", _epoch(decay_b=True)),
        ("no_b", _epoch(use_b=False)),
        ("predict_after", _epoch(after=True)),
        ("twice", _epoch(factor=2.0)),
        ("full_batch", _epoch(full_batch=True)),
        ("fixed_b", _epoch(fixed_b=True)),
        ("decay_after", _epoch(decay_last=True)),
        ("decay_double", _epoch(decay=lambda eta, a: 1 - 2 * eta * a)),
        ("uphill", _epoch(factor=-1.0)),
        ("~the result is one array",
         lambda w, b, X, y, eta, alpha: _epoch()(w, b, X, y, eta, alpha)[0]),
    ],
    "averaged_weights": [
        ("early", lambda path, start: np.asarray(path, float)[start - 1:].mean(axis=0)),
        ("late", lambda path, start: np.asarray(path, float)[start + 1:].mean(axis=0)),
        ("whole", lambda path, start: np.asarray(path, float).mean(axis=0)),
        ("last", lambda path, start: np.asarray(path, float)[-1]),
        ("sum", lambda path, start: np.asarray(path, float)[start:].sum(axis=0)),
        ("from_first", lambda path, start: np.asarray(path, float)[1:].mean(axis=0)),
        ("before", lambda path, start: np.asarray(path, float)[:start].mean(axis=0)),
        ("truncated", _truncating_average),
        ("~Expected the averaged weights as a numpy array of shape",
         lambda path, start: np.cumsum(path[start:], axis=0)
         / np.arange(1, len(path) - start + 1)[:, None]),
    ],
}


@pytest.mark.parametrize("task,func", correct_params(CORRECT))
def test_correct_answers_pass(task, func):
    assert_passes(ex06, task, func)


@pytest.mark.parametrize("task,expected,func", catalog_params(CATALOG))
def test_each_mistake_gets_its_own_diagnosis(task, expected, func):
    assert_diagnosis(ex06, task, expected, func)
