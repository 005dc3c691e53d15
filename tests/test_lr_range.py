"""The learning-rate range test: its ramp, where it stops, and that its suggestion is a
rate that trains well, checked against the exact theory of gradient descent on a
quadratic and its stability limit 2/L.

The full-batch ramps here are short enough to leave far more than rounding error along
the top eigenvector (checked with ``left_along``), so every claim below holds on every
BLAS kernel and thread count: the measured curve is the exact one."""

import math

import numpy as np
import pytest

from sgdlab import data, losses, theory
from sgdlab.lr_range import exponential_ramp, full_batch_excess, left_along, lr_range_test
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


RAMP = dict(lr_min=1e-3, lr_max=100.0, steps=50)


def _exact(problem, lrs):
    lam, V = np.linalg.eigh(problem.hessian())
    return full_batch_excess(lam, V.T @ (np.zeros(5) - problem.solve()), lrs)


def test_full_batch_curve_is_the_exact_theory(problem):
    lam = problem.hessian_eigenvalues()
    test = lr_range_test(problem, np.zeros(5), **RAMP)
    assert left_along(lam[-1], test.lrs).min() > 1e-8, "the ramp must not erase the top direction"
    f_star = problem.loss(problem.solve())
    assert np.allclose(test.loss - f_star, _exact(problem, test.lrs), rtol=1e-6, atol=1e-12)


def test_full_batch_lowest_loss_is_past_the_stability_limit_and_unsafe(problem):
    lam = problem.hessian_eigenvalues()
    limit = theory.gd_stability_threshold(lam[-1])
    test = lr_range_test(problem, np.zeros(5), **RAMP)
    assert test.stopped_at is not None, "beyond 2/L gradient descent must blow up"
    assert test.lrs[test.stopped_at] > 3 * limit, "it blows up only well past 2/L"
    assert limit < test.lr_at_min < 2 / lam[0]
    assert run(problem, np.zeros(5), test.lr_at_min, steps=300).diverged
    assert test.suggestion == pytest.approx(0.1 * test.lr_at_min)
    assert not run(problem, np.zeros(5), test.suggestion, steps=300).diverged
    # the loss is recorded after each step: it is the full loss of the run
    h = test.history
    assert np.allclose(test.loss[: test.stopped_at], h.full_loss[1: test.stopped_at + 1])
    assert np.allclose(test.lrs, h.lr[: test.lrs.size])


def test_a_slow_ramp_erases_the_top_direction_below_rounding(problem):
    # the old default, 200 steps over five decades: in exact arithmetic it leaves
    # 1e-19 of the error along the top eigenvector, so its blow-up is set by rounding;
    # no claim about where that run blows up can be made
    lam = problem.hessian_eigenvalues()
    lrs = np.array([exponential_ramp(1e-4, 10.0, 200)(t) for t in range(200)])
    assert left_along(lam[-1], lrs).min() < 1e-16


def test_exact_theory_matches_a_hand_run():
    lam, coords = np.array([0.5, 2.0]), np.array([1.0, -3.0])
    lrs = np.array([0.1, 0.5, 1.2])
    w = coords.copy()
    expected = []
    for lr in lrs:
        w = w - lr * lam * w
        expected.append(0.5 * np.sum(lam * w**2))
    assert np.allclose(full_batch_excess(lam, coords, lrs), expected, rtol=1e-14)
    assert np.allclose(left_along(2.0, lrs), np.cumprod(np.abs(1 - 2.0 * lrs)), rtol=1e-14)
    # a rate of exactly 1 / lambda erases that direction without a warning
    assert full_batch_excess(lam, coords, np.array([0.5]))[0] == pytest.approx(0.5 * 0.5 * 0.75**2)
    with pytest.raises(ValueError, match="coords"):
        full_batch_excess(lam, np.ones(3), lrs)
    with pytest.raises(ValueError, match="eigenvalue"):
        left_along(-1.0, lrs)


def test_stop_rule_is_blowup_times_the_best_so_far(problem):
    test = lr_range_test(problem, np.zeros(5), blowup=2.0, **RAMP)
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


def test_exact_theory_has_no_nan_when_a_factor_is_zero_and_another_overflows():
    """A rate of exactly 1/lambda erases a direction for good (a factor 0); a later huge
    rate must not turn 0 * inf into NaN, and a flat direction (lambda = 0) adds nothing."""
    lrs = np.array([0.5, 1e300, 1e300])
    with np.errstate(all="raise"):  # the function handles its own overflow
        excess = full_batch_excess(np.array([2.0, 0.0]), np.array([1.0, 5.0]), lrs)
        left = left_along(2.0, lrs)
    np.testing.assert_array_equal(excess, [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(left, [0.0, 0.0, 0.0])
    assert full_batch_excess(np.array([2.0]), np.array([1.0]), np.array([1e300]))[0] == np.inf


@pytest.mark.parametrize("call,word", [
    (lambda: full_batch_excess([1.0, -1.0], [1.0, 1.0], [0.1]), "eigenvalues"),
    (lambda: full_batch_excess([1.0, 2.0], [1.0], [0.1]), "coords"),
    (lambda: full_batch_excess([1.0], [1.0], [0.1, np.nan]), "lrs"),
    (lambda: left_along(1.0, [[0.1]]), "lrs"),
    (lambda: left_along(1.0, [0.1, -0.1]), "lrs"),
])
def test_exact_theory_names_a_bad_argument(call, word):
    with pytest.raises(ValueError, match=word):
        call()
