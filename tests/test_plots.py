"""plots.loss_curve on a log axis when rounding makes gaps zero or negative, and its
running mean."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from sgdlab import plots  # noqa: E402
from sgdlab.objectives import Quadratic  # noqa: E402
from sgdlab.train import run  # noqa: E402


def converged_run():
    """GD that reaches its minimum to rounding: some gaps are exactly 0 or negative."""
    q = Quadratic(4)
    h = run(q, [1.0, 1.0], lr=0.4, steps=400)
    return q, h


def test_running_mean_is_trailing_mean():
    v = np.array([1.0, 3.0, 5.0, 7.0])
    np.testing.assert_allclose(plots.running_mean(v, 2), [1.0, 2.0, 4.0, 6.0])
    np.testing.assert_allclose(plots.running_mean(v, 1), v)
    np.testing.assert_allclose(plots.running_mean(v, 10), [1.0, 2.0, 3.0, 4.0])
    with pytest.raises(ValueError, match="window"):
        plots.running_mean(v, 0)


def test_gaps_at_or_below_zero_stay_on_a_log_axis_at_the_floor():
    q, h = converged_run()
    optimum = 1.0                      # shift: the same run, as if its minimum were 1
    shifted = type(h).__new__(type(h))
    shifted.__dict__.update(h.__dict__)
    shifted.full_loss = h.full_loss + optimum
    gaps = shifted.full_loss - optimum
    assert np.any(gaps <= 0), "the test needs gaps that rounding made zero or negative"
    fig, ax = plt.subplots()
    plots.loss_curve({"GD": shifted}, ax=ax, optimum=optimum)
    assert ax.get_yscale() == "log"
    floor = plots.rounding_floor(optimum, gaps)
    assert floor == pytest.approx(100 * np.finfo(float).eps)
    drawn = ax.get_lines()[0].get_ydata()
    assert np.all(drawn >= floor) and np.all(drawn > 0)
    np.testing.assert_array_equal(drawn[gaps > floor], gaps[gaps > floor])
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(text.startswith("floor") for text in labels), labels
    plt.close(fig)


def test_exact_zero_gaps_with_optimum_zero_sit_at_the_smallest_positive_gap():
    q = Quadratic(1)
    h = run(q, [1.0, 1.0], lr=1.0, steps=3)   # one step at lr = 1/L lands on the minimum
    assert h.full_loss[-1] == 0.0
    fig, ax = plt.subplots()
    plots.loss_curve(h, ax=ax, optimum=0.0)
    assert ax.get_yscale() == "log"
    drawn = ax.get_lines()[0].get_ydata()
    assert drawn.min() == h.full_loss[h.full_loss > 0].min()
    plt.close(fig)


def test_no_floor_line_when_nothing_is_clipped():
    q = Quadratic(4)
    h = run(q, [1.0, 1.0], lr=0.1, steps=20)
    fig, ax = plt.subplots()
    plots.loss_curve({"GD": h}, ax=ax, optimum=0.0)
    assert ax.get_yscale() == "log"
    assert len(ax.get_lines()) == 1
    plt.close(fig)


def test_negative_raw_losses_without_optimum_get_a_linear_axis():
    q, h = converged_run()
    shifted = type(h).__new__(type(h))
    shifted.__dict__.update(h.__dict__)
    shifted.full_loss = h.full_loss - 0.5
    fig, ax = plt.subplots()
    plots.loss_curve(shifted, ax=ax)
    assert ax.get_yscale() == "linear"
    plt.close(fig)


def test_window_draws_raw_and_mean():
    q = Quadratic(4)
    h = run(q, [1.0, 1.0], lr=0.1, steps=30)
    fig, ax = plt.subplots()
    plots.loss_curve({"GD": h}, ax=ax, optimum=0.0, window=5)
    raw, mean = ax.get_lines()[:2]
    np.testing.assert_allclose(mean.get_ydata(), plots.running_mean(raw.get_ydata(), 5))
    assert mean.get_label() == "GD (mean of last 5)"
    with pytest.raises(ValueError, match="floor"):
        plots.loss_curve(h, ax=ax, floor=-1.0)
    with pytest.raises(ValueError, match="window"):
        plots.loss_curve(h, ax=ax, window=0)
    plt.close(fig)
