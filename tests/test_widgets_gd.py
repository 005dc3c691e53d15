"""LearningRateExplorer driven through its real slider, position by position."""

import math
import warnings

import numpy as np
import pytest
from matplotlib.colors import to_hex

from sgdlab.data import make_linear_regression
from sgdlab.losses import LeastSquares
from sgdlab.objectives import Quadratic
from sgdlab.theory import gd_best_step, gd_stability_threshold
from sgdlab.widgets.gd import LearningRateExplorer


def slider_positions(slider) -> np.ndarray:
    """Every value a FloatLogSlider can take, from its own min, max, step and base."""
    count = round((slider.max - slider.min) / slider.step) + 1
    return slider.base ** (slider.min + slider.step * np.arange(count))


def eigen_L_mu(problem) -> tuple[float, float]:
    """The largest and smallest Hessian eigenvalues, computed here, not by the explorer."""
    ev = np.linalg.eigvalsh(problem.hessian(np.zeros(2)))
    return float(ev[-1]), float(ev[0])


@pytest.fixture(scope="module")
def explorer():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return LearningRateExplorer()


def test_every_slider_position_draws_and_diverges_exactly_above_2_over_L(explorer):
    slider = explorer.controls["lr"]
    values = slider_positions(slider)
    assert len(values) >= 20, "the slider should offer a real range of learning rates"
    L, mu = eigen_L_mu(explorer.problem)
    threshold = 2.0 / L
    assert values[0] < 0.01 * threshold and values[-1] > 1.5 * threshold, \
        "the range should go from far too small to clearly unstable"

    previous = explorer.image.value
    seen = {True: 0, False: 0}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for lr in values:
            slider.value = float(lr)
            assert explorer.error is None, f"lr={lr:.4g}: {explorer.error!r}"
            image = explorer.image.value
            assert image[:8] == b"\x89PNG\r\n\x1a\n"
            assert image != previous, f"the picture did not change when lr became {lr:.4g}"
            previous = image
            h = explorer.result
            assert math.isclose(h.lr[0], lr, rel_tol=1e-12)
            assert h.diverged == (lr > threshold), (
                f"lr={lr:.4g} (= {lr / threshold:.3f} x 2/L): diverged={h.diverged}")
            status = explorer.status.value
            assert ("diverged" in status) == h.diverged
            color = to_hex(explorer.path_line.get_color())
            assert (color == "#b00020") == h.diverged, "diverged runs are drawn in red"
            assert np.allclose(explorer.lr_marker.get_xdata(), [lr]), "marker at the current lr"
            seen[h.diverged] += 1
    assert seen[True] >= 2 and seen[False] >= 10, seen


def test_no_position_within_3_percent_of_threshold(explorer):
    L, _ = eigen_L_mu(explorer.problem)
    values = slider_positions(explorer.controls["lr"])
    distance = np.min(np.abs(np.log(values / (2.0 / L))))
    assert distance > math.log(1.03), f"a slider position is within {distance:.3%} of 2/L"


def test_first_position_above_threshold_is_flagged_with_room_to_spare(explorer):
    L, _ = eigen_L_mu(explorer.problem)
    values = slider_positions(explorer.controls["lr"])
    just_above = values[values > 2.0 / L][0]
    explorer.set(lr=float(just_above))
    h = explorer.result
    assert h.diverged and h.diverged_at < 0.75 * explorer.steps, (
        f"lr just above 2/L was flagged at step {h.diverged_at} of {explorer.steps}")


def test_threshold_and_best_step_markers_are_where_theory_says(explorer):
    L, mu = eigen_L_mu(explorer.problem)
    assert math.isclose(L, 1.0) and math.isclose(L / mu, 20.0)
    xs = explorer.threshold_line.get_xdata()
    assert np.allclose(xs, 2.0 / L) and np.allclose(xs, gd_stability_threshold(L))
    assert math.isclose(explorer.best_lr, gd_best_step(L, mu))
    best_lines = [line for line in explorer.ax_lr.get_lines()
                  if np.allclose(line.get_xdata(), 2.0 / (L + mu))]
    assert len(best_lines) == 1, "one line marks the best step 2/(L+mu)"
    lo, hi = explorer.ax_lr.get_xlim()
    assert explorer.ax_lr.get_xscale() == "log" and lo < 2.0 / L < hi


def test_grid_adapts_to_another_problem():
    """A two-weight least-squares problem with a different L: the grid is rebuilt
    around its own 2/L, and the positions on either side behave as theory says."""
    data = make_linear_regression(50, 2, rng=np.random.default_rng(1))
    problem = LeastSquares(data.X * [3.0, 0.5], data.y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        explorer = LearningRateExplorer(problem, steps=80)
        L, _ = eigen_L_mu(problem)
        values = slider_positions(explorer.controls["lr"])
        below = values[values < 2.0 / L][-1]
        above = values[values > 2.0 / L][0]
        assert np.allclose(explorer.threshold_line.get_xdata(), 2.0 / L)
        explorer.set(lr=float(below))
        assert explorer.error is None and not explorer.result.diverged
        explorer.set(lr=float(above))
        assert explorer.error is None and explorer.result.diverged


@pytest.mark.parametrize("kwargs, name", [
    ({"steps": 0}, "steps"),
    ({"lr_step": 0.0}, "lr_step"),
    ({"lr_step": 2.0}, "lr_step"),
    ({"below": 0}, "below"),
    ({"w0": [1.0, 2.0, 3.0]}, "w0"),
    ({"lr": -1.0}, "lr"),
    ({"problem": LeastSquares(np.eye(3), np.ones(3))}, "problem"),
    ({"problem": Quadratic(), "divergence_factor": 0.0}, "divergence_factor"),
])
def test_bad_arguments_name_themselves(kwargs, name):
    with pytest.raises(ValueError, match=name):
        LearningRateExplorer(**kwargs)


def test_verdict_names_the_true_reason_at_every_position(explorer):
    """Both ends: the smallest lr is too small for the flat direction, the largest
    diverges. In between, wherever the verdict blames steps that are too small, a 5 %
    larger lr ends lower; wherever it blames steps too large for the steep direction, a
    5 % smaller one ends lower."""
    slider = explorer.controls["lr"]
    values = slider_positions(slider)

    def gap(lr):
        h = explorer.compute(lr=float(lr))
        return np.inf if h.diverged else h.full_loss[-1] - explorer.f_star

    seen = set()
    for i, lr in enumerate(values):
        slider.value = float(lr)
        status = explorer.status.value
        if "too small for the flat direction" in status:
            seen.add("small")
            assert gap(1.05 * lr) < gap(lr), lr
        elif "too large for the steep direction" in status:
            seen.add("large")
            assert gap(lr / 1.05) < gap(lr), lr
        if i == 0:
            assert "too small for the flat direction" in status
        if i == len(values) - 1:
            assert "diverged" in status and "above 2/L" in status
    assert "small" in seen
