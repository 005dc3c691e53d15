"""The checks of exercises 07 accept correct answers (the solution notebook's and one
written differently) and name the typical mistakes."""

import math

import numpy as np
import pytest
from exercise_support import solution

from sgdlab.checks import ex07

SOLUTION = solution("07_learning_rate_schedules")


# --- warmup_lr ----------------------------------------------------------------------------
def warmup_other(t, lr0, warmup_steps):
    return lr0 * min(1.0, (t + 1) / warmup_steps)


@pytest.mark.parametrize("func", [SOLUTION["warmup_lr"], warmup_other], ids=["solution", "other"])
def test_warmup_accepts_correct_answers(func, capsys):
    ex07.check_warmup_lr(func)
    assert "✓ warmup_lr passed" in capsys.readouterr().out


@pytest.mark.parametrize("func,diagnosis", [
    (lambda t, lr0, w: lr0 * min(t, w) / w, "your warm-up starts at 0"),
    (lambda t, lr0, w: lr0 * (t + 1) / w, "your rate keeps growing after the warm-up"),
    (lambda t, lr0, w: lr0 * ((t + 1) // w) if t < w else lr0, "integer division"),
    (lambda t, lr0, w: lr0 * min(t + 1, w + 1) / (w + 1), "you divide by warmup_steps \\+ 1"),
    (lambda t, lr0, w: None, "did you forget to `return` it"),
])
def test_warmup_names_the_mistake(func, diagnosis):
    with pytest.raises(AssertionError, match=diagnosis):
        ex07.check_warmup_lr(func)


# --- cosine_lr ----------------------------------------------------------------------------
def cosine_other(t, lr0, total, lr_min):
    if t >= total:
        return float(lr_min)
    return lr0 - (lr0 - lr_min) * math.sin(math.pi * t / (2 * total)) ** 2


@pytest.mark.parametrize("func", [SOLUTION["cosine_lr"], cosine_other], ids=["solution", "other"])
def test_cosine_accepts_correct_answers(func, capsys):
    ex07.check_cosine_lr(func)
    assert "✓ cosine_lr passed" in capsys.readouterr().out


def _cos(frac):
    return 0.5 * (1 + math.cos(math.pi * frac))


@pytest.mark.parametrize("func,diagnosis", [
    (lambda t, lr0, T, m: m + (lr0 - m) * _cos(t / T), "climbs back up"),
    (lambda t, lr0, T, m: lr0 * _cos(min(t, T) / T), "ignores lr_min"),
    (lambda t, lr0, T, m: m + lr0 * _cos(min(t, T) / T), "starts at lr0 \\+ lr_min"),
    (lambda t, lr0, T, m: m + (lr0 - m) * _cos(min(t, T) // T), "integer division"),
    (lambda t, lr0, T, m: m + (lr0 - m) * math.cos(math.pi * min(t, T) / T),
     "goes below lr_min"),
    (lambda t, lr0, T, m: np.array([m]), "got an array of shape \\(1,\\)"),
])
def test_cosine_names_the_mistake(func, diagnosis):
    with pytest.raises(AssertionError, match=diagnosis):
        ex07.check_cosine_lr(func)


# --- polyak_average -----------------------------------------------------------------------
def average_other(ws):
    ws = np.asarray(ws, dtype=float)
    out, total = [], np.zeros(ws.shape[1])
    for j, w in enumerate(ws[1:], start=1):
        total = total + w
        out.append(total / j)
    return np.array(out)


@pytest.mark.parametrize("func", [SOLUTION["polyak_average"], average_other],
                         ids=["solution", "other"])
def test_average_accepts_correct_answers(func, capsys):
    ex07.check_polyak_average(func)
    assert "✓ polyak_average passed" in capsys.readouterr().out


def _in_place(ws):
    ws[1:] = np.cumsum(ws[1:], axis=0)  # changes the caller's array
    return ws[1:] / np.arange(1, len(ws))[:, None]


@pytest.mark.parametrize("func,diagnosis", [
    (lambda ws: np.cumsum(ws, axis=0)[1:] / np.arange(2, len(ws) + 1)[:, None],
     "your averages include w0"),
    (lambda ws: np.cumsum(ws, axis=0) / np.arange(1, len(ws) + 1)[:, None],
     "you averaged w0 too, and returned k \\+ 1 rows"),
    (lambda ws: np.cumsum(ws[1:], axis=0) / (len(ws) - 1), "every row is divided by k = 3"),
    (lambda ws: np.cumsum(ws[1:], axis=0) / np.arange(2, len(ws) + 1)[:, None], "off by one"),
    (lambda ws: np.mean(ws[1:], axis=0), "you returned only the final average"),
    (lambda ws: np.cumsum(ws, axis=0)[1:] / np.arange(1, len(ws))[:, None],
     "you summed w0 in but divided as if you had not"),
    (_in_place, "changed its argument `ws` in place"),
])
def test_average_names_the_mistake(func, diagnosis):
    with pytest.raises(AssertionError, match=diagnosis):
        ex07.check_polyak_average(func)
