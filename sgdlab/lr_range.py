"""A learning-rate range test: one short run whose learning rate grows exponentially.

The loss first barely moves (the rate is too small), then falls, then blows up (the
rate is too large). A good constant rate sits a safe factor below the rate at which
the loss was lowest. The test costs one short run instead of a grid of full ones.

With the full batch on a quadratic, the test is gradient descent with known rates, so
:func:`full_batch_excess` predicts its whole curve exactly. That prediction shows what
the test can and cannot tell: the loss turns up only once the error left along the
top eigenvector has grown back, which happens well past ``2/L``, and only if the ramp
left something there to amplify (:func:`left_along`). A ramp that lingers near ``1/L``
shrinks that error below rounding, and then rounding decides where the loss blows up.

>>> from sgdlab.losses import LeastSquares
>>> X = np.random.default_rng(0).normal(size=(50, 2))
>>> test = lr_range_test(LeastSquares(X, X @ [1.0, -1.0]), np.zeros(2), steps=60)
>>> bool(test.stopped_at is not None and test.suggestion < test.lr_at_min)
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sgdlab import _validate as check
from sgdlab.schedules import Schedule
from sgdlab.train import History, run


@dataclass
class RangeTest:
    """What a range test measured.

    Attributes:
        lrs: the learning rate of each step taken, shape (k,).
        loss: the full loss after each of those steps, shape (k,) (inf where it overflowed).
        loss0: the full loss at the start.
        stopped_at: the step (index into ``lrs``) at which the loss blew up, or None
            when it never did.
        lr_at_min: the learning rate of the step with the lowest loss.
        suggestion: ``fraction * lr_at_min``, the suggested constant learning rate.
        history: the underlying run (a :class:`~sgdlab.train.History`).
    """

    lrs: np.ndarray
    loss: np.ndarray
    loss0: float
    stopped_at: int | None
    lr_at_min: float
    suggestion: float
    history: History


def exponential_ramp(lr_min: float, lr_max: float, steps: int) -> Schedule:
    """``lr_t = lr_min * (lr_max / lr_min) ** (t / (steps - 1))``: from ``lr_min`` at
    ``t = 0`` to ``lr_max`` at ``t = steps - 1``, the same factor every step."""
    lr_min = check.positive("lr_min", lr_min)
    lr_max = check.positive("lr_max", lr_max)
    if lr_max <= lr_min:
        raise ValueError(f"lr_max must be > lr_min ({lr_min}); got {lr_max}")
    steps = check.integer("steps", steps, low=2)
    ratio = math.log(lr_max / lr_min) / (steps - 1)
    return Schedule("exponential ramp", lambda t: lr_min * math.exp(ratio * t), lr_min)


def full_batch_excess(eigenvalues, coords, lrs) -> np.ndarray:
    """Excess loss ``f(w_t) - f(w*)`` after each step of gradient descent with rates
    ``lrs`` on a quadratic, in exact arithmetic.

    Along eigen-direction ``i`` (curvature ``lambda_i``) a step with rate ``eta``
    multiplies the error by ``1 - eta * lambda_i``, so after ``t + 1`` steps
    ``f - f* = 1/2 sum_i lambda_i c_i**2 prod_{s<=t} (1 - eta_s lambda_i)**2``.

    Args:
        eigenvalues: the Hessian's eigenvalues, shape (d,).
        coords: the starting error ``w0 - w*`` in the eigenvector basis, shape (d,).
        lrs: the rate of each step, shape (k,).

    Returns:
        The excess loss after each step, shape (k,).
    """
    lam = check.float_array("eigenvalues", eigenvalues, ndim=1)
    if lam.size == 0 or np.any(lam < 0):
        raise ValueError("eigenvalues must be a non-empty 1-D array of numbers >= 0 (the "
                         "Hessian of a convex quadratic); got "
                         f"{'none' if lam.size == 0 else 'a negative one'}")
    c = check.float_array("coords", coords, ndim=1)
    if c.shape != lam.shape:
        raise ValueError(f"eigenvalues and coords must both have shape (d,); got "
                         f"{lam.shape} and {c.shape}")
    log_left = _log_left(lam, _lrs(lrs))  # shape (k, d)
    weight = lam * c**2
    with np.errstate(over="ignore", invalid="ignore"):  # too large a rate: infinite excess
        terms = np.where(weight > 0, np.exp(2 * log_left) * weight, 0.0)
        return 0.5 * terms.sum(axis=1)


def _lrs(lrs) -> np.ndarray:
    lrs = check.float_array("lrs", lrs, ndim=1)
    if lrs.size == 0 or np.any(lrs < 0):
        raise ValueError("lrs must be a non-empty 1-D array of learning rates >= 0; got "
                         f"{'none' if lrs.size == 0 else 'a negative one'}")
    return lrs


def _log_left(lam: np.ndarray, lrs: np.ndarray) -> np.ndarray:
    """``log prod_{s<=t} |1 - eta_s lambda_i|``, shape (k, d); -inf once a factor is 0
    (the error along that direction is gone for good, however large a later factor)."""
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        logs = np.log(np.abs(1 - lrs[:, None] * lam))
    gone = np.maximum.accumulate(logs == -np.inf, axis=0)
    logs = np.where(gone, 0.0, logs)
    with np.errstate(over="ignore", invalid="ignore"):
        total = np.cumsum(logs, axis=0)  # +inf at worst: no -inf left to meet it
    return np.where(gone, -np.inf, total)


def left_along(eigenvalue: float, lrs) -> np.ndarray:
    """How much of the starting error along one eigen-direction is left after each
    step: ``prod_{s<=t} |1 - eta_s * eigenvalue|``, shape (k,) for ``lrs`` of shape (k,).
    Its smallest value says how close the ramp came to erasing that direction."""
    eigenvalue = check.positive("eigenvalue", eigenvalue)
    log_left = _log_left(np.array([eigenvalue]), _lrs(lrs))[:, 0]
    with np.errstate(over="ignore"):
        return np.exp(log_left)


def lr_range_test(problem, w0, *, lr_min: float = 1e-4, lr_max: float = 10.0,
                  steps: int = 100, batch_size: int | None = None,
                  rng: np.random.Generator | int | None = None, blowup: float = 4.0,
                  fraction: float = 0.1) -> RangeTest:
    """Run SGD from ``w0`` with the rate growing from ``lr_min`` to ``lr_max`` over
    ``steps`` steps; stop once the loss exceeds ``blowup`` times its lowest value so far.

    Args:
        problem: a data problem (``sgdlab.losses``) or 2-D test function.
        w0: starting weights, shape (d,).
        lr_min, lr_max: the first and the last learning rate, ``0 < lr_min < lr_max``.
        steps: length of the sweep, >= 2.
        batch_size, rng: as :func:`sgdlab.train.run` (None: full batch).
        blowup: stop when the loss exceeds this many times its minimum so far, > 1.
        fraction: the suggestion is this fraction of the rate at the lowest loss, in
            (0, 1]; 0.1 is a common, safe choice.

    Returns:
        A :class:`RangeTest`.
    """
    schedule = exponential_ramp(lr_min, lr_max, steps)
    blowup = check.positive("blowup", blowup)
    if blowup <= 1:
        raise ValueError(f"blowup must be > 1; got {blowup}")
    fraction = check.in_range("fraction", fraction, 0.0, 1.0, high_open=False)
    if fraction == 0.0:
        raise ValueError("fraction must be in (0, 1]; got 0.0")
    history = run(problem, w0, schedule, steps=steps, batch_size=batch_size, rng=rng,
                  full_loss_every=1, record_params=False, divergence_factor=1e12)
    loss = np.where(np.isfinite(history.full_loss[1:]), history.full_loss[1:], np.inf)
    lrs = history.lr[: loss.size]
    if history.diverged and loss.size < history.steps:  # the last step overflowed
        loss = np.append(loss, np.inf)
        lrs = history.lr
    best_so_far = np.minimum.accumulate(loss)
    blown = np.nonzero(loss > blowup * np.maximum(best_so_far, np.finfo(float).tiny))[0]
    stopped_at = int(blown[0]) if blown.size else None
    end = loss.size if stopped_at is None else stopped_at + 1
    lrs, loss = lrs[:end], loss[:end]
    lr_at_min = float(lrs[int(np.argmin(loss))])
    return RangeTest(lrs, loss, float(history.full_loss[0]), stopped_at, lr_at_min,
                     fraction * lr_at_min, history)
