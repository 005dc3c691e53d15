"""The checks of exercises 07 accept correct answers (the solution notebook's and one
written differently) and name each mistake of the catalog below exactly."""

import math

import numpy as np
import pytest
from exercise_support import (
    assert_diagnosis,
    assert_passes,
    catalog_params,
    correct_params,
    solution,
)

from sgdlab.checks import ex07

SOLUTION = solution("07_learning_rate_schedules")


# --- warmup_lr ----------------------------------------------------------------------------
def warmup_other(t, lr0, warmup_steps):
    return lr0 * min(1.0, (t + 1) / warmup_steps)


# --- cosine_lr ----------------------------------------------------------------------------
def cosine_other(t, lr0, total, lr_min):
    if t >= total:
        return float(lr_min)
    return lr0 - (lr0 - lr_min) * math.sin(math.pi * t / (2 * total)) ** 2


def _cos(frac):
    return 0.5 * (1 + math.cos(math.pi * frac))


# --- polyak_average -----------------------------------------------------------------------
def average_other(ws):
    ws = np.asarray(ws, dtype=float)
    out, total = [], np.zeros(ws.shape[1])
    for j, w in enumerate(ws[1:], start=1):
        total = total + w
        out.append(total / j)
    return np.array(out)


def _in_place(ws):
    ws[1:] = np.cumsum(ws[1:], axis=0)  # changes the caller's array
    return ws[1:] / np.arange(1, len(ws))[:, None]





def _truncating(ws):
    out = np.zeros_like(ws[1:])
    for j in range(1, len(ws)):
        out[j - 1] = np.mean(ws[1:j + 1], axis=0)
    return out


def _warmup_le(t, lr0, w):
    return lr0 * (t + 1) / w if t <= w else lr0


CORRECT = {
    "warmup_lr": [SOLUTION["warmup_lr"], warmup_other],
    "cosine_lr": [SOLUTION["cosine_lr"], cosine_other],
    "polyak_average": [SOLUTION["polyak_average"], average_other],
}

CATALOG = {
    "warmup_lr": [
        ("zero_start", lambda t, lr0, w: lr0 * min(t, w) / w),
        ("keeps_growing", lambda t, lr0, w: lr0 * (t + 1) / w),
        ("integer_division", lambda t, lr0, w: lr0 * ((t + 1) // w) if t < w else lr0),
        ("over_w_plus_one", lambda t, lr0, w: lr0 * min(t + 1, w + 1) / (w + 1)),
        ("ahead", lambda t, lr0, w: lr0 * min(t + 2, w) / w),
        ("never_warms", lambda t, lr0, w: lr0),
        ("boundary", _warmup_le),
        ("zero_start_to_end", lambda t, lr0, w: lr0 * min(t, w - 1) / (w - 1) if w > 1 else lr0),
        ("~did you forget to `return` it", lambda t, lr0, w: None),
        ("generic", lambda t, lr0, w: lr0 * t / w),  # starts at 0 and keeps growing
    ],
    "cosine_lr": [
        ("no_clamp", lambda t, lr0, T, m: m + (lr0 - m) * _cos(t / T)),
        ("no_min", lambda t, lr0, T, m: lr0 * _cos(min(t, T) / T)),
        ("above_start", lambda t, lr0, T, m: m + lr0 * _cos(min(t, T) / T)),
        ("integer_division", lambda t, lr0, T, m: m + (lr0 - m) * _cos(min(t, T) // T)),
        ("below_min", lambda t, lr0, T, m: m + (lr0 - m) * math.cos(math.pi * min(t, T) / T)),
        ("full_period", lambda t, lr0, T, m: m + (lr0 - m) * _cos(2 * min(t, T) / T)),
        ("linear", lambda t, lr0, T, m: m + (lr0 - m) * (1 - min(t, T) / T)),
        ("constant", lambda t, lr0, T, m: lr0),
        ("rising", lambda t, lr0, T, m: lr0 + (m - lr0) * _cos(min(t, T) / T)),
        ("~got an array of shape \\(1,\\)", lambda t, lr0, T, m: np.array([m])),
    ],
    "polyak_average": [
        ("with_w0", lambda ws: np.cumsum(ws, axis=0)[1:] / np.arange(2, len(ws) + 1)[:, None]),
        ("extra_row_with_w0",
         lambda ws: np.cumsum(ws, axis=0) / np.arange(1, len(ws) + 1)[:, None]),
        ("over_k", lambda ws: np.cumsum(ws[1:], axis=0) / (len(ws) - 1)),
        ("off_by_one", lambda ws: np.cumsum(ws[1:], axis=0) / np.arange(2, len(ws) + 1)[:, None]),
        ("final_only", lambda ws: np.mean(ws[1:], axis=0)),
        ("w0_summed", lambda ws: np.cumsum(ws, axis=0)[1:] / np.arange(1, len(ws))[:, None]),
        ("no_division", lambda ws: np.cumsum(ws[1:], axis=0)),
        ("lagging", lambda ws: np.cumsum(ws[:-1], axis=0) / np.arange(1, len(ws))[:, None]),
        ("truncated", _truncating),
        ("~changed its argument ws in place", _in_place),
        ("generic", lambda ws: np.cumsum(ws, axis=0)[1:] / (len(ws) - 1)),
    ],
}


@pytest.mark.parametrize("task,func", correct_params(CORRECT))
def test_correct_answers_pass(task, func):
    assert_passes(ex07, task, func)


@pytest.mark.parametrize("task,expected,func", catalog_params(CATALOG))
def test_each_mistake_gets_its_own_diagnosis(task, expected, func):
    assert_diagnosis(ex07, task, expected, func)
