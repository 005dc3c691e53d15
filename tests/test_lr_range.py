"""The learning-rate range test: its ramp, where it stops, and that its suggestion is a
rate that trains well, checked against gradient descent's stability limit 2/L."""

import math

import numpy as np
import pytest

from sgdlab import data, losses, theory
from sgdlab.lr_range import exponential_ramp, lr_range_test
from sgdlab.objectives import Quadratic
from sgdlab.train import run


@pytest.fixture(scope="module")
def problem():
    ds = data.make_linear_regression(500, 5, noise=1.0, rng=np.random.default_rng(0))
    return losses.LeastSquares(ds.X, ds.y)


def test_ramp_is_geometric_from_lr_min_to_lr_max():
    ramp = exponential_ramp(1e-3, 10.0, 41)
    rates = np.array([ramp(t) for t in range(41)])
    assert rates[0] == pytest.approx(1e-3) and rates[-1] == pytest.approx(10.0)
    assert np.allclose(rates[1:] / rates[:-1], 10 ** 0.1)


def test_full_batch_lowest_loss_is_just_below_the_stability_limit(problem):
    limit = theory.gd_stability_threshold(problem.hessian_eigenvalues()[-1])
    test = lr_range_test(problem, np.zeros(5), lr_min=1e-4, lr_max=10.0, steps=200)
    assert test.stopped_at is not None, "beyond 2/L gradient descent must blow up"
    assert test.lrs[test.stopped_at] > limit
    assert 0.3 * limit < test.lr_at_min <= limit
    assert test.suggestion == pytest.approx(0.1 * test.lr_at_min)
    # the loss is recorded after each step: it is the full loss of the run
    h = test.history
    assert np.allclose(test.loss[: test.stopped_at], h.full_loss[1: test.stopped_at + 1])
    assert np.allclose(test.lrs, h.lr[: test.lrs.size])


def test_stop_rule_is_blowup_times_the_best_so_far(problem):
    test = lr_range_test(problem, np.zeros(5), steps=200, blowup=2.0)
    assert test.stopped_at is not None
    k = test.stopped_at
    best = np.minimum.accumulate(test.loss)
    assert test.loss[k] > 2.0 * best[k - 1] and np.all(test.loss[:k] <= 2.0 * best[:k])
    assert test.lrs.size == k + 1


def test_minibatch_suggestion_trains_well(problem):
    test = lr_range_test(problem, np.zeros(5), batch_size=10, rng=1, steps=200)
    assert test.stopped_at is not None
    f_star = problem.loss(problem.solve())
    h = run(problem, np.zeros(5), test.suggestion, steps=2000, batch_size=10, rng=2,
            full_loss_every=100)
    assert not h.diverged and h.full_loss[-1] - f_star < 1e-2 * (h.full_loss[0] - f_star)
    wild = run(problem, np.zeros(5), 30 * test.lr_at_min, steps=2000, batch_size=10, rng=2)
    assert wild.diverged, "well past the range test's minimum the run should blow up"


def test_never_blows_up_on_a_tiny_range():
    test = lr_range_test(Quadratic(condition=4.0), np.array([1.0, 1.0]), lr_min=1e-4,
                         lr_max=1e-2, steps=50)
    assert test.stopped_at is None and test.lrs.size == 50
    assert test.lr_at_min == pytest.approx(1e-2)


def test_overflowing_run_is_stopped_and_reported():
    test = lr_range_test(Quadratic(condition=4.0), np.array([1.0, 1.0]), lr_min=1.0,
                         lr_max=1e6, steps=300)
    assert test.stopped_at is not None and test.lrs[test.stopped_at] > 2.0 / 1.0
    assert math.isfinite(test.lr_at_min)


@pytest.mark.parametrize("kwargs,words", [
    (dict(lr_min=1.0, lr_max=0.5), ["lr_max", "> lr_min"]),
    (dict(steps=1), ["steps", ">= 2"]),
    (dict(blowup=1.0), ["blowup", "> 1"]),
    (dict(fraction=0.0), ["fraction", "(0, 1]"]),
])
def test_bad_inputs(problem, kwargs, words):
    with pytest.raises(ValueError) as info:
        lr_range_test(problem, np.zeros(5), **kwargs)
    assert all(w in str(info.value) for w in words), str(info.value)
