"""Plot helpers. Each takes ``ax=None`` (default: the current axes) and returns the axes."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import is_color_like

from sgdlab import _validate as check
from sgdlab.train import History


def _axes(ax) -> Axes | None:
    if ax is not None and not isinstance(ax, Axes):
        raise check.ArgumentTypeError("ax must be a matplotlib Axes (e.g. from plt.subplots()) "
                                      f"or None; got {type(ax).__name__}")
    return ax


def _surface(problem) -> None:
    """Check ``problem`` can be drawn as a surface over two weights."""
    if not callable(getattr(problem, "value", None)):
        raise check.ArgumentTypeError("problem must have a value(w) method (a problem from "
                                      "sgdlab.objectives or sgdlab.losses); got "
                                      f"{check._kind(problem)}")
    dim = getattr(problem, "dim", 2)
    if dim != 2:
        raise ValueError(f"problem must have two weights to draw its contours; it has {dim}")


def _runs(runs) -> list[tuple[str | None, History]]:
    """Check ``runs`` is a History or a mapping from label to History; list the pairs."""
    if isinstance(runs, History):
        return [(None, runs)]
    if not isinstance(runs, Mapping):
        hint = (": pass a dict {label: history}, e.g. dict(zip(labels, histories))"
                if isinstance(runs, list | tuple) else "")
        raise check.ArgumentTypeError("runs must be a History or a mapping from label to "
                                      f"History; got {check._kind(runs)}{hint}")
    if not runs:
        raise ValueError("runs must hold at least one History; got an empty mapping")
    for label, h in runs.items():
        if not isinstance(h, History):
            raise check.ArgumentTypeError(f"runs[{label!r}] must be a History; "
                                          f"got {check._kind(h)}")
    return list(runs.items())


def grid_values(problem, xlim, ylim, resolution: int = 120):
    """The problem's value on a ``resolution x resolution`` grid, cached on the problem.

    Returns:
        ``(X, Y, Z)``, each of shape (resolution, resolution).
    """
    _surface(problem)
    resolution = check.integer("resolution", resolution, low=2)
    key = (check.limits("xlim", xlim), check.limits("ylim", ylim), resolution)
    cache = problem.__dict__.setdefault("_grid_cache", {})
    if key not in cache:
        xs = np.linspace(*key[0], resolution)
        ys = np.linspace(*key[1], resolution)
        X, Y = np.meshgrid(xs, ys)
        Z = problem.value(np.stack([X, Y], axis=-1))
        cache[key] = (X, Y, Z)
    return cache[key]


def contour(problem, *, ax=None, xlim=None, ylim=None, levels: int = 20,
            resolution: int = 120, mark_minima: bool = True, filled: bool = False):
    """Contour lines of a problem with two weights, with log-spaced levels above the
    minimum so that both the floor of the valley and its walls show.

    Args:
        problem: anything with ``value(w)`` for ``w`` of shape (..., 2).
        xlim, ylim: axis limits; default ``problem.default_view()``.
        levels: number of contour levels.
        mark_minima: mark the minimisers (stars) and saddles (crosses), if known.
    """
    _surface(problem)
    _axes(ax)
    if xlim is not None:
        xlim = check.limits("xlim", xlim)
    if ylim is not None:
        ylim = check.limits("ylim", ylim)
    levels = check.integer("levels", levels)
    resolution = check.integer("resolution", resolution, low=2)
    mark_minima = check.boolean("mark_minima", mark_minima)
    filled = check.boolean("filled", filled)
    ax = ax or plt.gca()
    if xlim is None or ylim is None:
        dx, dy = problem.default_view()
        xlim, ylim = xlim or dx, ylim or dy
    X, Y, Z = grid_values(problem, xlim, ylim, resolution)
    floor = Z.min()
    span = max(Z.max() - floor, 1e-12)
    lv = floor + np.geomspace(span * 1e-4, span, levels)
    if filled:
        ax.contourf(X, Y, Z, levels=lv, cmap="viridis")
    else:
        ax.contour(X, Y, Z, levels=lv, cmap="viridis", linewidths=0.8)
    if mark_minima and hasattr(problem, "minimizers"):
        for m in problem.minimizers():
            ax.plot(*m[:2], marker="*", color="crimson", markersize=12, linestyle="none")
        for s in getattr(problem, "saddles", list)():
            ax.plot(*s[:2], marker="x", color="black", markersize=9, linestyle="none")
    ax.set_xlim(xlim)
    ax.set_ylim(ylim)
    ax.set_autoscale_on(False)  # paths that leave the picture must not rescale it
    ax.set_xlabel("$w_1$")
    ax.set_ylabel("$w_2$")
    ax.set_aspect("equal", adjustable="box")
    return ax


def _points(run) -> np.ndarray:
    if isinstance(run, History):
        pts = run.params
    elif isinstance(run, np.ndarray | list | tuple):
        try:
            raw = np.asarray(run)
        except (TypeError, ValueError):
            raw = np.asarray(None)
        if raw.dtype.kind not in "biuf":  # not complex (numpy would drop the imaginary part)
            raise check.ArgumentTypeError("run must be a History or points of shape (k, 2); "
                                          "got something that is not an array of real numbers")
        pts = raw.astype(float)
    else:
        raise check.ArgumentTypeError("run must be a History or points of shape (k, 2); "
                                      f"got {check._kind(run)}")
    if pts is None:
        raise ValueError("run has no recorded params: run it with record_params=True")
    if pts.ndim != 2 or pts.shape[1] < 2:
        raise ValueError(f"run must hold path points of shape (steps, 2); got {pts.shape}")
    pts = pts[np.all(np.isfinite(pts), axis=1)]
    if pts.shape[0] == 0:
        raise ValueError("run must hold at least one point with finite coordinates; got none")
    return pts


def path(run, *, ax=None, label: str | None = None, color=None, markersize: float = 3):
    """Draw the path of a run (a :class:`History` or points of shape (k, 2)) on ``ax``:
    a line through the iterates, a circle at the start and a square at the end.
    A diverged History is labelled as such."""
    _axes(ax)
    label = check.optional_str("label", label)
    if color is not None and not is_color_like(color):
        raise ValueError(f"color must be a matplotlib color ('C0', 'red', '#1f77b4', an RGB "
                         f"tuple) or None; got {color!r}")
    markersize = check.positive("markersize", markersize, allow_zero=True)
    ax = ax or plt.gca()
    pts = _points(run)
    if isinstance(run, History) and run.diverged:
        label = f"{label or 'run'} (diverged at step {run.diverged_at})"
    (line,) = ax.plot(pts[:, 0], pts[:, 1], "-o", color=color, markersize=markersize,
                      linewidth=1.2, label=label)
    ax.plot(*pts[0, :2], "o", color=line.get_color(), markersize=7, markeredgecolor="white")
    ax.plot(*pts[-1, :2], "s", color=line.get_color(), markersize=6, markeredgecolor="white")
    return ax


def running_mean(values, window: int) -> np.ndarray:
    """Trailing running mean of ``values`` (shape (k,)) over ``window`` points; the first
    ``window - 1`` entries average over the points seen so far. Same shape as ``values``."""
    window = check.integer("window", window, low=1)
    values = check.float_array("values", values, ndim=1)
    sums = np.cumsum(np.concatenate([[0.0], values]))
    counts = np.minimum(np.arange(1, len(values) + 1), window)
    return (sums[1:] - sums[np.arange(1, len(values) + 1) - counts]) / counts


def rounding_floor(optimum: float | None, values) -> float:
    """The smallest loss gap worth drawing on a log axis.

    A loss near its minimum ``optimum`` is rounded to about one machine epsilon of
    ``|optimum|``, so ``loss - optimum`` below ``100 eps |optimum|`` (zeros and negatives
    included) is rounding, not progress: that is the floor. Without an optimum (or with
    0) nothing cancels, and the floor is the smallest positive value of ``values`` (an
    exact 0 is drawn there). ``values``: the finite gaps or losses drawn, shape (k,).
    """
    if optimum is not None:
        optimum = check.real("optimum", optimum)
    values = check.float_array("values", values, ndim=1)
    if optimum:
        return float(max(100 * np.finfo(float).eps * abs(optimum), np.finfo(float).tiny))
    positive = values[values > 0]
    return float(positive.min()) if positive.size else 1.0


def loss_curve(runs, *, x: str = "step", ax=None, which: str = "full",
               optimum: float | None = None, log: bool = True, window: int = 1,
               floor: float | None = None, colors: Mapping[str, str] | None = None):
    """Loss against steps, epochs, samples seen or seconds, one line per run.

    Args:
        runs: a :class:`History`, or a mapping from label to History.
        x: "step", "epoch", "samples" or "time".
        which: "full" (the all-data loss at its cadence) or "minibatch".
        optimum: subtract this (the minimum loss) to show the gap to the optimum.
        log: logarithmic y axis. A gap to the optimum that rounding makes zero or
            negative is drawn at ``floor`` (a dotted line marks it), so the axis stays
            logarithmic; without ``optimum``, a loss with values <= 0 gets a linear axis.
        window: above 1, draw each run's raw values faintly and their trailing running
            mean over ``window`` points on top (per-step SGD losses are noisy).
        floor: the lowest gap drawn on a log axis; default :func:`rounding_floor`.
        colors: optional colour per label.
    """
    _axes(ax)
    check.choice("which", which, ("full", "minibatch"))
    check.choice("x", x, ("step", "epoch", "samples", "time"))
    if optimum is not None:
        optimum = check.real("optimum", optimum)
    log = check.boolean("log", log)
    _runs(runs)
    ax = ax or plt.gca()
    window = check.integer("window", window, low=1)
    if floor is not None:
        floor = check.positive("floor", floor)
    if colors is not None:
        if not isinstance(colors, Mapping):
            raise check.ArgumentTypeError("colors must be a mapping from run label to a "
                                          f"matplotlib color, or None; got {check._kind(colors)}")
        for label, color in colors.items():
            if not is_color_like(color):
                raise ValueError(f"colors[{label!r}] must be a matplotlib color ('C0', 'red', "
                                 f"'#1f77b4', an RGB tuple); got {color!r}: fix colors")
    items = list(runs.items() if isinstance(runs, Mapping) else [(None, runs)])
    curves = []
    for label, h in items:
        if which == "full":
            steps, values = h.full_loss_steps, h.full_loss
        else:
            steps, values = np.arange(h.steps), h.loss
        values = values - optimum if optimum is not None else np.asarray(values, dtype=float)
        ok = np.isfinite(values)
        curves.append((label, h, h.x_axis(x, steps)[ok], values[ok]))
    every = np.concatenate([c[3] for c in curves]) if curves else np.zeros(0)
    use_log = log and (optimum is not None or bool(np.all(every > 0)))
    clipped = False
    if use_log:
        floor = rounding_floor(optimum, every) if floor is None else float(floor)
        clipped = bool(np.any(every < floor))
    for label, h, xs, values in curves:
        if use_log:
            values = np.maximum(values, floor)
        color = (colors or {}).get(label)
        if h.diverged:
            label = f"{label or 'run'} (diverged)"
        if window > 1:
            (raw,) = ax.plot(xs, values, color=color, linewidth=0.6, alpha=0.3)
            smooth = running_mean(values, window)
            (line,) = ax.plot(xs, smooth, color=raw.get_color(), linewidth=1.6,
                              label=f"{label} (mean of last {window})" if label else None)
        else:
            (line,) = ax.plot(xs, values, color=color, label=label, linewidth=1.3)
        if h.diverged and len(values):
            ax.plot(xs[-1], values[-1], "x", color=line.get_color(), markersize=10,
                    markeredgewidth=2)
    if use_log:
        ax.set_yscale("log")
        if clipped:
            ax.axhline(floor, color="0.5", linestyle=":", linewidth=1,
                       label=f"floor {floor:.0e}: gaps at or below it")
    names = {"step": "step", "epoch": "epoch", "samples": "samples seen", "time": "seconds"}
    ax.set_xlabel(names[x])
    ylabel = "loss" if optimum is None else "loss - minimum"
    ax.set_ylabel(ylabel if which == "full" else f"minibatch {ylabel}")
    if any(label for label, *_ in curves) or clipped:
        ax.legend(fontsize="small")
    return ax
