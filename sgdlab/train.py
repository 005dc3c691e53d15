"""The training loop: run SGD on a problem and record what happened.

``batch_size=n`` (or None) is full-batch gradient descent, ``batch_size=1`` is plain
SGD, anything between is minibatch SGD.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from sgdlab import _validate as check
from sgdlab.batches import SAMPLING, minibatch_stream
from sgdlab.losses import DataProblem, LeastSquares
from sgdlab.optim import SGD
from sgdlab.optim._base import Optimizer
from sgdlab.schedules import Schedule, constant


@dataclass
class History:
    """What a run recorded. ``k`` is the number of steps taken.

    Attributes:
        params: weights before each step and after the last, shape (k + 1, d);
            None when the run was asked not to record them.
        loss: minibatch loss before each step, shape (k,).
        full_loss: full (all-data) loss, shape (m,), at steps ``full_loss_steps``.
        full_loss_steps: the step numbers of ``full_loss``, shape (m,); 0 is the start.
        lr: learning rate of each step, shape (k,).
        grad_norm: Euclidean norm of each step's minibatch gradient, shape (k,).
        samples_seen: examples used so far, shape (k + 1,), starting at 0.
        time: seconds spent taking the steps so far (gradients and updates; the
            full-loss evaluations are not counted), shape (k + 1,).
        diverged: True when the run blew up and was stopped early.
        diverged_at: the step at which it was stopped, or None.
        n_samples: size of the data set (None for a 2-D test function).
        batch_size: examples per step (None for a 2-D test function).
        final: the last weights, shape (d,).
    """

    params: np.ndarray | None
    loss: np.ndarray
    full_loss: np.ndarray
    full_loss_steps: np.ndarray
    lr: np.ndarray
    grad_norm: np.ndarray
    samples_seen: np.ndarray
    time: np.ndarray
    diverged: bool
    diverged_at: int | None
    n_samples: int | None
    batch_size: int | None
    final: np.ndarray

    @property
    def steps(self) -> int:
        """Number of steps taken."""
        return len(self.lr)

    @property
    def epochs(self) -> np.ndarray:
        """Passes over the data so far, shape (k + 1,) (steps for a 2-D test function)."""
        if self.n_samples is None:
            return np.arange(self.steps + 1, dtype=float)
        return self.samples_seen / self.n_samples

    def x_axis(self, kind: str, at: np.ndarray | None = None) -> np.ndarray:
        """The steps ``at`` (default: all, 0..k) measured in ``kind``: "step", "epoch",
        "samples" or "time"."""
        check.choice("kind", kind, ("step", "epoch", "samples", "time"))
        at = np.arange(self.steps + 1) if at is None else check.indices(
            at, self.steps + 1, name="at")
        table = {"step": np.arange(self.steps + 1, dtype=float), "epoch": self.epochs,
                 "samples": self.samples_seen.astype(float), "time": self.time}
        return table[kind][at]


def _schedule(lr) -> Schedule:
    if isinstance(lr, Schedule):
        return lr
    if callable(lr):
        raise check.ArgumentTypeError(
            "lr must be a number > 0 or a sgdlab.schedules.Schedule; wrap a function with "
            "sgdlab.schedules.Schedule(name, rule, lr0)")
    return constant(lr)


def _has_rows_fast_path(problem) -> bool:
    """Whether ``problem`` computes loss and gradient on rows handed to it directly.

    Only when one class defines ``loss``, ``grad`` and ``rows_loss_and_grad`` together:
    a subclass that changes ``loss`` or ``grad`` (a learner's own variant, a test's spy)
    must be called through them.
    """
    if not isinstance(problem, DataProblem):
        return False
    mro = type(problem).__mro__
    owners = {next(c for c in mro if name in c.__dict__)
              for name in ("loss", "grad", "rows_loss_and_grad")}
    return len(owners) == 1 and DataProblem not in owners


def _shuffled_row_batches(problem: DataProblem, batch_size: int, rng: np.random.Generator
                          ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Endless ``(idx, X rows, y rows)`` minibatches, reshuffled every epoch.

    The same batches as :func:`sgdlab.batches.minibatch_stream` (one
    ``rng.permutation(n)`` per epoch, cut into consecutive pieces), but the rows of a
    batch are views into one shuffled copy of the data made per epoch, instead of a
    fancy-indexed copy made at every step.
    """
    n = problem.n_samples
    while True:
        order = rng.permutation(n)
        X, y = problem.X[order], problem.y[order]
        for i in range(0, n, batch_size):
            yield order[i:i + batch_size], X[i:i + batch_size], y[i:i + batch_size]


def _step_function(problem) -> Callable:
    """``f(w, idx, X_rows, y_rows) -> (minibatch loss, gradient)`` for the training loop."""
    if _has_rows_fast_path(problem):
        X_all, y_all = problem.X, problem.y

        def step(w, idx, X_rows, y_rows):
            if X_rows is None:
                X_rows, y_rows = (X_all, y_all) if idx is None else (X_all[idx], y_all[idx])
            return problem.rows_loss_and_grad(w, X_rows, y_rows)
        return step

    def generic(w, idx, X_rows, y_rows):
        g = problem.grad(w, idx)
        return problem.loss(w, idx), g
    return generic


def _rate_function(schedule: Schedule) -> Callable[[int], float]:
    """``t -> schedule(t)``, calling the rule directly when it gives a float >= 0 (the
    checks of ``Schedule.__call__`` cost more than a whole step of a small problem);
    anything else goes through ``schedule(t)`` for its error message."""
    rule = schedule.rule

    def rate(t: int) -> float:
        value = rule(t)
        if isinstance(value, float) and 0.0 <= value < math.inf:
            return float(value)
        return schedule(t)
    return rate


def _sgdlab_loss(problem) -> bool:
    """Whether ``problem``'s loss is sgdlab's own code (no learner's or test's override
    of ``loss``, ``value`` or ``grad``): a full loss already computed at some weights can
    then stand in for the loss at the same weights."""
    return all(c.__module__.startswith("sgdlab.") for c in type(problem).__mro__
               if c is not object and {"loss", "value", "grad"} & set(c.__dict__))


def _is_least_squares(problem) -> bool:
    """Whether ``problem`` is :class:`~sgdlab.losses.LeastSquares` with its own loss and
    gradient (a subclass that changes neither is fine): the training loop's fast path."""
    return (_has_rows_fast_path(problem)
            and next(c for c in type(problem).__mro__
                     if "rows_loss_and_grad" in c.__dict__) is LeastSquares)


@dataclass
class _Trace:
    """What a run records, step by step (see :class:`History`), filled in by a loop."""

    params: np.ndarray | None
    loss: np.ndarray
    lrs: np.ndarray
    grad_norm: np.ndarray
    seen: np.ndarray
    clock: np.ndarray
    full_steps: list[int]
    full_values: list[float]


def run(problem, w0, lr, *, steps: int | None = None, epochs: int | None = None,
        batch_size: int | None = None, momentum: float = 0.0, dampening: float = 0.0,
        nesterov: bool = False, weight_decay: float = 0.0, sampling: str = "shuffle",
        rng: np.random.Generator | int | None = None, full_loss_every: int = 1,
        record_params: bool = True, divergence_factor: float = 1e4,
        optimizer: Callable[[list[np.ndarray]], Any] | None = None) -> History:
    """Run (minibatch) SGD with ``sgdlab.optim.SGD`` on ``problem`` from ``w0``.

    Args:
        problem: a data problem (``sgdlab.losses``) or a 2-D test function
            (``sgdlab.objectives``); it needs ``loss(w, idx)`` and ``grad(w, idx)``.
        w0: starting weights, shape (d,). Not modified.
        lr: learning rate > 0, or a ``Schedule`` from ``sgdlab.schedules``.
        steps: number of updates; give this or ``epochs``.
        epochs: number of passes over the data (data problems only).
        batch_size: rows per step, 1..n; None means all n (full-batch GD).
        momentum, dampening, nesterov, weight_decay: as ``torch.optim.SGD``.
        sampling: "shuffle" (reshuffle every epoch, each row once per epoch) or
            "replacement" (each batch drawn independently, with replacement).
        rng: a ``numpy.random.Generator`` or an int seed; needed when ``batch_size < n``.
        full_loss_every: compute the full loss every this many steps (and at the end).
        record_params: keep the weights of every step (turn off for long runs).
        divergence_factor: stop and flag the run as diverged when the full loss
            exceeds this many times ``max(|initial loss|, 1)``, or anything is NaN/inf.
        optimizer: another optimizer instead of SGD: a function that takes the list
            ``[w]`` and returns an object with a ``step(grads)`` method that updates
            ``w`` in place and an ``lr`` attribute, e.g.
            ``lambda params: sgdlab.optim.Adam(params, lr=0.01)``. The learning rate
            still comes from ``lr`` (written to ``opt.lr`` before every step); leave
            momentum, dampening, nesterov and weight_decay at their defaults.

    Returns:
        A :class:`History`.

    Example:
        >>> from sgdlab.objectives import Quadratic
        >>> h = run(Quadratic(condition=10), [1.0, 1.0], lr=1.0, steps=100)
        >>> bool(h.full_loss[-1] < 1e-6), h.diverged
        (True, False)
    """
    check.problem(problem)
    schedule = _schedule(lr)
    n = problem.n_samples
    d = problem.dim
    w = check.float_array("w0", w0, shape=(d,)).copy()
    check.choice("sampling", sampling, SAMPLING)
    full_loss_every = check.integer("full_loss_every", full_loss_every)
    divergence_factor = check.positive("divergence_factor", divergence_factor)
    record_params = check.boolean("record_params", record_params)
    rng = check.rng(rng, required=False)
    if optimizer is not None:
        check.function("optimizer", optimizer)

    if n is None:  # a 2-D test function: deterministic gradient, no data
        if batch_size is not None:
            raise ValueError("batch_size must be None for a 2-D test function: it has no data "
                             "to sample from")
        if epochs is not None:
            raise ValueError("epochs needs a data problem; give steps for a 2-D test function")
        batch_size_used = None
    else:
        batch_size_used = n if batch_size is None else check.integer(
            "batch_size", batch_size, low=1, high=n)

    if (steps is None) == (epochs is None):
        raise ValueError("give exactly one of steps and epochs")
    if steps is not None:
        total = check.integer("steps", steps)
    else:
        total = check.integer("epochs", epochs) * math.ceil(n / batch_size_used)

    if n is None or batch_size_used == n and sampling == "shuffle":
        batches = None  # every step uses all the data
    else:
        if rng is None:
            raise ValueError("rng must be given for a stochastic run (batch_size < n): "
                             "pass rng=np.random.default_rng(seed)")
        if sampling == "shuffle" and _has_rows_fast_path(problem):
            batches = _shuffled_row_batches(problem, batch_size_used, rng)
        else:
            batches = ((idx, None, None) for idx in
                       minibatch_stream(n, batch_size_used, rng=rng, sampling=sampling))
    step_loss_grad = _step_function(problem)

    if optimizer is None:
        opt = SGD([w], lr=schedule(0), momentum=momentum, dampening=dampening,
                  weight_decay=weight_decay, nesterov=nesterov)
    elif (momentum, dampening, nesterov, weight_decay) != (0.0, 0.0, False, 0.0):
        raise ValueError("momentum, dampening, nesterov and weight_decay are SGD's options: "
                         "with optimizer=..., give them to that optimizer instead")
    else:
        opt = optimizer([w])
        if not (callable(getattr(opt, "step", None)) and hasattr(opt, "lr")):
            raise check.ArgumentTypeError(
                "optimizer must be a function params -> an optimizer with a step(grads) "
                f"method and an lr attribute; it returned {type(opt).__name__}")

    trace = _Trace(params=np.empty((total + 1, d)) if record_params else None,
                   loss=np.empty(total), lrs=np.empty(total), grad_norm=np.empty(total),
                   seen=np.zeros(total + 1, dtype=np.int64), clock=np.zeros(total + 1),
                   full_steps=[0], full_values=[])
    fast = optimizer is None and _is_least_squares(problem)

    with np.errstate(all="ignore"):
        loss0 = problem.loss(w)
        if not math.isfinite(loss0):
            raise ValueError(f"w0 must be a point where the loss is finite; the loss at w0 is "
                             f"{loss0}: start closer to the minimum")
        trace.full_values.append(loss0)
        limit = divergence_factor * max(abs(loss0), 1.0)
        if trace.params is not None:
            trace.params[0] = w
        if fast:
            k, diverged_at = _least_squares_loop(
                problem, w, opt, _rate_function(schedule), trace, total=total,
                batch_size=batch_size_used, sampling=sampling, rng=rng,
                full_loss_every=full_loss_every, limit=limit)
        else:
            k, diverged_at = _general_loop(
                problem, w, opt, _rate_function(schedule), batches, step_loss_grad, trace,
                total=total, full_loss_every=full_loss_every, limit=limit)

    params = trace.params
    finite_rows = np.all(np.isfinite(params[: k + 1]), axis=1) if params is not None else None
    if params is not None:
        final = params[: k + 1][finite_rows][-1].copy()
    else:
        final = w.copy() if np.all(np.isfinite(w)) else np.full(d, np.nan)
    return History(
        params=None if params is None else params[: k + 1],
        loss=trace.loss[:k], full_loss=np.array(trace.full_values, dtype=float),
        full_loss_steps=np.array(trace.full_steps), lr=trace.lrs[:k],
        grad_norm=trace.grad_norm[:k], samples_seen=trace.seen[: k + 1],
        time=trace.clock[: k + 1], diverged=diverged_at is not None,
        diverged_at=diverged_at, n_samples=n, batch_size=batch_size_used, final=final,
    )


def _general_loop(problem, w: np.ndarray, opt, rate: Callable[[int], float], batches,
                  step_loss_grad: Callable, trace: _Trace, *, total: int,
                  full_loss_every: int, limit: float) -> tuple[int, int | None]:
    """Take up to ``total`` steps, updating ``w`` (shape (d,)) in place and filling
    ``trace``; return the number of steps taken and the step of divergence (or None)."""
    n = problem.n_samples
    params, loss, lrs, grad_norm = trace.params, trace.loss, trace.lrs, trace.grad_norm
    seen, clock = trace.seen, trace.clock
    # sgdlab's own optimizers skip re-checking a gradient already known to be finite
    trusted = isinstance(opt, Optimizer) and type(opt).step is Optimizer.step
    # full-batch steps on sgdlab's 2-D functions: the loss before a step is the full loss
    # the previous step ended with, the same call at the same weights
    reuse = batches is None and not _has_rows_fast_path(problem) and _sgdlab_loss(problem)
    k = 0
    elapsed = 0.0
    while k < total:
        idx, X_rows, y_rows = (None, None, None) if batches is None else next(batches)
        lr_k = rate(k)
        opt.lr = lr_k
        start = time.perf_counter()
        if reuse and trace.full_steps[-1] == k:
            g = problem.grad(w)
            loss_k = trace.full_values[-1]
        else:
            loss_k, g = step_loss_grad(w, idx, X_rows, y_rows)
        g2 = float(g @ g)
        if math.isfinite(g2):  # an inf or NaN gradient is divergence, not a step
            if (trusted and type(g) is np.ndarray and g.dtype == w.dtype
                    and g.shape == w.shape):
                opt._step_trusted([g])
            else:
                opt.step([g])
        else:
            w[...] = np.nan
        elapsed += time.perf_counter() - start
        loss[k], lrs[k] = loss_k, lr_k
        grad_norm[k] = math.sqrt(g2)
        used = 0 if n is None else (n if idx is None else len(idx))
        seen[k + 1] = seen[k] + used
        clock[k + 1] = elapsed
        if params is not None:
            params[k + 1] = w
        k += 1
        # w @ w is inf or NaN exactly when some weight is (or the weights explode)
        blown = not (math.isfinite(loss_k) and math.isfinite(float(w @ w)))
        if not blown and (k % full_loss_every == 0 or k == total):
            full = problem.loss(w)
            trace.full_steps.append(k)
            trace.full_values.append(full)
            blown = not np.isfinite(full) or abs(full) > limit
        if blown:
            return k, k
    return k, None


def _least_squares_loop(problem: LeastSquares, w: np.ndarray, opt: SGD,
                        rate: Callable[[int], float], trace: _Trace, *, total: int,
                        batch_size: int, sampling: str, rng: np.random.Generator | None,
                        full_loss_every: int, limit: float) -> tuple[int, int | None]:
    """:func:`_general_loop` for SGD on least squares, without its per-step overhead.

    The same minibatches (one permutation per epoch, or the same draws with
    replacement), the same arithmetic as ``LeastSquares.rows_loss_and_grad`` and
    ``SGD.step``, the same records. The rows of a stretch of steps (an epoch) are
    gathered in one copy and the records of a stretch are written in one go. With one
    row per step the loss and the gradient's norm come from the scalar residual
    ``e = x . w - y``: ``g = e x`` and ``|g| = |e| |x|``, with ``|x|`` computed for all
    rows of the stretch at once. The clock counts the whole step, bookkeeping included
    (full losses excluded).
    """
    X_all, y_all = problem.X, problem.y
    n = problem.n_samples
    B = batch_size
    per_epoch = math.ceil(n / B)
    params = trace.params
    plain = opt.momentum == 0 and opt.weight_decay == 0
    weight_decay = opt.weight_decay
    every_row = B == n and sampling == "shuffle"  # full-batch GD: no rows drawn
    single = B == 1 and not every_row
    perf = time.perf_counter
    isfinite = math.isfinite
    nan = math.nan
    k = 0
    diverged_at = None
    skip = perf()  # the clock's zero, moved on by the time spent in full losses
    while k < total and diverged_at is None:
        # the rows of the next stretch of steps, in the order they will be used
        if every_row:
            stretch, X, y = total - k, X_all, y_all
        elif sampling == "shuffle":
            stretch = min(per_epoch, total - k)
            order = rng.permutation(n)
            X, y = X_all[order], y_all[order]
        else:
            stretch = min(per_epoch, total - k)
            idx = rng.integers(0, n, size=(stretch, B)).ravel()
            X, y = X_all[idx], y_all[idx]
        rates = [rate(t) for t in range(k, k + stretch)]
        if single:
            targets = y[:stretch].tolist()
            row_norms = np.sqrt(np.einsum("ij,ij->i", X[:stretch], X[:stretch])).tolist()
        losses, norms2, clock = [], [], []
        first = k
        for j in range(stretch):
            lr_k = rates[j]
            if single:
                x = X[j]
                e = float(x.dot(w)) - targets[j]
                loss_k = 0.5 * (e * e)
                g2 = abs(e) * row_norms[j]
                g2 *= g2
                g = x * e
            else:
                if every_row:
                    rows, rows_y = X, y
                else:
                    rows, rows_y = X[j * B:(j + 1) * B], y[j * B:(j + 1) * B]
                m = len(rows_y)
                r = rows @ w - rows_y
                loss_k = 0.5 * float(r @ r) / m
                g = rows.T @ r / m
                g2 = float(g.dot(g))
            if not isfinite(g2):  # an inf or NaN gradient is divergence, not a step
                w[...] = nan
            elif plain:
                g *= lr_k
                w -= g
            else:  # as SGD.step, without re-checking the gradient
                if weight_decay != 0:
                    g = g + weight_decay * w
                opt.lr = lr_k
                opt._update(0, w, g)
            clock.append(perf() - skip)
            losses.append(loss_k)
            norms2.append(g2)
            if params is not None:
                params[k + 1] = w
            k += 1
            # w . w is inf or NaN exactly when some weight is (or the weights explode)
            blown = not (isfinite(loss_k) and isfinite(float(w.dot(w))))
            if not blown and (k % full_loss_every == 0 or k == total):
                started = perf()
                r = X_all @ w - y_all  # as LeastSquares.loss(w), without its checks
                full = 0.5 * float(r @ r) / n
                trace.full_steps.append(k)
                trace.full_values.append(full)
                blown = not isfinite(full) or abs(full) > limit
                skip += perf() - started
            if blown:
                diverged_at = k
                break
        trace.loss[first:k] = losses
        trace.lrs[first:k] = rates[:k - first]
        trace.grad_norm[first:k] = np.sqrt(norms2)
        sizes = np.full(k - first, B, dtype=np.int64)
        if sampling == "shuffle" and k - first == per_epoch:
            sizes[-1] = n - B * (per_epoch - 1)  # the epoch's last batch: what is left
        trace.seen[first + 1:k + 1] = trace.seen[first] + np.cumsum(sizes)
        trace.clock[first + 1:k + 1] = clock
    return k, diverged_at
