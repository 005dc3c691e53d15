"""Checks for ``exercises/01_gradient_descent.ipynb``.

Tasks: ``gd_step``, ``numerical_gradient``, ``stability_threshold``,
``gradient_descent``. Each check runs all its cases, then names a mistake only if that
mistake reproduces the learner's results on every case (see ``_diagnose``).
"""

from __future__ import annotations

import numpy as np

from sgdlab.checks import _safe
from sgdlab.checks._diagnose import Case, Mistake, catalog, verdict
from sgdlab.checks._feedback import expect_array, expect_number
from sgdlab.checks._runner import call, call_text, task_check
from sgdlab.losses import LeastSquares
from sgdlab.objectives import Quadratic, Rosenbrock

GENERIC = {
    "gd_step": Mistake("generic", "the new weights are not one gradient-descent step from w",
                       "None of the usual mistakes explains these results: compare your "
                       "code with w - lr * g, term by term."),
    "numerical_gradient": Mistake(
        "generic", "the result is not the central-difference gradient",
        "None of the usual mistakes explains these results: for each coordinate i, "
        "(f(w + h e_i) - f(w - h e_i)) / (2 h)."),
    "stability_threshold": Mistake(
        "generic", "the result is not the edge of stability of gradient descent",
        "None of the usual mistakes explains these results: the threshold is 2 / L, L the "
        "largest eigenvalue of H."),
    "gradient_descent": Mistake(
        "generic", "the path is not the sequence of gradient-descent iterates",
        "None of the usual mistakes explains these results: row 0 is w0, row k + 1 is "
        "row k - lr * grad(row k)."),
}

UPHILL = Mistake("uphill", "the steps move uphill instead of downhill",
                 "You added lr times the gradient; gradient descent subtracts it: w - lr * g.")

MISTAKES = {
    "gd_step": catalog(
        UPHILL,
        Mistake("no_lr", "the step does not scale with the learning rate",
                "Multiply the gradient by lr: w - lr * g."),
        Mistake("div_lr", "the step grows as the learning rate shrinks",
                "You divided the gradient by lr: multiply by it instead, w - lr * g."),
        Mistake("step_only", "the result is the step alone, not the new weights",
                "You returned -lr * g: add it to w, w - lr * g."),
        Mistake("step_positive", "the result is the size of the step, not the new weights",
                "You returned lr * g: the new weights are w - lr * g."),
        Mistake("truncated", "for integer input the new weights are rounded to whole numbers",
                "An array made with np.zeros_like(w) or np.empty_like(w) from an integer w "
                "holds only integers. Build the result as w - lr * g, a new float array."),
    ),
    "numerical_gradient": catalog(
        Mistake("forward", "the estimate is a one-sided forward difference, not a central one",
                "(f(w + h e_i) - f(w)) / h is a forward difference: use the central "
                "difference (f(w + h e_i) - f(w - h e_i)) / (2h), which is far more accurate."),
        Mistake("backward", "the estimate is a one-sided backward difference, not a central one",
                "(f(w) - f(w - h e_i)) / h is a backward difference: use the central "
                "difference (f(w + h e_i) - f(w - h e_i)) / (2h)."),
        Mistake("over_h", "the gradient is twice too large",
                "The points w + h e_i and w - h e_i are 2h apart, so divide by 2 * h, not h."),
        Mistake("precedence", "the difference is scaled by the wrong factor",
                "You wrote `/ 2 * h`, which divides by 2 and then multiplies by h: write "
                "`/ (2 * h)`."),
        Mistake("no_division",
                "the difference is not divided by the distance between the two points",
                "Divide f(w + h e_i) - f(w - h e_i) by 2 * h."),
        Mistake("together", "every coordinate gets the same estimate",
                "You nudged all coordinates at once (w + h): nudge one coordinate at a time, "
                "adding h to w[i] only."),
        Mistake("ignores_h", "the result does not depend on the step h passed in",
                "Use the argument h, not a fixed step of your own."),
        Mistake("integer_nudge", "for an integer w the nudges are rounded to whole numbers",
                "w[i] += h on an integer array cannot store w[i] + h. Convert first: "
                "w = np.asarray(w, dtype=float)."),
    ),
    "stability_threshold": catalog(
        Mistake("smallest", "the threshold uses the smallest eigenvalue",
                "The steepest direction, with the largest eigenvalue L, is the one that blows "
                "up first: 2 / L."),
        Mistake("one_over_L", "the result is half the threshold",
                "1/L is a safe step but not the edge: GD stays stable for every lr below 2/L."),
        Mistake("diagonal", "the threshold uses the largest entry of H, not its largest "
                            "eigenvalue",
                "For a rotated Hessian the largest (diagonal) entry is not the largest "
                "eigenvalue. Use np.linalg.eigvalsh(H) (ascending), last entry."),
        Mistake("trace", "the threshold uses the sum of all eigenvalues",
                "That is the trace of H; the threshold needs the largest eigenvalue alone."),
        Mistake("best_step", "the result is the best constant step, not the edge of stability",
                "2 / (L + mu) is the best constant step; the threshold is 2 / L."),
        Mistake("frobenius", "the threshold uses the Frobenius norm of H",
                "The Frobenius norm mixes all eigenvalues; the threshold needs the largest "
                "one (np.linalg.eigvalsh(H)[-1])."),
        Mistake("unsorted", "the threshold uses an eigenvalue that is not the largest",
                "np.linalg.eigvals returns eigenvalues in no particular order: take their "
                "max, or use np.linalg.eigvalsh, whose last entry is the largest."),
    ),
    "gradient_descent": catalog(
        Mistake("aliased", "every row of the path is the final point",
                "You stored the same array each time and then changed it in place. Update "
                "with w = w - lr * grad(w) (a new array), or store a copy: "
                "path.append(w.copy())."),
        Mistake("aliased_after_start", "every row after the first is the final point",
                "You stored the same array each step and changed it in place. Update with "
                "w = w - lr * grad(w) (a new array), or store path.append(w.copy())."),
        Mistake("never_moves", "the weights never move",
                "Assign the new weights back: w = w - lr * grad(w)."),
        UPHILL,
        Mistake("shifted", "the path starts after the first step",
                "Put w0 in the first row, then one row after each step."),
        Mistake("from_w0", "every step starts again from the starting point",
                "Each step starts where the previous one ended: w = w - lr * grad(w), not "
                "w0 - lr * grad(w)."),
        Mistake("fixed_grad", "every step uses the gradient at the starting point",
                "Evaluate the gradient at the current point inside the loop: grad(w)."),
        Mistake("rows", "the path has the wrong number of rows",
                "It should have steps + 1 rows: the starting point w0 first, then one row "
                "after each step."),
        Mistake("final_only", "the result is only the final point, not the path",
                "Return every iterate, shape (steps + 1, d): w0 first, then one row per step."),
    ),
}


@task_check("gd_step")
def check_gd_step(gd_step) -> int:
    """Check ``gd_step(w, g, lr)``: the new weights ``w - lr * g``, without changing ``w``."""
    rng = np.random.default_rng(101)
    inputs = [
        (np.array([1.0, 2.0]), np.array([0.5, -1.0]), 0.1),
        (np.array([-1.5, 0.25, 3.0]), np.array([2.0, 0.5, -4.0]), 0.05),
        *[(rng.normal(size=d), rng.normal(size=d), float(rng.uniform(0.01, 0.5)))
          for d in (1, 4, 6)],
        (np.array([0.3, -0.7]), np.zeros(2), 0.2),         # zero gradient: no move
        (np.array([1, 2]), np.array([1, -1]), 0.5),        # integer weights and gradient
        (np.array([3, -2, 0]), np.array([1, 2, -3]), 0.25),
        (np.array([2.0, -1.0]), np.array([1.0, 3.0]), 2),  # integer learning rate
    ]
    cases = []
    for w, g, lr in inputs:
        args = {"w": w, "g": g, "lr": lr}
        text = call_text("gd_step", args)
        got = expect_array("gd_step", call("gd_step", gd_step, args), w.shape,
                           what="the new weights", context=text)
        expected = w - lr * g
        predictions = {"uphill": w + lr * g, "no_lr": w - g, "div_lr": w - g / lr,
                       "step_only": -lr * g, "step_positive": lr * g}
        if _safe.issubdtype(w.dtype, np.integer):
            predictions["truncated"] = np.trunc(expected)
        cases.append(Case(text, got, expected, predictions))
    verdict("gd_step", cases, MISTAKES["gd_step"], generic=GENERIC["gd_step"])
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


def _cubes(w):
    return float(np.sum(np.asarray(w, dtype=float) ** 3) + w[0] * w[-1])


@task_check("numerical_gradient")
def check_numerical_gradient(numerical_gradient) -> int:
    """Check ``numerical_gradient(f, w, h)``: the central difference in every coordinate."""
    rng = np.random.default_rng(102)
    rosen = Rosenbrock()
    quad = Quadratic(condition=5.0, angle=0.3, center=(0.5, -0.5))
    inputs = [
        (rosen.value, "Rosenbrock().value", np.array([-0.5, 1.2]), 1e-5),
        (_exp_sum, "f(w) = sum(exp(w)) + w[0] * w[-1]", rng.normal(size=3), 1e-2),
        (_cube, "f(w) = w[0] ** 3", np.array([2.0]), 1e-3),
        (quad.value, "Quadratic(...).value", np.array([1, 2]), 1e-4),  # integer w
        (_exp_sum, "f(w) = sum(exp(w)) + w[0] * w[-1]", rng.normal(size=5), 1e-3),
        (_cubes, "f(w) = sum(w ** 3) + w[0] * w[-1]", np.array([2, -1, 1]), 0.1),  # integer
    ]
    cases = []
    for f, f_text, w, h in inputs:
        args = {"f": f, "w": w, "h": h}
        text = call_text("numerical_gradient", args, {"f": f_text})
        got = expect_array("numerical_gradient", call("numerical_gradient",
                           numerical_gradient, args), w.shape, what="the gradient",
                           context=text)
        expected = _central(f, w, h)
        wf = w.astype(float)
        diff = expected * 2 * h
        predictions = {
            "forward": _one_sided(f, w, h, +1), "backward": _one_sided(f, w, h, -1),
            "over_h": diff / h, "precedence": diff / 2 * h, "no_division": diff,
            "together": np.full(w.shape, (f(wf + h) - f(wf - h)) / (2 * h)),
            "ignores_h": _central(f, w, 1e-5) if h != 1e-5 else None,
        }
        if _safe.issubdtype(w.dtype, np.integer):
            predictions["integer_nudge"] = _central_in_place_int(f, w, h)
        cases.append(Case(text, got, expected, predictions))
    verdict("numerical_gradient", cases, MISTAKES["numerical_gradient"],
            generic=GENERIC["numerical_gradient"], rtol=1e-6, atol=1e-8)
    return len(cases)


@task_check("stability_threshold")
def check_stability_threshold(stability_threshold) -> int:
    """Check ``stability_threshold(H)``: ``2 / L`` with L the largest eigenvalue of H."""
    rng = np.random.default_rng(103)
    A = rng.normal(size=(3, 3))
    data_X = rng.normal(size=(40, 4)) * np.array([1.0, 2.0, 0.5, 1.5])
    inputs = [
        np.diag([1.0, 10.0]),
        Quadratic(condition=10.0, L=4.0, angle=0.7).hessian(None),  # rotated: L off the diagonal
        np.array([[4.0]]),
        A @ A.T + 0.5 * np.eye(3),
        np.array([[2, 1], [1, 2]]),                                   # integer entries
        LeastSquares(data_X, np.zeros(40)).hessian(),
        np.diag([3.0, 1.0, 2.0]),                                     # L first on the diagonal
    ]
    cases = []
    for H in inputs:
        args = {"H": H}
        text = call_text("stability_threshold", args)
        got = expect_number("stability_threshold", call("stability_threshold",
                            stability_threshold, args), what="the threshold", context=text)
        Hf = H.astype(float)
        eig = _safe.eigvalsh(Hf)
        L, mu = eig[-1], eig[0]
        unsorted = np.linalg.eigvals(Hf)[-1]
        predictions = {
            "smallest": 2.0 / mu, "one_over_L": 1.0 / L, "diagonal": 2.0 / _safe.max(np.diag(Hf)),
            "trace": 2.0 / np.trace(Hf), "best_step": 2.0 / (L + mu),
            "frobenius": 2.0 / np.linalg.norm(Hf),
            "unsorted": 2.0 / unsorted.real if abs(unsorted.imag) < 1e-12 else None,
        }
        cases.append(Case(text, got, 2.0 / L, predictions))
    verdict("stability_threshold", cases, MISTAKES["stability_threshold"],
            generic=GENERIC["stability_threshold"])
    return len(cases)


def _path(grad, w0, lr, steps, sign=-1.0, *, restart=False, fixed=False):
    w = np.asarray(w0, dtype=float)
    start = w
    g0 = grad(w)
    rows = [w]
    for _ in range(steps):
        g = g0 if fixed else grad(w)
        w = (start if restart else w) + sign * lr * g
        rows.append(w)
    return np.array(rows)


@task_check("gradient_descent")
def check_gradient_descent(gradient_descent) -> int:
    """Check ``gradient_descent(grad, w0, lr, steps)``: the path, shape (steps + 1, d)."""
    task = "gradient_descent"
    rng = np.random.default_rng(104)
    quad = Quadratic(condition=10.0, angle=0.4)
    rosen = Rosenbrock()
    M = rng.normal(size=(3, 3))
    A, b = M @ M.T / 3 + np.eye(3), rng.normal(size=3)

    def linear(w):
        return A @ w - b

    inputs = [
        (quad.grad, "Quadratic(condition=10).grad", np.array([1.5, -1.0]), 0.15, 20),
        (rosen.grad, "Rosenbrock().grad", np.array([-1.0, 1.0]), 1e-3, 15),
        (linear, "lambda w: A @ w - b", rng.normal(size=3), 0.1, 10),
        (quad.grad, "Quadratic(condition=10).grad", np.array([0.5, 0.5]), 0.1, 0),
        (quad.grad, "Quadratic(condition=10).grad", np.array([2, -1]), 0.1, 5),  # integer w0
    ]
    mistakes = MISTAKES[task]
    cases = []
    for grad, grad_text, w0, lr, steps in inputs:
        args = {"grad": grad, "w0": w0, "lr": lr, "steps": steps}
        text = call_text(task, args, {"grad": grad_text})
        got = call(task, gradient_descent, args)
        rows = steps + 1
        expected = _path(grad, w0, lr, steps)
        if isinstance(got, np.ndarray) and got.ndim == 2 and got.shape[0] != rows:
            raise mistakes["rows"].fail(task, f"\n    {text}\n    returned {got.shape[0]} "
                                              f"rows, expected {rows}")
        if (isinstance(got, np.ndarray) and got.shape == (w0.size,) and steps
                and _safe.allclose(got, expected[-1])):
            raise mistakes["final_only"].fail(task, f"\n    {text}")
        got = expect_array(task, got, (rows, w0.size), what="the path", context=text,
                           finite=False)  # an uphill path may overflow: compared below
        with np.errstate(all="ignore"):
            uphill = _path(grad, w0, lr, steps, sign=+1.0)
        predictions = {
            "aliased": np.tile(expected[-1], (rows, 1)),
            "aliased_after_start": np.vstack([expected[:1],
                                              np.tile(expected[-1], (rows - 1, 1))]),
            "never_moves": np.tile(w0, (rows, 1)),
            "uphill": uphill,
            "shifted": _path(grad, w0, lr, steps + 1)[1:],
            "from_w0": _path(grad, w0, lr, steps, restart=True),
            "fixed_grad": _path(grad, w0, lr, steps, fixed=True),
        }
        cases.append(Case(text, got, expected, predictions))
    verdict(task, cases, mistakes, generic=GENERIC[task])
    return len(cases)
