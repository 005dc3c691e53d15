"""Hidden cases for exercises 08 (adaptive methods)."""

from __future__ import annotations

import numpy as np

from sgdlab.checks._runner import task_check
from sgdlab.grading.hidden import compare


def _inputs(seed: int):
    rng = np.random.default_rng(seed)
    return [(rng.normal(size=3), rng.normal(size=3) * scale, np.abs(rng.normal(size=3)))
            for scale in (1.0, 1e-3, 50.0)]


@task_check("adagrad_step")
def hidden_adagrad_step(func) -> int:
    cases = []
    for w, g, state in _inputs(8101):
        new = state + g**2
        cases.append(({"w": w, "g": g, "state": state, "lr": 0.3},
                      (w - 0.3 * g / (np.sqrt(new) + 1e-10), new)))
    return compare("adagrad_step", func, cases, may_modify=("state",))


@task_check("rmsprop_step")
def hidden_rmsprop_step(func) -> int:
    cases = []
    for w, g, state in _inputs(8201):
        new = 0.9 * state + 0.1 * g**2
        cases.append(({"w": w, "g": g, "state": state, "lr": 0.01, "alpha": 0.9},
                      (w - 0.01 * g / (np.sqrt(new) + 1e-8), new)))
    return compare("rmsprop_step", func, cases, may_modify=("state",))


@task_check("adam_step")
def hidden_adam_step(func) -> int:
    cases = []
    for t, (w, g, v) in enumerate(_inputs(8301), start=1):
        m = 0.5 * g
        new_m, new_v = 0.8 * m + 0.2 * g, 0.99 * v + 0.01 * g**2
        step = (new_m / (1 - 0.8**t)) / (np.sqrt(new_v / (1 - 0.99**t)) + 1e-8)
        cases.append(({"w": w, "g": g, "m": m, "v": v, "t": t, "lr": 0.05, "beta1": 0.8,
                       "beta2": 0.99}, (w - 0.05 * step, new_m, new_v)))
    return compare("adam_step", func, cases, may_modify=("m", "v"))
