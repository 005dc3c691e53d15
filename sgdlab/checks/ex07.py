"""Checks for ``exercises/07_learning_rate_schedules.ipynb``.

Tasks: ``warmup_lr``, ``cosine_lr``, ``polyak_average``. The references are
``sgdlab.schedules.warmup``, ``sgdlab.schedules.cosine`` and
``sgdlab.averaging.polyak_average``.
"""

from __future__ import annotations

import math

import numpy as np

from sgdlab.averaging import polyak_average as reference_average
from sgdlab.checks import _safe
from sgdlab.checks._diagnose import Case, Mistake, catalog, verdict
from sgdlab.checks._feedback import expect_array, expect_number
from sgdlab.checks._runner import call, call_text, task_check
from sgdlab.schedules import constant, cosine, warmup

GENERIC = {
    "warmup_lr": Mistake(
        "generic", "the rate does not follow the linear warm-up",
        "None of the usual mistakes explains these results: lr0 * (t + 1) / warmup_steps "
        "while t < warmup_steps, then lr0."),
    "cosine_lr": Mistake(
        "generic", "the rate does not follow the half cosine from the initial to the final rate",
        "None of the usual mistakes explains these results: "
        "lr_min + (lr0 - lr_min) * (1 + cos(pi * min(t, total) / total)) / 2."),
    "polyak_average": Mistake(
        "generic", "the rows are not the running averages of the iterates after the first",
        "None of the usual mistakes explains these results: row j is the mean of "
        "ws[1], ..., ws[j + 1]."),
}

MISTAKES = {
    "warmup_lr": catalog(
        Mistake("zero_start", "the warm-up starts at a rate of zero",
                "A step with rate 0 is wasted. Count the step being taken: "
                "lr0 * (t + 1) / warmup_steps, which reaches lr0 at t = warmup_steps - 1."),
        Mistake("keeps_growing", "the rate keeps growing after the warm-up",
                "Once t >= warmup_steps return lr0."),
        Mistake("integer_division", "the rate stays at zero until the last warm-up step",
                "Integer division: (t + 1) // warmup_steps is 0 until then. Use / for the "
                "fraction."),
        Mistake("over_w_plus_one", "the ramp is too slow by one step",
                "You divide by warmup_steps + 1: the ramp should reach lr0 at "
                "t = warmup_steps - 1, after warmup_steps steps."),
        Mistake("ahead", "the ramp is one step ahead",
                "At t = 0 the rate is lr0 / warmup_steps: lr0 * (t + 1) / warmup_steps."),
        Mistake("never_warms", "the rate never warms up",
                "While t < warmup_steps the rate is lr0 * (t + 1) / warmup_steps."),
        Mistake("boundary", "the rate overshoots at the end of the warm-up",
                "The warm-up covers t < warmup_steps: at t = warmup_steps the rate is lr0, "
                "so use < in the test, not <=."),
        Mistake("zero_start_to_end", "the warm-up starts at a rate of zero",
                "lr0 * t / (warmup_steps - 1) wastes the first step: "
                "lr0 * (t + 1) / warmup_steps starts at lr0 / warmup_steps."),
    ),
    "cosine_lr": catalog(
        Mistake("no_clamp", "after the end the rate climbs back up",
                "The cosine is periodic: clamp the step, min(t, total), so the rate stays at "
                "lr_min."),
        Mistake("no_min", "the rate ends at zero, below the final rate",
                "Use lr_min + (lr0 - lr_min) * (1 + cos(pi t / total)) / 2."),
        Mistake("above_start", "the rate starts above the initial rate",
                "Scale the cosine by lr0 - lr_min, not lr0."),
        Mistake("integer_division", "the rate stays at the initial rate until the end",
                "Integer division: t // total is 0 until the end. Use min(t, total) / total."),
        Mistake("full_period", "the rate is back at the initial rate at the end",
                "That is a full cosine period: half a period is pi * t / total."),
        Mistake("below_min", "the rate goes below the final rate",
                "The cosine runs from 1 to -1, so use (1 + cos(pi t / total)) / 2, which runs "
                "from 1 to 0."),
        Mistake("linear", "the rate falls in a straight line, not along a cosine",
                "Use (1 + cos(pi * min(t, total) / total)) / 2 as the fraction of "
                "lr0 - lr_min."),
        Mistake("constant", "the rate never changes",
                "lr_min + (lr0 - lr_min) * (1 + cos(pi * min(t, total) / total)) / 2."),
        Mistake("rising", "the rate rises from the final rate to the initial one",
                "lr0 and lr_min are swapped: the rate starts at lr0 and ends at lr_min."),
    ),
    "polyak_average": catalog(
        Mistake("with_w0", "the averages include the starting point",
                "Row j is the mean of ws[0..j + 1]: average only the weights after each step, "
                "from ws[1] on."),
        Mistake("over_k", "every row is divided by the same count",
                "The running average after j + 1 steps divides by j + 1 "
                "(np.arange(1, k + 1))."),
        Mistake("off_by_one", "each row is divided by one more than the number of rows summed",
                "Row j must be divided by j + 1, the number of rows summed."),
        Mistake("w0_summed", "the starting point is summed in but not counted",
                "Start the cumulative sum at ws[1]."),
        Mistake("no_division", "the rows are running sums, not averages",
                "Divide row j by j + 1, the number of rows summed."),
        Mistake("lagging", "each average lags one step behind",
                "Row j averages ws[0..j]; it should average ws[1..j + 1], the weights after "
                "each step."),
        Mistake("truncated", "for integer iterates the averages are rounded to whole numbers",
                "An array made with np.zeros_like(ws) from integer iterates holds only integers. "
                "Convert first, np.asarray(ws, dtype=float)."),
        Mistake("extra_row", "the result has one row too many",
                "It includes w0. Average only the weights after each step, ws[1:], giving k "
                "rows."),
        Mistake("extra_row_with_w0", "the result has one row too many and includes the "
                                     "starting point",
                "Start the average at ws[1], the weights after the first step: k rows."),
        Mistake("final_only", "the result is only the final average",
                "Return the running average after every step, shape (k, d)."),
    ),
}


def _rate(task: str, func, args: dict) -> tuple[float, str]:
    text = call_text(task, args)
    return expect_number(task, call(task, func, args), what="the learning rate",
                         context=text), text


@task_check("warmup_lr")
def check_warmup_lr(warmup_lr) -> int:
    """Check ``warmup_lr(t, lr0, warmup_steps)``: ``lr0 (t + 1) / warmup_steps`` for
    ``t < warmup_steps``, then ``lr0``."""
    task = "warmup_lr"
    rng = np.random.default_rng(701)
    settings = [(0.3, 5, [1, 2, 0, 3, 4, 5, 6, 8]), (1.0, 1, range(4)), (0.1, 10, range(0, 16, 3)),
                (2, 4, range(6)), (float(rng.uniform(0.01, 1)), int(rng.integers(3, 9)),
                                   [0, 1, 2, 7, 8, 20]),
                (0.5, np.int64(3), [np.int64(0), np.int64(2), np.int64(3)])]
    cases = []
    for lr0, steps, ts in settings:
        ref = warmup(constant(float(lr0)), int(steps))
        for t in ts:
            args = {"t": t, "lr0": lr0, "warmup_steps": steps}
            got, text = _rate(task, warmup_lr, args)
            ti, w = int(t), int(steps)
            predictions = {
                "zero_start": lr0 * min(ti, w) / w, "keeps_growing": lr0 * (ti + 1) / w,
                "integer_division": lr0 * ((ti + 1) // w) if ti < w else lr0,
                "over_w_plus_one": lr0 * min(ti + 1, w + 1) / (w + 1),
                "ahead": lr0 * min(ti + 2, w) / w, "never_warms": lr0,
                "boundary": lr0 * (ti + 1) / w if ti <= w else lr0,
                "zero_start_to_end": (lr0 * min(ti, w - 1) / (w - 1)) if w > 1 else None,
            }
            cases.append(Case(text, got, ref(ti), predictions))
    verdict(task, cases, MISTAKES[task], generic=GENERIC[task], rtol=1e-9)
    return len(cases)


def _half_cos(frac: float) -> float:
    return 0.5 * (1 + math.cos(math.pi * frac))


@task_check("cosine_lr")
def check_cosine_lr(cosine_lr) -> int:
    """Check ``cosine_lr(t, lr0, total, lr_min)``: half a cosine from ``lr0`` at ``t = 0``
    to ``lr_min`` at ``t = total``, then ``lr_min``."""
    task = "cosine_lr"
    rng = np.random.default_rng(702)
    settings = [(0.5, 10, 0.05, [0, 1, 3, 5, 9, 10, 11, 25]),
                (1.0, 4, 0.0, range(7)),
                (0.2, 100, 0.01, [0, 50, 99, 100, 150, 400]),
                (float(rng.uniform(0.1, 1)), 7, 0.02, [2, 6, 7, 13]),
                (3, 6, 1, [0, 3, 6, 9]),
                (0.1, np.int64(5), 0.0, [np.int64(2), np.int64(8)])]
    cases = []
    for lr0, total, lr_min, ts in settings:
        ref = cosine(float(lr0), total_steps=int(total), lr_min=float(lr_min))
        for t in ts:
            args = {"t": t, "lr0": lr0, "total": total, "lr_min": lr_min}
            got, text = _rate(task, cosine_lr, args)
            ti, T = int(t), int(total)
            frac = min(ti, T) / T
            predictions = {
                "no_clamp": lr_min + (lr0 - lr_min) * _half_cos(ti / T),
                "no_min": lr0 * _half_cos(frac),
                "above_start": lr_min + lr0 * _half_cos(frac),
                "integer_division": lr_min + (lr0 - lr_min) * _half_cos(min(ti, T) // T),
                "full_period": lr_min + (lr0 - lr_min) * _half_cos(2 * frac),
                "below_min": lr_min + (lr0 - lr_min) * math.cos(math.pi * frac),
                "linear": lr_min + (lr0 - lr_min) * (1 - frac),
                "constant": float(lr0),
                "rising": lr0 + (lr_min - lr0) * _half_cos(frac),
            }
            cases.append(Case(text, got, ref(ti), predictions))
    verdict(task, cases, MISTAKES[task], generic=GENERIC[task], rtol=1e-9)
    return len(cases)


@task_check("polyak_average")
def check_polyak_average(polyak_average) -> int:
    """Check ``polyak_average(ws)``: the running mean of the rows after the first, shape
    (k, d). ``ws`` may hold integers: the averages are still floats."""
    task = "polyak_average"
    mistakes = MISTAKES[task]
    rng = np.random.default_rng(703)
    inputs = [
        np.array([[1.0, 1.0], [2.0, -2.0], [4.0, 0.0], [6.0, 2.0]]),
        rng.normal(size=(50, 3)),
        np.array([[1.0], [3.0]]),                               # one step
        rng.normal(size=(8, 5)),
        np.array([[5, 5], [1, 2], [4, 4], [2, -1], [0, 3]]),     # integers, fractional means
        np.array([[0], [3], [-2], [4]]),
    ]
    cases = []
    for ws in inputs:
        args = {"ws": ws}
        text = call_text(task, args)
        got = call(task, polyak_average, args)
        k, d = ws.shape[0] - 1, ws.shape[1]
        wf = ws.astype(float)
        with_w0 = np.cumsum(wf, axis=0) / np.arange(1, k + 2)[:, None]
        if isinstance(got, np.ndarray) and got.shape == (k + 1, d):
            key = ("extra_row_with_w0" if _safe.allclose(got, with_w0, equal_nan=True)
                   else "extra_row")
            raise mistakes[key].fail(task, f"\n    {text}")
        if isinstance(got, np.ndarray) and got.shape == (d,) and k > 1:
            raise mistakes["final_only"].fail(task, f"\n    {text}")
        got = expect_array(task, got, (k, d), what="the running average", context=text)
        expected = reference_average(wf, start=1)
        tail = np.cumsum(wf[1:], axis=0)
        predictions = {
            "with_w0": with_w0[1:], "over_k": tail / k,
            "off_by_one": tail / np.arange(2, k + 2)[:, None],
            "w0_summed": np.cumsum(wf, axis=0)[1:] / np.arange(1, k + 1)[:, None],
            "no_division": tail, "lagging": with_w0[:-1],
        }
        if _safe.issubdtype(ws.dtype, np.integer):
            predictions["truncated"] = np.trunc(expected)
        cases.append(Case(text, got, expected, predictions))
    verdict(task, cases, mistakes, generic=GENERIC[task], rtol=1e-9)
    return len(cases)
