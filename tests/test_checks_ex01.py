"""The checks of exercises 01 accept correct answers (the solution notebook's and one
written differently) and name the typical mistakes."""


import numpy as np
import pytest
from exercise_support import solution

from sgdlab.checks import CheckFailed, StudentCodeError, ex01

SOLUTION = solution("01_gradient_descent")


# --- gd_step ----------------------------------------------------------------------------
def gd_step_other(w, g, lr):
    return np.subtract(w, np.multiply(lr, g), dtype=float)


@pytest.mark.parametrize("func", [SOLUTION["gd_step"], gd_step_other], ids=["solution", "other"])
def test_gd_step_accepts_correct_answers(func, capsys):
    ex01.check_gd_step(func)
    assert "✓ gd_step passed" in capsys.readouterr().out


def _in_place(w, g, lr):
    w -= lr * g
    return w


def _truncating(w, g, lr):
    out = np.zeros_like(w)
    out[:] = w - lr * g
    return out


@pytest.mark.parametrize("func,diagnosis", [
    (lambda w, g, lr: w + lr * g, "your step moves uphill: did you add the gradient"),
    (lambda w, g, lr: w - g, "ignores the learning rate"),
    (lambda w, g, lr: -lr * g, "you returned the step -lr \\* g, not the new weights"),
    (_in_place, "changed its argument `w` in place"),
    (_truncating, "rounded to whole numbers"),
    (lambda w, g, lr: list(w - lr * g), "got a list of length"),
    (lambda w, g, lr: None, "did you forget to `return`"),
])
def test_gd_step_names_the_mistake(func, diagnosis):
    with pytest.raises(AssertionError, match=diagnosis):
        ex01.check_gd_step(func)


# --- numerical_gradient -------------------------------------------------------------------
def numerical_gradient_other(f, w, h=1e-5):
    w = np.array(w, dtype=float)
    steps = h * np.eye(w.size)
    return np.array([(f(w + e) - f(w - e)) / (2 * h) for e in steps])


@pytest.mark.parametrize("func", [SOLUTION["numerical_gradient"], numerical_gradient_other],
                         ids=["solution", "other"])
def test_numerical_gradient_accepts_correct_answers(func, capsys):
    ex01.check_numerical_gradient(func)
    assert "✓ numerical_gradient passed" in capsys.readouterr().out


def _differences(kind):
    def numerical_gradient(f, w, h=1e-5):
        w = np.asarray(w, dtype=float)
        out = np.zeros(w.size)
        for i in range(w.size):
            e = np.zeros(w.size)
            e[i] = h
            if kind == "forward":
                out[i] = (f(w + e) - f(w)) / h
            elif kind == "over h":
                out[i] = (f(w + e) - f(w - e)) / h
            elif kind == "precedence":
                out[i] = (f(w + e) - f(w - e)) / 2 * h
            elif kind == "together":
                out[i] = (f(w + h) - f(w - h)) / (2 * h)
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


@pytest.mark.parametrize("func,diagnosis", [
    (_differences("forward"), "this is a forward difference"),
    (_differences("over h"), "twice too large: .* divide by 2 \\* h"),
    (_differences("precedence"), "you wrote `/ 2 \\* h`"),
    (_differences("together"), "you nudged all coordinates at once"),
    (_integer_nudge, "for an integer w your nudges were rounded"),
    (_no_restore, "changed its argument `w` in place"),
])
def test_numerical_gradient_names_the_mistake(func, diagnosis):
    with pytest.raises(AssertionError, match=diagnosis):
        ex01.check_numerical_gradient(func)


# --- stability_threshold ------------------------------------------------------------------
def stability_threshold_other(H):
    H = np.asarray(H, dtype=float)
    return 2.0 / np.linalg.norm(H, ord=2)  # the spectral norm of an SPD matrix is L


@pytest.mark.parametrize("func", [SOLUTION["stability_threshold"], stability_threshold_other],
                         ids=["solution", "other"])
def test_stability_threshold_accepts_correct_answers(func, capsys):
    ex01.check_stability_threshold(func)
    assert "✓ stability_threshold passed" in capsys.readouterr().out


@pytest.mark.parametrize("func,diagnosis", [
    (lambda H: 2 / np.linalg.eigvalsh(H)[0], "you used the smallest eigenvalue"),
    (lambda H: 1 / np.linalg.eigvalsh(H)[-1], "that is 1/L, a safe step but not the threshold"),
    (lambda H: 2 / np.max(np.diag(H)), "you used the largest diagonal entry"),
    (lambda H: 2 / np.trace(H), "you used the trace"),
    (lambda H: 2 / np.linalg.eigvalsh(H), "return one number, not a collection"),
    (lambda H: complex(2 / np.linalg.eigvalsh(H)[-1]), "complex"),
])
def test_stability_threshold_names_the_mistake(func, diagnosis):
    with pytest.raises(AssertionError, match=diagnosis):
        ex01.check_stability_threshold(func)


# --- gradient_descent ---------------------------------------------------------------------
def gradient_descent_other(grad, w0, lr, steps):
    path = np.empty((steps + 1, len(w0)))
    path[0] = w0
    for k in range(steps):
        path[k + 1] = path[k] - lr * grad(path[k])
    return path


@pytest.mark.parametrize("func", [SOLUTION["gradient_descent"], gradient_descent_other],
                         ids=["solution", "other"])
def test_gradient_descent_accepts_correct_answers(func, capsys):
    ex01.check_gradient_descent(func)
    assert "✓ gradient_descent passed" in capsys.readouterr().out


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


@pytest.mark.parametrize("func,diagnosis", [
    (_aliased, "every row of your path is the final point"),
    (_aliased_after_start, "every row of your path is the final point"),
    (_no_start, "your path has 20 rows; it should have steps \\+ 1 = 21"),
    (_never_moves, "your weights never move"),
    (_shifted, "your path starts after the first step"),
])
def test_gradient_descent_names_the_mistake(func, diagnosis):
    with pytest.raises(AssertionError, match=diagnosis):
        ex01.check_gradient_descent(func)


def test_a_crash_inside_a_run_is_reported_with_its_line():
    def gradient_descent(grad, w0, lr, steps):
        return undefined_name  # noqa: F821

    with pytest.raises(StudentCodeError, match="(?s)NameError.*did you run the cell"):
        ex01.check_gradient_descent(gradient_descent)


def test_failures_are_check_failures():
    with pytest.raises(CheckFailed):
        ex01.check_gd_step(lambda w, g, lr: w)
