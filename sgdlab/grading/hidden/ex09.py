"""Hidden cases for exercises 09 (beyond convex)."""

from __future__ import annotations

import numpy as np

from sgdlab.checks._runner import task_check
from sgdlab.grading.hidden import compare


@task_check("classify_stationary_point")
def hidden_classify_stationary_point(func) -> int:
    rng = np.random.default_rng(9101)
    Q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    cases = []
    for eigenvalues, label in (((2.0, 0.5, 3.0), "minimum"), ((-1.0, -4.0, -0.2), "maximum"),
                               ((1.0, -2.0, 0.3), "saddle"), ((1.0, 0.0, 2.0), "degenerate")):
        H = Q @ np.diag(eigenvalues) @ Q.T
        cases.append(({"hessian": (H + H.T) / 2}, label))
    return compare("classify_stationary_point", func, cases,
                   agree=lambda got, expected: got == expected)


@task_check("escape_steps")
def hidden_escape_steps(func) -> int:
    def steps(lr, curvature, offset, radius):
        k = 0
        while offset < radius:
            offset *= 1 + lr * abs(curvature)
            k += 1
        return k

    cases = [({"lr": lr, "curvature": c, "offset": o, "radius": r}, steps(lr, c, o, r))
             for lr, c, o, r in ((0.05, -2.0, 1e-4, 0.5), (0.3, -1.0, 0.2, 0.1),
                                 (0.01, -7.5, 1e-9, 1.0))]
    return compare("escape_steps", func, cases, rtol=0, atol=0)


@task_check("adamw_step")
def hidden_adamw_step(func) -> int:
    rng = np.random.default_rng(9301)
    cases = []
    for t in (1, 4):
        w, g = rng.normal(size=3), rng.normal(size=3)
        m, v = 0.3 * g, 0.5 * g**2
        new_m, new_v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g**2
        step = (new_m / (1 - 0.9**t)) / (np.sqrt(new_v / (1 - 0.999**t)) + 1e-8)
        expected = (w * (1 - 0.02 * 0.1) - 0.02 * step, new_m, new_v)
        cases.append(({"w": w, "g": g, "m": m, "v": v, "t": t, "lr": 0.02, "beta1": 0.9,
                       "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.1}, expected))
    return compare("adamw_step", func, cases, may_modify=("m", "v"))
