"""What sgdlab.theory predicts, checked by simulation."""

import numpy as np
import pytest

from sgdlab import theory
from sgdlab.data import make_linear_regression
from sgdlab.losses import LeastSquares
from sgdlab.objectives import Quadratic
from sgdlab.train import run


@pytest.mark.parametrize("condition,L", [(10, 1.0), (100, 3.0), (1, 0.5)])
def test_gd_converges_just_below_2_over_L_and_diverges_just_above(condition, L):
    q = Quadratic(condition, L=L, angle=0.3)
    threshold = theory.gd_stability_threshold(L)
    below = run(q, [1.0, 1.0], lr=0.98 * threshold, steps=3000)
    above = run(q, [1.0, 1.0], lr=1.02 * threshold, steps=3000)
    assert not below.diverged and below.full_loss[-1] < below.full_loss[0] * 1e-3
    assert above.diverged


def test_measured_gd_rate_matches_theory():
    q = Quadratic(20, angle=0.7)
    lr = theory.gd_best_step(q.L, q.mu)
    h = run(q, [1.0, -0.5], lr=lr, steps=60)
    dist = np.linalg.norm(h.params - q.center, axis=1)
    measured = (dist[-1] / dist[20]) ** (1 / 40)
    assert measured == pytest.approx(theory.gd_best_rate(q.L, q.mu), rel=1e-6)
    # a step off the optimum is slower, as the rate formula says
    assert theory.gd_rate(0.5 * lr, q.L, q.mu) > theory.gd_best_rate(q.L, q.mu)


def _empirical_rate(q, lr, beta, steps=400):
    """Per-step contraction over the second half of the run. At the best parameters the
    iteration matrix has a double eigenvalue, so the distance falls like t * rate^t:
    measuring late, between steps/2 and steps, keeps the t factor from biasing it."""
    h = run(q, [1.0, 1.0], lr=lr, steps=steps, momentum=beta)
    if h.diverged:
        return np.inf
    dist = np.linalg.norm(h.params - q.center, axis=1)
    return (dist[steps] / dist[steps // 2]) ** (2 / steps)


def test_best_heavy_ball_beats_a_grid_and_gd():
    q = Quadratic(50, angle=0.4)
    lr_star, beta_star = theory.heavy_ball_best(q.L, q.mu)
    best = _empirical_rate(q, lr_star, beta_star)
    assert best == pytest.approx(theory.heavy_ball_best_rate(q.L, q.mu), abs=0.02)
    grid = [(lr, b) for lr in lr_star * np.array([0.3, 0.5, 0.7, 1.3, 1.6])
            for b in [0.0, 0.3, 0.6, 0.8, 0.9, 0.95]]
    worse = [_empirical_rate(q, lr, b) for lr, b in grid]
    assert all(best <= r + 1e-3 for r in worse)
    assert best < theory.gd_best_rate(q.L, q.mu)


def test_heavy_ball_rate_formula_agrees_with_best():
    q = Quadratic(30)
    lr, beta = theory.heavy_ball_best(q.L, q.mu)
    rate = theory.heavy_ball_rate(lr, beta, [q.mu, q.L])
    assert rate == pytest.approx(theory.heavy_ball_best_rate(q.L, q.mu), rel=1e-4)


@pytest.mark.parametrize("replacement", [True, False])
@pytest.mark.parametrize("B", [1, 5, 25, 60])
def test_minibatch_variance_matches_simulation(replacement, B):
    rng = np.random.default_rng(11)
    data = make_linear_regression(80, 3, noise=1.0, rng=rng)
    p = LeastSquares(data.X, data.y)
    w = np.array([0.5, -1.0, 2.0])
    G = p.per_example_grads(w)
    full = G.mean(axis=0)
    draws = 4000
    if replacement:
        idx = rng.integers(0, 80, size=(draws, B))
    else:
        idx = np.argsort(rng.random((draws, 80)), axis=1)[:, :B]
    errors = np.sum((G[idx].mean(axis=1) - full) ** 2, axis=1)
    predicted = theory.minibatch_variance(theory.gradient_noise(G), B, 80,
                                          replacement=replacement)
    # the mean of `draws` squared errors has standard error std/sqrt(draws)
    se = errors.std(ddof=1) / np.sqrt(draws)
    assert abs(errors.mean() - predicted) < 5 * se


def test_minibatch_variance_without_replacement_vanishes_at_full_batch():
    assert theory.minibatch_variance(3.0, 10, 10, replacement=False) == 0.0
    assert theory.minibatch_variance(3.0, 10, 10, replacement=True) == pytest.approx(0.3)


def test_momentum_window_is_the_sum_of_ema_weights():
    for beta in (0.5, 0.9, 0.99):
        weights = beta ** np.arange(10_000)
        assert weights.sum() == pytest.approx(theory.momentum_window(beta), rel=1e-9)
