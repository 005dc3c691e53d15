"""Notebook 01's explorer: full-batch gradient descent under a learning-rate slider.

:class:`LearningRateExplorer` runs GD on a problem with two weights (by default an
ill-conditioned quadratic) for the slider's learning rate and shows the path on the
contours, the loss curve, and where the rate sits relative to the stability
threshold ``2 / L``.
"""

from __future__ import annotations

import math

import ipywidgets as widgets
import numpy as np
from matplotlib import ticker
from matplotlib.figure import Figure

from sgdlab import _validate as check
from sgdlab import plots, theory
from sgdlab.i18n import _
from sgdlab.objectives import Quadratic
from sgdlab.train import History, run
from sgdlab.widgets.base import LOG_TICKS, Explorer, flag

OK_COLOR = "tab:blue"
BAD_COLOR = "#b00020"


class LearningRateExplorer(Explorer):
    """A log-scale learning-rate slider that reruns full-batch GD and redraws it.

    The slider's positions are ``2/L * 10**(lr_step * (j + 1/2))`` for
    ``j = -below, ..., above - 1``: the grid is shifted by half a step so that the
    threshold ``2/L`` falls exactly halfway between two positions (in log scale).
    No position is closer to ``2/L`` than a factor ``10**(lr_step / 2)`` (12 % for
    the default 0.1 decade), so on a quadratic "the run diverges iff lr > 2/L" holds
    at every position within ``steps`` steps. (The first position above ``2/L``
    multiplies the steep component of the error by ``|1 - lr L| = 2 * 10**0.05 - 1``,
    about 1.24, per step, so the loss grows about 1.55x per step and passes
    ``sgdlab.train.run``'s divergence limit (``divergence_factor`` times
    ``max(|f(w0)|, 1)``) after about 25 of the default 60 steps on the default
    problem; a learning rate only 3 % above ``2/L`` would need about 90, which is why
    no position sits that close.)

    Args:
        problem: anything with two weights, ``loss``, ``grad``, ``value`` and
            ``hessian_eigenvalues()``; default ``Quadratic(condition=20, angle=pi/6)``.
            The threshold ``2/L`` is exact for a quadratic and local otherwise.
        w0: start, shape (2,); default a point in the upper left of the view.
        steps: GD steps per run, 1..10000.
        lr: initial learning rate, snapped to the nearest slider position;
            default the position nearest ``1/L``.
        lr_step: spacing of the slider positions in decades (log10), in (0, 1].
        below, above: number of slider positions below and above ``2/L``, >= 1.
        divergence_factor: passed to :func:`sgdlab.train.run`.
        figsize, dpi: size of the figure.

    Attributes:
        result: the :class:`~sgdlab.train.History` of the last run.
        L, mu: largest and smallest Hessian eigenvalues (at the minimiser).
        threshold: ``2 / L``; best_lr: ``2 / (L + mu)``.
        positions: every learning rate the slider offers, ascending, shape (below + above,).
        threshold_line: the vertical line drawn at ``2/L`` on the learning-rate axis.
        lr_marker, path_line, loss_line: the artists that each redraw moves.

    Example:
        >>> explorer = LearningRateExplorer()
        >>> explorer.set(lr=explorer.positions[-1])
        >>> explorer.result.diverged
        True
    """

    def __init__(self, problem=None, w0=None, steps: int = 60, *, lr: float | None = None,
                 lr_step: float = 0.1, below: int = 25, above: int = 4,
                 divergence_factor: float = 1e4,
                 figsize: tuple[float, float] = (10.5, 4.2), dpi: int = 80):
        self.problem = Quadratic(condition=20.0, angle=math.pi / 6) if problem is None else problem
        if getattr(self.problem, "dim", None) != 2:
            raise ValueError("problem must have exactly 2 weights so its contours can be drawn; "
                             f"got dim={getattr(self.problem, 'dim', None)!r}")
        self.steps = check.integer("steps", steps, low=1, high=10_000)
        lr_step = check.in_range("lr_step", lr_step, 0.0, 1.0, high_open=False)
        if lr_step == 0.0:
            raise ValueError("lr_step must be in (0, 1]; got 0.0")
        below = check.integer("below", below)
        above = check.integer("above", above)
        self.divergence_factor = check.positive("divergence_factor", divergence_factor)

        eigenvalues = np.asarray(self.problem.hessian_eigenvalues(), dtype=float)
        self.mu, self.L = float(eigenvalues[0]), float(eigenvalues[-1])
        if not 0 < self.mu <= self.L:
            raise ValueError("problem must have a positive definite Hessian at its minimiser "
                             f"(eigenvalues {eigenvalues})")
        self.threshold = theory.gd_stability_threshold(self.L)
        self.best_lr = theory.gd_best_step(self.L, self.mu)
        self.w_star = np.asarray(self.problem.minimizers()[0], dtype=float)
        self.f_star = float(self.problem.loss(self.w_star))

        self.view = self.problem.default_view()
        if w0 is None:
            (x0, x1), (y0, y1) = self.view
            w0 = (x0 + 0.125 * (x1 - x0), y0 + 0.8 * (y1 - y0))
        self.w0 = check.float_array("w0", w0, shape=(2,))
        self.loss0 = float(self.problem.loss(self.w0))
        self.limit = self.divergence_factor * max(abs(self.loss0), 1.0)

        low = math.log10(self.threshold) - lr_step * (below - 0.5)
        high = math.log10(self.threshold) + lr_step * (above - 0.5)
        self.positions = 10.0 ** (low + lr_step * np.arange(below + above))
        if lr is None:
            lr = 1.0 / self.L
        lr = check.positive("lr", lr)
        start = float(self.positions[np.argmin(np.abs(np.log(self.positions / lr)))])
        slider = widgets.FloatLogSlider(
            value=start, base=10, min=low, max=high, step=lr_step,
            description="lr", readout_format=".3g", continuous_update=False,
            layout=widgets.Layout(width="480px"))
        super().__init__({"lr": slider}, figsize=figsize, dpi=dpi)

    # --- the three Explorer hooks ---------------------------------------------------
    def setup(self, fig: Figure) -> None:
        """Contours, empty lines and the learning-rate axis, drawn once."""
        grid = fig.add_gridspec(2, 2, width_ratios=[1.0, 1.25], height_ratios=[4.0, 1.0])
        self.ax_path = fig.add_subplot(grid[:, 0])
        self.ax_loss = fig.add_subplot(grid[0, 1])
        self.ax_lr = fig.add_subplot(grid[1, 1])

        xlim, ylim = self.view
        plots.contour(self.problem, ax=self.ax_path, xlim=xlim, ylim=ylim)
        # few ticks: each tick label costs time at every redraw
        self.ax_path.xaxis.set_major_locator(ticker.MaxNLocator(4))
        self.ax_path.yaxis.set_major_locator(ticker.MaxNLocator(4))
        self.ax_path.plot(*self.w0, "o", color="black", markersize=7, markeredgecolor="white")
        (self.path_line,) = self.ax_path.plot([], [], "-o", markersize=3, linewidth=1.2)
        (self.end_marker,) = self.ax_path.plot([], [], "s", markersize=7,
                                               markeredgecolor="white")

        gap0 = max(self.loss0 - self.f_star, 1e-12)
        (self.loss_line,) = self.ax_loss.plot([], [], linewidth=1.5)
        (self.blowup_marker,) = self.ax_loss.plot([], [], "x", color=BAD_COLOR, markersize=10,
                                                  markeredgewidth=2)
        self.ax_loss.axhline(self.limit - self.f_star, color=BAD_COLOR, linestyle=":",
                             linewidth=1, label="divergence limit")
        self.ax_loss.set_xlim(0, self.steps)
        self.ax_loss.set_ylim(gap0 * 1e-8, (self.limit - self.f_star) * 100)
        self.ax_loss.set_yscale("log")
        # plain-text tick labels: mathtext ones ($10^{-5}$) make every redraw slower
        self.ax_loss.yaxis.set_major_locator(ticker.LogLocator(numticks=6))
        self.ax_loss.yaxis.set_minor_locator(ticker.NullLocator())
        self.ax_loss.xaxis.set_major_locator(ticker.MaxNLocator(4, integer=True))
        self.ax_loss.yaxis.set_major_formatter(LOG_TICKS)
        self.ax_loss.yaxis.set_minor_formatter(ticker.NullFormatter())
        self.ax_loss.set_xlabel("step")
        self.ax_loss.set_ylabel("loss - minimum")
        self.ax_loss.legend(loc="lower left", fontsize="small", framealpha=1)

        ax = self.ax_lr
        lo, hi = self.positions[0] / 1.2, self.positions[-1] * 1.2
        ax.set_xlim(lo, hi)
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(LOG_TICKS)
        ax.xaxis.set_minor_locator(ticker.NullLocator())
        ax.set_ylim(0, 1)
        ax.set_yticks([])
        ax.axvspan(lo, self.threshold, color="tab:green", alpha=0.15)
        ax.axvspan(self.threshold, hi, color=BAD_COLOR, alpha=0.12)
        self.threshold_line = ax.axvline(self.threshold, color=BAD_COLOR, linewidth=1.5)
        ax.axvline(self.best_lr, color="tab:green", linestyle="--", linewidth=1)
        ax.text(self.threshold, 0.9, " 2/L", color=BAD_COLOR, va="top", fontsize=9)
        ax.text(self.best_lr, 0.9, "best 2/(L+μ) ", color="tab:green", va="top", ha="right",
                fontsize=9)
        ax.text(lo, 0.1, " stable: lr < 2/L", color="tab:green", va="bottom", fontsize=9)
        (self.lr_marker,) = ax.plot([], [], "v", color="black", markersize=9)
        ax.set_xlabel("learning rate (log scale)")

        # the path's title says whether the run diverged (drawn once per case)
        self.ax_path.set_title("GD path")
        self.ax_loss.set_title(f"2/L = {self.threshold:.3g},  best 2/(L+μ) = "
                               f"{self.best_lr:.3g},  κ = L/μ = {self.L / self.mu:.3g}",
                               fontsize=10)
        # what a redraw paints over the kept background; the legend is pasted on top
        self.animate(self.path_line, self.end_marker, self.loss_line, self.blowup_marker,
                     self.lr_marker)
        self.overlay(self.ax_loss.get_legend())
        self.stamp(self.ax_path.title)

    def compute(self, lr: float) -> History:
        """Run full-batch GD for ``steps`` steps at this learning rate."""
        return run(self.problem, self.w0, lr, steps=self.steps,
                   divergence_factor=self.divergence_factor)

    def draw(self, result: History) -> str:
        """Move the path, loss curve and lr marker to ``result``; return the status line."""
        lr = float(result.lr[0])
        color = BAD_COLOR if result.diverged else OK_COLOR
        pts = result.params
        self.path_line.set_data(pts[:, 0], pts[:, 1])
        self.path_line.set_color(color)
        self.end_marker.set_data([pts[-1, 0]], [pts[-1, 1]])
        self.end_marker.set_color(color)

        gap = result.full_loss - self.f_star
        self.loss_line.set_data(result.full_loss_steps, np.maximum(gap, 1e-300))
        self.loss_line.set_color(color)
        if result.diverged:
            self.blowup_marker.set_data([result.full_loss_steps[-1]], [gap[-1]])
        else:
            self.blowup_marker.set_data([], [])
        self.lr_marker.set_data([lr], [0.5])
        self.lr_marker.set_color(color)

        ratio = lr / self.threshold
        verdict = gd_verdict(result, lr, self.L, self.mu, gap)
        ok = not result.diverged and gap[-1] <= 1e-10 * gap[0]
        threshold = (_("above the threshold 2/L = {t}") if ratio > 1 else
                     _("below the threshold 2/L = {t}")).format(t=f"{self.threshold:.3g}")
        # the numbers go to the status line: drawing them would cost more than the run
        if result.diverged:
            self.ax_path.set_title("GD path: diverged", color=BAD_COLOR)
        else:
            self.ax_path.set_title("GD path", color="black")
        return (f"lr = {lr:.3g} = {ratio:.3g} × 2/L ({threshold}) &nbsp; "
                f"{flag(verdict, ok)}")


def gd_verdict(result: History, lr: float, L: float, mu: float, gap: np.ndarray) -> str:
    """The true reason a GD run on a quadratic (curvatures ``mu`` to ``L``) ends where it
    does. Per step, the offset along curvature ``h`` is multiplied by ``1 - lr h``: the
    direction with the larger ``|1 - lr h|`` (flat ``mu`` or steep ``L``) sets the pace."""
    flat, steep = 1 - lr * mu, 1 - lr * L
    if result.diverged or abs(steep) >= 1:
        if result.diverged:
            return _("diverged at step {step}: lr is above 2/L, so every step multiplies the "
                     "steep direction's offset by 1 - lr·L = {steep}, more than 1 in "
                     "size").format(step=result.diverged_at, steep=f"{steep:.3g}")
        return _("not converging: at lr = 2/L the steep direction bounces between two points")
    rate = max(abs(flat), abs(steep))
    if abs(steep) > abs(flat):
        why = _("the steps are too large for the steep direction, which overshoots and "
                "bounces across the valley (1 - lr·L = {steep} per step)").format(
                    steep=f"{steep:.3g}")
        pace = _("steps are too large for the steep direction")
    else:
        why = _("the steps are too small for the flat direction, which crawls "
                "(1 - lr·mu = {flat} per step)").format(flat=f"{flat:.4f}")
        pace = _("steps are too small for the flat direction")
    if gap[-1] <= 1e-10 * gap[0]:
        return _("converged: loss - min = {gap} after {steps} steps, at {rate} per step; the "
                 "pace is set by {pace}").format(gap=f"{gap[-1]:.2e}", steps=result.steps,
                                                 rate=f"{rate:.4f}", pace=pace)
    return _("stable but not there yet (loss - min = {gap} after {steps} steps): {why}").format(
        gap=f"{gap[-1]:.2e}", steps=result.steps, why=why)

