"""Every problem's gradient against a central finite difference, at random points."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sgdlab.data import make_classification, make_linear_regression
from sgdlab.losses import LeastSquares, LogisticRegression
from sgdlab.objectives import DoubleWell, Quadratic, Rosenbrock

coords = st.floats(-2.0, 2.0, allow_nan=False)
point2 = arrays(np.float64, 2, elements=coords)


def numerical_grad(f, w, h=1e-6):
    g = np.zeros_like(w)
    for i in range(w.size):
        e = np.zeros_like(w)
        e[i] = h
        g[i] = (f(w + e) - f(w - e)) / (2 * h)
    return g


def numerical_hessian(grad, w, h=1e-6):
    cols = []
    for i in range(w.size):
        e = np.zeros_like(w)
        e[i] = h
        cols.append((grad(w + e) - grad(w - e)) / (2 * h))
    return np.stack(cols, axis=1)


OBJECTIVES = [Quadratic(10, angle=0.4, center=(0.5, -0.3)), Rosenbrock(), DoubleWell(0.3)]


@pytest.mark.parametrize("f", OBJECTIVES, ids=lambda f: f.name)
@settings(max_examples=40, deadline=None)
@given(w=point2)
def test_objective_gradient_and_hessian(f, w):
    scale = 1 + np.abs(f.grad(w)).max()
    np.testing.assert_allclose(f.grad(w), numerical_grad(f.value, w), atol=1e-5 * scale)
    H = f.hessian(w)
    np.testing.assert_allclose(H, numerical_hessian(f.grad, w),
                               atol=1e-4 * (1 + np.abs(H).max()))


@pytest.mark.parametrize("f", OBJECTIVES, ids=lambda f: f.name)
def test_minimizers_are_stationary_with_positive_curvature(f):
    for m in f.minimizers():
        np.testing.assert_allclose(f.grad(m), 0, atol=1e-9)
        assert np.all(f.hessian_eigenvalues(m) > 0)
    for s in f.saddles():
        np.testing.assert_allclose(f.grad(s), 0, atol=1e-9)
        ev = f.hessian_eigenvalues(s)
        assert ev[0] < 0 < ev[1]


def test_objectives_vectorise_over_a_grid():
    grid = np.random.default_rng(0).uniform(-2, 2, size=(7, 5, 2))
    for f in OBJECTIVES:
        vals, grads = f.value(grid), f.grad(grid)
        assert vals.shape == (7, 5) and grads.shape == (7, 5, 2)
        assert vals[3, 2] == pytest.approx(float(f.value(grid[3, 2])))
        np.testing.assert_allclose(grads[3, 2], f.grad(grid[3, 2]))


def test_quadratic_eigenvalues_and_double_well_order():
    q = Quadratic(25, L=2.0, angle=1.0)
    np.testing.assert_allclose(q.hessian_eigenvalues(), [2.0 / 25, 2.0])
    dw = DoubleWell(0.3)
    low, high = dw.minimizers()
    assert dw.value(low) < dw.value(high) and low[0] < 0 < high[0]


def _problems(seed):
    rng = np.random.default_rng(seed)
    reg = make_linear_regression(30, 4, rng=rng)
    cls = make_classification(30, 4, rng=rng)
    return [LeastSquares(reg.X, reg.y), LogisticRegression(cls.X, cls.y),
            LogisticRegression(cls.X, cls.y, alpha=0.1)]


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), w=arrays(np.float64, 4, elements=coords),
       batch=st.lists(st.integers(0, 29), min_size=1, max_size=10))
def test_data_problem_gradients(seed, w, batch):
    idx = np.array(batch)
    for p in _problems(seed):
        for rows in (None, idx):
            np.testing.assert_allclose(p.grad(w, rows),
                                       numerical_grad(lambda v, r=rows, q=p: q.loss(v, r), w),
                                       atol=1e-6)
        # the minibatch gradient is the mean of the per-example gradients of its rows
        np.testing.assert_allclose(p.per_example_grads(w, idx).mean(axis=0), p.grad(w, idx),
                                   atol=1e-12)
        np.testing.assert_allclose(p.per_example_grads(w).mean(axis=0), p.grad(w), atol=1e-12)


def test_least_squares_value_matches_loss_on_a_grid():
    p = _problems(0)[0]
    W = np.random.default_rng(1).standard_normal((6, 4))
    np.testing.assert_allclose(p.value(W), [p.loss(w) for w in W], rtol=1e-10)


def test_logistic_loss_is_stable_for_large_logits():
    p = LogisticRegression(np.array([[1000.0], [-1000.0]]), np.array([0.0, 1.0]))
    assert np.isfinite(p.loss(np.array([1.0]))) and p.loss(np.array([1.0])) == pytest.approx(1000)
    assert np.all(np.isfinite(p.grad(np.array([1.0]))))
