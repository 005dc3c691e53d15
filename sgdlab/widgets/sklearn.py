"""Notebook 06's explorer: scikit-learn's ``SGDRegressor`` on the diabetes data.

:class:`SklearnExplorer` has a ``learning_rate`` menu (constant, invscaling, optimal,
adaptive), log sliders for ``eta0`` and ``alpha`` and an ``average`` switch. For each
setting it fits the real ``SGDRegressor`` and shows, epoch by epoch, how far the
objective is above its minimum (the ridge closed form), the coefficients against their
closed-form values, and the learning rate of every step. scikit-learn's
``ConvergenceWarning`` becomes "ran out of epochs: max_iter=... reached" in the status; a
run that blows up is flagged (scikit-learn clips dloss, the derivative with respect to
the prediction, at 1e12 and often returns huge weights without any error).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
import sklearn
from matplotlib import ticker
from matplotlib.figure import Figure
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import SGDRegressor

from sgdlab import _validate as check
from sgdlab import sklearn_sgd as sk
from sgdlab.data import load_diabetes
from sgdlab.i18n import _
from sgdlab.widgets.base import LOG_TICKS, Explorer, flag

OK_COLOR = "tab:blue"
BAD_COLOR = "#b00020"
GAP_RANGE = (1e-8, 1e6)  # the objective-gap axis; values outside are drawn at its edges
LR_RANGE = (1e-6, 1e2)


@dataclass
class SklearnRun:
    """What one setting produced.

    Attributes:
        learning_rate, eta0, alpha, average: the setting.
        coefs: ``coef_`` after each epoch, shape (epochs, d) (averaged when ``average``).
        intercepts: ``intercept_`` after each epoch, shape (epochs,).
        gap: objective minus its minimum after each epoch, shape (epochs,).
        distance: ``|coef_ - w*|`` after each epoch, shape (epochs,).
        n_iter: epochs scikit-learn ran (its ``n_iter_``).
        converged: False when scikit-learn warned "Maximum number of iteration reached".
        diverged: the objective became non-finite or exceeded ``divergence_factor`` times
            its value at zero weights (or scikit-learn raised an overflow error).
        diverged_at: the first epoch where that happened, or None.
        w_star, b_star, f_star: the closed-form minimiser and the minimum.
        lr_steps, lr: the learning rate at some steps ``t`` (1-based, scikit-learn's
            counter), for the plot; for "adaptive" only ``eta0`` (it changes inside
            scikit-learn, invisibly).
    """

    learning_rate: str
    eta0: float
    alpha: float
    average: bool
    coefs: np.ndarray
    intercepts: np.ndarray
    gap: np.ndarray
    distance: np.ndarray
    n_iter: int
    converged: bool
    diverged: bool
    diverged_at: int | None
    w_star: np.ndarray
    b_star: float
    f_star: float
    lr_steps: np.ndarray
    lr: np.ndarray


class SklearnExplorer(Explorer):
    """scikit-learn's SGD options, rerun with every change of a control.

    Args:
        X, y: the data, shapes (n, d) and (n,); default: the standardised diabetes
            training split (``sgdlab.data.load_diabetes``).
        max_iter: scikit-learn's ``max_iter``, 1..100 (each setting refits once per
            epoch to draw the curves, so keep it small).
        tol, n_iter_no_change, power_t, random_state: passed to ``SGDRegressor``.
        learning_rate, eta0, alpha, average: the controls' initial values.
        divergence_factor: flag a run whose objective exceeds this many times its value
            at zero weights.
        figsize, dpi: size of the figure.

    Attributes:
        result: the :class:`SklearnRun` of the last setting.
        eta_limit: ``2 / max_i |x_i|^2``; a constant rate above it can blow up on the
            longest example.
        gap_line, coef_lines, star_marks, lr_line: the artists that change.

    Example:
        >>> explorer = SklearnExplorer()
        >>> explorer.set(learning_rate="constant", eta0=1.0)
        >>> explorer.result.diverged
        True
    """

    def __init__(self, X=None, y=None, *, max_iter: int = 30, tol: float = 1e-3,
                 n_iter_no_change: int = 5, power_t: float = 0.25, random_state: int = 0,
                 learning_rate: str = "invscaling", eta0: float = 0.01, alpha: float = 1e-4,
                 average: bool = False, divergence_factor: float = 1e4,
                 figsize: tuple[float, float] = (12.5, 4.0), dpi: int = 80):
        if X is None and y is None:
            split = load_diabetes()
            X, y = split.X_train, split.y_train
        self.X, self.y = check.data(X, y)
        self.max_iter = check.integer("max_iter", max_iter, low=1, high=100)
        self.tol = check.positive("tol", tol, allow_zero=True)
        self.n_iter_no_change = check.integer("n_iter_no_change", n_iter_no_change)
        self.power_t = check.positive("power_t", power_t, allow_zero=True)
        self.random_state = check.integer("random_state", random_state, low=0)
        self.divergence_factor = check.positive("divergence_factor", divergence_factor)
        self.n, self.d = self.X.shape
        self.eta_range = (1e-4, 1.0)
        self.alpha_range = (1e-6, 10.0)
        check.choice("learning_rate", learning_rate, sk.LEARNING_RATES)
        eta0 = check.in_range("eta0", eta0, *self.eta_range, high_open=False)
        alpha = check.in_range("alpha", alpha, *self.alpha_range, high_open=False)
        self.eta_limit = 2.0 / float(np.max(np.einsum("ij,ij->i", self.X, self.X)))
        # the largest closed-form coefficients (at the smallest alpha) fix the y-axis
        self.coef_limit = 1.3 * float(np.max(np.abs(
            sk.ridge_solution(self.X, self.y, self.alpha_range[0])[0])))
        layout = widgets.Layout(width="300px")
        controls = {
            "learning_rate": widgets.Dropdown(options=list(sk.LEARNING_RATES),
                                              value=learning_rate, description="learning_rate",
                                              style={"description_width": "initial"}),
            "eta0": widgets.FloatLogSlider(value=eta0, base=10, min=-4, max=0, step=0.25,
                                           description="eta0", readout_format=".2g",
                                           layout=layout),
            "alpha": widgets.FloatLogSlider(value=alpha, base=10, min=-6, max=1, step=0.5,
                                            description="alpha", readout_format=".1g",
                                            layout=layout),
            "average": widgets.Checkbox(value=bool(average), description="average"),
        }
        super().__init__(controls, figsize=figsize, dpi=dpi)

    # --- the three Explorer hooks ---------------------------------------------------
    def setup(self, fig: Figure) -> None:
        """Three panels with empty lines, their axes fixed once."""
        self.ax_gap, self.ax_coef, self.ax_lr = fig.subplots(1, 3)
        epochs = (0.5, self.max_iter + 0.5)

        ax = self.ax_gap
        (self.gap_line,) = ax.plot([], [], "-o", markersize=3, color=OK_COLOR)
        (self.blowup_marker,) = ax.plot([], [], "x", color=BAD_COLOR, markersize=11,
                                        markeredgewidth=2)
        ax.set_yscale("log")
        ax.set_xlim(*epochs)
        ax.set_ylim(*GAP_RANGE)
        ax.yaxis.set_major_locator(ticker.LogLocator(numticks=8))
        ax.yaxis.set_major_formatter(LOG_TICKS)
        ax.yaxis.set_minor_locator(ticker.NullLocator())
        ax.set_xlabel("epoch")
        ax.set_ylabel("objective - minimum")

        ax = self.ax_coef
        colors = [f"C{j % 10}" for j in range(self.d)]
        self.coef_lines = [ax.plot([], [], "-", linewidth=1.2, color=c)[0] for c in colors]
        self.star_marks = ax.scatter(np.full(self.d, self.max_iter + 1.0), np.zeros(self.d),
                                     c=colors, marker="<", s=40, zorder=3)
        ax.set_xlim(epochs[0], self.max_iter + 1.5)
        ax.set_ylim(-self.coef_limit, self.coef_limit)
        ax.set_xlabel("epoch")
        ax.set_ylabel("coef_  (◀ closed form)")

        ax = self.ax_lr
        (self.lr_line,) = ax.plot([], [], "-", color=OK_COLOR, linewidth=1.5)
        ax.axhline(self.eta_limit, color=BAD_COLOR, linestyle=":", linewidth=1)
        ax.text(1.5, self.eta_limit * 1.4, "2 / max |x_i|²", color=BAD_COLOR, fontsize=8)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(1, self.max_iter * self.n)
        ax.set_ylim(*LR_RANGE)
        for axis in (ax.xaxis, ax.yaxis):
            axis.set_major_locator(ticker.LogLocator(numticks=6))
            axis.set_major_formatter(LOG_TICKS)
            axis.set_minor_locator(ticker.NullLocator())
        ax.set_xlabel("step t (examples seen)")
        ax.set_ylabel("learning rate eta_t")
        # stand-in titles of the real height, for the layout the base class freezes
        for ax in (self.ax_gap, self.ax_coef, self.ax_lr):
            ax.set_title("lr")
        # The axes stay fixed: a redraw paints the lines and the marks. The titles (the
        # verdict, the rule) take a few values each, each drawn once (stamp): text is the
        # costliest thing to draw, and the numbers are in the status line.
        self.animate(self.gap_line, self.blowup_marker, *self.coef_lines, self.star_marks,
                     self.lr_line)
        self.stamp(self.ax_gap.title, self.ax_coef.title, self.ax_lr.title)

    def _estimator(self, learning_rate, eta0, alpha, average, max_iter) -> SGDRegressor:
        return SGDRegressor(learning_rate=learning_rate, eta0=eta0, alpha=alpha,
                            average=bool(average), max_iter=max_iter, tol=self.tol,
                            n_iter_no_change=self.n_iter_no_change, power_t=self.power_t,
                            random_state=self.random_state)

    def _fit(self, max_iter: int, **setting) -> tuple[SGDRegressor | None, bool]:
        """Fit with ``max_iter`` epochs; returns the estimator (None when scikit-learn
        raised its overflow error) and whether it warned that it did not converge."""
        # The data are the explorer's own, checked once when it was built: scikit-learn's
        # input and parameter checks would cost more than the epochs themselves.
        with warnings.catch_warnings(record=True) as caught, sklearn.config_context(
                assume_finite=True, skip_parameter_validation=True):
            warnings.simplefilter("always")
            try:
                est = self._estimator(max_iter=max_iter, **setting).fit(self.X, self.y)
            except ValueError as exc:
                if "overflow" not in str(exc):
                    raise
                return None, False
        unconverged = any(issubclass(w.category, ConvergenceWarning) for w in caught)
        return est, unconverged

    def compute(self, learning_rate: str, eta0: float, alpha: float,
                average: bool) -> SklearnRun:
        """Fit ``SGDRegressor`` once with ``max_iter`` epochs, then once per shorter
        ``max_iter`` (the same seed gives the same first epochs) to get every epoch."""
        setting = {"learning_rate": learning_rate, "eta0": float(eta0), "alpha": float(alpha),
                   "average": bool(average)}
        w_star, b_star = sk.ridge_solution(self.X, self.y, alpha)
        f_star = sk.objective(self.X, self.y, w_star, b_star, alpha)
        limit = self.divergence_factor * max(sk.objective(self.X, self.y, np.zeros(self.d),
                                                          0.0, alpha), 1.0)
        final, unconverged = self._fit(self.max_iter, **setting)
        n_iter = self.max_iter if final is None else int(final.n_iter_)
        coefs = np.full((n_iter, self.d), np.nan)
        intercepts = np.full(n_iter, np.nan)
        for k in range(1, n_iter + 1):
            est = final if k == n_iter else self._fit(k, **setting)[0]
            if est is not None:
                coefs[k - 1], intercepts[k - 1] = est.coef_, est.intercept_[0]
        with np.errstate(all="ignore"):
            gap = np.array([sk.objective(self.X, self.y, w, b, alpha) if np.all(np.isfinite(w))
                            else np.inf for w, b in zip(coefs, intercepts, strict=True)])
            gap = gap - f_star
            distance = np.linalg.norm(coefs - w_star, axis=1)
        blown = ~np.isfinite(gap) | (gap + f_star > limit)
        diverged_at = int(np.argmax(blown)) + 1 if blown.any() else None
        steps = np.unique(np.geomspace(1, self.max_iter * self.n, 120).round())
        if learning_rate == "adaptive":
            lr = np.full(steps.size, float(eta0))
        else:
            sched = sk.schedule(learning_rate, eta0=eta0, alpha=alpha, power_t=self.power_t)
            lr = np.array([sched(int(t) - 1) for t in steps])
        return SklearnRun(learning_rate, float(eta0), float(alpha), bool(average), coefs,
                          intercepts, gap, distance, n_iter,
                          not unconverged and final is not None, diverged_at is not None,
                          diverged_at, w_star, float(b_star), f_star, steps, lr)

    def draw(self, result: SklearnRun) -> str:
        """Move the curves and marks; return the status line."""
        epochs = np.arange(1, result.n_iter + 1)
        color = BAD_COLOR if result.diverged else OK_COLOR
        shown = np.clip(np.nan_to_num(result.gap, nan=GAP_RANGE[1], posinf=GAP_RANGE[1]),
                        *GAP_RANGE)
        self.gap_line.set_data(epochs, shown)
        self.gap_line.set_color(color)
        if result.diverged:
            k = result.diverged_at
            self.blowup_marker.set_data([k], [shown[k - 1]])
        else:
            self.blowup_marker.set_data([], [])
        for j, line in enumerate(self.coef_lines):
            line.set_data(epochs, np.clip(result.coefs[:, j], -1e3, 1e3))
        self.star_marks.set_offsets(np.column_stack(
            [np.full(self.d, self.max_iter + 1.0), result.w_star]))
        self.lr_line.set_data(result.lr_steps, np.clip(result.lr, *LR_RANGE))
        self.lr_line.set_linestyle("--" if result.learning_rate == "adaptive" else "-")

        setting = (f"learning_rate={result.learning_rate!r}, eta0={result.eta0:.2g}, "
                   f"alpha={result.alpha:.1g}, average={result.average}")
        if result.diverged:
            verdict = flag(_("diverged at epoch {epoch}").format(epoch=result.diverged_at),
                           False)
            detail = _("the steps were too large and the weights blew up; scikit-learn clips "
                       "dloss (the loss's derivative with respect to the prediction) at 1e12 "
                       "and may return such weights without an error")
            self.ax_gap.set_title("diverged", fontsize=10, color=BAD_COLOR)
        else:
            if result.converged:
                verdict = flag(_("stopped after {n} epochs: the training loss did not improve "
                                 "by tol for {k} epochs (scikit-learn's stopping rule, not a "
                                 "test of the minimum)").format(n=result.n_iter,
                                                                k=self.n_iter_no_change),
                               True)
            else:
                verdict = flag(_("ran out of epochs: max_iter={max_iter} reached while the "
                                 "loss was still improving by more than tol").format(
                                     max_iter=self.max_iter), False)
            detail = _("objective - minimum = {gap}, |coef_ - w*| = {distance}").format(
                gap=f"{result.gap[-1]:.2e}", distance=f"{result.distance[-1]:.3f}")
            self.ax_gap.set_title("stopped by scikit-learn's rule" if result.converged
                                  else "ran out of epochs", fontsize=10,
                                  color=OK_COLOR if result.converged else BAD_COLOR)
        self.ax_coef.set_title("averaged coef_" if result.average else "coef_", fontsize=10)
        rule = {"constant": "eta0", "invscaling": f"eta0 / t^{self.power_t:g}",
                "optimal": "1 / (alpha (t0 + t - 1))",
                "adaptive": "eta0, / 5 when stalled (hidden)"}[result.learning_rate]
        self.ax_lr.set_title(f"eta_t = {rule}", fontsize=10)
        return f"{setting} &nbsp; {verdict}<br>{detail}"

