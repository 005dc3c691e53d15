"""The checks of exercises 04 accept correct answers (the solution notebook's and one
written differently) and name the typical mistakes."""

import math

import numpy as np
import pytest
from exercise_support import solution

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


@pytest.mark.parametrize("func", [SOLUTION["momentum_step"], momentum_other],
                         ids=["solution", "other"])
def test_momentum_step_accepts_correct_answers(func, capsys):
    ex04.check_momentum_step(func)
    assert "✓ momentum_step passed" in capsys.readouterr().out


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


@pytest.mark.parametrize("func,diagnosis", [
    (_zero_start, "the first momentum step should set the buffer to the gradient \\(torch's "
                  "rule\\); yours started from zero"),
    (_ema, "you wrote the averaging form"),
    (_aliased, "your buffer is the gradient array itself"),
    (lambda w, g, buf, lr, mu, tau=0.0: (w - lr * g, momentum_other(w, g, buf, lr, mu, tau)[1]),
     "your step uses the gradient, not the buffer"),
    (_swapped, "you returned \\(new_buf, new_w\\)"),
    (lambda w, g, buf, lr, mu, tau=0.0: momentum_other(w, g, buf, lr, mu, tau)[0],
     "expected a tuple \\(new_w, new_buf\\), got one array"),
])
def test_momentum_step_names_the_mistake(func, diagnosis):
    with pytest.raises(AssertionError, match=diagnosis):
        ex04.check_momentum_step(func)


# --- nesterov_step ------------------------------------------------------------------------
def nesterov_other(w, g, buf, lr, momentum):
    g = np.asarray(g, dtype=float)
    buf = g.copy() if buf is None else momentum * buf + g
    step = g + momentum * buf
    return w - lr * step, buf


@pytest.mark.parametrize("func", [SOLUTION["nesterov_step"], nesterov_other],
                         ids=["solution", "other"])
def test_nesterov_step_accepts_correct_answers(func, capsys):
    ex04.check_nesterov_step(func)
    assert "✓ nesterov_step passed" in capsys.readouterr().out


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


@pytest.mark.parametrize("func,diagnosis", [
    (_heavy_ball, "that is plain \\(heavy-ball\\) momentum"),
    (_old_buffer, "you used the old buffer in the step"),
    (_direction_as_buffer, "you returned the step direction as the buffer"),
])
def test_nesterov_step_names_the_mistake(func, diagnosis):
    with pytest.raises(AssertionError, match=diagnosis):
        ex04.check_nesterov_step(func)


# --- torch_momentum_from_ema --------------------------------------------------------------
@pytest.mark.parametrize("func", [SOLUTION["torch_momentum_from_ema"],
                                  lambda beta, alpha: [alpha - alpha * beta, beta, 0]],
                         ids=["solution", "other"])
def test_torch_momentum_from_ema_accepts_correct_answers(func, capsys):
    ex04.check_torch_momentum_from_ema(func)
    assert "✓ torch_momentum_from_ema passed" in capsys.readouterr().out


@pytest.mark.parametrize("func,diagnosis", [
    (lambda beta, alpha: (alpha, beta, beta), "dampening = beta looks right, but torch's first "
                                              "step sets buf = g"),
    (lambda beta, alpha: (alpha, beta, 0.0), "lr must absorb the factor \\(1 - beta\\)"),
    (lambda beta, alpha: (alpha * (1 - beta), 1 - beta, 0.0), "momentum is beta"),
    (lambda beta, alpha: (alpha * (1 - beta), beta), "expected a tuple \\(lr, momentum, "
                                                     "dampening\\)"),
])
def test_torch_momentum_from_ema_names_the_mistake(func, diagnosis):
    with pytest.raises(AssertionError, match=diagnosis):
        ex04.check_torch_momentum_from_ema(func)


# --- step_decay_lr ------------------------------------------------------------------------
def step_decay_other(t, lr0, drop, every):
    rate = float(lr0)
    for _ in range(int(t) // int(every)):
        rate *= drop
    return rate


@pytest.mark.parametrize("func", [SOLUTION["step_decay_lr"], step_decay_other],
                         ids=["solution", "other"])
def test_step_decay_lr_accepts_correct_answers(func, capsys):
    ex04.check_step_decay_lr(func)
    assert "✓ step_decay_lr passed" in capsys.readouterr().out


@pytest.mark.parametrize("func,diagnosis", [
    (lambda t, lr0, drop, every: lr0 * drop ** (t / every), "use integer division t // every"),
    (lambda t, lr0, drop, every: lr0 * drop ** ((t + 1) // every), "your first drop comes one "
                                                                  "step too early"),
    (lambda t, lr0, drop, every: lr0 * drop * (t // every), "instead of raising drop to that "
                                                           "power"),
    (lambda t, lr0, drop, every: lr0 * drop ** math.ceil(t / every), "you rounded t / every up"),
])
def test_step_decay_lr_names_the_mistake(func, diagnosis):
    with pytest.raises(AssertionError, match=diagnosis):
        ex04.check_step_decay_lr(func)
