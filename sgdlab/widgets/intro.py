"""Notebook 00's explorer: a first slider, gradient descent on a parabola.

:class:`ParabolaExplorer` takes a handful of gradient steps on ``f(w) = a/2 w^2``
for the learning rate on its slider and draws them on the parabola, so a newcomer
sees what moving a slider does before the course proper begins.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from sgdlab import _validate as check
from sgdlab.i18n import _
from sgdlab.widgets.base import Explorer, flag


def parabola_steps(lr: float, *, a: float = 1.0, w0: float = 2.0, steps: int = 8) -> np.ndarray:
    """Iterates of gradient descent ``w <- w - lr * a * w`` on ``f(w) = a/2 w^2``.

    Returns:
        ``w_0, ..., w_steps``, shape (steps + 1,).
    """
    lr = check.positive("lr", lr)
    a = check.positive("a", a)
    steps = check.integer("steps", steps)
    return w0 * (1.0 - lr * a) ** np.arange(steps + 1)


class ParabolaExplorer(Explorer):
    """One slider (the learning rate, 0.1 to 2.5) and GD's steps on ``w^2 / 2``.

    Attributes:
        result: the iterates of the last run, shape (steps + 1,).
    """

    def __init__(self, *, steps: int = 8, dpi: int = 80):
        self.steps = check.integer("steps", steps)
        lr = widgets.FloatSlider(value=0.3, min=0.1, max=2.5, step=0.1,
                                 description="learning rate", readout_format=".1f",
                                 style={"description_width": "initial"})
        super().__init__({"lr": lr}, figsize=(7.0, 3.2), dpi=dpi)

    def setup(self, fig: Figure) -> None:
        self.ax = fig.subplots()
        grid = np.linspace(-3.2, 3.2, 200)
        self.ax.plot(grid, grid**2 / 2, color="0.6")
        (self.steps_line,) = self.ax.plot([], [], "-o", color="tab:blue", markersize=5)
        self.ax.set_xlim(-3.2, 3.2)
        self.ax.set_ylim(-0.3, 5.2)
        self.ax.set_xlabel("$w$")
        self.ax.set_ylabel("$f(w) = w^2/2$")
        self.ax.set_title(f"{self.steps} steps of gradient descent")
        self.animate(self.steps_line)  # all a redraw paints: the numbers are in the status

    def compute(self, lr: float) -> np.ndarray:
        return parabola_steps(lr, steps=self.steps)

    def draw(self, result: np.ndarray) -> str:
        self.steps_line.set_data(result, result**2 / 2)
        lr = self.controls["lr"].value
        verdict, ok = intro_verdict(lr)
        self.steps_line.set_color("tab:blue" if ok else "#b00020")
        return f"lr = {lr:.1f}: " + flag(verdict, ok)


def intro_verdict(lr: float) -> tuple[str, bool]:
    """Why GD on f(w) = w²/2 behaves as it does: each step multiplies w by 1 - lr."""
    factor = 1 - lr
    f = f"{factor:.1f}"
    if np.isclose(lr, 1.0):
        return _("approaching the minimum: it lands on it in one step (1 - lr = 0)"), True
    if np.isclose(abs(factor), 1.0):
        return _("bouncing between two points forever: 1 - lr = -1"), False
    if abs(factor) > 1:
        return _("moving away from the minimum: the steps are too large, each one "
                 "overshoots and multiplies w by 1 - lr = {f}").format(f=f), False
    if factor < 0:
        return _("approaching the minimum, overshooting it at every step: the steps are "
                 "large (w times {f} per step)").format(f=f), True
    return _("approaching the minimum from one side: the steps are small "
             "(w times {f} per step)").format(f=f), True

