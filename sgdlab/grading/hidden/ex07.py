"""Hidden cases for exercises 07 (learning-rate schedules)."""

from __future__ import annotations

import math

import numpy as np

from sgdlab.checks._runner import task_check
from sgdlab.grading.hidden import compare


@task_check("warmup_lr")
def hidden_warmup_lr(func) -> int:
    cases = [({"t": t, "lr0": lr0, "warmup_steps": k},
              lr0 * (t + 1) / k if t < k else lr0)
             for t, lr0, k in ((0, 0.6, 7), (4, 0.6, 7), (6, 0.6, 7), (7, 0.6, 7), (40, 1.5, 3))]
    return compare("warmup_lr", func, cases)


@task_check("cosine_lr")
def hidden_cosine_lr(func) -> int:
    def cosine(t, lr0, total, lr_min):
        return lr_min + 0.5 * (lr0 - lr_min) * (1 + math.cos(math.pi * min(t, total) / total))

    cases = [({"t": t, "lr0": lr0, "total": total, "lr_min": lr_min},
              cosine(t, lr0, total, lr_min))
             for t, lr0, total, lr_min in ((0, 0.8, 13, 0.05), (5, 0.8, 13, 0.05),
                                           (13, 0.8, 13, 0.05), (30, 0.8, 13, 0.05),
                                           (2, 1.0, 3, 0.0))]
    return compare("cosine_lr", func, cases)


@task_check("polyak_average")
def hidden_polyak_average(func) -> int:
    rng = np.random.default_rng(7301)
    cases = []
    for k, d in ((8, 2), (2, 3)):
        ws = rng.normal(size=(k + 1, d))
        expected = np.cumsum(ws[1:], axis=0) / np.arange(1, k + 1)[:, None]
        cases.append(({"ws": ws}, expected))
    return compare("polyak_average", func, cases)
