"""The checks of exercises 01 accept correct answers (the solution notebook's and others
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

from sgdlab.checks import CheckFailed, StudentCodeError, ex01

SOLUTION = solution("01_gradient_descent")


# --- gd_step ----------------------------------------------------------------------------
def gd_step_other(w, g, lr):
    return np.subtract(w, np.multiply(lr, g), dtype=float)


def _in_place(w, g, lr):
    w -= lr * g
    return w


def _truncating(w, g, lr):
    out = np.zeros_like(w)
    out[:] = w - lr * g
    return out


def _truncating_empty(w, g, lr):
    out = np.empty_like(w)
    for i in range(len(w)):
        out[i] = w[i] - lr * g[i]
    return out


# --- numerical_gradient -------------------------------------------------------------------
def numerical_gradient_other(f, w, h=1e-5):
    w = np.array(w, dtype=float)
    steps = h * np.eye(w.size)
    return np.array([(f(w + e) - f(w - e)) / (2 * h) for e in steps])


def _differences(kind):
    def numerical_gradient(f, w, h=1e-5):
        w = np.asarray(w, dtype=float)
        out = np.zeros(w.size)
        for i in range(w.size):
            e = np.zeros(w.size)
            e[i] = h
            if kind == "forward":
                out[i] = (f(w + e) - f(w)) / h
            elif kind == "backward":
                out[i] = (f(w) - f(w - e)) / h
            elif kind == "over h":
                out[i] = (f(w + e) - f(w - e)) / h
            elif kind == "precedence":
                out[i] = (f(w + e) - f(w - e)) / 2 * h
            elif kind == "no division":
                out[i] = f(w + e) - f(w - e)
            elif kind == "together":
                out[i] = (f(w + h) - f(w - h)) / (2 * h)
            elif kind == "fixed h":
                e[i] = 1e-5
                out[i] = (f(w + e) - f(w - e)) / (2 * 1e-5)
        return out
    return numerical_gradient


def _integer_nudge(f, w, h=1e-5):
    out = np.zeros(len(w))
    for i in range(len(w)):
        plus, minus = w.copy(), w.copy()
        plus[i] += h
        minus[i] -= h
        out[i] = (f(plus) - f(minus)) / (2 * h)
    return out


def _no_restore(f, w, h=1e-5):
    out = np.zeros(len(w))
    for i in range(len(w)):
        w[i] += h
        up = f(w)
        w[i] -= 2 * h
        out[i] = (up - f(w)) / (2 * h)
    return out


# --- stability_threshold ------------------------------------------------------------------
def stability_threshold_other(H):
    H = np.asarray(H, dtype=float)
    return 2.0 / np.linalg.norm(H, ord=2)  # the spectral norm of an SPD matrix is L


def _power_iteration(H):
    H = np.asarray(H, dtype=float)
    v = np.ones(len(H)) / np.sqrt(len(H)) + np.arange(len(H)) * 1e-3
    for _ in range(2000):
        v = H @ v
        v /= np.linalg.norm(v)
    return 2.0 / float(v @ H @ v)


def _trace_minus(H):
    """2 / (L + mu) written through the trace: right only for 2 x 2."""
    return 2.0 / np.trace(H)


# --- gradient_descent ---------------------------------------------------------------------
def gradient_descent_other(grad, w0, lr, steps):
    path = np.empty((steps + 1, len(w0)))
    path[0] = w0
    for k in range(steps):
        path[k + 1] = path[k] - lr * grad(path[k])
    return path


def gradient_descent_list(grad, w0, lr, steps):
    w = np.asarray(w0, dtype=float)
    path = [w]
    for _ in range(steps):
        w = w - lr * grad(w)
        path.append(w)
    return np.stack(path)


def _aliased(grad, w0, lr, steps):
    w = np.array(w0, dtype=float)
    path = [w]
    for _ in range(steps):
        w -= lr * grad(w)
        path.append(w)
    return np.array(path)


def _aliased_after_start(grad, w0, lr, steps):
    path = [np.array(w0, dtype=float)]
    w = path[0].copy()
    for _ in range(steps):
        w -= lr * grad(w)
        path.append(w)
    return np.array(path)


def _no_start(grad, w0, lr, steps):
    w, path = np.asarray(w0, dtype=float), []
    for _ in range(steps):
        w = w - lr * grad(w)
        path.append(w)
    return np.array(path).reshape(steps, len(w0))


def _never_moves(grad, w0, lr, steps):
    w = np.asarray(w0, dtype=float)
    path = [w]
    for _ in range(steps):
        w_new = w - lr * grad(w)  # noqa: F841 (the bug: never assigned back)
        path.append(w)
    return np.array(path)


def _shifted(grad, w0, lr, steps):
    w, path = np.asarray(w0, dtype=float), []
    for _ in range(steps + 1):
        w = w - lr * grad(w)
        path.append(w)
    return np.array(path)


def _gd(kind):
    def gradient_descent(grad, w0, lr, steps):
        w0 = np.asarray(w0, dtype=float)
        w, g0, path = w0, grad(w0), [w0]
        for _ in range(steps):
            if kind == "uphill":
                w = w + lr * grad(w)
            elif kind == "from w0":
                w = w0 - lr * grad(w)
            elif kind == "fixed grad":
                w = w - lr * g0
            else:
                w = w - lr * grad(w)
            path.append(w)
        return np.array(path) if kind != "final" else w
    return gradient_descent


CORRECT = {
    "gd_step": [SOLUTION["gd_step"], gd_step_other, lambda w, g, lr: w + (-lr) * g],
    "numerical_gradient": [SOLUTION["numerical_gradient"], numerical_gradient_other],
    "stability_threshold": [SOLUTION["stability_threshold"], stability_threshold_other,
                            lambda H: 2 / max(np.linalg.eigvals(H).real), _power_iteration],
    "gradient_descent": [SOLUTION["gradient_descent"], gradient_descent_other,
                         gradient_descent_list],
}

CATALOG = {
    "gd_step": [
        ("uphill", lambda w, g, lr: w + lr * g),
        ("no_lr", lambda w, g, lr: w - g),
        ("div_lr", lambda w, g, lr: w - g / lr),
        ("step_only", lambda w, g, lr: -lr * g),
        ("step_positive", lambda w, g, lr: lr * g),
        ("truncated", _truncating),
        ("truncated", _truncating_empty),
        ("~changed its argument w in place", _in_place),
        ("~got a list of length", lambda w, g, lr: list(w - lr * g)),
        ("~did you forget to `return`", lambda w, g, lr: None),
        ("generic", lambda w, g, lr: w + g),  # two mistakes at once
    ],
    "numerical_gradient": [
        ("forward", _differences("forward")),
        ("backward", _differences("backward")),
        ("over_h", _differences("over h")),
        ("precedence", _differences("precedence")),
        ("no_division", _differences("no division")),
        ("together", _differences("together")),
        ("ignores_h", _differences("fixed h")),
        ("integer_nudge", _integer_nudge),
        ("~changed its argument w in place", _no_restore),
    ],
    "stability_threshold": [
        ("smallest", lambda H: 2 / np.linalg.eigvalsh(H)[0]),
        ("one_over_L", lambda H: 1 / np.linalg.eigvalsh(H)[-1]),
        ("diagonal", lambda H: 2 / np.max(np.diag(H))),
        ("diagonal", lambda H: 2 / np.max(H)),
        ("trace", _trace_minus),
        ("best_step", lambda H: 2 / (np.linalg.eigvalsh(H)[0] + np.linalg.eigvalsh(H)[-1])),
        ("frobenius", lambda H: 2 / np.linalg.norm(H)),
        ("unsorted", lambda H: 2 / np.linalg.eigvals(H)[-1].real),
        ("~return one number, not a collection", lambda H: 2 / np.linalg.eigvalsh(H)),
        ("~complex", lambda H: complex(2 / np.linalg.eigvalsh(H)[-1])),
        ("generic", lambda H: 1 / np.linalg.eigvalsh(H)[0]),  # two at once
    ],
    "gradient_descent": [
        ("aliased", _aliased),
        ("aliased_after_start", _aliased_after_start),
        ("rows", _no_start),
        ("never_moves", _never_moves),
        ("shifted", _shifted),
        ("uphill", _gd("uphill")),
        ("from_w0", _gd("from w0")),
        ("fixed_grad", _gd("fixed grad")),
        ("final_only", _gd("final")),
    ],
}


@pytest.mark.parametrize("task,func", correct_params(CORRECT))
def test_correct_answers_pass(task, func):
    assert_passes(ex01, task, func)


@pytest.mark.parametrize("task,expected,func", catalog_params(CATALOG))
def test_each_mistake_gets_its_own_diagnosis(task, expected, func):
    assert_diagnosis(ex01, task, expected, func)


def test_a_pass_prints_one_line(capsys):
    ex01.check_gd_step(SOLUTION["gd_step"])
    assert capsys.readouterr().out.strip() == "✓ gd_step passed 9 cases"


def test_the_trace_is_not_blamed_for_the_best_step_on_two_by_two():
    """On a 2 x 2 Hessian trace = L + mu: the diagnosis needs a larger case too."""
    message = str(pytest.raises(CheckFailed, ex01.check_stability_threshold,
                                lambda H: 2 / (np.linalg.eigvalsh(H)[0]
                                               + np.linalg.eigvalsh(H)[-1])).value)
    assert "best constant step" in message and "trace" not in message


def test_a_crash_inside_a_run_is_reported_with_its_line():
    def gradient_descent(grad, w0, lr, steps):
        return undefined_name  # noqa: F821

    with pytest.raises(StudentCodeError, match="(?s)NameError.*did you run the cell"):
        ex01.check_gradient_descent(gradient_descent)


def test_failures_are_check_failures():
    with pytest.raises(CheckFailed):
        ex01.check_gd_step(lambda w, g, lr: w)
