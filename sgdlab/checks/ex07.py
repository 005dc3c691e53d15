"""Checks for ``exercises/07_learning_rate_schedules.ipynb``.

Tasks: ``warmup_lr``, ``cosine_lr``, ``polyak_average``. The references are
``sgdlab.schedules.warmup``, ``sgdlab.schedules.cosine`` and
``sgdlab.averaging.polyak_average``.
"""

from __future__ import annotations

import math

import numpy as np

from sgdlab.averaging import polyak_average as reference_average
from sgdlab.checks._feedback import CheckFailed, expect_array, expect_number, mismatch
from sgdlab.checks._runner import call, call_text, task_check
from sgdlab.schedules import constant, cosine, warmup


def _rate(task: str, func, args: dict) -> tuple[float, str]:
    text = call_text(task, args)
    return expect_number(task, call(task, func, args), what="the learning rate",
                         context=text), text


@task_check("warmup_lr")
def check_warmup_lr(warmup_lr) -> int:
    """Check ``warmup_lr(t, lr0, warmup_steps)``: ``lr0 (t + 1) / warmup_steps`` for
    ``t < warmup_steps``, then ``lr0``."""
    rng = np.random.default_rng(701)
    settings = [(0.3, 5, [1, 2, 0, 3, 4, 5, 6, 8]), (1.0, 1, range(4)), (0.1, 10, range(0, 16, 3)),
                (2, 4, range(6)), (float(rng.uniform(0.01, 1)), int(rng.integers(3, 9)),
                                   [0, 1, 2, 7, 8, 20]),
                (0.5, np.int64(3), [np.int64(0), np.int64(2), np.int64(3)])]
    cases = 0
    for lr0, steps, ts in settings:
        ref = warmup(constant(float(lr0)), int(steps))
        for t in ts:
            args = {"t": t, "lr0": lr0, "warmup_steps": steps}
            got, text = _rate("warmup_lr", warmup_lr, args)
            expected = ref(int(t))
            ti, w = int(t), int(steps)
            wrongs = [
                (lr0 * min(ti, w) / w, (
                    "your warm-up starts at 0 (rate lr0 * t / warmup_steps): a step with rate 0 "
                    "is wasted. Count the step being taken: lr0 * (t + 1) / warmup_steps, "
                    "which reaches lr0 at t = warmup_steps - 1")),
                (lr0 * (ti + 1) / w, (
                    "your rate keeps growing after the warm-up: once t >= warmup_steps "
                    "return lr0")),
                (lr0 * ((ti + 1) // w) if ti < w else lr0, (
                    "integer division: (t + 1) // warmup_steps is 0 until the last warm-up "
                    "step. Use / for the fraction")),
                (lr0 * min(ti + 1, w + 1) / (w + 1), (
                    "you divide by warmup_steps + 1: the ramp should reach lr0 at "
                    "t = warmup_steps - 1, after warmup_steps steps")),
                (lr0 * min(ti + 2, w) / w, "your ramp is one step ahead: at t = 0 the rate "
                                           "is lr0 / warmup_steps"),
            ]
            mismatch("warmup_lr", text, got, expected, wrongs=wrongs, rtol=1e-9)
            cases += 1
    return cases


@task_check("cosine_lr")
def check_cosine_lr(cosine_lr) -> int:
    """Check ``cosine_lr(t, lr0, total, lr_min)``: half a cosine from ``lr0`` at ``t = 0``
    to ``lr_min`` at ``t = total``, then ``lr_min``."""
    rng = np.random.default_rng(702)
    settings = [(0.5, 10, 0.05, [0, 1, 3, 5, 9, 10, 11, 25]),
                (1.0, 4, 0.0, range(7)),
                (0.2, 100, 0.01, [0, 50, 99, 100, 150, 400]),
                (float(rng.uniform(0.1, 1)), 7, 0.02, [2, 6, 7, 13]),
                (3, 6, 1, [0, 3, 6, 9]),
                (0.1, np.int64(5), 0.0, [np.int64(2), np.int64(8)])]
    cases = 0
    for lr0, total, lr_min, ts in settings:
        ref = cosine(float(lr0), total_steps=int(total), lr_min=float(lr_min))
        for t in ts:
            args = {"t": t, "lr0": lr0, "total": total, "lr_min": lr_min}
            got, text = _rate("cosine_lr", cosine_lr, args)
            expected = ref(int(t))
            ti, T = int(t), int(total)

            def cos(frac):
                return 0.5 * (1 + math.cos(math.pi * frac))

            wrongs = [
                (lr_min + (lr0 - lr_min) * cos(ti / T), (
                    "after t = total your rate climbs back up (the cosine is periodic): "
                    "clamp the step, min(t, total), so the rate stays at lr_min")),
                (lr0 * cos(min(ti, T) / T), (
                    "your rate ignores lr_min and ends at 0, below lr_min: use "
                    "lr_min + (lr0 - lr_min) * (1 + cos(pi t / total)) / 2")),
                (lr_min + lr0 * cos(min(ti, T) / T), (
                    "your rate starts at lr0 + lr_min, above lr0: scale the cosine by "
                    "lr0 - lr_min, not lr0")),
                (lr_min + (lr0 - lr_min) * cos(min(ti, T) // T), (
                    "integer division: t // total is 0 until the end. Use min(t, total) / total")),
                (lr_min + (lr0 - lr_min) * cos(2 * min(ti, T) / T), (
                    "a full cosine period: the rate is back at lr0 at t = total. Half a "
                    "period is pi * t / total")),
                (lr_min + (lr0 - lr_min) * math.cos(math.pi * min(ti, T) / T), (
                    "your rate goes below lr_min (down to 2 lr_min - lr0): the cosine runs "
                    "from 1 to -1, so use (1 + cos(pi t / total)) / 2, which runs from 1 to 0")),
            ]
            mismatch("cosine_lr", text, got, expected, wrongs=wrongs, rtol=1e-9)
            cases += 1
    return cases


@task_check("polyak_average")
def check_polyak_average(polyak_average) -> int:
    """Check ``polyak_average(ws)``: the running mean of the rows after the first, shape
    (k, d)."""
    rng = np.random.default_rng(703)
    cases = [
        np.array([[1.0, 1.0], [2.0, -2.0], [4.0, 0.0], [6.0, 2.0]]),
        rng.normal(size=(50, 3)),
        np.array([[1.0], [3.0]]),                               # one step
        rng.normal(size=(8, 5)),
        np.array([[5, 5], [1, 2], [3, 4], [2, 0]]),             # integer iterates
    ]
    for ws in cases:
        args = {"ws": ws}
        text = call_text("polyak_average", args)
        got = call("polyak_average", polyak_average, args)
        k, d = ws.shape[0] - 1, ws.shape[1]
        wf = ws.astype(float)
        with_w0 = np.cumsum(wf, axis=0) / np.arange(1, k + 2)[:, None]
        if isinstance(got, np.ndarray) and got.shape == (k + 1, d):
            diagnosis = ("your result has k + 1 rows: it includes w0. Average only the "
                         "weights after each step, ws[1:], giving k rows")
            if np.allclose(got, with_w0):
                diagnosis = ("you averaged w0 too, and returned k + 1 rows: start the "
                             "average at ws[1], the weights after the first step")
            raise CheckFailed("polyak_average", f"{diagnosis}\n    {text}")
        if isinstance(got, np.ndarray) and got.shape == (d,) and k > 1:
            raise CheckFailed("polyak_average", (
                "you returned only the final average, shape (d,): return the running "
                f"average after every step, shape ({k}, {d})\n    {text}"))
        got = expect_array("polyak_average", got, (k, d), what="the running average",
                           context=text)
        expected = reference_average(wf, start=1)
        tail = np.cumsum(wf[1:], axis=0)
        wrongs = [
            (with_w0[1:], (
                "your averages include w0 (row j is the mean of ws[0..j + 1]): average only "
                "the weights after each step, from ws[1] on")),
            (tail / k, (
                f"every row is divided by k = {k}: the running average after j + 1 steps "
                "divides by j + 1 (np.arange(1, k + 1))")),
            (tail / np.arange(2, k + 2)[:, None], (
                "off by one: row j must be divided by j + 1, the number of rows summed")),
            (np.cumsum(wf, axis=0)[1:] / np.arange(1, k + 1)[:, None], (
                "you summed w0 in but divided as if you had not: start the cumulative sum "
                "at ws[1]")),
        ]
        mismatch("polyak_average", text, got, expected, wrongs=wrongs, rtol=1e-9)
    return len(cases)
