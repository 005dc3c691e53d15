"""``TorchSGDExplorer``: train a linear model with ``torch.optim.SGD`` and with sgdlab's
numpy ``SGD`` side by side, for a fixed budget of epochs, and watch the two agree.

Controls: the problem (logistic regression on the breast cancer data, or least squares
on the diabetes data), the learning rate, the batch size and the momentum (with an
optional Nesterov switch). The left panel shows the training loss of both runs against
epochs; the right panel shows, step by step, how far torch's weights are from sgdlab's.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
import torch
from matplotlib.ticker import LogFormatter, NullLocator

from sgdlab import _validate as check
from sgdlab import data, losses, nets, train
from sgdlab.i18n import _
from sgdlab.widgets.base import LOG_TICKS, Explorer, decades, flag

TOLERANCE = 1e-10
"""Largest relative difference between the torch and sgdlab weights counted as agreement."""
SLOW_PROGRESS = 0.25
"""Below this share of the way down, the verdict says the steps were too small or too few."""

_FLOOR = 1e-18  # exact agreement (difference 0) is drawn here on the log scale


@dataclass(frozen=True)
class _Task:
    name: str
    problem: losses.DataProblem
    test: losses.DataProblem  # the same loss on the held-out rows
    minimum: float | None  # the least training loss, when known in closed form


def _tasks() -> dict[str, _Task]:
    cancer = data.load_breast_cancer(seed=0)
    diabetes = data.load_diabetes(seed=0)
    logistic = [losses.LogisticRegression(data.add_bias_column(X), y)
                for X, y in ((cancer.X_train, cancer.y_train), (cancer.X_test, cancer.y_test))]
    lsq = [losses.LeastSquares(data.add_bias_column(X), y)
           for X, y in ((diabetes.X_train, diabetes.y_train), (diabetes.X_test, diabetes.y_test))]
    tasks = [_Task("logistic regression, breast cancer", *logistic, None),
             _Task("least squares, diabetes", *lsq, lsq[0].loss(lsq[0].solve()))]
    return {t.name: t for t in tasks}


@contextmanager
def _one_thread():
    """Run torch on one thread: for tensors this small a second thread only adds waiting."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


@dataclass(frozen=True)
class TorchSGDResult:
    """One setting's two runs and how well they agree.

    Attributes:
        task: which problem was trained.
        lr, momentum, nesterov: the settings both runs used.
        numpy_run, torch_run: the :class:`sgdlab.train.History` of each.
        rel_diff: per step, ``max |w_torch - w_sgdlab| / max |w_sgdlab|``, shape (k + 1,).
        max_diff: the largest of ``rel_diff`` (and of the relative full-loss gaps).
        agree: both runs took the same steps, stopped alike, and ``max_diff <= TOLERANCE``.
        nesterov_ignored: Nesterov was asked for with momentum 0, which torch refuses.
        test_score: test accuracy (logistic) or test loss (least squares) of torch's weights.
    """

    task: _Task
    lr: float
    momentum: float
    nesterov: bool
    numpy_run: train.History
    torch_run: train.History
    rel_diff: np.ndarray
    max_diff: float
    agree: bool
    nesterov_ignored: bool
    test_score: float


def compare_runs(numpy_run: train.History, torch_run: train.History) -> tuple[np.ndarray, float]:
    """Relative weight difference per step (shape (k + 1,)) over the steps both runs
    took, and the largest relative gap in weights or full losses."""
    k = min(len(numpy_run.params), len(torch_run.params))
    a, b = numpy_run.params[:k], torch_run.params[:k]
    ok = np.all(np.isfinite(a), axis=1) & np.all(np.isfinite(b), axis=1)
    scale = np.maximum(np.max(np.abs(a[ok]), axis=1), 1e-300)
    rel = np.full(k, np.inf)
    rel[ok] = np.max(np.abs(a[ok] - b[ok]), axis=1) / scale
    m = min(len(numpy_run.full_loss), len(torch_run.full_loss))
    fa, fb = numpy_run.full_loss[:m], torch_run.full_loss[:m]
    loss_gap = np.abs(fa - fb) / np.maximum(np.abs(fa), 1e-300)
    return rel, float(max(rel.max(), loss_gap.max()))


class TorchSGDExplorer(Explorer):
    """Sliders for lr, batch size and momentum; torch and sgdlab train the same model.

    Args:
        epochs: passes over the training data for every setting (the budget), 1..20.
        seed: seed of the minibatch order, shared by both runs.

    Example:
        >>> ex = TorchSGDExplorer()
        >>> ex.set(lr=0.1, batch_size=16)
        >>> ex.result.agree
        True
    """

    BATCH_SIZES = (8, 16, 32, 64, 128, 0)  # 0 stands for all rows: full-batch GD
    MOMENTA = (0.0, 0.5, 0.8, 0.9, 0.95, 0.99)

    def __init__(self, *, epochs: int = 4, seed: int = 0):
        if isinstance(epochs, bool) or not isinstance(epochs, int) or not 1 <= epochs <= 20:
            raise ValueError(f"epochs must be a whole number in [1, 20]; got {epochs!r}")
        self.epochs = epochs
        self.seed = check.integer("seed", seed, low=0)
        self.tasks = _tasks()
        style = {"description_width": "initial"}
        controls = {
            "task": widgets.Dropdown(options=list(self.tasks), description="problem",
                                     style=style),
            "lr": widgets.FloatLogSlider(value=0.1, base=10, min=-3, max=0.5, step=0.25,
                                         description="learning rate", readout_format=".3g",
                                         style=style),
            "batch_size": widgets.SelectionSlider(
                options=[("all" if b == 0 else str(b), b) for b in self.BATCH_SIZES],
                value=32, description="batch size", style=style),
            "momentum": widgets.SelectionSlider(options=list(self.MOMENTA), value=0.0,
                                                description="momentum", style=style),
            "nesterov": widgets.Checkbox(value=False, description="Nesterov", indent=False),
        }
        super().__init__(controls, figsize=(10.0, 3.8))

    def setup(self, fig) -> None:
        ticks = np.arange(self.epochs + 1)  # whole epochs: few tick labels to draw
        # A fixed layout: constrained layout would re-measure every tick label on each
        # refresh, which costs more than the two training runs together.
        fig.set_layout_engine(None)
        self.ax_loss, self.ax_diff = fig.subplots(1, 2)
        fig.subplots_adjust(left=0.08, right=0.985, bottom=0.13, top=0.91, wspace=0.28)
        ax = self.ax_loss
        (self.line_batch,) = ax.plot([], [], color="0.75", linewidth=0.8,
                                     label="minibatch loss (sgdlab)")
        (self.line_numpy,) = ax.plot([], [], color="C0", linewidth=2.2, label="sgdlab (numpy)")
        (self.line_torch,) = ax.plot([], [], color="C1", linestyle="--", linewidth=1.4,
                                     marker="o", markersize=3, label="torch.optim.SGD")
        self.line_min = ax.axhline(np.nan, color="crimson", linestyle=":", linewidth=1.2)
        self.text_min = ax.text(0.98, np.nan, "least possible loss", color="crimson",
                                ha="right", va="bottom", fontsize="small",
                                transform=ax.get_yaxis_transform())
        (self.mark_div,) = ax.plot([], [], "x", color="crimson", markersize=12,
                                   markeredgewidth=2.5)
        self.text_div = ax.text(0.5, 0.5, "", transform=ax.transAxes, ha="center",
                                color="crimson", fontsize=12, fontweight="bold")
        ax.set_yscale("log")
        # plain-text labels; minor ticks get labels when the view spans about a decade
        ax.yaxis.set_major_formatter(LogFormatter())
        ax.yaxis.set_minor_formatter(LogFormatter(minor_thresholds=(1, 0.5)))
        ax.set_xlim(0, self.epochs)
        ax.set_xticks(ticks)
        ax.set_ylabel("training loss")
        legend = ax.legend(fontsize="small", loc="upper right", framealpha=1)
        ax = self.ax_diff
        (self.line_diff,) = ax.plot([], [], color="C2", linewidth=1.4)
        ax.axhline(TOLERANCE, color="crimson", linestyle="--", linewidth=1,
                   label=f"tolerance {TOLERANCE:.0e}")
        ax.set_yscale("log")
        ax.set_xlim(0, self.epochs)
        ax.set_xticks(ticks)
        ax.set_ylim(_FLOOR / 10, 1e2)
        ax.set_yticks([1e-18, 1e-14, 1e-10, 1e-6, 1e-2])
        ax.yaxis.set_minor_locator(NullLocator())
        ax.yaxis.set_major_formatter(LOG_TICKS)
        ax.set_xlabel("epoch")
        ax.set_ylabel("|w_torch - w_sgdlab| / |w_sgdlab|")
        ax.set_title(f"weights, step by step (0 drawn at {_FLOOR:.0e})", fontsize="medium")
        ax.legend(fontsize="small", loc="upper right")
        # A redraw paints the curves, the frames over their ends and the banner of a run
        # that blew up. The loss panel's range (one per problem, whole decades: the axis
        # stays put as the sliders move), its title and the least possible loss go with
        # one kept background per problem (background_key): text is the costliest thing
        # to draw, and the numbers are in the status line. The legend is pasted on top.
        self.ax_loss.set_title("lr", fontsize="medium")  # a stand-in of the real height
        self.ax_loss.set_xlabel("epoch")
        self.animate(self.line_batch, self.line_numpy, self.line_torch, self.mark_div,
                     self.text_div, self.line_diff, *self.ax_loss.spines.values(),
                     *self.ax_diff.spines.values())
        self.overlay(legend)

    def background_key(self) -> str:
        """The problem shown: its loss range, title and least loss."""
        return self.ax_loss.get_title()

    def loss_range(self, task: _Task) -> tuple[float, float]:
        """The loss panel's range for ``task``: whole decades from below its least loss
        (or a fiftieth of its starting loss) to ten times its starting loss."""
        start = task.problem.loss(np.zeros(task.problem.dim))
        low = task.minimum / 1.3 if task.minimum is not None else start / 50
        return decades(low, 10 * start)

    def compute(self, task, lr, batch_size, momentum, nesterov) -> TorchSGDResult:
        t = self.tasks[task]
        p = t.problem
        use_nesterov = bool(nesterov) and momentum > 0
        batch_size = batch_size or None  # the slider's 0 means all rows
        per_epoch = math.ceil(p.n_samples / (batch_size or p.n_samples))
        total = self.epochs * per_epoch
        kwargs = dict(epochs=self.epochs, batch_size=batch_size, momentum=momentum,
                      nesterov=use_nesterov, rng=self.seed,
                      full_loss_every=max(1, total // 20))
        w0 = np.zeros(p.dim)
        numpy_run = train.run(p, w0, lr, **kwargs)
        with _one_thread():
            torch_run = nets.torch_run(p, w0, lr, **kwargs)
        rel, max_diff = compare_runs(numpy_run, torch_run)
        agree = (numpy_run.steps == torch_run.steps
                 and numpy_run.diverged == torch_run.diverged and max_diff <= TOLERANCE)
        w = torch_run.final
        if isinstance(p, losses.LogisticRegression):
            score = t.test.accuracy(w)
        else:
            with np.errstate(all="ignore"):
                score = t.test.loss(w)
        return TorchSGDResult(t, lr, momentum, use_nesterov, numpy_run, torch_run, rel,
                              max_diff, agree, bool(nesterov) and not use_nesterov, score)

    def draw(self, r: TorchSGDResult) -> str:
        h_np, h_t = r.numpy_run, r.torch_run
        per_epoch = math.ceil(h_np.n_samples / h_np.batch_size)
        ok_batch = np.isfinite(h_np.loss)
        steps = np.arange(h_np.steps)
        self.line_batch.set_data(steps[ok_batch] / per_epoch, h_np.loss[ok_batch])
        for line, h in ((self.line_numpy, h_np), (self.line_torch, h_t)):
            ok = np.isfinite(h.full_loss)
            line.set_data(h.full_loss_steps[ok] / per_epoch, h.full_loss[ok])
        minimum = r.task.minimum
        self.line_min.set_ydata([np.nan, np.nan] if minimum is None else [minimum, minimum])
        self.text_min.set_y(np.nan if minimum is None else minimum)
        self.text_min.set_visible(minimum is not None)
        low, high = self.loss_range(r.task)
        self.ax_loss.set_ylim(low, high)
        if h_np.diverged:
            self.mark_div.set_data([h_np.full_loss_steps[-1] / per_epoch],
                                   [min(h_np.full_loss[-1], high)])  # on the panel's edge
            self.text_div.set_text(f"diverged at step {h_np.diverged_at}")
        else:
            self.mark_div.set_data([], [])
            self.text_div.set_text("")
        self.ax_loss.set_title(r.task.name, fontsize="medium")
        shown = np.where(np.isfinite(r.rel_diff), np.maximum(r.rel_diff, _FLOOR), 1e2)
        self.line_diff.set_data(np.arange(len(shown)) / per_epoch, shown)

        kind = ", Nesterov" if r.nesterov else ""
        parts = [f"lr {r.lr:.3g}, momentum {r.momentum:g}{kind}, "
                 f"{self.epochs} × {per_epoch} steps of {h_np.batch_size}"]
        if r.nesterov_ignored:
            parts.append(flag(_("Nesterov needs momentum > 0 (torch raises a ValueError): "
                                "plain SGD shown"), False))
        if h_np.diverged:
            parts.append(flag(_("diverged at step {step}: the loss blew up, lower the "
                                "learning rate").format(step=h_np.diverged_at), False))
        else:
            if isinstance(r.task.problem, losses.LogisticRegression):
                score = _("test accuracy {score}").format(score=f"{r.test_score:.3f}")
            else:
                score = _("test loss {score} (least possible train loss {minimum})").format(
                    score=f"{r.test_score:.4g}", minimum=f"{minimum:.4g}")
            parts.append(_("final training loss {loss}, {score}").format(
                loss=f"{h_t.full_loss[-1]:.4g}", score=score))
            start, end = h_t.full_loss[0], h_t.full_loss[-1]
            if end > start:
                parts.append(flag(_("the loss ended higher than it started: the steps are "
                                    "too large"), False))
            else:
                # The share of the way to the least possible loss (least squares), or the
                # share by which the loss fell (logistic regression: its least loss is
                # not computed here).
                gap = start - (minimum if minimum is not None else 0.0)
                progress = (start - end) / gap if gap > 0 else 1.0
                if progress < SLOW_PROGRESS:
                    if minimum is not None:
                        text = _("after {steps} steps the loss has moved only {share} of the "
                                 "gap to the least possible loss: the steps are too small or "
                                 "too few (raise the learning rate, or take smaller batches "
                                 "for more steps per epoch)")
                    else:
                        text = _("after {steps} steps the loss has moved only {share} of its "
                                 "starting value: the steps are too small or too few (raise "
                                 "the learning rate, or take smaller batches for more steps "
                                 "per epoch)")
                    parts.append(flag(text.format(steps=h_t.steps, share=f"{progress:.0%}"),
                                      False))
        if r.agree:
            parts.append(flag(_("sgdlab and torch agree to {diff} at every step (tolerance "
                                "{tol})").format(diff=f"{r.max_diff:.0e}",
                                                 tol=f"{TOLERANCE:.0e}"), True))
        else:
            parts.append(flag(_("sgdlab and torch differ: largest relative gap {diff}").format(
                diff=f"{r.max_diff:.1e}"), False))
        return "; ".join(parts)
