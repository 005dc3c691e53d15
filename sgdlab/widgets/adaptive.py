"""Notebook 08's explorer: SGD, momentum, Adagrad, RMSprop and Adam side by side.

:class:`AdaptiveExplorer` has an optimizer menu (one of them, or all five), a problem
menu (an ill-conditioned quadratic with axis-aligned valley, the same quadratic turned
by 45 degrees, and Rosenbrock's function), a learning-rate slider and a slider for
``beta`` (the momentum of "momentum" and Adam's ``beta1``). For each setting it runs
:func:`sgdlab.compare.race` (the numbers of :func:`sgdlab.compare.run_optimizer`, all
optimizers at once) and shows the paths on the contours and the loss
curves. A run that blows up is stopped, marked with a cross and named in red.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
from matplotlib import ticker
from matplotlib.figure import Figure

from sgdlab import _validate as check
from sgdlab import plots
from sgdlab.compare import OPTIMIZERS, race
from sgdlab.i18n import _
from sgdlab.objectives import Quadratic, Rosenbrock
from sgdlab.train import History
from sgdlab.widgets.base import LOG_TICKS, Explorer, flag

PROBLEMS = ("quadratic, axis-aligned", "quadratic, rotated 45°", "Rosenbrock")
CHOICES = ("all", *OPTIMIZERS)
COLORS = {"SGD": "0.35", "momentum": "tab:blue", "Adagrad": "tab:green",
          "RMSprop": "tab:purple", "Adam": "tab:orange"}
LOSS_FLOOR = 1e-16  # losses below this are drawn at this height on the log axis
LOSS_CEILING = 1e8  # and losses of a blown-up run above this at this height
LR_RANGE = (1e-4, 10.0)


@dataclass
class AdaptiveRun:
    """What one setting of the controls produced.

    Attributes:
        histories: optimizer name -> its :class:`~sgdlab.train.History`.
        problem: the problem's name (one of :data:`PROBLEMS`).
        lr, beta: the learning rate and the beta (momentum, Adam's beta1).
        diverged: names of the runs that blew up.
    """

    histories: dict[str, History]
    problem: str
    lr: float
    beta: float
    diverged: list[str]


class AdaptiveExplorer(Explorer):
    """Optimizer and problem menus, learning-rate and beta sliders.

    Args:
        condition: condition number of the two quadratics, >= 1.
        steps: steps per run on the quadratics, 1..2000.
        rosenbrock_steps: steps per run on Rosenbrock's function, 1..2000.
        optimizer, problem, lr, beta: the initial settings (``lr`` in [1e-4, 10],
            ``beta`` in [0, 0.99]).
        figsize, dpi: size of the figure.

    Attributes:
        problems: problem name -> ``(objective, start of shape (2,))``. The rotated
            quadratic is the axis-aligned one turned by 45 degrees, start included, so
            that SGD and momentum trace the same path turned, and only the adaptive
            methods change.
        result: the :class:`AdaptiveRun` of the last setting.
        path_lines, loss_lines: per problem name / optimizer name, the artists drawn.

    Example:
        >>> explorer = AdaptiveExplorer()
        >>> explorer.set(optimizer="SGD", problem="quadratic, axis-aligned", lr=3.0)
        >>> explorer.result.diverged      # 3 > 2 / L = 2
        ['SGD']
    """

    def __init__(self, condition: float = 25.0, steps: int = 200, *,
                 rosenbrock_steps: int = 500, optimizer: str = "all",
                 problem: str = "quadratic, rotated 45°", lr: float = 0.1, beta: float = 0.9,
                 figsize: tuple[float, float] = (11.0, 4.4), dpi: int = 80):
        condition = check.positive("condition", condition)
        if condition < 1:
            raise ValueError(f"condition must be >= 1 (it is L / mu); got {condition!r}")
        self.steps = {name: check.integer("steps", steps, low=1, high=2000)
                      for name in PROBLEMS[:2]}
        self.steps["Rosenbrock"] = check.integer("rosenbrock_steps", rosenbrock_steps,
                                                 low=1, high=2000)
        angle = math.pi / 4
        start = np.array([1.0, 1.5])  # (steep, flat) coordinates
        turn = np.array([[math.cos(angle), -math.sin(angle)],
                         [math.sin(angle), math.cos(angle)]])
        self.problems = {
            PROBLEMS[0]: (Quadratic(condition=condition), start),
            PROBLEMS[1]: (Quadratic(condition=condition, angle=angle), turn @ start),
            PROBLEMS[2]: (Rosenbrock(), np.array([-1.5, 2.0])),
        }
        check.choice("optimizer", optimizer, CHOICES)
        check.choice("problem", problem, PROBLEMS)
        lr = check.in_range("lr", lr, *LR_RANGE, high_open=False)
        beta = check.in_range("beta", beta, 0.0, 0.99, high_open=False)
        layout = widgets.Layout(width="330px")
        controls = {
            "optimizer": widgets.Dropdown(options=list(CHOICES), value=optimizer,
                                          description="optimizer",
                                          layout=widgets.Layout(width="200px")),
            "problem": widgets.Dropdown(options=list(PROBLEMS), value=problem,
                                        description="problem",
                                        layout=widgets.Layout(width="270px")),
            "lr": widgets.FloatLogSlider(value=lr, base=10, min=math.log10(LR_RANGE[0]),
                                         max=math.log10(LR_RANGE[1]), step=0.05,
                                         description="lr", readout_format=".3g",
                                         layout=layout),
            "beta": widgets.FloatSlider(value=beta, min=0.0, max=0.99, step=0.01,
                                        description="β, β₁", readout_format=".2f",
                                        layout=layout),
        }
        super().__init__(controls, figsize=figsize, dpi=dpi)
        # each problem has its own fixed panel: draw all three backgrounds now, so that
        # the problem menu costs a redraw like any other control
        for name in PROBLEMS:
            self._show(name)
            self._background()
        self._show(self.values["problem"])

    # --- the three Explorer hooks ---------------------------------------------------
    def setup(self, fig: Figure) -> None:
        """One contour panel per problem (only one shown at a time) and the loss panel,
        with empty lines; the contours are computed once, here."""
        grid = fig.add_gridspec(1, 2, width_ratios=[1.0, 1.35])
        self.path_axes: dict[str, object] = {}
        self.path_lines: dict[str, dict[str, object]] = {}
        self.end_markers: dict[str, dict[str, object]] = {}
        for name, (problem, w0) in self.problems.items():
            ax = fig.add_subplot(grid[0, 0])
            plots.contour(problem, ax=ax, levels=16, resolution=100)
            ax.set_xlabel("w₁")  # plain text: mathtext labels slow every redraw
            ax.set_ylabel("w₂")
            ax.set_xticks([])
            ax.set_yticks([])
            ax.plot(*w0, "o", color="black", markersize=7, markeredgecolor="white")
            self.path_lines[name] = {}
            self.end_markers[name] = {}
            for opt in OPTIMIZERS:
                (self.path_lines[name][opt],) = ax.plot([], [], "-", color=COLORS[opt],
                                                        linewidth=1.4, label=opt)
                (self.end_markers[name][opt],) = ax.plot([], [], "s", color=COLORS[opt],
                                                         markersize=6,
                                                         markeredgecolor="white")
            ax.set_title(name, fontsize=10)
            ax.set_visible(False)
            self.path_axes[name] = ax

        ax = self.ax_loss = fig.add_subplot(grid[0, 1])
        self.loss_lines = {}
        self.blowup_markers = {}
        for opt in OPTIMIZERS:
            (self.loss_lines[opt],) = ax.plot([], [], color=COLORS[opt], linewidth=1.4,
                                              label=opt)
            (self.blowup_markers[opt],) = ax.plot([], [], "x", color=COLORS[opt],
                                                  markersize=11, markeredgewidth=2.5)
        ax.set_yscale("log")
        ax.set_ylim(LOSS_FLOOR, 1e9)
        ax.set_xlim(0, max(self.steps.values()))
        # plain-text tick labels: mathtext ones make every redraw slower
        ax.yaxis.set_major_locator(ticker.LogLocator(numticks=7))
        ax.yaxis.set_major_formatter(LOG_TICKS)
        ax.yaxis.set_minor_locator(ticker.NullLocator())
        ax.set_xlabel("step")
        ax.set_ylabel("loss - minimum")
        legend = ax.legend(loc="lower left", fontsize="small", ncol=2, framealpha=1)
        ax.set_title("loss, 200 steps", fontsize=10)  # set per problem by _show
        # what a redraw paints over the kept background; the legend is pasted on top
        self.animate(*(a for lines in (self.path_lines, self.end_markers)
                       for per_opt in lines.values() for a in per_opt.values()),
                     *self.loss_lines.values(), *self.blowup_markers.values())
        self.overlay(legend)

    def _show(self, problem: str) -> None:
        """Show ``problem``'s contour panel and paths only, and its step range."""
        for name, ax in self.path_axes.items():
            ax.set_visible(name == problem)
            for artist in (*self.path_lines[name].values(), *self.end_markers[name].values()):
                artist.set_visible(name == problem)
        self.ax_loss.set_xlim(0, self.steps[problem])
        self.ax_loss.set_title(f"loss, {self.steps[problem]} steps",
                               fontsize=10)

    def background_key(self) -> str | None:
        """The problem whose panel is shown: each has its own background."""
        return next((name for name, ax in self.path_axes.items() if ax.get_visible()), None)

    def compute(self, optimizer: str, problem: str, lr: float, beta: float) -> AdaptiveRun:
        """Run the chosen optimizer(s) on the chosen problem."""
        check.choice("optimizer", optimizer, CHOICES)
        objective, w0 = self.problems[check.choice("problem", problem, PROBLEMS)]
        names = OPTIMIZERS if optimizer == "all" else (optimizer,)
        # all chosen optimizers in one vectorised pass: what run_optimizer gives each
        histories = race(objective, w0, float(lr), names=names, momentum=float(beta),
                         betas=(float(beta), 0.999), steps=self.steps[problem])
        diverged = [name for name, h in histories.items() if h.diverged]
        return AdaptiveRun(histories, problem, float(lr), float(beta), diverged)

    def draw(self, result: AdaptiveRun) -> str:
        """Show the problem's panel, move the lines; return the status line."""
        self._show(result.problem)
        lines = self.path_lines[result.problem]
        ends = self.end_markers[result.problem]
        parts = []
        for opt in OPTIMIZERS:
            h = result.histories.get(opt)
            if h is None:
                for artist in (lines[opt], ends[opt], self.loss_lines[opt],
                               self.blowup_markers[opt]):
                    artist.set_data([], [])
                continue
            pts = h.params[np.all(np.isfinite(h.params), axis=1)]
            lines[opt].set_data(pts[:, 0], pts[:, 1])
            ends[opt].set_data([pts[-1, 0]], [pts[-1, 1]])
            ends[opt].set_marker("X" if h.diverged else "s")
            steps, gap = _gap(h)
            self.loss_lines[opt].set_data(steps, gap)
            if h.diverged:
                self.blowup_markers[opt].set_data([steps[-1]], [gap[-1]])
                parts.append(flag(_("{name}: diverged at step {step}").format(
                    name=opt, step=h.diverged_at), False))
            else:
                self.blowup_markers[opt].set_data([], [])
                parts.append(flag(_("{name}: loss - min {gap}, {reason}").format(
                    name=opt, gap=f"{gap[-1]:.1e}", reason=adaptive_reason(h, opt)),
                    gap[-1] <= 1e-8 * gap[0]))
        # the settings in words go to the status line: text drawn in the figure would
        # cost more than the runs
        head = f"lr = {result.lr:.3g}, β = β₁ = {result.beta:.2f}: "
        return head + " &nbsp;|&nbsp; ".join(parts)


def adaptive_reason(h: History, name: str) -> str:
    """Why a run that did not diverge ends where it does (the minimum is 0): converged;
    still going down (too slow at this lr); or stalled, either bouncing (the loss goes
    up on many steps: the steps are too large to settle) or with steps that shrank."""
    loss = h.full_loss[np.isfinite(h.full_loss)]
    if loss[-1] <= 1e-8 * loss[0]:
        return _("converged")
    tail = loss[3 * len(loss) // 4:]
    if np.mean(np.diff(tail) > 0) > 0.2:
        return _("stalled, bouncing: the steps are too large to settle (a smaller lr helps)")
    if tail[-1] < 0.99 * tail[0]:
        return _("still going down: too slow at this lr (a larger lr helps)")
    if name == "Adagrad":
        return _("stalled: its steps shrank as the squared gradients piled up")
    return _("stalled: the steps became too small to make progress")


def _gap(h: History) -> tuple[np.ndarray, np.ndarray]:
    """Steps and ``loss - minimum`` (the minimum is 0 for all three problems), finite
    values only, floored for the log axis."""
    ok = np.isfinite(h.full_loss)
    return h.full_loss_steps[ok], np.clip(h.full_loss[ok], LOSS_FLOOR, LOSS_CEILING)
