"""Notebook 04's explorer: heavy-ball momentum on an ill-conditioned quadratic.

:class:`MomentumExplorer` has a learning-rate slider and a momentum slider. For each
setting it runs heavy-ball momentum and, faintly, plain GD at the same learning rate
(side by side with :func:`sgdlab.compare.race`: the numbers of ``sgdlab.train.run``, one
gradient call per step for both) and shows the two paths on the contours, the two loss curves,
and where the setting sits in the (learning rate, momentum) plane: the theoretical
rate per step as a background, the stability boundary ``lr = 2 (1 + momentum) / L``
and the best pair from theory.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
from matplotlib import ticker
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure

from sgdlab import _validate as check
from sgdlab import plots, theory
from sgdlab.compare import race
from sgdlab.i18n import _, speaking
from sgdlab.objectives import Quadratic
from sgdlab.train import History
from sgdlab.widgets.base import LOG_TICKS, Explorer, flag

OK_COLOR = "tab:blue"
BAD_COLOR = "#b00020"
GD_COLOR = "0.45"
LOSS_FLOOR = 1e-16  # losses below this are drawn at this height on the log axis


@dataclass
class MomentumRun:
    """What one slider setting produced.

    Attributes:
        history: the run with momentum (a :class:`~sgdlab.train.History`).
        gd: plain GD (momentum 0) at the same learning rate, for reference.
        lr, momentum: the setting.
        threshold: theory's stability bound ``2 (1 + momentum) / L`` on ``lr``.
        stable: whether theory says this setting converges (``lr < threshold``).
        rate: theory's asymptotic contraction per step (above 1: divergence).
    """

    history: History
    gd: History
    lr: float
    momentum: float
    threshold: float
    stable: bool
    rate: float


class MomentumExplorer(Explorer):
    """Learning-rate and momentum sliders that rerun heavy ball on a quadratic.

    Args:
        problem: a :class:`~sgdlab.objectives.Quadratic` (the theory drawn is exact
            for quadratics only); default ``Quadratic(condition=50, angle=-pi/6)``.
        w0: start, shape (2,); default ``center + (1.4, 1.2)``, on a valley wall.
        steps: steps per run, 1..5000.
        lr: initial learning rate, in the slider's range ``[0.01/L, 10/L]``.
        momentum: initial momentum, in ``[0, 0.99]``.
        divergence_factor: passed to :func:`sgdlab.train.run`.
        figsize, dpi: size of the figure.

    Attributes:
        result: the :class:`MomentumRun` of the last setting.
        L, mu: largest and smallest Hessian eigenvalues.
        best_lr, best_momentum, best_rate: theory's best heavy-ball pair and its rate.
        gd_best_rate: GD's best rate ``(kappa - 1) / (kappa + 1)``, for comparison.
        boundary_line, best_marker, current_marker: artists of the (lr, momentum) panel.

    Example:
        >>> explorer = MomentumExplorer()
        >>> explorer.set(lr=5.0, momentum=0.2)   # 5 > 2 (1 + 0.2) / L = 2.4
        >>> explorer.result.history.diverged
        True
    """

    def __init__(self, problem=None, w0=None, steps: int = 200, *, lr: float = 1.9,
                 momentum: float = 0.5, divergence_factor: float = 1e4,
                 figsize: tuple[float, float] = (12.5, 4.2), dpi: int = 80):
        self.problem = Quadratic(condition=50.0, angle=-math.pi / 6) if problem is None \
            else problem
        if not isinstance(self.problem, Quadratic):
            raise ValueError("problem must be a sgdlab.objectives.Quadratic (the stability "
                             f"region drawn is exact for quadratics); got "
                             f"{type(self.problem).__name__}")
        self.steps = check.integer("steps", steps, low=1, high=5000)
        self.divergence_factor = check.positive("divergence_factor", divergence_factor)
        self.L, self.mu = self.problem.L, self.problem.mu
        self.best_lr, self.best_momentum = theory.heavy_ball_best(self.L, self.mu)
        self.best_rate = theory.heavy_ball_best_rate(self.L, self.mu)
        self.gd_best_rate = theory.gd_best_rate(self.L, self.mu)
        self.center = self.problem.center.copy()
        w0 = self.center + np.array([1.4, 1.2]) if w0 is None else w0
        self.w0 = check.float_array("w0", w0, shape=(2,))
        self.loss0 = float(self.problem.loss(self.w0))
        self.limit = self.divergence_factor * max(abs(self.loss0), 1.0)

        self.lr_range = (0.01 / self.L, 10.0 / self.L)
        lr = check.in_range("lr", lr, *self.lr_range, high_open=False)
        momentum = check.in_range("momentum", momentum, 0.0, 0.99, high_open=False)
        lr_slider = widgets.FloatLogSlider(
            value=lr, base=10, min=math.log10(self.lr_range[0]),
            max=math.log10(self.lr_range[1]), step=0.02, description="lr",
            readout_format=".3g", continuous_update=False,
            layout=widgets.Layout(width="420px"))
        momentum_slider = widgets.FloatSlider(
            value=momentum, min=0.0, max=0.99, step=0.01, description="momentum",
            readout_format=".2f", continuous_update=False,
            layout=widgets.Layout(width="420px"))
        super().__init__({"lr": lr_slider, "momentum": momentum_slider},
                         figsize=figsize, dpi=dpi)

    # --- the three Explorer hooks ---------------------------------------------------
    def setup(self, fig: Figure) -> None:
        """Contours, the theory map and empty lines, drawn once."""
        self.ax_path, self.ax_loss, self.ax_map = fig.subplots(
            1, 3, gridspec_kw={"width_ratios": [1.0, 1.1, 1.2]})

        plots.contour(self.problem, ax=self.ax_path)
        self.ax_path.set_xlabel("w₁")  # plain text: mathtext labels slow every redraw
        self.ax_path.set_ylabel("w₂")
        self.ax_path.plot(*self.w0, "o", color="black", markersize=7, markeredgecolor="white")
        (self.gd_line,) = self.ax_path.plot([], [], "-", color=GD_COLOR, alpha=0.6,
                                            linewidth=1.0, label="GD, same lr")
        (self.path_line,) = self.ax_path.plot([], [], "-o", markersize=2.5, linewidth=1.3,
                                              label="momentum")
        (self.end_marker,) = self.ax_path.plot([], [], "s", markersize=7,
                                               markeredgecolor="white")
        # no tick labels here: text is most of the cost of a redraw, and the picture
        # (a valley, its minimum and the path) does not need coordinates
        self.ax_path.set_xticks([])
        self.ax_path.set_yticks([])

        ax = self.ax_loss
        (self.gd_loss_line,) = ax.plot([], [], color=GD_COLOR, alpha=0.7, linewidth=1.0,
                                       label="GD, same lr")
        (self.loss_line,) = ax.plot([], [], linewidth=1.5, label="momentum")
        (self.blowup_marker,) = ax.plot([], [], "x", color=BAD_COLOR, markersize=10,
                                        markeredgewidth=2)
        ax.axhline(self.limit - self._f_star, color=BAD_COLOR, linestyle=":", linewidth=1,
                   label="divergence limit")
        ax.set_xlim(0, self.steps)
        ax.set_ylim(LOSS_FLOOR, self.limit * 1e4)
        ax.set_yscale("log")
        # plain-text tick labels: mathtext ones make every redraw slower
        ax.yaxis.set_major_locator(ticker.LogLocator(numticks=6))
        ax.yaxis.set_major_formatter(LOG_TICKS)
        ax.yaxis.set_minor_locator(ticker.NullLocator())
        ax.set_xlabel("step")
        ax.set_ylabel("loss - minimum")
        legend = ax.legend(loc="lower left", fontsize="small", framealpha=1)

        self._draw_map(fig)

        # The path's title is a one-word headline in its colour, drawn once per headline
        # (stamp). The numbers are in the status line: text is the costliest thing to draw.
        self.ax_path.set_title("momentum: converged", fontsize=10)
        self.ax_loss.set_title("loss (grey: plain GD at the same lr)", fontsize=10)
        # what a redraw paints over the kept background; the legend is pasted on top
        self.animate(self.gd_line, self.path_line, self.end_marker, self.gd_loss_line,
                     self.loss_line, self.blowup_marker, self.current_marker)
        self.overlay(legend)
        self.stamp(self.ax_path.title)

    def _draw_map(self, fig: Figure) -> None:
        """The (lr, momentum) plane: theory's rate, the stability boundary, the best pair."""
        ax = self.ax_map
        lrs = np.geomspace(*self.lr_range, 61)
        moms = np.linspace(0.0, 0.99, 45)
        eig = [self.mu, self.L]
        rates = np.array([[theory.heavy_ball_rate(lr, m, eig) for lr in lrs] for m in moms])
        # steps to cut the error 10x, -1 / log10(rate): spreads the colours better than
        # the rate itself, which sits above 0.95 over most of the plane
        with np.errstate(divide="ignore"):
            tenfold = np.where(rates < 1, -1.0 / np.log10(np.minimum(rates, 1 - 1e-12)),
                               np.nan)
        mesh = ax.pcolormesh(lrs, moms, tenfold, norm=LogNorm(vmin=3, vmax=3e4),
                             cmap="viridis_r", shading="nearest")
        ax.set_facecolor("#f3d6da")  # where the rate is >= 1 (divergence) the mesh is empty
        bar = fig.colorbar(mesh, ax=ax, pad=0.02)
        bar.set_label("theory: steps to cut the error 10×")
        bar.set_ticks([10, 100, 1000, 10000], labels=["10", "100", "1000", "10000"])
        bar.ax.yaxis.set_minor_locator(ticker.NullLocator())
        boundary = [theory.heavy_ball_stability_threshold(m, self.L) for m in moms]
        (self.boundary_line,) = ax.plot(boundary, moms, color=BAD_COLOR, linewidth=1.5)
        ax.axvline(theory.gd_stability_threshold(self.L), color="white", linewidth=0.8,
                   linestyle=":")
        (self.best_marker,) = ax.plot([self.best_lr], [self.best_momentum], "*",
                                      color="gold", markersize=15, markeredgecolor="black")
        (self.current_marker,) = ax.plot([], [], "o", markersize=9, markerfacecolor="none",
                                         markeredgewidth=2.2, color="white")
        ax.text(self.lr_range[1] / 1.15, 0.05, "diverges", color=BAD_COLOR, ha="right",
                fontsize=9)
        ax.set_title("★ best (theory)   ○ your setting", fontsize=10)
        ax.set_xscale("log")
        ax.set_xlim(*self.lr_range)
        ax.set_ylim(0.0, 0.99)
        ax.xaxis.set_major_formatter(LOG_TICKS)
        ax.xaxis.set_minor_locator(ticker.NullLocator())
        ax.set_xlabel("learning rate (log scale)")
        ax.set_ylabel("momentum")

    def compute(self, lr: float, momentum: float) -> MomentumRun:
        """Run ``steps`` steps with this momentum, and plain GD at the same lr."""
        # both runs side by side, one gradient call per step for the two (the same
        # numbers as sgdlab.train.run with and without momentum)
        runs = race(self.problem, self.w0, lr, steps=self.steps, names=("momentum", "SGD"),
                    momentum=momentum, divergence_factor=self.divergence_factor)
        history, gd = runs["momentum"], runs["SGD"]
        threshold = theory.heavy_ball_stability_threshold(momentum, self.L)
        rate = theory.heavy_ball_rate(lr, momentum, [self.mu, self.L])
        return MomentumRun(history, gd, float(lr), float(momentum), threshold,
                           bool(lr < threshold), rate)

    def draw(self, result: MomentumRun) -> str:
        """Move the paths, loss curves and the current-setting marker; return the status."""
        h, gd = result.history, result.gd
        color = BAD_COLOR if h.diverged else OK_COLOR
        pts = h.params
        self.path_line.set_data(pts[:, 0], pts[:, 1])
        self.path_line.set_color(color)
        self.end_marker.set_data([pts[-1, 0]], [pts[-1, 1]])
        self.end_marker.set_color(color)
        self.gd_line.set_data(gd.params[:, 0], gd.params[:, 1])

        self.loss_line.set_data(*self._gap(h))
        self.loss_line.set_color(color)
        self.gd_loss_line.set_data(*self._gap(gd))
        if h.diverged:
            steps, gap = self._gap(h)
            self.blowup_marker.set_data([steps[-1]], [gap[-1]])
        else:
            self.blowup_marker.set_data([], [])
        self.current_marker.set_data([result.lr], [result.momentum])
        self.current_marker.set_color(BAD_COLOR if h.diverged else "white")

        setting = f"lr = {result.lr:.3g}, momentum = {result.momentum:.2f}"
        with speaking("en"):  # the figure's title stays English (its font has no Chinese)
            english = self.verdict(h, result.lr, result.momentum, result.threshold)
        verdict = self.verdict(h, result.lr, result.momentum, result.threshold)
        # a short headline from the English verdict (the figure's font has no Chinese);
        # a longer title would run over the next panel
        headline = ("diverged" if h.diverged else
                    "converged" if english.startswith("converged") else "not there yet")
        self.ax_path.set_title(f"momentum: {headline}", fontsize=10, color=color)
        side = "<" if result.stable else "≥"
        good = english.startswith("converged")
        theory_text = (_("theory: lr {side} 2(1 + momentum)/L = {threshold}, so stable; rate "
                         "{rate} per step") if result.stable else
                       _("theory: lr {side} 2(1 + momentum)/L = {threshold}, so unstable; "
                         "rate {rate} per step"))
        best = _("best: lr* = {lr}, momentum* = {momentum}, rate {rate} (GD at its best: "
                 "{gd})").format(lr=f"{self.best_lr:.3g}", momentum=f"{self.best_momentum:.3f}",
                                 rate=f"{self.best_rate:.3f}", gd=f"{self.gd_best_rate:.3f}")
        return (f"{setting} &nbsp; {flag(verdict, good)}<br>"
                + theory_text.format(side=side, threshold=f"{result.threshold:.3g}",
                                     rate=f"{result.rate:.3f}")
                + f" &nbsp;|&nbsp; {best}")

    def verdict(self, h: History, lr: float, beta: float, threshold: float) -> str:
        """The true reason a run ends where it does. On a quadratic each eigendirection
        ``h`` (flat ``mu``, steep ``L``) follows ``z^2 - (1 + beta - lr h) z + beta = 0``;
        the direction with the larger root sets the pace. Complex roots (an oscillation)
        have size ``sqrt(beta)``, whatever the learning rate."""
        if h.diverged:
            return _("diverged at step {step}: lr is above 2(1 + momentum)/L = {threshold}, "
                     "so the steep direction's swings grow").format(
                         step=h.diverged_at, threshold=f"{threshold:.3g}")
        gap = h.full_loss - self._f_star
        rates = {c: theory.heavy_ball_rate(lr, beta, [c]) for c in (self.mu, self.L)}
        c = max(rates, key=rates.get)
        complex_roots = (1 + beta - lr * c) ** 2 < 4 * beta
        if complex_roots:
            why = _("the momentum: it oscillates, and the swings shrink only by "
                    "sqrt(momentum) = {root} per step whatever the lr (less momentum, down "
                    "to critical damping, would shrink them faster)").format(
                        root=f"{math.sqrt(beta):.3f}")
        elif c == self.mu:
            why = _("the steps are too small: it crawls along the flat direction ({rate} "
                    "per step); a larger lr or more momentum helps").format(
                        rate=f"{rates[c]:.4f}")
        else:
            why = _("the steps are too large: the steep direction overshoots ({rate} per "
                    "step)").format(rate=f"{rates[c]:.4f}")
        if gap[-1] <= 1e-10 * gap[0]:
            return _("converged after {steps} steps; the pace is set by {why}").format(
                steps=h.steps, why=why)
        return _("not there yet, loss - min = {gap} after {steps} steps; the pace is set by "
                 "{why}").format(gap=f"{gap[-1]:.2e}", steps=h.steps, why=why)

    # --- helpers ----------------------------------------------------------------------
    @property
    def _f_star(self) -> float:
        return float(self.problem.loss(self.center))

    def _gap(self, h: History) -> tuple[np.ndarray, np.ndarray]:
        """Steps and ``loss - minimum`` of a run, finite values only, floored for the log axis."""
        gap = h.full_loss - self._f_star
        ok = np.isfinite(gap)
        return h.full_loss_steps[ok], np.maximum(gap[ok], LOSS_FLOOR)

