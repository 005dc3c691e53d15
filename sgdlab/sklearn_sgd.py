"""scikit-learn's ``SGDRegressor`` / ``SGDClassifier`` in the course's terms.

scikit-learn takes one example per step and minimises the mean loss plus
``alpha * R(w)``, with ``R(w) = |w|^2 / 2`` for ``penalty="l2"`` (the intercept is not
penalised). Its step on example ``(x, y)`` with prediction ``p = x . w + b`` is::

    w <- (1 - eta * alpha) * w - eta * loss'(p, y) * x,     b <- b - eta * loss'(p, y)

which is ``sgdlab.optim.SGD`` with ``weight_decay = alpha`` and batch size 1. Its step
counter ``t`` starts at 1; ``sgdlab`` numbers steps ``k = t - 1`` from 0, so the
schedules below are written in ``k``.

>>> sched = invscaling(0.01, power_t=0.25)
>>> round(sched(0), 6), round(sched(15), 6)
(0.01, 0.005)
"""

from __future__ import annotations

import math
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from sgdlab import _validate as check
from sgdlab.data import make_linear_regression
from sgdlab.schedules import Schedule, constant  # constant: learning_rate="constant"

LEARNING_RATES = ("constant", "invscaling", "optimal", "adaptive")


# --- scikit-learn's learning-rate rules as sgdlab schedules -----------------------------
def invscaling(eta0: float, *, power_t: float = 0.25) -> Schedule:
    """``learning_rate="invscaling"``: ``eta_t = eta0 / t ** power_t`` with scikit-learn's
    ``t = k + 1`` (so ``eta0`` at the first step ``k = 0``).

    Args:
        eta0: the first learning rate, > 0.
        power_t: the exponent, >= 0 (SGDRegressor's default 0.25).
    """
    eta0 = check.positive("eta0", eta0)
    power_t = check.positive("power_t", power_t, allow_zero=True)
    return Schedule("invscaling", lambda k: eta0 / (k + 1) ** power_t, eta0)


def optimal_t0(alpha: float) -> float:
    """scikit-learn's offset ``t0`` for ``learning_rate="optimal"``.

    scikit-learn sets ``typw = sqrt(1 / sqrt(alpha))``, takes the first rate
    ``eta_1 = typw / max(1, |loss'|)`` (the max is 1 for squared error, log loss and
    hinge) and picks ``t0 = 1 / (alpha * eta_1)`` so that ``1 / (alpha * t0) = eta_1``.
    So ``t0 = alpha ** (-3/4)``.

    Args:
        alpha: the penalty, > 0.
    """
    alpha = check.positive("alpha", alpha)
    typw = math.sqrt(1.0 / math.sqrt(alpha))
    return 1.0 / (alpha * typw)


def optimal(alpha: float) -> Schedule:
    """``learning_rate="optimal"``: ``eta_t = 1 / (alpha * (t0 + t - 1))`` with
    ``t0 = optimal_t0(alpha)``; in sgdlab's step ``k = t - 1``: ``1 / (alpha (t0 + k))``.
    Its first rate is ``alpha ** (-1/4)``: large for a small ``alpha``."""
    alpha = check.positive("alpha", alpha)
    t0 = optimal_t0(alpha)
    return Schedule("optimal", lambda k: 1.0 / (alpha * (t0 + k)), 1.0 / (alpha * t0))


def schedule(learning_rate: str, *, eta0: float = 0.01, alpha: float = 1e-4,
             power_t: float = 0.25) -> Schedule:
    """The sgdlab ``Schedule`` of scikit-learn's ``learning_rate`` rule ("constant",
    "invscaling" or "optimal"). "adaptive" is not a fixed schedule (it divides ``eta``
    by 5 when the loss stalls), so it raises ``ValueError``."""
    check.choice("learning_rate", learning_rate, LEARNING_RATES)
    eta0 = check.positive("eta0", eta0)
    alpha = check.positive("alpha", alpha)
    power_t = check.positive("power_t", power_t, allow_zero=True)
    if learning_rate == "adaptive":
        raise ValueError("learning_rate must be 'constant', 'invscaling' or 'optimal' here: "
                         "'adaptive' reacts to the loss, so it is not a fixed schedule")
    if learning_rate == "constant":
        return constant(eta0)
    if learning_rate == "invscaling":
        return invscaling(eta0, power_t=power_t)
    return optimal(alpha)


# --- scikit-learn's loop for squared error, in numpy ------------------------------------
@dataclass
class PlainSGDPath:
    """Every step of :func:`plain_sgd`. ``k`` is the number of steps.

    Attributes:
        params: weights before each step and after the last, shape (k + 1, d).
        intercepts: the intercept at the same moments, shape (k + 1,).
        loss: the example's loss ``(p - y)^2 / 2`` before each step, shape (k,).
        lr: the learning rate of each step, shape (k,).
    """

    params: np.ndarray
    intercepts: np.ndarray
    loss: np.ndarray
    lr: np.ndarray


def plain_sgd(X, y, orders, sched: Schedule, *, alpha: float = 0.0,
              fit_intercept: bool = True, w0=None, b0: float = 0.0) -> PlainSGDPath:
    """scikit-learn's ``SGDRegressor`` loop (squared error, L2 penalty), one example per
    step, visiting the rows in the given orders: for each row,
    ``p = x . w + b``, ``w <- max(0, 1 - eta alpha) w - eta (p - y) x``,
    ``b <- b - eta (p - y)``.

    Unlike ``sgdlab.train.run`` with a bias column, the intercept is not penalised,
    and the order of the rows is yours (``shuffle=False`` is ``[np.arange(n)] * epochs``).

    Args:
        X: shape (n, d); y: shape (n,).
        orders: one integer array of row indices per epoch.
        sched: the learning rate of step k = 0, 1, ... (e.g. :func:`invscaling`).
        alpha: L2 penalty, >= 0. fit_intercept: learn ``b`` (else it stays ``b0``).
        w0: start, shape (d,) (zeros by default); b0: starting intercept.
    """
    X, y = check.data(X, y)
    if not isinstance(sched, Schedule):
        raise check.ArgumentTypeError("sched must be a sgdlab.schedules.Schedule, e.g. "
                                      f"invscaling(0.01); got {type(sched).__name__}")
    alpha = check.positive("alpha", alpha, allow_zero=True)
    fit_intercept = check.boolean("fit_intercept", fit_intercept)
    n, d = X.shape
    w = np.zeros(d) if w0 is None else check.float_array("w0", w0, shape=(d,)).copy()
    b = check.real("b0", b0)
    if isinstance(orders, str | bytes | dict) or not hasattr(orders, "__len__"):
        raise check.ArgumentTypeError("orders must be a list of index arrays, one per epoch; "
                                      f"got {type(orders).__name__}")
    rows = (np.concatenate([check.indices(o, n, name=f"orders[{e}]")
                            for e, o in enumerate(orders)])
            if len(orders) else np.array([], dtype=int))
    k = rows.size
    params, intercepts = np.empty((k + 1, d)), np.empty(k + 1)
    loss, lrs = np.empty(k), np.empty(k)
    params[0], intercepts[0] = w, b
    with np.errstate(all="ignore"):
        for step, i in enumerate(rows):
            eta = sched(step)
            p = float(X[i] @ w) + b
            dloss = p - y[i]
            loss[step], lrs[step] = 0.5 * dloss * dloss, eta
            w = max(0.0, 1.0 - eta * alpha) * w - eta * dloss * X[i]
            if fit_intercept:
                b -= eta * dloss
            params[step + 1], intercepts[step + 1] = w, b
    return PlainSGDPath(params, intercepts, loss, lrs)


# --- the objective, its minimiser and the stopping rule ---------------------------------
def ridge_solution(X, y, alpha: float, *, fit_intercept: bool = True) -> tuple[np.ndarray, float]:
    """The minimiser of scikit-learn's objective for ``loss="squared_error"``,
    ``penalty="l2"``: ``mean((y - X w - b)^2) / 2 + alpha |w|^2 / 2`` (b not penalised).

    Args:
        X: shape (n, d); y: shape (n,); alpha: >= 0 (0 needs X of full column rank).
        fit_intercept: with False, ``b = 0``.

    Returns:
        ``(w, b)``: w of shape (d,), b a float.
    """
    X, y = check.data(X, y)
    alpha = check.positive("alpha", alpha, allow_zero=True)
    fit_intercept = check.boolean("fit_intercept", fit_intercept)
    n, d = X.shape
    x_mean = X.mean(axis=0) if fit_intercept else np.zeros(d)
    y_mean = float(y.mean()) if fit_intercept else 0.0
    Xc, yc = X - x_mean, y - y_mean
    A = Xc.T @ Xc / n + alpha * np.eye(d)
    if not np.linalg.matrix_rank(A) == d:
        raise ValueError("alpha must be > 0 when X (centred, with fit_intercept) does not have "
                         f"full column rank: with alpha={alpha} the minimiser is not unique")
    w = np.linalg.solve(A, Xc.T @ yc / n)
    return w, y_mean - float(x_mean @ w)


def objective(X, y, w, b: float = 0.0, alpha: float = 0.0) -> float:
    """scikit-learn's squared-error objective ``mean((X w + b - y)^2) / 2 + alpha |w|^2 / 2``
    for X (n, d), y (n,), w (d,)."""
    X, y = check.data(X, y)
    w = check.float_array("w", w, shape=(X.shape[1],))
    b = check.real("b", b)
    alpha = check.positive("alpha", alpha, allow_zero=True)
    with np.errstate(over="ignore", invalid="ignore"):
        r = X @ w + b - y
        return float(0.5 * np.mean(r * r) + 0.5 * alpha * float(w @ w))


def epoch_objectives(loss, params, n: int, alpha: float = 0.0) -> np.ndarray:
    """What scikit-learn's stopping rule looks at, from a batch-size-1 run: per epoch, the
    mean over its steps of (the example's loss + ``alpha |w|^2 / 2``), both at the weights
    *before* the step.

    Args:
        loss: per-step losses, shape (k,) (``History.loss``), k a multiple of n.
        params: weights before each step, shape (k, d) or (k + 1, d) (``History.params``).
        n: steps per epoch (the number of examples).
        alpha: the L2 penalty.

    Returns:
        shape (k // n,).
    """
    loss = check.float_array("loss", loss, ndim=1)
    n = check.integer("n", n)
    alpha = check.positive("alpha", alpha, allow_zero=True)
    if loss.size % n:
        raise ValueError(f"loss must hold whole epochs of n={n} steps; got {loss.size}")
    params = check.float_array("params", params, ndim=2)
    if params.shape[0] < loss.size:
        raise ValueError(f"params must have at least one row per step of loss ({loss.size}); "
                         f"got {params.shape[0]}")
    w = params[: loss.size]
    per_step = loss + 0.5 * alpha * np.einsum("ij,ij->i", w, w)
    return per_step.reshape(-1, n).mean(axis=1)


def stopping_epoch(objectives, *, tol: float | None = 1e-3,
                   n_iter_no_change: int = 5) -> int | None:
    """The epoch (1-based) after which scikit-learn stops: the first time
    ``n_iter_no_change`` epochs in a row failed to beat the best objective so far by
    ``tol``. None when that never happens in ``objectives`` (or ``tol`` is None).

    Args:
        objectives: per-epoch objectives, shape (epochs,), as from :func:`epoch_objectives`.
    """
    objectives = check.float_array("objectives", objectives, ndim=1)
    n_iter_no_change = check.integer("n_iter_no_change", n_iter_no_change)
    if tol is not None:
        tol = check.real("tol", tol)
    if tol is None:
        return None
    best, count = math.inf, 0
    for epoch, value in enumerate(objectives, start=1):
        count = count + 1 if value > best - tol else 0
        best = min(best, value)
        if count >= n_iter_no_change:
            return epoch
    return None


# --- streaming and memory -----------------------------------------------------------------
def stream_linear_regression(
    n_chunks: int, chunk_rows: int, w_true, *, noise: float = 0.5,
    rng: np.random.Generator | int,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Generate ``y = X @ w_true + noise * eps`` chunk by chunk, never all at once.

    Args:
        n_chunks, chunk_rows: how many chunks, and rows per chunk (both >= 1).
        w_true: shape (d,). noise: >= 0. rng: the generator the chunks are drawn from
            (or an int seed).

    Yields:
        ``(X, y)`` with shapes (chunk_rows, d) and (chunk_rows,). The arguments are
        checked at the call, not at the first ``next()``.
    """
    n_chunks = check.integer("n_chunks", n_chunks)
    chunk_rows = check.integer("chunk_rows", chunk_rows)
    w_true = check.float_array("w_true", w_true, ndim=1)
    if w_true.size == 0:
        raise ValueError("w_true must hold at least one weight; got shape (0,)")
    noise = check.positive("noise", noise, allow_zero=True)
    rng = check.rng(rng)
    return _chunks(n_chunks, chunk_rows, w_true, noise, rng)


def _chunks(n_chunks: int, chunk_rows: int, w_true: np.ndarray, noise: float,
            rng: np.random.Generator) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    for _ in range(n_chunks):
        chunk = make_linear_regression(chunk_rows, noise=noise, w_true=w_true, rng=rng)
        yield chunk.X, chunk.y


def peak_memory(func: Callable[..., Any], *args, **kwargs) -> tuple[Any, int]:
    """Run ``func(*args, **kwargs)`` and return ``(result, peak)``: the largest number of
    bytes allocated (and not yet freed) by Python and numpy during the call, measured
    with ``tracemalloc``. Memory allocated before the call does not count."""
    check.function("func", func)
    if tracemalloc.is_tracing():
        raise RuntimeError("peak_memory needs tracemalloc to be off; it is already tracing")
    tracemalloc.start()
    try:
        result = func(*args, **kwargs)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, int(peak)
