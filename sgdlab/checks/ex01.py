"""Checks for ``exercises/01_gradient_descent.ipynb``.

Tasks: ``gd_step``, ``numerical_gradient``, ``stability_threshold``,
``gradient_descent``.
"""

from __future__ import annotations

import numpy as np

from sgdlab.checks._feedback import CheckFailed, expect_array, expect_number, mismatch
from sgdlab.checks._runner import call, call_text, task_check
from sgdlab.losses import LeastSquares
from sgdlab.objectives import Quadratic, Rosenbrock

UPHILL = "your step moves uphill: did you add the gradient instead of subtracting it?"


@task_check("gd_step")
def check_gd_step(gd_step) -> int:
    """Check ``gd_step(w, g, lr)``: the new weights ``w - lr * g``, without changing ``w``."""
    rng = np.random.default_rng(101)
    cases = [
        (np.array([1.0, 2.0]), np.array([0.5, -1.0]), 0.1),
        (np.array([-1.5, 0.25, 3.0]), np.array([2.0, 0.5, -4.0]), 0.05),
        *[(rng.normal(size=d), rng.normal(size=d), float(rng.uniform(0.01, 0.5)))
          for d in (1, 4, 6)],
        (np.array([0.3, -0.7]), np.zeros(2), 0.2),         # zero gradient: no move
        (np.array([1, 2]), np.array([1, -1]), 0.5),        # integer weights and gradient
        (np.array([2.0, -1.0]), np.array([1.0, 3.0]), 2),  # integer learning rate
    ]
    for w, g, lr in cases:
        args = {"w": w, "g": g, "lr": lr}
        text = call_text("gd_step", args)
        got = expect_array("gd_step", call("gd_step", gd_step, args), w.shape,
                           what="the new weights", context=text)
        expected = w - lr * g
        wrongs = [
            (w + lr * g, UPHILL),
            (w - g, "your step ignores the learning rate: multiply the gradient by lr"),
            (w - g / lr, "you divided the gradient by lr: multiply by it instead"),
            (-lr * g, "you returned the step -lr * g, not the new weights: add it to w"),
            (lr * g, "you returned lr * g, not the new weights w - lr * g"),
        ]
        if np.issubdtype(w.dtype, np.integer):
            wrongs.insert(0, (np.trunc(expected), (
                "your result was rounded to whole numbers: an array made with "
                "np.zeros_like(w) or np.empty_like(w) from an integer w holds only integers. "
                "Build the result as w - lr * g, which is a float array.")))
        mismatch("gd_step", text, got, expected, wrongs=wrongs)
    return len(cases)


def _central(f, w, h):
    w = np.asarray(w, dtype=float)
    out = np.empty(w.size)
    for i in range(w.size):
        e = np.zeros(w.size)
        e[i] = h
        out[i] = (f(w + e) - f(w - e)) / (2 * h)
    return out


def _central_in_place_int(f, w, h):
    """What ``w[i] += h`` on a copy of an integer ``w`` gives: the nudge is truncated."""
    out = np.empty(w.size)
    for i in range(w.size):
        plus, minus = w.copy(), w.copy()
        plus[i] = int(plus[i] + h)
        minus[i] = int(minus[i] - h)
        out[i] = (f(plus) - f(minus)) / (2 * h)
    return out


def _one_sided(f, w, h, sign):
    w = np.asarray(w, dtype=float)
    f0 = f(w)
    out = np.empty(w.size)
    for i in range(w.size):
        e = np.zeros(w.size)
        e[i] = h
        out[i] = sign * (f(w + sign * e) - f0) / h
    return out


def _exp_sum(w):
    return float(np.sum(np.exp(w)) + w[0] * w[-1])


def _cube(w):
    return float(w[0] ** 3)


@task_check("numerical_gradient")
def check_numerical_gradient(numerical_gradient) -> int:
    """Check ``numerical_gradient(f, w, h)``: the central difference in every coordinate."""
    rng = np.random.default_rng(102)
    rosen = Rosenbrock()
    quad = Quadratic(condition=5.0, angle=0.3, center=(0.5, -0.5))
    cases = [
        (rosen.value, "Rosenbrock().value", np.array([-0.5, 1.2]), 1e-5),
        (_exp_sum, "f(w) = sum(exp(w)) + w[0] * w[-1]", rng.normal(size=3), 1e-2),
        (_cube, "f(w) = w[0] ** 3", np.array([2.0]), 1e-3),
        (quad.value, "Quadratic(...).value", np.array([1, 2]), 1e-4),  # integer w
        (_exp_sum, "f(w) = sum(exp(w)) + w[0] * w[-1]", rng.normal(size=5), 1e-3),
    ]
    for f, f_text, w, h in cases:
        args = {"f": f, "w": w, "h": h}
        text = call_text("numerical_gradient", args, {"f": f_text})
        got = expect_array("numerical_gradient", call("numerical_gradient",
                           numerical_gradient, args), w.shape, what="the gradient",
                           context=text)
        expected = _central(f, w, h)
        wf = w.astype(float)
        together = (f(wf + h) - f(wf - h)) / (2 * h)
        diff = expected * 2 * h
        wrongs = [
            (_one_sided(f, w, h, +1), (
                "this is a forward difference (f(w + h e_i) - f(w)) / h: use the central "
                "difference (f(w + h e_i) - f(w - h e_i)) / (2h), which is far more accurate")),
            (_one_sided(f, w, h, -1), (
                "this is a backward difference (f(w) - f(w - h e_i)) / h: use the central "
                "difference (f(w + h e_i) - f(w - h e_i)) / (2h)")),
            (diff / h, "your gradient is twice too large: the two points w + h e_i and "
                       "w - h e_i are 2h apart, so divide by 2 * h"),
            (diff / 2 * h, "you wrote `/ 2 * h`, which divides by 2 and then multiplies by "
                           "h: write `/ (2 * h)`"),
            (np.full(w.shape, together), (
                "every entry is the same number: you nudged all coordinates at once. Nudge "
                "one coordinate at a time: add h to w[i] only")),
        ]
        if np.issubdtype(w.dtype, np.integer):
            wrongs.insert(0, (_central_in_place_int(f, w, h), (
                "for an integer w your nudges were rounded to whole numbers: w[i] += h on an "
                "integer array cannot store w[i] + h. Convert first: "
                "w = np.asarray(w, dtype=float)")))
        mismatch("numerical_gradient", text, got, expected, wrongs=wrongs, rtol=1e-6,
                 atol=1e-8)
    return len(cases)


@task_check("stability_threshold")
def check_stability_threshold(stability_threshold) -> int:
    """Check ``stability_threshold(H)``: ``2 / L`` with L the largest eigenvalue of H."""
    rng = np.random.default_rng(103)
    A = rng.normal(size=(3, 3))
    data_X = rng.normal(size=(40, 4)) * np.array([1.0, 2.0, 0.5, 1.5])
    cases = [
        np.diag([1.0, 10.0]),
        Quadratic(condition=10.0, L=4.0, angle=0.7).hessian(None),  # rotated: L off the diagonal
        np.array([[4.0]]),
        A @ A.T + 0.5 * np.eye(3),
        np.array([[2, 1], [1, 2]]),                                   # integer entries
        LeastSquares(data_X, np.zeros(40)).hessian(),
    ]
    for H in cases:
        args = {"H": H}
        text = call_text("stability_threshold", args)
        got = expect_number("stability_threshold", call("stability_threshold",
                            stability_threshold, args), what="the threshold", context=text)
        eig = np.linalg.eigvalsh(H.astype(float))
        L, mu = eig[-1], eig[0]
        expected = 2.0 / L
        wrongs = [
            (2.0 / mu, "you used the smallest eigenvalue: the steepest direction, with the "
                       "largest eigenvalue L, is the one that blows up first"),
            (1.0 / L, "that is 1/L, a safe step but not the threshold: GD stays stable for "
                      "every lr below 2/L"),
            (2.0 / np.max(np.diag(H)), (
                "you used the largest diagonal entry of H: for a rotated Hessian it is not "
                "the largest eigenvalue. Use np.linalg.eigvalsh(H) (ascending), last entry")),
            (2.0 / np.max(H), "you used the largest entry of H, not its largest eigenvalue "
                              "(np.linalg.eigvalsh)"),
            (2.0 / np.trace(H), "you used the trace, which is the sum of all eigenvalues; "
                                "the threshold needs the largest one"),
            (2.0 / (L + mu), "2 / (L + mu) is the best constant step, not the edge of "
                             "stability: the threshold is 2 / L"),
            (2.0 / np.linalg.norm(H), "you used the Frobenius norm of H; the threshold needs "
                                      "its largest eigenvalue"),
        ]
        mismatch("stability_threshold", text, got, expected, wrongs=wrongs)
    return len(cases)


def _path(grad, w0, lr, steps, sign=-1.0):
    w = np.asarray(w0, dtype=float)
    rows = [w]
    for _ in range(steps):
        w = w + sign * lr * grad(w)
        rows.append(w)
    return np.array(rows)


@task_check("gradient_descent")
def check_gradient_descent(gradient_descent) -> int:
    """Check ``gradient_descent(grad, w0, lr, steps)``: the path, shape (steps + 1, d)."""
    rng = np.random.default_rng(104)
    quad = Quadratic(condition=10.0, angle=0.4)
    rosen = Rosenbrock()
    M = rng.normal(size=(3, 3))
    A, b = M @ M.T / 3 + np.eye(3), rng.normal(size=3)

    def linear(w):
        return A @ w - b

    cases = [
        (quad.grad, "Quadratic(condition=10).grad", np.array([1.5, -1.0]), 0.15, 20),
        (rosen.grad, "Rosenbrock().grad", np.array([-1.0, 1.0]), 1e-3, 15),
        (linear, "lambda w: A @ w - b", rng.normal(size=3), 0.1, 10),
        (quad.grad, "Quadratic(condition=10).grad", np.array([0.5, 0.5]), 0.1, 0),
        (quad.grad, "Quadratic(condition=10).grad", np.array([2, -1]), 0.1, 5),  # integer w0
    ]
    for grad, grad_text, w0, lr, steps in cases:
        args = {"grad": grad, "w0": w0, "lr": lr, "steps": steps}
        text = call_text("gradient_descent", args, {"grad": grad_text})
        got = call("gradient_descent", gradient_descent, args)
        rows = steps + 1
        if isinstance(got, np.ndarray) and got.ndim == 2 and got.shape[0] != rows:
            raise CheckFailed("gradient_descent", (
                f"your path has {got.shape[0]} rows; it should have steps + 1 = {rows}: the "
                f"starting point w0 first, then one row after each step\n    {text}"))
        got = expect_array("gradient_descent", got, (rows, w0.size), what="the path",
                           context=text)
        expected = _path(grad, w0, lr, steps)
        with np.errstate(all="ignore"):
            uphill = _path(grad, w0, lr, steps, sign=+1.0)
        aliased = ("every row of your path is the final point: you stored the same array "
                   "each time and then changed it in place. Update with w = w - lr * grad(w) "
                   "(a new array), or store a copy: path.append(w.copy())")
        wrongs = [
            (np.tile(expected[-1], (rows, 1)), aliased),
            (np.vstack([expected[:1], np.tile(expected[-1], (rows - 1, 1))]), aliased),
            (np.tile(w0, (rows, 1)), "your weights never move: assign the new weights back, "
                                     "w = w - lr * grad(w)"),
            (uphill if np.all(np.isfinite(uphill)) else None, UPHILL),
            (_path(grad, w0, lr, steps + 1)[1:], (
                "your path starts after the first step: put w0 in the first row")),
        ]
        mismatch("gradient_descent", text, got, expected, wrongs=wrongs)
    return len(cases)
