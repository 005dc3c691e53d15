"""Notebook 09's explorer: leaving a saddle with GD, SGD or momentum.

:class:`SaddleExplorer` runs 300 steps on :class:`sgdlab.nonconvex.NoisySaddle`
(``f = x^2/2 + y^4/4 - y^2/2``: a saddle at the origin, minima at ``(0, +-1)`` where
the curvature along ``y`` is 2) from ``(1.2, y0)``, and draws the path on the contours
and ``|y|`` against the step on a log scale, where growth by a constant factor per
step is a straight line. The verdict says whether the run left the saddle and why.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from sgdlab import plots
from sgdlab.i18n import _
from sgdlab.nonconvex import NoisySaddle, gd_escape_steps
from sgdlab.train import History, run
from sgdlab.widgets.base import Explorer, flag

METHODS = ("GD", "SGD", "momentum")
OFFSETS = [("0", 0.0)] + [(f"1e-{k}", 10.0**-k) for k in range(12, 0, -1)]
RADIUS = 0.5  # |y| beyond this counts as "left the saddle"
BETA = 0.9


def growth_factor(method: str, lr: float) -> float:
    """Per-step growth of a small offset along the saddle's downhill direction
    (curvature -1): ``1 + lr`` for GD and SGD, the larger root of
    ``z^2 - (1 + beta + lr) z + beta`` for heavy-ball momentum."""
    if method == "momentum":
        return float(np.max(np.roots([1.0, -(1 + BETA + lr), BETA]).real))
    return 1.0 + lr


class SaddleExplorer(Explorer):
    """Controls: method (GD, SGD with batches of 4, momentum 0.9), starting offset ``y0``,
    learning rate (0.02 to 1.2) and the noise of the examples (0 to 2).

    Attributes:
        result: the :class:`~sgdlab.train.History` of the last run.
    """

    steps = 300

    def __init__(self, *, seed: int = 0, dpi: int = 80):
        self.problem = NoisySaddle(64, 1.0, rng=np.random.default_rng(seed))
        self._base_offsets = self.problem.offsets.copy()
        self.seed = seed
        style = {"description_width": "initial"}
        controls = {
            "method": widgets.Dropdown(options=METHODS, value="GD", description="method"),
            "offset": widgets.SelectionSlider(options=OFFSETS, value=0.0, description="y0",
                                              style=style),
            "lr": widgets.FloatSlider(value=0.1, min=0.02, max=1.2, step=0.02,
                                      description="learning rate", readout_format=".2f",
                                      style=style),
            "noise": widgets.FloatSlider(value=1.0, min=0.0, max=2.0, step=0.1,
                                         description="noise (SGD)", readout_format=".1f",
                                         style=style),
        }
        super().__init__(controls, figsize=(10.0, 4.0), dpi=dpi)

    def setup(self, fig: Figure) -> None:
        self.ax_path, self.ax_y = fig.subplots(1, 2)
        plots.contour(self.problem, ax=self.ax_path, levels=18)
        (self.path_line,) = self.ax_path.plot([], [], "-", color="tab:red", linewidth=1.2)
        (self.end_dot,) = self.ax_path.plot([], [], "s", color="tab:red", markersize=6)
        self.ax_path.set_title("path (★ minima, × saddle)")
        self.ax_y.set_yscale("log")
        self.ax_y.set_xlim(0, self.steps)
        self.ax_y.set_ylim(1e-16, 10)
        self.ax_y.axhline(RADIUS, color="0.5", linestyle=":", linewidth=1)
        self.ax_y.set_xlabel("step")
        self.ax_y.set_ylabel("|y| (0 drawn at 1e-16)")
        self.ax_y.set_title("distance from the ridge y = 0")
        (self.y_line,) = self.ax_y.plot([], [], color="tab:red", linewidth=1.3)
        self.animate(self.path_line, self.end_dot, self.y_line)

    def compute(self, method: str, offset: float, lr: float, noise: float) -> History:
        self.problem.offsets = self._base_offsets * noise
        w0 = np.array([1.2, offset])
        kwargs = {"momentum": BETA} if method == "momentum" else {}
        if method == "SGD":
            kwargs.update(batch_size=4, rng=self.seed)
        return run(self.problem, w0, lr, steps=self.steps, **kwargs)

    def draw(self, result: History) -> str:
        pts = result.params[np.all(np.isfinite(result.params), axis=1)]
        pts = np.clip(pts, -10, 10)
        self.path_line.set_data(pts[:, 0], pts[:, 1])
        self.end_dot.set_data(pts[-1:, 0], pts[-1:, 1])
        self.y_line.set_data(np.arange(len(pts)), np.maximum(np.abs(pts[:, 1]), 1e-16))
        return self.verdict(result, **self.values)

    def verdict(self, result: History, *, method: str, offset: float, lr: float,
                noise: float) -> str:
        """The one-line status: what happened and the reason for it (in the learner's
        language; ``GD`` and ``SGD`` stay as they are)."""
        name = _("momentum") if method == "momentum" else method
        head = _("{method}, y0 = {offset}, lr = {lr}: ").format(
            method=name, offset=f"{offset:g}", lr=f"{lr:.2f}")
        noisy = method == "SGD" and noise > 0
        if result.diverged:
            bump = _("momentum's overshoot") if method == "momentum" else (
                _("a noisy step") if noisy else _("an overshooting step"))
            return head + flag(_("diverged at step {step}: the learning rate is too large; "
                                 "{bump} threw y onto the outer walls, whose curvature "
                                 "3y² - 1 grows with y, and each step overshot more").format(
                                     step=result.diverged_at, bump=bump), False)
        y = result.params[:, 1]
        left = np.abs(y) > RADIUS
        if not left.any():
            if offset == 0 and not noisy:
                if method == "SGD":
                    return head + flag(_("stuck at the saddle: noise 0 makes SGD plain GD, "
                                         "on the ridge y = 0 the gradient has no "
                                         "y-component, so nothing moves y"), False)
                return head + flag(_("stuck at the saddle: on the ridge y = 0 the gradient "
                                     "has no y-component, so nothing moves y"), False)
            need = int(np.ceil(np.log(RADIUS / max(offset, 1e-300))
                               / np.log(growth_factor(method, lr)))) if offset > 0 else None
            why = (_("y grows only by a factor {factor} per step (about {need} steps needed "
                     "from y0)").format(factor=f"{growth_factor(method, lr):.3f}", need=need)
                   if need else
                   _("the noise is too weak to push y off the ridge within {steps} steps"
                     ).format(steps=self.steps))
            return head + flag(_("still at the saddle after {steps} steps: {why}").format(
                steps=self.steps, why=why), False)
        k = int(np.argmax(left))
        if offset == 0:
            cause = _("the minibatch noise pushed y off the ridge, then the negative "
                      "curvature grew it")
        elif noisy:
            cause = _("the offset and the minibatch noise grew along the negative curvature")
        else:
            cause = _("the offset grew by a factor {factor} per step along the negative "
                      "curvature").format(factor=f"{growth_factor(method, lr):.3f}")
        if lr > 1 and method != "momentum":
            return head + flag(_("left the saddle at step {step} ({cause}), but cannot "
                                 "settle: lr above 1 makes the minima unstable (curvature 2)"
                                 ).format(step=k, cause=cause), False)
        settled = abs(result.full_loss[-1] + 0.25) < 0.05
        if settled:
            text = _("left the saddle at step {step}, and settled near a minimum: {cause}")
        else:
            text = _("left the saddle at step {step}, still moving at the end: {cause}")
        return head + flag(text.format(step=k, cause=cause), True)


__all__ = ["SaddleExplorer", "growth_factor", "gd_escape_steps"]
