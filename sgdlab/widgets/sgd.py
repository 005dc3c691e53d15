"""``SGDExplorer``: one-sample SGD on a two-weight least-squares problem (notebook 02).

Three sliders: the learning rate, the inverse-time decay of the learning rate
(``lr_t = lr / (1 + decay t)``, 0 = constant) and the random seed that picks the
order of the examples. Left: the path of the weights on the loss contours, the
minimum marked with a star; middle: a zoom on the minimum, where a constant learning
rate leaves SGD hovering; right: the full loss above its minimum after every step,
with the noise level ``lr * sigma^2 / 4`` a constant rate stalls at.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.ticker import NullFormatter

from sgdlab.data import make_linear_regression
from sgdlab.i18n import _
from sgdlab.losses import LeastSquares
from sgdlab.plots import contour
from sgdlab.schedules import inverse_time
from sgdlab.theory import gradient_noise
from sgdlab.train import History, run
from sgdlab.widgets.base import LOG_TICKS, Explorer, decades, flag

_FLOOR = 1e-12  # smallest loss gap drawn on the log axis
_CAP = 100.0  # draw loss gaps up to this many times the starting gap (diverged runs go off)
_LOWEST_SHOWN = 1e-7  # the bottom of the loss axis (below the noise level of the least lr)
ZOOM = 0.4  # half-width of the zoomed view around the minimum
# mu * sum of the rates below which GD alone could not shrink the loss gap tenfold along
# the flattest direction (the gap shrinks about like exp(-2 mu sum lr_t))
PULL_NEEDED = float(np.log(10) / 2)


def default_problem() -> LeastSquares:
    """The explorer's default problem: 100 examples, 2 weights, label noise 0.5 (seed 0),
    the second feature on half the scale of the first (an elongated bowl, as in notebook 02)."""
    data = make_linear_regression(100, 2, noise=0.5, rng=np.random.default_rng(0))
    return LeastSquares(data.X * np.array([1.0, 0.5]), data.y)


class SGDExplorer(Explorer):
    """Sliders for SGD with batch size 1 on a least-squares problem with two weights.

    Args:
        problem: a :class:`~sgdlab.losses.LeastSquares` with 2 weights; default
            :func:`default_problem`.
        w0: the start, shape (2,); default: the minimum moved by (-2.5, 2).
        epochs: passes over the data per run, 1..100 (each is n single-example steps).

    ``explorer.result`` is the :class:`~sgdlab.train.History` of the last run.
    """

    def __init__(self, problem: LeastSquares | None = None, w0=None, *, epochs: int = 10):
        self.problem = default_problem() if problem is None else problem
        if not isinstance(self.problem, LeastSquares) or self.problem.dim != 2:
            raise ValueError("problem must be a sgdlab.losses.LeastSquares with 2 weights "
                             "(so that its path can be drawn on a plane)")
        if isinstance(epochs, bool) or not isinstance(epochs, int) or not 1 <= epochs <= 100:
            raise ValueError(f"epochs must be a whole number in [1, 100]; got {epochs!r}")
        self.epochs = epochs
        self.w_star = self.problem.solve()
        self.loss_star = self.problem.loss(self.w_star)
        self.w0 = (self.w_star + np.array([-2.5, 2.0]) if w0 is None
                   else np.asarray(w0, dtype=float))
        if self.w0.shape != (2,) or not np.all(np.isfinite(self.w0)):
            raise ValueError(f"w0 must be 2 finite numbers; got {w0!r}")
        # gradient noise at the minimum: sets the size of the constant-lr noise ball
        self.sigma2 = gradient_noise(self.problem.per_example_grads(self.w_star))
        controls = {
            "lr": widgets.FloatLogSlider(value=0.1, base=10, min=-3, max=0.5, step=0.5,
                                         description="learning rate", readout_format=".3g"),
            "decay": widgets.FloatSlider(value=0.0, min=0.0, max=0.02, step=0.005,
                                         description="decay c", readout_format=".3f"),
            "seed": widgets.IntSlider(value=0, min=0, max=4, description="seed"),
        }
        super().__init__(controls, figsize=(12.0, 4.0))

    def setup(self, fig) -> None:
        # fixed margins: a layout engine would cost more time than the plot on every redraw
        fig.set_layout_engine(None)
        fig.subplots_adjust(left=0.05, right=0.98, bottom=0.13, top=0.91, wspace=0.3)
        self.ax_path, self.ax_zoom, self.ax_loss = fig.subplots(
            1, 3, gridspec_kw={"width_ratios": [1, 1, 1.3]})
        (xmin, xmax), (ymin, ymax) = self.problem.default_view()
        xmin, ymax = min(xmin, self.w0[0] - 0.5), max(ymax, self.w0[1] + 0.5)
        contour(self.problem, ax=self.ax_path, xlim=(xmin, xmax), ylim=(ymin, ymax),
                mark_minima=False)
        self.ax_path.set_title("SGD path (star: minimum)")
        self.ax_path.plot(*self.w0, "o", color="tab:red", markersize=7, markeredgecolor="white")
        cx, cy = self.w_star
        contour(self.problem, ax=self.ax_zoom, xlim=(cx - ZOOM, cx + ZOOM),
                ylim=(cy - ZOOM, cy + ZOOM), levels=12, mark_minima=False)
        self.ax_zoom.set_title("zoom on the minimum")
        self.path_lines, self.path_ends = [], []
        for ax in (self.ax_path, self.ax_zoom):
            (line,) = ax.plot([], [], "-", color="tab:red", linewidth=0.7, alpha=0.8)
            (end,) = ax.plot([], [], "s", color="tab:red", markersize=6,
                             markeredgecolor="white")
            self.path_lines.append(line)
            self.path_ends.append(end)
            (star,) = ax.plot(cx, cy, "*", color="gold", markersize=14,
                              markeredgecolor="black", zorder=5)  # on top of the path
            self.animate(line, end, star, *ax.spines.values())  # the frame over the path
            ax.set_xlabel("w₁")  # plain text: mathtext costs time on every redraw
            ax.set_ylabel("w₂")
        total = self.epochs * self.problem.n_samples
        (self.loss_line,) = self.ax_loss.plot([], [], color="tab:red", linewidth=0.8,
                                              label="SGD, full loss")
        (self.ball_line,) = self.ax_loss.plot(
            [0, total], [1, 1], "--", color="gray", linewidth=1,
            label="constant-lr noise level lr·σ²/4")
        (self.blowup,) = self.ax_loss.plot([], [], "x", color="black", markersize=10,
                                           markeredgewidth=2)
        self.ax_loss.set_yscale("log")
        self.ax_loss.yaxis.set_major_formatter(LOG_TICKS)
        self.ax_loss.yaxis.set_minor_formatter(NullFormatter())
        self.ax_loss.set_xlim(0, total)
        self.ax_loss.set_xlabel("step (one example each)")
        self.ax_loss.set_ylabel("loss - minimum")
        legend = self.ax_loss.legend(loc="upper right", fontsize="small", framealpha=1)
        self.banner = self.ax_loss.text(0.5, 0.5, "", transform=self.ax_loss.transAxes,
                                        ha="center", va="center", color="#b00020",
                                        fontsize=14, fontweight="bold")
        # One y range for every setting, whole decades from below the smallest noise
        # level to the cap: the axis stays put as the sliders move, so runs compare at a
        # glance and the axis is drawn once. A redraw paints the curves, the frame over
        # their ends and the banner of a run that blew up; the title (constant or
        # decaying) is drawn once per value (stamp), and the numbers are in the status
        # line: text is the costliest thing to draw. The legend is pasted on top.
        cap = _CAP * max(self.problem.loss(self.w0) - self.loss_star, _FLOOR)
        self.ax_loss.set_ylim(*decades(_LOWEST_SHOWN, cap))
        self.ax_loss.set_title("constant learning rate")
        self.animate(self.loss_line, self.ball_line, self.blowup, self.banner,
                     *self.ax_loss.spines.values())
        self.overlay(legend)
        self.stamp(self.ax_loss.title)

    def compute(self, lr: float, decay: float, seed: int) -> History:
        return run(self.problem, self.w0, inverse_time(lr, decay=decay), epochs=self.epochs,
                   batch_size=1, rng=np.random.default_rng(seed))

    def draw(self, h: History) -> str:
        lr, decay = self.values["lr"], self.values["decay"]
        pts = h.params[np.all(np.isfinite(h.params), axis=1)]
        for line, end in zip(self.path_lines, self.path_ends, strict=True):
            line.set_data(pts[:, 0], pts[:, 1])
            end.set_data(pts[-1:, 0], pts[-1:, 1])
        cap = _CAP * max(self.problem.loss(self.w0) - self.loss_star, _FLOOR)
        gap = np.clip(h.full_loss - self.loss_star, _FLOOR, cap)
        ok = np.isfinite(gap)
        steps, gap = h.full_loss_steps[ok], gap[ok]
        self.loss_line.set_data(steps, gap)
        ball = lr * self.sigma2 / 4
        self.ball_line.set_ydata([ball, ball])
        self.ax_loss.set_title("constant learning rate" if decay == 0 else
                               "decaying learning rate lr / (1 + c t)")
        if h.diverged:
            self.blowup.set_data(steps[-1:], gap[-1:])
            self.banner.set_text(f"diverged at step {h.diverged_at}")
            return flag(_("Diverged at step {step}: lr = {lr} is too large for "
                          "single-example steps.").format(step=h.diverged_at,
                                                          lr=f"{lr:.3g}"), ok=False)
        self.blowup.set_data([], [])
        self.banner.set_text("")
        uphill = float(np.mean(np.diff(h.full_loss) > 0))
        late = gap[len(gap) // 2:].mean()
        verdict = self.verdict(h, lr, decay, gap)
        return (_("lr = {lr}, decay c = {decay}, seed = {seed}: mean loss gap over the "
                  "second half {late} (constant-lr noise level {ball}); {uphill} of the "
                  "{steps} steps went uphill on the full loss. ").format(
                      lr=f"{lr:.3g}", decay=f"{decay:.3g}", seed=self.values["seed"],
                      late=f"{late:.2e}", ball=f"{ball:.2e}", uphill=f"{uphill:.0%}",
                      steps=h.steps)
                + verdict)

    def verdict(self, h: History, lr: float, decay: float, gap: np.ndarray) -> str:
        """The reason a run (not diverged) ends where it does, from three numbers:

        - the pull: ``mu * sum_t lr_t``, how far the steps could shrink the error along
          the flattest direction (curvature ``mu``) without noise, about
          ``exp(-mu sum lr_t)``;
        - the loss gap over the second half against the starting gap;
        - the gap over the last quarter against the noise level of the last rate,
          ``lr_T sigma^2 / 4``.
        """
        mu = float(self.problem.hessian_eigenvalues()[0])
        t = np.arange(h.steps)
        pull = mu * float(np.sum(lr / (1 + decay * t)))
        ball_end = lr / (1 + decay * h.steps) * self.sigma2 / 4
        late, last = gap[len(gap) // 2:].mean(), gap[3 * len(gap) // 4:].mean()
        if late > 0.1 * gap[0]:
            if pull < PULL_NEEDED:
                return flag(_("still far from the minimum: the steps are too small (they "
                              "add up to mu·Σlr = {pull}, too little to cross the "
                              "bowl)").format(pull=f"{pull:.2g}"), ok=False)
            return flag(_("still far from the minimum although the steps add up to plenty "
                          "(mu·Σlr = {pull}): the steps are too large, each example throws "
                          "the weights across the bowl and SGD bounces in a wide noise "
                          "ball").format(pull=f"{pull:.2g}"), ok=False)
        if last > 3 * ball_end:
            what = (_("the decay shrinks them too fast") if decay > 0
                    else _("the steps are small"))
            return flag(_("still descending at the end ({what}): the gap is above the noise "
                          "level {ball} of the last rate, more steps would help").format(
                              what=what, ball=f"{ball_end:.1e}"), ok=False)
        if decay == 0:
            return flag(_("converged as far as a constant lr can: SGD hovers in a noise "
                          "ball around the minimum"), ok=True)
        return flag(_("converging: the noise ball shrinks as the steps get smaller"), ok=True)
