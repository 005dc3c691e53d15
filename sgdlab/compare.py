"""Several optimizers on one problem: build them by name, tune a learning rate on a grid.

The names are those of notebook 08: ``"SGD"``, ``"momentum"`` (heavy ball, torch's
``SGD(momentum=...)``), ``"Adagrad"``, ``"RMSprop"`` and ``"Adam"``; every one is an
``sgdlab.optim`` class, a numpy mirror of its ``torch.optim`` namesake.

Example:
    >>> from sgdlab.objectives import Quadratic
    >>> q = Quadratic(condition=10)
    >>> best_lr, h, scores = tune_lr(q, [1.0, 1.0], "Adam", [0.01, 0.1, 1.0], steps=100)
    >>> best_lr
    0.1
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence

import numpy as np

from sgdlab import _validate as check
from sgdlab.optim import SGD, Adagrad, Adam, RMSprop
from sgdlab.optim.adaptive import betas_pair
from sgdlab.train import History, run

OPTIMIZERS = ("SGD", "momentum", "Adagrad", "RMSprop", "Adam")


def make_optimizer(name: str, *, momentum: float = 0.9,
                   betas: tuple[float, float] = (0.9, 0.999)) -> Callable[[list], object]:
    """A factory for :func:`sgdlab.train.run`'s ``optimizer=``: ``params -> optimizer``.

    Args:
        name: one of :data:`OPTIMIZERS`.
        momentum: the momentum factor of ``"momentum"``, in [0, 1) (ignored otherwise).
        betas: Adam's ``(beta1, beta2)`` (ignored otherwise).

    The learning rate is left at the class default: ``run`` writes its own ``lr`` into
    the optimizer before every step.
    """
    check.choice("name", name, OPTIMIZERS)
    momentum = check.in_range("momentum", momentum, 0.0, 1.0)
    betas = betas_pair(betas)
    if name == "SGD":
        return lambda params: SGD(params, lr=1.0)
    if name == "momentum":
        return lambda params: SGD(params, lr=1.0, momentum=momentum)
    if name == "Adagrad":
        return lambda params: Adagrad(params)
    if name == "RMSprop":
        return lambda params: RMSprop(params)
    return lambda params: Adam(params, betas=betas)


def run_optimizer(problem, w0, name: str, lr: float, *, momentum: float = 0.9,
                  betas: tuple[float, float] = (0.9, 0.999), **run_kwargs) -> History:
    """:func:`sgdlab.train.run` with the optimizer called ``name`` at learning rate ``lr``.

    Args:
        problem, w0, lr: as for ``run``; ``w0`` has shape (d,).
        name: one of :data:`OPTIMIZERS`; momentum, betas: as :func:`make_optimizer`.
        run_kwargs: passed on to ``run`` (``steps``, ``epochs``, ``batch_size``, ``rng``...).
    """
    return run(problem, w0, lr, optimizer=make_optimizer(name, momentum=momentum, betas=betas),
               **run_kwargs)


def _history(history) -> History:
    if not isinstance(history, History):
        raise check.ArgumentTypeError("history must be a sgdlab.train.History (what run "
                                      f"returns); got {type(history).__name__}")
    return history


def final_gap(history: History, f_min: float = 0.0) -> float:
    """Full loss at the end minus ``f_min``; ``inf`` for a diverged run."""
    _history(history)
    f_min = check.real("f_min", f_min)
    if history.diverged or not np.isfinite(history.full_loss[-1]):
        return math.inf
    return float(history.full_loss[-1] - f_min)


def steps_to_reach(history: History, fraction: float = 1e-8, f_min: float = 0.0) -> float:
    """First step at which ``loss - f_min <= fraction * (initial loss - f_min)``.

    Reads ``history.full_loss`` at its steps (run with ``full_loss_every=1`` for an exact
    count); ``inf`` when the run never gets there (or diverged first).
    """
    _history(history)
    fraction = check.positive("fraction", fraction)
    f_min = check.real("f_min", f_min)
    gap = history.full_loss - f_min
    hit = np.nonzero(gap <= fraction * gap[0])[0]
    return float(history.full_loss_steps[hit[0]]) if hit.size else math.inf


def tune_lr(problem, w0, name: str, lrs: Sequence[float], *,
            score: Callable[[History], float] = final_gap, momentum: float = 0.9,
            betas: tuple[float, float] = (0.9, 0.999),
            **run_kwargs) -> tuple[float, History, np.ndarray]:
    """Run optimizer ``name`` once per learning rate in ``lrs`` and keep the best.

    Args:
        lrs: the grid, shape (k,), each > 0.
        score: History -> number, lower is better (default: :func:`final_gap`); a
            diverged run should score ``inf``. Ties go to the first lr of the grid.
        momentum, betas, run_kwargs: as :func:`run_optimizer`. A stochastic run needs
            ``rng`` as an int seed, so that every lr sees the same minibatches.

    Returns:
        ``(best_lr, its History, scores of shape (k,))``.
    """
    lrs = check.float_array("lrs", lrs, ndim=1)
    if lrs.size == 0 or np.any(lrs <= 0):
        raise ValueError("lrs must be a non-empty list of learning rates > 0")
    check.function("score", score)
    check.choice("name", name, OPTIMIZERS)
    if isinstance(run_kwargs.get("rng"), np.random.Generator):
        raise ValueError("rng must be an int seed here, so that every learning rate sees the "
                         "same minibatches; got a Generator")
    histories = [run_optimizer(problem, w0, name, float(lr), momentum=momentum, betas=betas,
                               **run_kwargs) for lr in lrs]
    scores = np.array([_score(score, h) for h in histories], dtype=float)
    best = int(np.argmin(np.where(np.isnan(scores), np.inf, scores)))
    return float(lrs[best]), histories[best], scores


def _score(score: Callable[[History], float], history: History) -> float:
    value = score(history)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise check.ArgumentTypeError("score must return a number (lower is better); "
                                      f"it returned {type(value).__name__}")
    return float(value)
