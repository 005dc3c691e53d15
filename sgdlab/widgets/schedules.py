"""Notebook 07's explorer: one learning-rate schedule, its rates and what SGD makes of them.

:class:`ScheduleExplorer` has a schedule menu, a base learning rate (log slider) and a
warm-up length. For each setting it runs one-sample SGD (``sgdlab.train.run``, rows
drawn with replacement, a fixed seed) on a least-squares problem and shows, left, the
learning rate of every step and, right, the excess loss ``f(w_t) - f(w*)`` of the
iterates and of their running (Polyak) average, with the noise floor
``lr * sigma^2 / 4`` that a constant rate ``lr`` settles at. A run that blows up is
drawn in red and flagged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
from matplotlib import ticker
from matplotlib.figure import Figure

from sgdlab import _validate as check
from sgdlab.averaging import polyak_average
from sgdlab.data import make_linear_regression
from sgdlab.i18n import _
from sgdlab.losses import LeastSquares
from sgdlab.schedules import Schedule, make
from sgdlab.theory import gradient_noise
from sgdlab.train import History, run
from sgdlab.widgets.base import LOG_TICKS, Explorer, flag

OK_COLOR = "tab:blue"
BAD_COLOR = "#b00020"
AVG_COLOR = "tab:orange"
FLOOR = 1e-6  # excess losses below this are drawn at this height
CAP = 1e6  # and above this at this height
NAMES = {"constant": "constant", "step": "step decay", "inverse_time": "1/t (inverse time)",
         "exponential": "exponential", "cosine": "cosine"}


def default_problem() -> LeastSquares:
    """500 examples, 5 standard-normal features, label noise 1 (seed 0): notebook 07's
    problem."""
    data = make_linear_regression(500, 5, noise=1.0, rng=np.random.default_rng(0))
    return LeastSquares(data.X, data.y)


@dataclass
class ScheduleRun:
    """What one setting produced.

    Attributes:
        history: the SGD run (a :class:`~sgdlab.train.History`).
        schedule: the schedule used.
        lrs: the schedule's rate at every step 0..steps-1, shape (steps,).
        excess: ``f(w_t) - f(w*)`` of the iterates, shape (k + 1,) (finite ones only).
        excess_avg: the same for the running average of the iterates after burn-in
            (``polyak_average(params, start=1)``), shape (k,); empty when diverged.
        floor: the noise floor ``lr * sigma^2 / 4`` of a constant rate at the base rate.
    """

    history: History
    schedule: Schedule
    lrs: np.ndarray
    excess: np.ndarray
    excess_avg: np.ndarray
    floor: float


class ScheduleExplorer(Explorer):
    """A schedule menu, a base-rate slider and a warm-up slider that rerun SGD.

    Args:
        problem: a :class:`~sgdlab.losses.LeastSquares`; default :func:`default_problem`.
        steps: SGD steps per run, 10..20000.
        seed: seed of the rows SGD draws (the same for every setting).
        lr_range: the base-rate slider's range, ``0 < low < high``.
        figsize, dpi: size of the figure.

    The schedules' own options follow ``steps``: step decay halves the rate every
    ``steps // 5`` steps, 1/t uses ``decay = lr * mu`` (so ``lr_t`` tends to
    ``1 / (mu t)``), exponential has ``gamma = 0.01 ** (1 / steps)`` (the rate falls
    100-fold over the run) and cosine reaches 0 at the last step.

    Example:
        >>> explorer = ScheduleExplorer(steps=200)
        >>> explorer.set(schedule="cosine", lr=0.05)
        >>> float(explorer.result.lrs[0]), explorer.result.history.diverged
        (0.05, False)
    """

    def __init__(self, problem: LeastSquares | None = None, *, steps: int = 1000,
                 seed: int = 0, lr_range: tuple[float, float] = (1e-3, 1.0),
                 figsize: tuple[float, float] = (11.0, 3.8), dpi: int = 80):
        self.problem = default_problem() if problem is None else problem
        if not isinstance(self.problem, LeastSquares):
            raise ValueError("problem must be a sgdlab.losses.LeastSquares (the excess loss "
                             f"needs its closed-form minimum); got {type(self.problem).__name__}")
        self.steps = check.integer("steps", steps, low=10, high=20000)
        self.seed = check.integer("seed", seed, low=0)
        low = check.positive("lr_range[0]", lr_range[0])
        high = check.positive("lr_range[1]", lr_range[1])
        if high <= low:
            raise ValueError(f"lr_range must be (low, high) with low < high; got {lr_range}")
        self.lr_range = (low, high)
        self.w_star = self.problem.solve()
        self.f_star = self.problem.loss(self.w_star)
        self.H = self.problem.hessian()
        self.mu = float(self.problem.hessian_eigenvalues()[0])
        self.sigma2 = gradient_noise(self.problem.per_example_grads(self.w_star))
        self.w0 = np.zeros(self.problem.dim)
        controls = {
            "schedule": widgets.Dropdown(options=[(v, k) for k, v in NAMES.items()],
                                         value="constant", description="schedule"),
            "lr": widgets.FloatLogSlider(value=min(max(0.05, low), high), base=10,
                                         min=math.log10(low), max=math.log10(high),
                                         step=0.05, description="base lr",
                                         readout_format=".3g"),
            "warmup": widgets.IntSlider(value=0, min=0, max=self.steps // 5,
                                        step=max(1, self.steps // 100),
                                        description="warm-up"),
        }
        super().__init__(controls, figsize=figsize, dpi=dpi)

    def schedule_for(self, schedule: str, lr: float, warmup: int = 0) -> Schedule:
        """The :class:`~sgdlab.schedules.Schedule` a setting of the controls stands for."""
        options = {"constant": {}, "step": {"drop": 0.5, "every": max(1, self.steps // 5)},
                   "inverse_time": {"decay": lr * self.mu},
                   "exponential": {"gamma": 0.01 ** (1 / self.steps)},
                   "cosine": {"total_steps": max(1, self.steps - 1 - warmup)}}
        check.choice("schedule", schedule, tuple(options))
        return make(schedule, lr, warmup_steps=warmup, **options[schedule])

    def excess(self, params) -> np.ndarray:
        """``f(w) - f(w*) = (w - w*)^T H (w - w*) / 2`` for rows of ``params``, shape (k,)."""
        e = np.asarray(params, dtype=float) - self.w_star
        return 0.5 * np.einsum("ki,ij,kj->k", e, self.H, e)

    # --- the three Explorer hooks ---------------------------------------------------
    def setup(self, fig: Figure) -> None:
        """Two log-scale panels with empty lines, and the fixed axes."""
        self.ax_lr, self.ax_loss = fig.subplots(1, 2)
        steps = np.arange(self.steps)
        ax = self.ax_lr
        (self.lr_line,) = ax.plot(steps, np.ones(self.steps), linewidth=1.6, color=OK_COLOR)
        ax.set_yscale("log")
        ax.set_xlim(0, self.steps)
        ax.set_ylim(self.lr_range[0] * 1e-3, self.lr_range[1] * 2)
        ax.set_xlabel("step")
        ax.set_ylabel("learning rate")

        ax = self.ax_loss
        (self.loss_line,) = ax.plot([], [], linewidth=0.8, color=OK_COLOR, label="iterate")
        (self.avg_line,) = ax.plot([], [], linewidth=1.6, color=AVG_COLOR,
                                   label="running average")
        self.floor_line = ax.axhline(1.0, color="0.3", linestyle="--", linewidth=1,
                                     label="noise floor of constant base lr")
        (self.blowup_marker,) = ax.plot([], [], "x", color=BAD_COLOR, markersize=10,
                                        markeredgewidth=2)
        ax.set_yscale("log")
        ax.set_xlim(0, self.steps)
        ax.set_ylim(FLOOR, CAP)
        ax.set_xlabel("step")
        ax.set_ylabel("f(w) - f(w*)")
        legend = ax.legend(loc="upper right", fontsize="small", framealpha=1)
        for a in (self.ax_lr, self.ax_loss):
            a.yaxis.set_major_locator(ticker.LogLocator(numticks=6))
            a.yaxis.set_major_formatter(LOG_TICKS)
            a.yaxis.set_minor_locator(ticker.NullLocator())
        # Titles name the schedule and say "diverged", each drawn once per value (stamp).
        # The numbers are in the status line: text is the costliest thing to draw.
        self.ax_lr.set_title("lr", fontsize=10)
        self.ax_loss.set_title("lr", fontsize=10)
        # what a redraw paints over the kept background; the legend is pasted on top
        self.animate(self.lr_line, self.loss_line, self.avg_line, self.floor_line,
                     self.blowup_marker)
        self.overlay(legend)
        self.stamp(self.ax_lr.title, self.ax_loss.title)

    def verdict(self, result: ScheduleRun) -> tuple[str, bool]:
        """The reason a run ends where it does, and whether that is good.

        The pull ``mu * sum of rates`` says how far the steps could shrink the error
        along the flattest direction without noise (about ``exp(-mu sum)``); the noise
        level of the last rate, ``lr_T sigma^2 / 4``, says how low a run can settle.
        """
        h = result.history
        if h.diverged:
            k = min(h.diverged_at or 0, len(result.lrs) - 1)
            peak = float(result.lrs[:k + 1].max())
            return (_("the steps were too large: single-example steps blew up at a rate of "
                      "up to {peak}").format(peak=f"{peak:.3g}"), False)
        pull = self.mu * float(result.lrs.sum())
        start, end = float(result.excess[0]), float(result.excess[-1])
        end_ball = float(result.lrs[-1]) * self.sigma2 / 4
        if end > 0.1 * start:
            if pull < np.log(10) / 2:
                return (_("the steps are too small: the rates add up to mu·Σlr = {pull}, "
                          "too little to cross the bowl").format(pull=f"{pull:.2g}"), False)
            return (_("the steps are too large: SGD bounces in a wide noise ball"), False)
        if end > 10 * max(end_ball, result.floor):
            return (_("still descending: the rates decayed before SGD reached its noise "
                      "ball (mu·Σlr = {pull})").format(pull=f"{pull:.2g}"), False)
        if end < result.floor / 3:
            return (_("below the constant rate's noise floor: the decay shrank the noise "
                      "ball"), True)
        if float(result.lrs.min()) == float(result.lrs.max()):
            return (_("hovers at the noise floor of its constant rate: a decaying rate "
                      "would go lower"), True)
        return (_("at about the noise floor of its rates: a faster or longer decay would "
                  "go lower"), True)

    def compute(self, schedule: str, lr: float, warmup: int) -> ScheduleRun:
        """Run ``steps`` SGD steps with this schedule; measure the excess losses."""
        sched = self.schedule_for(schedule, lr, warmup)
        lrs = np.array([sched(t) for t in range(self.steps)])
        history = run(self.problem, self.w0, sched, steps=self.steps, batch_size=1,
                      sampling="replacement", rng=np.random.default_rng(self.seed),
                      full_loss_every=self.steps)
        with np.errstate(all="ignore"):
            params = history.params[np.all(np.isfinite(history.params), axis=1)]
            excess = self.excess(params)
            excess = excess[np.isfinite(excess)]
        avg = (self.excess(polyak_average(history.params, start=1))
               if not history.diverged else np.empty(0))
        return ScheduleRun(history, sched, lrs, excess, avg, float(lr) * self.sigma2 / 4)

    def draw(self, result: ScheduleRun) -> str:
        """Move the lines; return the status line."""
        h = result.history
        color = BAD_COLOR if h.diverged else OK_COLOR
        self.lr_line.set_ydata(np.maximum(result.lrs, 1e-300))
        self.lr_line.set_color(color)
        shown = np.clip(result.excess, FLOOR, CAP)
        self.loss_line.set_data(np.arange(shown.size), shown)
        self.loss_line.set_color(color)
        avg = np.clip(result.excess_avg, FLOOR, CAP)
        self.avg_line.set_data(np.arange(1, avg.size + 1), avg)
        self.floor_line.set_ydata([result.floor, result.floor])
        if h.diverged:
            self.blowup_marker.set_data([shown.size - 1], [shown[-1]])
        else:
            self.blowup_marker.set_data([], [])
        self.ax_lr.set_title(f"learning rate: {result.schedule.name}", fontsize=10,
                             color=color)
        if h.diverged:
            self.ax_loss.set_title("SGD diverged", fontsize=10, color=color)
            said = _("diverged at step {step}").format(step=h.diverged_at)
        else:
            self.ax_loss.set_title("excess loss: the iterate and its running average",
                                   fontsize=10, color=color)
            said = _("final excess loss {last}, averaged {avg}").format(
                last=f"{result.excess[-1]:.2e}", avg=f"{result.excess_avg[-1]:.2e}")
        verdict, ok = self.verdict(result)
        return (_("{schedule}, base lr = {lr}, sum of rates {total}").format(
                    schedule=result.schedule.name, lr=f"{result.lrs.max():.3g}",
                    total=f"{result.lrs.sum():.3g}")
                + f" &nbsp; {said}: {flag(verdict, ok)} &nbsp;|&nbsp; "
                + _("noise floor of a constant lr {floor}").format(floor=f"{result.floor:.2e}"))
