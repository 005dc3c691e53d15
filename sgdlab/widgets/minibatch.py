"""``MinibatchExplorer``: minibatch SGD for any batch size on a regression problem
(notebook 03).

Two sliders: the batch size B (1, 4, 16, ..., n) and the learning rate. Left: the full
loss above its minimum against the number of examples seen, for the chosen B, with
full-batch GD (B = n) and one-example SGD (B = 1) at the same learning rate as faint
references. Right: the gradient noise ``E|g_B - g|^2`` at the minimum against B, as
theory predicts it, with the value measured on random batches for the chosen B.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.ticker import NullFormatter

from sgdlab.data import add_bias_column, load_diabetes
from sgdlab.i18n import _
from sgdlab.losses import LeastSquares
from sgdlab.theory import gd_stability_threshold, gradient_noise, minibatch_variance
from sgdlab.train import History, run
from sgdlab.widgets.base import LOG_TICKS, Explorer, decades, flag

_FLOOR = 1e-12  # smallest loss gap drawn on the log axis
_CAP = 100.0  # draw loss gaps up to this many times the starting gap (diverged runs go off)
_LOWEST_SHOWN = 1e-4  # the bottom of the loss axis (below the least noise ball)
NOISE_DRAWS = 400  # random batches behind each measured gradient noise


def default_problem() -> LeastSquares:
    """The explorer's default problem: least squares on scikit-learn's diabetes data
    (training part, 332 rows, 10 standardised features plus a bias column)."""
    split = load_diabetes()
    return LeastSquares(add_bias_column(split.X_train), split.y_train)


def batch_size_options(n: int) -> list[int]:
    """The batch sizes the slider offers: the powers of four below ``n``, then ``n``."""
    sizes = [4**k for k in range(n.bit_length()) if 4**k < n]
    return sizes + [n]


def measured_noise(problem: LeastSquares, w, batch_size: int, draws: int, *,
                   rng: np.random.Generator) -> tuple[float, float]:
    """Mean of ``|g_B - g|^2`` over ``draws`` (>= 2) batches of ``batch_size`` distinct
    rows (drawn as shuffled sampling draws them), at the weights ``w``, and the
    standard error of that mean."""
    G = problem.per_example_grads(w)
    g = G.mean(axis=0)
    n = problem.n_samples
    noise = np.empty(draws)
    for r in range(draws):
        idx = rng.permutation(n)[:batch_size]
        noise[r] = np.sum((G[idx].mean(axis=0) - g) ** 2)
    return float(noise.mean()), float(noise.std(ddof=1) / np.sqrt(draws))


class MinibatchExplorer(Explorer):
    """Sliders for the batch size and the learning rate of minibatch SGD.

    Args:
        problem: a :class:`~sgdlab.losses.LeastSquares`; default :func:`default_problem`.
        w0: the start, shape (d,); default zeros.
        epochs: passes over the data per run, 1..50 (every run sees the same examples).
        seed: seed of the random batches, >= 0.

    ``explorer.result`` is a dict with the chosen run (``"run"``), the references
    (``"gd"``, ``"sgd"``) and the gradient noise at the minimum: measured (``"noise"``,
    with its standard error ``"noise_se"``) and predicted (``"noise_theory"``).
    """

    def __init__(self, problem: LeastSquares | None = None, w0=None, *, epochs: int = 5,
                 seed: int = 0):
        self.problem = default_problem() if problem is None else problem
        if not isinstance(self.problem, LeastSquares):
            raise ValueError("problem must be a sgdlab.losses.LeastSquares")
        if isinstance(epochs, bool) or not isinstance(epochs, int) or not 1 <= epochs <= 50:
            raise ValueError(f"epochs must be a whole number in [1, 50]; got {epochs!r}")
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise ValueError(f"seed must be a whole number >= 0; got {seed!r}")
        self.epochs, self.seed = epochs, seed
        n, d = self.problem.n_samples, self.problem.dim
        self.w0 = np.zeros(d) if w0 is None else np.asarray(w0, dtype=float)
        if self.w0.shape != (d,) or not np.all(np.isfinite(self.w0)):
            raise ValueError(f"w0 must be {d} finite numbers; got {w0!r}")
        self.w_star = self.problem.solve()
        self.loss_star = self.problem.loss(self.w_star)
        self.sigma2 = gradient_noise(self.problem.per_example_grads(self.w_star))
        self.lr_limit = gd_stability_threshold(self.problem.hessian_eigenvalues()[-1])
        self.mu = float(self.problem.hessian_eigenvalues()[0])
        self._references: dict[float, tuple[History, History]] = {}
        self._noise: dict[int, tuple[float, float]] = {}
        options = batch_size_options(n)
        controls = {
            "batch_size": widgets.SelectionSlider(options=options,
                                                  value=16 if 16 in options else options[0],
                                                  description="batch size"),
            "lr": widgets.FloatLogSlider(value=0.1, base=10, min=-3, max=0.5, step=0.5,
                                         description="learning rate", readout_format=".3g"),
        }
        super().__init__(controls, figsize=(11.0, 4.0))

    # --- runs --------------------------------------------------------------------
    def _run(self, batch_size: int, lr: float) -> History:
        n = self.problem.n_samples
        return run(self.problem, self.w0, lr, epochs=self.epochs, batch_size=batch_size,
                   rng=np.random.default_rng(self.seed),
                   full_loss_every=max(1, n // batch_size // 8), record_params=False)

    def references(self, lr: float) -> tuple[History, History]:
        """Full-batch GD and one-example SGD at learning rate ``lr`` (cached)."""
        if lr not in self._references:
            self._references[lr] = (self._run(self.problem.n_samples, lr), self._run(1, lr))
        return self._references[lr]

    def noise(self, batch_size: int) -> tuple[float, float]:
        """Measured ``E|g_B - g|^2`` at the minimum for this batch size, and its standard
        error (cached)."""
        if batch_size not in self._noise:
            rng = np.random.default_rng(self.seed + batch_size)
            self._noise[batch_size] = measured_noise(self.problem, self.w_star, batch_size,
                                                     NOISE_DRAWS, rng=rng)
        return self._noise[batch_size]

    def compute(self, batch_size: int, lr: float) -> dict:
        gd, sgd = self.references(lr)
        noise, noise_se = self.noise(batch_size)
        if batch_size in (1, self.problem.n_samples):   # the same run as a reference
            chosen = sgd if batch_size == 1 else gd
        else:
            chosen = self._run(batch_size, lr)
        return {
            "run": chosen, "gd": gd, "sgd": sgd,
            "noise": noise, "noise_se": noise_se,
            "noise_theory": minibatch_variance(self.sigma2, batch_size,
                                               self.problem.n_samples, replacement=False),
        }

    # --- drawing -----------------------------------------------------------------
    def setup(self, fig) -> None:
        # fixed margins: a layout engine would cost more time than the plot on every redraw
        fig.set_layout_engine(None)
        fig.subplots_adjust(left=0.07, right=0.98, bottom=0.13, top=0.91, wspace=0.3)
        n = self.problem.n_samples
        self.ax_loss, self.ax_noise = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.5, 1]})
        ax = self.ax_loss
        self.lines = {}
        for key, style in (("gd", dict(color="tab:blue", alpha=0.45, linewidth=1.2)),
                           ("sgd", dict(color="tab:green", alpha=0.45, linewidth=0.8)),
                           ("run", dict(color="tab:red", linewidth=1.8))):
            (line,) = ax.plot([], [], **style)
            (end,) = ax.plot([], [], "x", color=style["color"], markersize=10,
                             markeredgewidth=2)
            self.lines[key] = (line, end)
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(LOG_TICKS)
        ax.yaxis.set_minor_formatter(NullFormatter())
        ax.set_xlim(0, self.epochs * n)
        ax.set_xlabel("samples seen")
        ax.set_ylabel("loss - minimum")
        self.banner = ax.text(0.5, 0.5, "", transform=ax.transAxes, ha="center",
                              va="center", color="#b00020", fontsize=14, fontweight="bold")
        for key, label in (("gd", f"GD (B = n = {n})"), ("sgd", "SGD (B = 1)"),
                           ("run", "your batch size")):
            self.lines[key][0].set_label(label)  # "(diverged)" is added by a run
        self.loss_legend = ax.legend(fontsize="small", loc="lower left", framealpha=1)
        ax.set_title(f"loss, {self.epochs} epochs each")

        ax = self.ax_noise
        sizes = np.arange(1, n)
        ax.loglog(sizes, [minibatch_variance(self.sigma2, int(b), n) for b in sizes],
                  "--", color="gray", linewidth=1, label="with replacement: σ²/B")
        ax.loglog(sizes, [minibatch_variance(self.sigma2, int(b), n, replacement=False)
                          for b in sizes],
                  color="black", linewidth=1, label="without: × (n − B)/(n − 1)")
        (self.noise_point,) = ax.plot([], [], "o", color="tab:red", markersize=8,
                                      label=f"measured ({NOISE_DRAWS} batches)")
        ax.set_xlabel("batch size B")
        ax.set_ylabel("gradient noise E|g_B − g|² at the minimum")
        ax.set_title("noise of a minibatch gradient")
        ax.legend(fontsize="small", loc="lower left")
        self.noise_note = ax.text(0.97, 0.95, "", transform=ax.transAxes, ha="right",
                                  va="top", fontsize=9)
        # One loss range for every setting, whole decades from the lowest gap a run
        # reaches to the cap: the axis stays put as the sliders move, so runs compare at
        # a glance and the axis is drawn once. A redraw paints the curves, the noise
        # point and the banner of a diverged run; the legend's "(diverged)" labels and
        # the noise note of B = n go with the kept backgrounds (background_key): text is
        # the costliest thing to draw, and the numbers are in the status line anyway
        cap = _CAP * max(self.problem.loss(self.w0) - self.loss_star, _FLOOR)
        self.ax_loss.set_ylim(*decades(_LOWEST_SHOWN, cap))
        self.animate(*(a for pair in self.lines.values() for a in pair), self.banner,
                     self.noise_point)
        self.overlay(self.loss_legend)

    def background_key(self) -> tuple:
        """The legend's labels and the noise note."""
        return (*(t.get_text() for t in self.loss_legend.get_texts()),
                self.noise_note.get_text())

    def verdict(self, h: History, gd: History, lr: float, noise: float) -> str:
        """Why a run (not diverged) ends where it does, against GD at the same lr.
        ``noise`` is the minibatch gradient noise at the minimum; a constant rate stalls
        at a loss gap of about ``lr * noise / 4`` (notebook 02's noise ball, with the
        noise of a batch)."""
        def quarters(run):
            gap = run.full_loss - self.loss_star
            k = len(gap)
            return gap[k // 2:3 * k // 4].mean(), gap[3 * k // 4:].mean()

        third, last = quarters(h)
        ball = lr * noise / 4
        start = h.full_loss[0] - self.loss_star
        pull = self.mu * lr * h.steps
        if lr > self.lr_limit:
            return flag(_("Moving away from the minimum: the steps are too large, even for "
                          "full-batch GD."), ok=False)
        if last > start:
            return flag(_("Ended above where it started: the steps are too large for this "
                          "batch size and throw the weights about (a smaller lr or a larger "
                          "batch helps)."), ok=False)
        if last < 0.5 * third:
            return flag(_("Still descending at the end: the steps are too small to get "
                          "there in this budget (a larger lr helps)."), ok=False)
        if last < 10 * ball:
            return flag(_("Stalled in the noise ball (about lr·noise/4 = {ball}): a larger "
                          "batch or a smaller lr lowers it.").format(ball=f"{ball:.1e}"),
                        ok=True)
        if last > 0.1 * start and pull < np.log(10) / 2:
            return flag(_("Still far from the minimum: the steps are too small "
                          "(mu·lr·steps = {pull}, too little to cross the bowl).").format(
                              pull=f"{pull:.2g}"), ok=False)
        if last <= 2 * max(quarters(gd)[1], _FLOOR):
            return flag(_("At least as close as GD after the same epochs (smaller batches "
                          "take more steps per epoch)."), ok=True)
        return flag(_("Stalled far above the small-lr noise ball: the steps are too large "
                      "for this batch size and bounce around the minimum (a smaller lr or "
                      "a larger batch helps)."), ok=False)

    def _gap(self, h: History) -> np.ndarray:
        """The loss gap of a run, kept between the floor and the cap of the plot."""
        cap = _CAP * max(self.problem.loss(self.w0) - self.loss_star, _FLOOR)
        return np.clip(h.full_loss - self.loss_star, _FLOOR, cap)

    def _draw_run(self, key: str, h: History, label: str) -> None:
        line, end = self.lines[key]
        gap = self._gap(h)
        ok = np.isfinite(gap)
        xs = h.x_axis("samples", h.full_loss_steps)[ok]
        line.set_data(xs, gap[ok])
        line.set_label(label + (" (diverged)" if h.diverged else ""))
        if h.diverged and ok.any():
            end.set_data(xs[-1:], gap[ok][-1:])
        else:
            end.set_data([], [])

    def draw(self, result: dict) -> str:
        B, lr = self.values["batch_size"], self.values["lr"]
        n = self.problem.n_samples
        h = result["run"]
        self._draw_run("gd", result["gd"], f"GD (B = n = {n})")
        self._draw_run("sgd", result["sgd"], "SGD (B = 1)")
        self._draw_run("run", h, "your batch size")
        for text, key in zip(self.loss_legend.get_texts(), ("gd", "sgd", "run"), strict=True):
            text.set_text(self.lines[key][0].get_label())

        measured, se, theory = result["noise"], result["noise_se"], result["noise_theory"]
        if B < n:
            self.noise_point.set_data([B], [measured])
            self.noise_note.set_text("")
        else:
            self.noise_point.set_data([], [])
            self.noise_note.set_text(f"B = n = {n}: every batch is the\nwhole data set, "
                                     "no noise")

        steps_per_epoch = -(-n // B)
        per_epoch = (_("B = {B} ({n} steps per epoch), lr = {lr}.") if steps_per_epoch > 1
                     else _("B = {B} ({n} step per epoch), lr = {lr}."))
        parts = [per_epoch.format(B=B, n=steps_per_epoch, lr=f"{lr:.3g}")]
        if h.diverged:
            self.banner.set_text(f"B = {B} diverged")
            why = (_("the learning rate is too large for any batch size")
                   if lr > self.lr_limit
                   else _("lr is below 2/L, but the noisy steps of batches of {B} are too "
                          "large: a smaller lr or a larger batch is stable").format(B=B))
            parts.append(flag(_("Diverged at step {step}: {why}.").format(
                step=h.diverged_at, why=why), ok=False))
        else:
            self.banner.set_text("")
            gap, gap_gd = (r.full_loss[-1] - self.loss_star for r in (h, result["gd"]))
            parts.append(_("Loss gap after {epochs} epochs: {gap} (GD: {gap_gd}).").format(
                epochs=self.epochs, gap=f"{gap:.2e}", gap_gd=f"{gap_gd:.2e}"))
            parts.append(self.verdict(h, result["gd"], lr, theory))
        if lr > self.lr_limit:
            parts.append(flag(_("lr is above 2/L = {limit}, where even full-batch GD is "
                                "unstable.").format(limit=f"{self.lr_limit:.3g}"), ok=False))
        if B < n:
            parts.append(_("Gradient noise at the minimum: measured {measured} (standard "
                           "error {se}), theory {theory}.").format(
                               measured=f"{measured:.3g}", se=f"{se:.2g}",
                               theory=f"{theory:.3g}"))
        else:
            parts.append(_("Gradient noise: none, every batch is the whole data set "
                           "(measured {measured}: rounding error).").format(
                               measured=f"{measured:.1g}"))
        return " ".join(parts)
