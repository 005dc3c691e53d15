"""Hidden cases for exercises 05 (PyTorch). Only ``torch_sgd_trajectory`` has hidden
cases so far; ``make_loader`` and ``train_epoch`` are graded by their public checks."""

from __future__ import annotations

import numpy as np

from sgdlab.checks._runner import task_check
from sgdlab.grading.hidden import compare


def _trajectory(w0, grads, lr, momentum, dampening, nesterov):
    w, buf, rows = np.asarray(w0, dtype=float), None, []
    rows.append(w)
    for g in grads:
        if momentum:
            buf = g.copy() if buf is None else momentum * buf + (1 - dampening) * g
            g = g + momentum * buf if nesterov else buf
        w = w - lr * g
        rows.append(w)
    return np.array(rows)


@task_check("torch_sgd_trajectory")
def hidden_torch_sgd_trajectory(func) -> int:
    rng = np.random.default_rng(5301)
    cases = []
    for momentum, dampening, nesterov in ((0.0, 0.0, False), (0.7, 0.2, False),
                                          (0.85, 0.0, True)):
        w0, grads = rng.normal(size=3), rng.normal(size=(5, 3))
        args = {"w0": w0, "grads": grads, "lr": 0.04, "momentum": momentum,
                "dampening": dampening, "nesterov": nesterov}
        cases.append((args, _trajectory(w0, grads, 0.04, momentum, dampening, nesterov)))
    return compare("torch_sgd_trajectory", func, cases, rtol=1e-9)
