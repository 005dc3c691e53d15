"""Hidden cases for exercises 04 (momentum)."""

from __future__ import annotations

import numpy as np

from sgdlab.checks._runner import task_check
from sgdlab.grading.hidden import compare


def _steps(nesterov: bool, dampening: float, seed: int):
    """Three consecutive steps from buf=None: (args, expected) with the right state in."""
    rng = np.random.default_rng(seed)
    w, buf, lr, mu = rng.normal(size=4), None, 0.07, 0.8
    cases = []
    for _ in range(3):
        g = rng.normal(size=4)
        new_buf = g.copy() if buf is None else mu * buf + (1 - dampening) * g
        step = g + mu * new_buf if nesterov else new_buf
        args = {"w": w, "g": g, "buf": None if buf is None else buf.copy(), "lr": lr,
                "momentum": mu}
        if not nesterov:
            args["dampening"] = dampening
        cases.append((args, (w - lr * step, new_buf)))
        w, buf = w - lr * step, new_buf
    return cases


@task_check("momentum_step")
def hidden_momentum_step(func) -> int:
    cases = _steps(False, 0.0, 4101) + _steps(False, 0.3, 4102)
    return compare("momentum_step", func, cases, may_modify=("buf",))


@task_check("nesterov_step")
def hidden_nesterov_step(func) -> int:
    return compare("nesterov_step", func, _steps(True, 0.0, 4201), may_modify=("buf",))


@task_check("torch_momentum_from_ema")
def hidden_torch_momentum_from_ema(func) -> int:
    cases = [({"beta": beta, "alpha": alpha}, (alpha * (1 - beta), beta, 0.0))
             for beta, alpha in ((0.95, 0.2), (0.3, 4.0), (0.999, 0.01))]
    return compare("torch_momentum_from_ema", func, cases)


@task_check("step_decay_lr")
def hidden_step_decay_lr(func) -> int:
    cases = [({"t": t, "lr0": lr0, "drop": drop, "every": every}, lr0 * drop ** (t // every))
             for t, lr0, drop, every in ((0, 0.3, 0.1, 4), (11, 0.3, 0.1, 4), (12, 0.3, 0.1, 4),
                                         (99, 2.0, 0.5, 33), (7, 1.0, 0.9, 1))]
    return compare("step_decay_lr", func, cases)
