"""Several optimizers on one problem: build them by name, race them side by side on a
2-D function, tune a learning rate on a grid.

The names are those of notebook 08: ``"SGD"``, ``"momentum"`` (heavy ball, torch's
``SGD(momentum=...)``), ``"Adagrad"``, ``"RMSprop"`` and ``"Adam"``; every one is an
``sgdlab.optim`` class, a numpy mirror of its ``torch.optim`` namesake.

Example:
    >>> from sgdlab.objectives import Quadratic
    >>> q = Quadratic(condition=10)
    >>> best_lr, h, scores = tune_lr(q, [1.0, 1.0], "Adam", [0.01, 0.1, 1.0], steps=300)
    >>> best_lr
    0.1
"""

from __future__ import annotations

import math
import numbers
import time
from collections.abc import Callable, Sequence

import numpy as np

from sgdlab import _validate as check
from sgdlab.objectives import Objective2D
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


def race(objective: Objective2D, w0, lr: float, *, steps: int,
         names: Sequence[str] = OPTIMIZERS, momentum: float = 0.9,
         betas: tuple[float, float] = (0.9, 0.999),
         divergence_factor: float = 1e4) -> dict[str, History]:
    """Run several optimizers side by side on a 2-D function, all at once.

    The same runs as ``run_optimizer(objective, w0, name, lr, momentum=momentum,
    betas=betas, steps=steps, divergence_factor=divergence_factor)`` for each name, the
    same numbers too, but the weights of all runs are the rows of one array ``W`` of shape
    (k, 2): each step makes one call ``objective.grad(W)`` for all rows and applies every
    optimizer's rule (the arithmetic of its ``_update``, in the same order) to its row in
    a few whole-array operations; one call of ``objective.value`` then gives the full
    losses of all steps and rows. A run that blows up is stopped and flagged as ``run``
    does it (same step, same records); the others go on without it.

    Args:
        objective: a 2-D test function (``sgdlab.objectives``), whose ``grad`` and
            ``value`` take stacks of points, of shape (k, 2) and (steps, k, 2).
        w0: the common start, shape (2,).
        lr: learning rate, > 0.
        steps: steps per run, >= 1.
        names: distinct names from :data:`OPTIMIZERS`, one row each.
        momentum, betas: as :func:`make_optimizer`.
        divergence_factor: as :func:`sgdlab.train.run`.

    Returns:
        name -> its :class:`~sgdlab.train.History`, in the order of ``names``. ``time``
        is the wall-clock time of the race's steps so far, shared by all rows.

    Example:
        >>> from sgdlab.objectives import Rosenbrock
        >>> runs = race(Rosenbrock(), [-1.5, 2.0], 1e-3, steps=300)
        >>> [name for name, h in runs.items() if h.diverged]
        []
    """
    check.instance("objective", objective, Objective2D,
                   "a 2-D test function from sgdlab.objectives (Quadratic, Rosenbrock, ...)")
    if type(objective).loss is not Objective2D.loss:
        raise ValueError("objective must compute its loss as value(w) (race calls value "
                         "on all rows at once); its class overrides loss")
    w0 = check.float_array("w0", w0, shape=(2,))
    lr = check.positive("lr", lr)
    steps = check.integer("steps", steps)
    names = _names(names)
    momentum = check.in_range("momentum", momentum, 0.0, 1.0)
    betas = betas_pair(betas)
    divergence_factor = check.positive("divergence_factor", divergence_factor)
    with np.errstate(all="ignore"):
        loss0 = objective.loss(w0)
    if not math.isfinite(loss0):
        raise ValueError(f"w0 must be a point where the loss is finite; the loss at w0 is "
                         f"{loss0}: start closer to the minimum")
    rules = _Rules(names, lr, steps, momentum, betas)
    with np.errstate(all="ignore"):  # a blown-up run is flagged, not warned about
        records = _race_loop(objective, w0, loss0, rules, steps,
                             limit=divergence_factor * max(abs(loss0), 1.0))
        return {name: records.history(row, lr) for row, name in enumerate(names)}


def _names(names: Sequence[str]) -> tuple[str, ...]:
    """Check ``names``: a list of distinct names from :data:`OPTIMIZERS`, at least one."""
    if isinstance(names, str) or not isinstance(names, Sequence):
        raise check.ArgumentTypeError(f"names must be a list of optimizer names from "
                                      f"{', '.join(OPTIMIZERS)}, e.g. ['SGD', 'Adam']; "
                                      f"got {check._kind(names)} {names!r}")
    for name in names:
        check.choice("names", name, OPTIMIZERS)
    if not names or len(set(names)) != len(names):
        raise ValueError(f"names must hold distinct optimizer names, at least one; got {names!r}")
    return tuple(names)


class _Rules:
    """Every optimizer's update as one rule with a coefficient per row::

        u   = mu u + nu (g - gam u)          momentum buffer / Adam's m / plain g
        acc = a acc + (b g) g                Adagrad's sum / RMSprop's and Adam's v
        w  -= s_t (u / (sqrt(acc) / c_t + eps))

    With coefficients 0 and 1 where a rule has no such term, every row computes exactly
    what its optimizer's ``_update`` computes: x * 1, x + 0, x - 0 and x / 1 are exact.
    The coefficients have shape (k, 2) (a row's two entries equal); ``s_t`` and ``c_t``
    (Adam's bias corrections) shape (steps, k, 2).
    """

    def __init__(self, names: tuple[str, ...], lr: float, steps: int, momentum: float,
                 betas: tuple[float, float]):
        k = len(names)
        mu, nu, gam, a, b, eps, acc = (np.zeros((k, 1)) for _ in range(7))
        self.s = np.full((steps, k, 1), lr)
        self.c = np.ones((steps, k, 1))
        for row, name in enumerate(names):
            # the hyperparameters of the optimizer run_optimizer would build
            opt = make_optimizer(name, momentum=momentum, betas=betas)([np.zeros(2)])
            if isinstance(opt, SGD):  # b = momentum b + (1 - 0) g; plain SGD: b = g
                assert (opt.dampening, opt.nesterov, opt.weight_decay) == (0.0, False, 0.0)
                mu[row], nu[row], a[row], acc[row] = opt.momentum, 1.0, 1.0, 1.0
            elif isinstance(opt, Adagrad):  # clr = lr / (1 + (t - 1) 0) = lr
                assert (opt.lr_decay, opt.weight_decay) == (0.0, 0.0)
                nu[row], a[row], b[row], eps[row] = 1.0, 1.0, 1.0, opt.eps
                acc[row] = opt.sums[0][0]
            elif isinstance(opt, RMSprop):
                assert (opt.centered, opt.momentum, opt.weight_decay) == (False, 0.0, 0.0)
                nu[row], a[row], b[row], eps[row] = 1.0, opt.alpha, 1 - opt.alpha, opt.eps
            else:  # Adam: m += (1 - b1) (g - m); bias corrections at t = 1, 2, ...
                assert isinstance(opt, Adam) and (opt.amsgrad, opt.weight_decay) == (False, 0.0)
                b1, b2 = opt.betas
                mu[row], nu[row], gam[row], a[row], b[row], eps[row] = (1.0, 1 - b1, 1.0, b2,
                                                                      1 - b2, opt.eps)
                self.s[:, row, 0] = [lr / (1 - b1**t) for t in range(1, steps + 1)]
                self.c[:, row, 0] = [math.sqrt(1 - b2**t) for t in range(1, steps + 1)]
        # spelled out to the shape of the weights, (k, 2) and (steps, k, 2): numpy's
        # broadcasting of a (k, 1) column costs more than the arithmetic on 5 rows
        self.mu, self.nu, self.gam, self.a, self.b, self.eps, self.acc0, self.s, self.c = (
            np.repeat(x, 2, axis=-1) for x in (mu, nu, gam, a, b, eps, acc, self.s, self.c))
        # terms that are exact no-ops on every row can be left out: without Adam, nu = 1
        # and gam = 0 (u = mu u + g) and c = 1; with only SGD and momentum, the divisor is 1
        self.adam = "Adam" in names
        self.scaled = self.adam or "Adagrad" in names or "RMSprop" in names


class _Records:
    """What the race records, one column per row (see :class:`~sgdlab.train.History`):
    weights (steps + 1, k, 2), full losses (steps + 1, k), gradients (steps, k, 2), the
    shared clock (steps + 1,), and per row the steps taken, the number of full losses and
    whether it diverged."""

    def __init__(self, w0: np.ndarray, loss0: float, k: int, steps: int):
        self.params = np.empty((steps + 1, k, 2))
        self.params[0] = w0
        self.full = np.empty((steps + 1, k))
        self.full[0] = loss0
        self.grads = np.zeros((steps, k, 2))
        self.clock = np.zeros(steps + 1)
        self.taken = np.full(k, steps)
        self.n_full = np.full(k, steps + 1)
        self.diverged = np.zeros(k, dtype=bool)

    def stop(self, row: int, step: int, n_full: int) -> None:
        self.taken[row], self.n_full[row], self.diverged[row] = step, n_full, True

    def full_losses(self, objective: Objective2D, w0: np.ndarray, done: int,
                    limit: float) -> None:
        """The full losses of steps 1..``done``, all rows in one ``value`` call, and the
        runs stopped at the first one that is not finite or above ``limit`` (recorded,
        as ``run`` does), if that comes before the step where their weights blew up.

        A row's full losses do not feed back into its steps, so they can be computed
        after the race: a row that goes on past such a step changes no other row, and
        its records from there on are dropped here."""
        Q = self.params[1:done + 1].copy()  # (done, k, 2)
        for row in np.flatnonzero(self.diverged):  # weights not finite from taken[row] on
            Q[self.taken[row] - 1:, row] = w0  # stand-ins, never read
        F = objective.value(Q)
        self.full[1:done + 1] = F
        for row in range(F.shape[1]):
            checked = self.taken[row] - 1 if self.diverged[row] else done
            over = ~(np.abs(F[:checked, row]) <= limit)  # NaN and inf are over too
            if over.any():
                step = int(np.argmax(over)) + 1
                self.stop(row, step, step + 1)

    def history(self, row: int, lr: float) -> History:
        k, m = int(self.taken[row]), int(self.n_full[row])
        params = self.params[: k + 1, row].copy()
        final = params[np.all(np.isfinite(params), axis=1)][-1].copy()
        full = self.full[:m, row].copy()
        g = self.grads[:k, row]
        return History(
            params=params, loss=full[:k].copy(), full_loss=full,
            full_loss_steps=np.arange(m), lr=np.full(k, lr),
            grad_norm=np.sqrt(g[:, 0] * g[:, 0] + g[:, 1] * g[:, 1]),
            samples_seen=np.zeros(k + 1, dtype=np.int64), time=self.clock[: k + 1].copy(),
            diverged=bool(self.diverged[row]),
            diverged_at=k if self.diverged[row] else None, n_samples=None, batch_size=None,
            final=final)


def _race_loop(objective: Objective2D, w0: np.ndarray, loss0: float, rules: _Rules,
               steps: int, *, limit: float) -> _Records:
    """The race's steps, as ``sgdlab.train``'s general loop on each row: a row stops when
    its gradient or weights are not finite (no full loss then) or when its full loss is
    not finite or above ``limit`` (recorded). The first kind is found step by step (the
    next gradient needs finite weights), the second after the race, from all full losses
    at once (:meth:`_Records.full_losses`).

    ``live`` holds the rows still running; the state (``W``, ``U``, ``acc``, the rule's
    coefficients) holds only theirs. A non-finite gradient makes the row's new weights
    non-finite too (inf or NaN reaches ``w`` through every rule: ``s_t > 0``, ``nu > 0``),
    so one ``W . W`` over all rows tells whether any row must be looked at one by one,
    with ``run``'s own tests.
    """
    k = rules.mu.shape[0]
    rec = _Records(w0, loss0, k, steps)
    live = np.arange(k)
    at = slice(None)  # where the live rows go in the records: all of them, or live
    W = np.tile(w0, (k, 1))
    U = np.zeros((k, 2))
    acc = rules.acc0.copy()
    D = np.empty((k, 2))
    adam, scaled = rules.adam, rules.scaled
    done = 0
    mu, nu, gam, a, b, eps, s, c = (rules.mu, rules.nu, rules.gam, rules.a, rules.b,
                                    rules.eps, rules.s, rules.c)
    elapsed = 0.0
    perf, isfinite = time.perf_counter, math.isfinite
    multiply, subtract, divide, sqrt = np.multiply, np.subtract, np.divide, np.sqrt
    for t in range(steps):
        start = perf()
        G = objective.grad(W)
        # u = mu u + nu (g - gam u)
        if adam:
            multiply(gam, U, out=D)
            subtract(G, D, out=D)
            D *= nu
            U *= mu
            U += D
        else:
            U *= mu
            U += G
        if scaled:
            # acc = a acc + (b g) g
            multiply(b, G, out=D)
            D *= G
            acc *= a
            acc += D
            # w -= s (u / (sqrt(acc) / c + eps))
            sqrt(acc, out=D)
            if adam:
                D /= c[t]
            D += eps
            divide(U, D, out=D)
            D *= s[t]
        else:  # w -= s (u / 1)
            multiply(U, s[t], out=D)
        W -= D
        elapsed += perf() - start
        rec.clock[t + 1] = elapsed
        rec.grads[t, at] = G
        rec.params[t + 1, at] = W
        done = t + 1
        if not isfinite(np.vdot(W, W)):  # some row blew up (or only the sum overflowed)
            bad_g = np.array([not isfinite(float(g @ g)) for g in G])
            rec.params[t + 1, live[bad_g]] = np.nan  # as run: no step on such a gradient
            keep = ~(bad_g | [not isfinite(float(w @ w)) for w in W])
            if not keep.all():
                for row in live[~keep]:
                    rec.stop(row, t + 1, t + 1)
                live = at = live[keep]
                if live.size == 0:
                    break
                W, U, acc, D, mu, nu, gam, a, b, eps = _rows(
                    keep, W, U, acc, D, mu, nu, gam, a, b, eps)
                s, c = s[:, keep], c[:, keep]
    rec.full_losses(objective, w0, done, limit)
    return rec


def _rows(keep: np.ndarray, *arrays: np.ndarray) -> tuple[np.ndarray, ...]:
    """The rows ``keep`` (a boolean mask) of each array."""
    return tuple(x[keep] for x in arrays)


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
