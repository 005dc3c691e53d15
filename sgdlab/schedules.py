"""Learning-rate schedules: each maps a step number ``t = 0, 1, 2, ...`` to a rate.

>>> sched = inverse_time(0.5, decay=0.1)
>>> sched(0), sched(10)
(0.5, 0.25)
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sgdlab import _validate as check


@dataclass(frozen=True)
class Schedule:
    """A learning rate as a function of the step ``t >= 0``; call it: ``sched(t)``.

    Attributes:
        name: a label for legends.
        rule: ``t -> lr_t``, a finite number >= 0 for every step ``t``.
        lr0: the first (or peak) learning rate, > 0.
    """

    name: str
    rule: Callable[[int], float]
    lr0: float

    def __post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise check.ArgumentTypeError(f"name must be a string; got {type(self.name).__name__}")
        check.function("rule", self.rule)
        object.__setattr__(self, "lr0", check.positive("lr0", self.lr0))

    def __call__(self, t: int) -> float:
        t = check.integer("t", t, low=0)
        value = self.rule(t)
        if (isinstance(value, bool) or not isinstance(value, numbers.Real)
                or not (math.isfinite(value) and value >= 0)):
            raise ValueError(f"rule of schedule {self.name!r} must give a learning rate that is "
                             f"a finite number >= 0; at t={t} it gave {value!r}")
        return float(value)


def constant(lr: float) -> Schedule:
    """``lr_t = lr``."""
    lr = check.positive("lr", lr)
    return Schedule("constant", lambda t: lr, lr)


def step_decay(lr: float, *, drop: float = 0.5, every: int = 100) -> Schedule:
    """``lr_t = lr * drop ** (t // every)``: multiply by ``drop`` (in (0, 1]) every
    ``every`` steps."""
    lr = check.positive("lr", lr)
    drop = check.in_range("drop", drop, 0.0, 1.0, high_open=False)
    if drop == 0:
        raise ValueError("drop must be in (0, 1]; got 0.0")
    every = check.integer("every", every)
    return Schedule("step", lambda t: lr * drop ** (t // every), lr)


def inverse_time(lr: float, *, decay: float = 0.01) -> Schedule:
    """``lr_t = lr / (1 + decay * t)``: the Robbins-Monro schedule (for ``decay > 0``
    the rates sum to infinity while their squares have a finite sum)."""
    lr = check.positive("lr", lr)
    decay = check.positive("decay", decay, allow_zero=True)
    return Schedule("inverse time", lambda t: lr / (1.0 + decay * t), lr)


def exponential(lr: float, *, gamma: float = 0.99) -> Schedule:
    """``lr_t = lr * gamma ** t`` with ``gamma`` in (0, 1]."""
    lr = check.positive("lr", lr)
    gamma = check.in_range("gamma", gamma, 0.0, 1.0, high_open=False)
    if gamma == 0:
        raise ValueError("gamma must be in (0, 1]; got 0.0")
    return Schedule("exponential", lambda t: lr * gamma**t, lr)


def cosine(lr: float, *, total_steps: int, lr_min: float = 0.0) -> Schedule:
    """Half a cosine from ``lr`` at ``t = 0`` down to ``lr_min`` at ``t = total_steps``,
    then ``lr_min``."""
    lr = check.positive("lr", lr)
    total_steps = check.integer("total_steps", total_steps)
    lr_min = check.positive("lr_min", lr_min, allow_zero=True)
    if lr_min > lr:
        raise ValueError(f"lr_min must be <= lr ({lr}); got {lr_min}")

    def rule(t: int) -> float:
        frac = min(t, total_steps) / total_steps
        return lr_min + 0.5 * (lr - lr_min) * (1 + math.cos(math.pi * frac))

    return Schedule("cosine", rule, lr)


def warmup(schedule: Schedule, steps: int) -> Schedule:
    """A linear warm-up in front of ``schedule``: ``steps`` steps that climb from
    ``lr0 / steps`` to ``lr0`` (``lr_t = lr0 * (t + 1) / steps``; step 0 is not wasted on
    a rate of 0), then ``schedule`` from its own step 0 (``lr_t = schedule(t - steps)``).

    This is ``torch.optim.lr_scheduler.SequentialLR`` of ``LinearLR(start_factor=1/steps,
    total_iters=steps - 1)`` and the schedule, with milestone ``steps``.

    >>> sched = warmup(constant(0.4), 4)
    >>> [round(sched(t), 3) for t in range(6)]
    [0.1, 0.2, 0.3, 0.4, 0.4, 0.4]
    """
    if not isinstance(schedule, Schedule):
        raise check.ArgumentTypeError("schedule must be a sgdlab.schedules.Schedule (e.g. "
                                      "cosine(0.1, total_steps=100)); got "
                                      f"{type(schedule).__name__}")
    steps = check.integer("steps", steps)
    lr0, rule = schedule.lr0, schedule.rule

    def warm(t: int) -> float:
        return lr0 * (t + 1) / steps if t < steps else rule(t - steps)

    return Schedule(f"{schedule.name} + warm-up", warm, lr0)


def partial_sums(schedule: Schedule, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Running sums ``sum_{s<=t} lr_s`` and ``sum_{s<=t} lr_s^2`` for ``t < steps``, two
    arrays of shape (steps,): the two series of the Robbins-Monro conditions."""
    if not isinstance(schedule, Schedule):
        raise check.ArgumentTypeError("schedule must be a sgdlab.schedules.Schedule; "
                                      f"got {type(schedule).__name__}")
    steps = check.integer("steps", steps)
    lrs = np.array([schedule(t) for t in range(steps)])
    return np.cumsum(lrs), np.cumsum(lrs * lrs)


SCHEDULES: dict[str, Callable[..., Schedule]] = {
    "constant": constant,
    "step": step_decay,
    "inverse_time": inverse_time,
    "exponential": exponential,
    "cosine": cosine,
}


def make(name: str, lr: float, *, warmup_steps: int = 0, **options) -> Schedule:
    """Build a schedule by name: one of ``SCHEDULES`` (constant, step, inverse_time,
    exponential, cosine), with that schedule's keyword options; ``warmup_steps > 0``
    puts a linear :func:`warmup` of that many steps in front of it."""
    check.choice("name", name, tuple(SCHEDULES))
    warmup_steps = check.integer("warmup_steps", warmup_steps, low=0)
    try:
        schedule = SCHEDULES[name](lr, **options)
    except TypeError as err:
        if "unexpected keyword" not in str(err) and "missing" not in str(err):
            raise
        raise check.ArgumentTypeError(f"options for schedule {name!r}: {err}") from None
    return warmup(schedule, warmup_steps) if warmup_steps else schedule
