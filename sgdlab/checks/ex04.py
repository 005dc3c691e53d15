"""Checks for ``exercises/04_momentum.ipynb``.

Tasks: ``momentum_step``, ``nesterov_step``, ``torch_momentum_from_ema``,
``step_decay_lr``. The reference is ``sgdlab.optim.SGD``, which mirrors
``torch.optim.SGD`` (first step: ``buf = g``; later ``buf = momentum * buf +
(1 - dampening) * g``).
"""

from __future__ import annotations

import math

import numpy as np

from sgdlab.checks._feedback import (
    CheckFailed,
    close,
    expect_array,
    expect_number,
    fmt,
    mismatch,
)
from sgdlab.checks._runner import call, call_text, task_check
from sgdlab.optim import SGD
from sgdlab.schedules import step_decay

ZERO_START = ("the first momentum step should set the buffer to the gradient (torch's rule); "
              "yours started from zero. When buf is None, use buf = g.copy()")
EMA = ("you wrote the averaging form buf = momentum * buf + (1 - momentum) * g: torch adds "
       "(1 - dampening) * g, which with the default dampening = 0 is the whole gradient")
ALIAS = ("on the first step your buffer is the gradient array itself (buf = g), and a later "
         "step changes the buffer in place (buf *= momentum ...), which silently changes "
         "that earlier gradient too. Copy it on the first step: buf = g.copy() (torch "
         "clones it)")
SWAPPED = "you returned (new_buf, new_w): return (new_w, new_buf), in that order"
UPHILL = "your step moves uphill: subtract lr times the step direction"


def _expect_pair(task: str, got, d: int, text: str) -> tuple[np.ndarray, np.ndarray]:
    if got is None:
        raise CheckFailed(task, f"got None: did you forget to `return new_w, new_buf`?"
                                f"\n    {text}")
    if isinstance(got, np.ndarray):
        raise CheckFailed(task, f"expected a tuple (new_w, new_buf), got one array of shape "
                                f"{got.shape}: return both, `return w, buf`\n    {text}")
    if not isinstance(got, tuple | list) or len(got) != 2:
        raise CheckFailed(task, f"expected a tuple (new_w, new_buf), got {fmt(got)}"
                                f"\n    {text}")
    if got[1] is None:
        raise CheckFailed(task, f"new_buf is None: return the updated buffer, an array of "
                                f"shape ({d},)\n    {text}")
    new_w = expect_array(task, got[0], (d,), what="new_w", context=text)
    new_buf = expect_array(task, got[1], (d,), what="new_buf", context=text)
    return new_w, new_buf


def _judge(task: str, text: str, got: tuple, expected: tuple, wrongs: list) -> None:
    def same(pair, candidate):
        return all(c is None or close(p, c) for p, c in zip(pair, candidate, strict=True))

    if same(got, expected):
        return
    details = (f"\n    {text}\n    returned  new_w={fmt(got[0])}, new_buf={fmt(got[1])}"
               f"\n    expected  new_w={fmt(expected[0])}, new_buf={fmt(expected[1])}")
    for candidate, diagnosis in wrongs:
        if same(got, candidate):
            raise CheckFailed(task, diagnosis + details)
    part = "new_w" if close(got[1], expected[1]) else "new_buf"
    raise CheckFailed(task, f"wrong {part}." + details)


def _scenarios(seed: int, dampenings: tuple[float, float]):
    rng = np.random.default_rng(seed)
    g = [rng.normal(size=2) for _ in range(4)]
    g[2] = np.zeros(2)  # a zero gradient: momentum still carries the weights on
    return [
        (0.1, 0.9, dampenings[0], np.array([1.0, -2.0]), g),
        (0.05, 0.5, dampenings[1], rng.normal(size=3), [rng.normal(size=3) for _ in range(4)]),
        (0.5, 0.9, 0.0, np.array([1, 2]), [np.array([1, -1]), np.array([2, 0])]),  # integers
    ]


def _run_steps(task, func, scenarios, nesterov: bool, wrongs_for) -> int:
    cases = 0
    for lr, mu, tau, w0, grads in scenarios:
        p = np.array(w0, dtype=float)
        opt = SGD([p], lr=lr, momentum=mu, dampening=tau, nesterov=nesterov)
        w, buf = w0, None
        aliased = False
        for g in grads:
            args = {"w": w, "g": g, "buf": buf, "lr": lr, "momentum": mu}
            if not nesterov:
                args["dampening"] = tau
            text = call_text(task, args)
            passed: list = []
            got = call(task, func, args, may_modify=("buf",), passed_out=passed)
            new_w, new_buf = _expect_pair(task, got, w0.size, text)
            if buf is not None and aliased and not np.array_equal(passed[2], buf):
                raise CheckFailed(task, ALIAS + f"\n    {text}")
            if buf is None:
                aliased = np.shares_memory(got[1], passed[1])
            opt.step([g])
            expected = (p.copy(), opt.momentum_buffers[0].copy())
            wf = np.asarray(w, dtype=float)
            _judge(task, text, (new_w, new_buf), expected,
                   wrongs_for(wf, np.asarray(g, dtype=float), buf, lr, mu, tau, expected))
            w, buf = got[0], got[1]
            cases += 1
    return cases


def _momentum_wrongs(w, g, buf, lr, mu, tau, expected):
    first = buf is None
    b = expected[1]
    zero = (1 - tau) * g if first else b
    ema = (1 - mu) * g if first else mu * buf + (1 - mu) * g
    ema_g = g if first else mu * buf + (1 - mu) * g
    flipped = g if first else mu * buf + tau * g
    wrongs = [
        ((w - lr * zero, zero), ZERO_START),
        ((w - lr * ema, ema), EMA),
        ((w - lr * ema_g, ema_g), EMA),
        ((w - lr * flipped, flipped), "the new gradient is weighted by (1 - dampening), not "
                                      "by dampening"),
        ((w - lr * g, b), "your step uses the gradient, not the buffer: w - lr * buf"),
        ((w + lr * b, b), UPHILL),
        ((b, w - lr * b), SWAPPED),
    ]
    if not first:
        wrongs += [
            ((w - lr * buf, b), "you stepped with the old buffer: update the buffer first, "
                                "then step with the new one"),
            ((w - lr * b, buf), "you returned the old buffer: return the updated one"),
        ]
    return wrongs


@task_check("momentum_step")
def check_momentum_step(momentum_step) -> int:
    """Check ``momentum_step(w, g, buf, lr, momentum, dampening)`` step by step against
    ``sgdlab.optim.SGD`` (torch's rule), from ``buf=None`` on."""
    return _run_steps("momentum_step", momentum_step, _scenarios(401, (0.0, 0.3)),
                      False, _momentum_wrongs)


def _nesterov_wrongs(w, g, buf, lr, mu, tau, expected):
    first = buf is None
    b = expected[1]
    direction = g + mu * b
    wrongs = [
        ((w - lr * b, b), "that is plain (heavy-ball) momentum: Nesterov steps along "
                          "g + momentum * buf"),
        ((w - lr * (b + mu * g), b), "you swapped g and buf: the step direction is "
                                     "g + momentum * buf"),
        ((w - lr * direction, direction), (
            "you returned the step direction as the buffer: the buffer is "
            "momentum * buf + g; g + momentum * buf is only the direction of the step")),
        ((w + lr * direction, b), UPHILL),
        ((b, w - lr * direction), SWAPPED),
    ]
    if not first:
        wrongs.insert(0, ((w - lr * (g + mu * buf), b), (
            "you used the old buffer in the step: update the buffer first, then step along "
            "g + momentum * (new buffer)")))
    return wrongs


@task_check("nesterov_step")
def check_nesterov_step(nesterov_step) -> int:
    """Check ``nesterov_step(w, g, buf, lr, momentum)`` against ``sgdlab.optim.SGD`` with
    ``nesterov=True`` (torch's form)."""
    return _run_steps("nesterov_step", nesterov_step, _scenarios(402, (0.0, 0.0)), True,
                      _nesterov_wrongs)


def _ema_path(beta: float, alpha: float, grads: list[np.ndarray]) -> np.ndarray:
    w, v = np.zeros_like(grads[0]), np.zeros_like(grads[0])
    rows = []
    for g in grads:
        v = beta * v + (1 - beta) * g
        w = w - alpha * v
        rows.append(w)
    return np.array(rows)


def _torch_path(lr: float, momentum: float, dampening: float, grads) -> np.ndarray:
    p = np.zeros_like(grads[0])
    opt = SGD([p], lr=lr, momentum=momentum, dampening=dampening)
    rows = []
    for g in grads:
        opt.step([g])
        rows.append(p.copy())
    return np.array(rows)


@task_check("torch_momentum_from_ema")
def check_torch_momentum_from_ema(torch_momentum_from_ema) -> int:
    """Check ``torch_momentum_from_ema(beta, alpha)``: ``(lr, momentum, dampening)`` with
    which torch's SGD retraces ``v = beta v + (1 - beta) g; w -= alpha v`` (v0 = 0)."""
    task = "torch_momentum_from_ema"
    rng = np.random.default_rng(403)
    grads = [rng.normal(size=2) for _ in range(6)]
    cases = [(0.9, 0.1), (0.5, 1.0), (0.0, 0.3), (0.99, 2)]
    for beta, alpha in cases:
        args = {"beta": beta, "alpha": alpha}
        text = call_text(task, args)
        got = call(task, torch_momentum_from_ema, args)
        if not isinstance(got, tuple | list) or len(got) != 3:
            raise CheckFailed(task, f"expected a tuple (lr, momentum, dampening), got "
                                    f"{fmt(got)}\n    {text}")
        lr, mu, tau = (expect_number(task, v, what=name, context=text)
                       for v, name in zip(got, ("lr", "momentum", "dampening"), strict=True))
        target = _ema_path(beta, alpha, grads)
        if lr >= 0 and mu >= 0 and close(_torch_path(lr, mu, tau, grads), target, rtol=1e-9):
            continue
        expected = (alpha * (1 - beta), beta, 0.0)
        wrongs = [
            ((alpha, beta, beta), (
                "dampening = beta looks right, but torch's first step sets buf = g with no "
                "(1 - dampening) factor, so the first step is 1 / (1 - beta) times too large "
                "and the paths differ. Use dampening = 0 and fold (1 - beta) into lr")),
            ((alpha, beta, 0.0), "lr must absorb the factor (1 - beta): lr = alpha * (1 - beta)"),
            ((alpha * (1 - beta), beta, beta), (
                "with lr = alpha * (1 - beta) the factor (1 - beta) is already counted: "
                "dampening must be 0 (and torch skips dampening on the first step anyway)")),
            ((alpha * (1 - beta), 1 - beta, 0.0), "momentum is beta, the weight of the old "
                                                  "buffer, not 1 - beta"),
            ((alpha / (1 - beta), beta, 0.0) if beta < 1 else None,
             "you divided alpha by (1 - beta): multiply instead, lr = alpha * (1 - beta)"),
        ]
        details = (f"\n    {text}\n    returned  (lr={fmt(lr)}, momentum={fmt(mu)}, "
                   f"dampening={fmt(tau)})\n    expected  (lr={fmt(expected[0])}, "
                   f"momentum={fmt(expected[1])}, dampening={fmt(expected[2])})")
        for candidate, diagnosis in wrongs:
            if candidate is not None and close((lr, mu, tau), candidate):
                raise CheckFailed(task, diagnosis + details)
        raise CheckFailed(task, "with these numbers torch's SGD does not retrace the averaging "
                                "form." + details)
    return len(cases)


@task_check("step_decay_lr")
def check_step_decay_lr(step_decay_lr) -> int:
    """Check ``step_decay_lr(t, lr0, drop, every)``: ``lr0 * drop ** (t // every)``."""
    task = "step_decay_lr"
    settings = [(0.1, 0.5, 4, range(0, 13)), (1, 0.1, 1, range(0, 4)),
                (0.3, 1.0, 5, (0, 7)), (0.8, 0.25, 3, (np.int64(5), np.int64(6)))]
    cases = 0
    for lr0, drop, every, ts in settings:
        schedule = step_decay(lr0, drop=drop, every=every)
        for t in ts:
            args = {"t": t, "lr0": lr0, "drop": drop, "every": every}
            text = call_text(task, args)
            got = expect_number(task, call(task, step_decay_lr, args),
                                what="the learning rate", context=text)
            expected = schedule(int(t))
            cases += 1
            wrongs = [
                (lr0 * drop ** (t / every), (
                    "your rate shrinks a little at every step: use integer division "
                    "t // every, so the rate stays constant for `every` steps and then drops")),
                (lr0 * drop ** ((t + 1) // every), "your first drop comes one step too early: "
                                                   "for t < every the rate must be lr0"),
                (lr0 * drop ** math.ceil(t / every), "you rounded t / every up: use t // every, "
                                                     "which rounds down"),
                (lr0 * drop ** (t // every + 1), "your schedule starts below lr0: at t = 0 the "
                                                 "rate must be lr0 (drop ** 0 = 1)"),
                (lr0 * drop * (t // every), (
                    "you multiplied by drop * (t // every) instead of raising drop to that "
                    "power: lr0 * drop ** (t // every)")),
                (lr0 * drop ** (t % every), (
                    "t % every is the remainder: the exponent is the number of completed "
                    "blocks, t // every")),
            ]
            mismatch(task, text, got, expected, wrongs=wrongs)
    return cases
