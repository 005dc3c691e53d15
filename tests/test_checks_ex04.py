"""The checks of exercises 04 accept correct answers (the solution notebook's and one
written differently) and name each mistake of the catalog below exactly."""

import math
import re

import numpy as np
import pytest
from exercise_support import (
    assert_diagnosis,
    assert_passes,
    catalog_params,
    correct_params,
    solution,
)

from sgdlab.checks import ex04

SOLUTION = solution("04_momentum")


# --- momentum_step ------------------------------------------------------------------------
def momentum_other(w, g, buf, lr, momentum, dampening=0.0):
    """Torch's in-place style: scale the buffer, then add (on a copy of the old one)."""
    if buf is None:
        buf = np.array(g, dtype=float)  # a new array, not g itself
    else:
        buf = buf * momentum
        buf += (1 - dampening) * g
    return w - lr * buf, buf


def _zero_start(w, g, buf, lr, momentum, dampening=0.0):
    buf = np.zeros_like(g, dtype=float) if buf is None else buf
    buf = momentum * buf + (1 - dampening) * g
    return w - lr * buf, buf


def _ema(w, g, buf, lr, momentum, dampening=0.0):
    buf = np.zeros_like(g, dtype=float) if buf is None else buf
    buf = momentum * buf + (1 - momentum) * g
    return w - lr * buf, buf


def _aliased(w, g, buf, lr, momentum, dampening=0.0):
    if buf is None:
        buf = g  # the gradient array itself
    else:
        buf *= momentum
        buf += (1 - dampening) * g
    return w - lr * buf, buf


def _swapped(w, g, buf, lr, momentum, dampening=0.0):
    new_w, new_buf = momentum_other(w, g, buf, lr, momentum, dampening)
    return new_buf, new_w


# --- nesterov_step ------------------------------------------------------------------------
def nesterov_other(w, g, buf, lr, momentum):
    g = np.asarray(g, dtype=float)
    buf = g.copy() if buf is None else momentum * buf + g
    step = g + momentum * buf
    return w - lr * step, buf


def _heavy_ball(w, g, buf, lr, momentum):
    buf = np.array(g, dtype=float) if buf is None else momentum * buf + g
    return w - lr * buf, buf


def _old_buffer(w, g, buf, lr, momentum):
    old = np.zeros_like(g, dtype=float) if buf is None else buf
    new = np.array(g, dtype=float) if buf is None else momentum * buf + g
    return w - lr * (g + momentum * (new if buf is None else old)), new


def _direction_as_buffer(w, g, buf, lr, momentum):
    new = np.array(g, dtype=float) if buf is None else momentum * buf + g
    direction = g + momentum * new
    return w - lr * direction, direction


# --- torch_momentum_from_ema --------------------------------------------------------------
# --- step_decay_lr ------------------------------------------------------------------------
def step_decay_other(t, lr0, drop, every):
    rate = float(lr0)
    for _ in range(int(t) // int(every)):
        rate *= drop
    return rate





def _momentum(kind):
    def momentum_step(w, g, buf, lr, momentum, dampening=0.0):
        g = np.asarray(g, dtype=float)
        if kind == "heavy ball":
            v = -lr * g if buf is None else momentum * buf - lr * g
            return w + v, v
        if kind == "lr in buffer":
            b = lr * g if buf is None else momentum * buf + lr * g
            return w - b, b
        if kind == "damped first":
            b = (1 - dampening) * g if buf is None else momentum * buf + (1 - dampening) * g
            return w - lr * b, b
        new = g.copy() if buf is None else momentum * buf + (1 - dampening) * g
        if kind == "flipped":
            new = g.copy() if buf is None else momentum * buf + dampening * g
            return w - lr * new, new
        if kind == "uphill":
            return w + lr * new, new
        if kind == "old step":
            return w - lr * (new if buf is None else buf), new
        if kind == "old returned":
            return w - lr * new, (new if buf is None else buf)
        if kind == "in place":  # torch's way: correct
            if buf is None:
                return w - lr * g, g.copy()
            buf *= momentum
            buf += (1 - dampening) * g
            return w - lr * buf, buf
        raise AssertionError(kind)
    return momentum_step


def _nesterov(kind):
    def nesterov_step(w, g, buf, lr, momentum):
        g = np.asarray(g, dtype=float)
        if kind == "heavy ball":
            v = -lr * g if buf is None else momentum * buf - lr * g
            return w + momentum * v - lr * g, v
        if kind == "ema":
            b = (1 - momentum) * g if buf is None else momentum * buf + (1 - momentum) * g
            return w - lr * (g + momentum * b), b
        new = g.copy() if buf is None else momentum * buf + g
        if kind == "swapped terms":
            return w - lr * (new + momentum * g), new
        if kind == "uphill":
            return w + lr * (g + momentum * new), new
        if kind == "swapped":
            return new, w - lr * (g + momentum * new)
        raise AssertionError(kind)
    return nesterov_step


def _step_decay(kind):
    def step_decay_lr(t, lr0, drop, every):
        if kind == "constant":
            return lr0
        if kind == "remainder":
            return lr0 * drop ** (t % every)
        if kind == "every step":
            return lr0 * drop ** t
        if kind == "subtracted":
            return lr0 - drop * (t // every)
        if kind == "starts low":
            return lr0 * drop ** (t // every + 1)
        raise AssertionError(kind)
    return step_decay_lr


CORRECT = {
    "momentum_step": [SOLUTION["momentum_step"], momentum_other, _momentum("in place")],
    "nesterov_step": [SOLUTION["nesterov_step"], nesterov_other],
    "torch_momentum_from_ema": [SOLUTION["torch_momentum_from_ema"],
                                lambda beta, alpha: [alpha - alpha * beta, beta, 0]],
    "step_decay_lr": [SOLUTION["step_decay_lr"], step_decay_other],
}

CATALOG = {
    "momentum_step": [
        ("first_step", _zero_start),
        ("first_step", _momentum("damped first")),
        ("ema", _ema),
        ("alias", _aliased),
        ("step_grad", lambda w, g, buf, lr, mu, tau=0.0: (
            w - lr * g, momentum_other(w, g, buf, lr, mu, tau)[1])),
        ("swapped", _swapped),
        ("heavy_ball", _momentum("heavy ball")),
        ("lr_in_buffer", _momentum("lr in buffer")),
        ("flipped", _momentum("flipped")),
        ("uphill", _momentum("uphill")),
        ("old_buffer_step", _momentum("old step")),
        ("old_buffer_returned", _momentum("old returned")),
        ("~the result is one array",
         lambda w, g, buf, lr, mu, tau=0.0: momentum_other(w, g, buf, lr, mu, tau)[0]),
        ("generic", lambda w, g, buf, lr, mu, tau=0.0: (
            w - lr * g, _ema(w, g, buf, lr, mu, tau)[1])),
    ],
    "nesterov_step": [
        ("plain", _heavy_ball),
        ("old_buffer_step", _old_buffer),
        ("direction_as_buffer", _direction_as_buffer),
        ("heavy_ball", _nesterov("heavy ball")),
        ("ema", _nesterov("ema")),
        ("swapped_terms", _nesterov("swapped terms")),
        ("uphill", _nesterov("uphill")),
        ("swapped", _nesterov("swapped")),
    ],
    "torch_momentum_from_ema": [
        ("dampening_beta", lambda beta, alpha: (alpha, beta, beta)),
        ("lr_alpha", lambda beta, alpha: (alpha, beta, 0.0)),
        ("momentum_flipped", lambda beta, alpha: (alpha * (1 - beta), 1 - beta, 0.0)),
        ("length", lambda beta, alpha: (alpha * (1 - beta), beta)),
        ("both", lambda beta, alpha: (alpha * (1 - beta), beta, beta)),
        ("divided", lambda beta, alpha: (alpha / (1 - beta), beta, 0.0)),
        ("lr_times_beta", lambda beta, alpha: (alpha * beta, beta, 0.0)),
        ("dampening_flipped", lambda beta, alpha: (alpha, beta, 1 - beta)),
        ("order", lambda beta, alpha: (beta, alpha * (1 - beta), 0)),
    ],
    "step_decay_lr": [
        ("continuous", lambda t, lr0, drop, every: lr0 * drop ** (t / every)),
        ("early", lambda t, lr0, drop, every: lr0 * drop ** ((t + 1) // every)),
        ("multiplied", lambda t, lr0, drop, every: lr0 * drop * (t // every)),
        ("ceil", lambda t, lr0, drop, every: lr0 * drop ** math.ceil(t / every)),
        ("never_drops", _step_decay("constant")),
        ("remainder", _step_decay("remainder")),
        ("every_step", _step_decay("every step")),
        ("subtracted", _step_decay("subtracted")),
        ("starts_low", _step_decay("starts low")),
    ],
}


@pytest.mark.parametrize("task,func", correct_params(CORRECT))
def test_correct_answers_pass(task, func):
    assert_passes(ex04, task, func)


@pytest.mark.parametrize("task,expected,func", catalog_params(CATALOG))
def test_each_mistake_gets_its_own_diagnosis(task, expected, func):
    assert_diagnosis(ex04, task, expected, func)


def test_momentum_is_beta_in_messages():
    """In this course mu is the smallest curvature: momentum is written β."""
    for task in ("momentum_step", "nesterov_step", "torch_momentum_from_ema"):
        for mistake in ex04.MISTAKES[task].values():
            assert not re.search(r"\bmu\b|μ", mistake.text), mistake
