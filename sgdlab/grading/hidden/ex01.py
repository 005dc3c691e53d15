"""Hidden cases for exercises 01 (gradient descent)."""

from __future__ import annotations

import numpy as np

from sgdlab.checks._runner import task_check
from sgdlab.checks.ex01 import _central  # the reference the public check uses
from sgdlab.grading.hidden import compare


def _f(w):
    return float(np.sum(np.sin(w) * w**2) + np.prod(np.cos(w)))


def _grad(w):
    return np.array([2.0 * w[0] - 0.5 * w[1], 4.0 * w[1] - 0.5 * w[0] + 1.0])


@task_check("gd_step")
def hidden_gd_step(func) -> int:
    rng = np.random.default_rng(1101)
    cases = []
    for d, lr in ((7, 0.37), (1, 3.0), (3, 1e-3)):
        w, g = rng.normal(size=d), rng.normal(size=d)
        cases.append(({"w": w, "g": g, "lr": lr}, w - lr * g))
    return compare("gd_step", func, cases)


@task_check("numerical_gradient")
def hidden_numerical_gradient(func) -> int:
    cases = [({"f": _f, "w": w, "h": h}, _central(_f, w, h))
             for w, h in ((np.array([0.3, -1.2, 2.0]), 1e-5), (np.array([0.7]), 1e-4),
                          (np.array([1.5, 0.25, -0.5, 1.0]), 1e-6))]
    return compare("numerical_gradient", func, cases, rtol=1e-6, atol=1e-8)


@task_check("stability_threshold")
def hidden_stability_threshold(func) -> int:
    rng = np.random.default_rng(1103)
    cases = []
    for d in (3, 5):
        A = rng.normal(size=(d, d))
        H = A @ A.T + 0.1 * np.eye(d)
        cases.append(({"H": H}, 2.0 / np.linalg.eigvalsh(H)[-1]))
    cases.append(({"H": np.diag([0.5, 9.0, 4.0])}, 2.0 / 9.0))
    return compare("stability_threshold", func, cases)


@task_check("gradient_descent")
def hidden_gradient_descent(func) -> int:
    cases = []
    for w0, lr, steps in ((np.array([1.0, -2.0]), 0.1, 7), (np.array([0.5, 0.5]), 0.3, 3)):
        rows = [w0.astype(float)]
        for _ in range(steps):
            rows.append(rows[-1] - lr * _grad(rows[-1]))
        cases.append(({"grad": _grad, "w0": w0, "lr": lr, "steps": steps}, np.array(rows)))
    return compare("gradient_descent", func, cases)
