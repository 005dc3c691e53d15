"""Non-convex test functions (gradients against finite differences, stationary points),
the escape-time formula, and the digits helpers (shapes, counts; no accuracy claims)."""

import math

import numpy as np
import pytest
import torch

from sgdlab.deep import fit, load_digits_tensors, mlp, n_parameters, small_cnn
from sgdlab.nonconvex import NoisySaddle, TanhUnit, gd_escape_steps
from sgdlab.train import run


def numeric_grad(f, w, h=1e-6):
    return np.array([(f(w + h * e) - f(w - h * e)) / (2 * h) for e in np.eye(len(w))])


@pytest.mark.parametrize("make", [lambda: NoisySaddle(16, 0.7, rng=np.random.default_rng(1)),
                                  TanhUnit], ids=["saddle", "tanh"])
def test_gradients_match_finite_differences(make):
    p = make()
    for w in np.random.default_rng(0).normal(size=(5, 2)):
        np.testing.assert_allclose(p.grad(w), numeric_grad(lambda z: float(p.value(z)), w),
                                   rtol=1e-6, atol=1e-8)


def test_saddle_minibatch_gradients_average_to_the_full_one():
    p = NoisySaddle(12, 1.5, rng=np.random.default_rng(2))
    w = np.array([0.3, -0.4])
    per_example = np.array([p.grad(w, np.array([i])) for i in range(12)])
    np.testing.assert_allclose(per_example.mean(axis=0), p.grad(w), atol=1e-12)
    np.testing.assert_allclose(per_example.std(axis=0), 1.5, rtol=1e-12)
    for i in range(12):
        rows = np.array([i])
        np.testing.assert_allclose(p.grad(w, rows),
                                   numeric_grad(lambda z, rows=rows: p.loss(z, rows), w),
                                   rtol=1e-6, atol=1e-8)


def test_stationary_points_are_what_they_claim():
    s = NoisySaddle(8, 1.0, rng=np.random.default_rng(0))
    net = TanhUnit()
    for p in (s, net):
        for m in p.minimizers():
            assert np.linalg.norm(p.grad(m)) < 1e-12
            assert np.all(np.linalg.eigvalsh(p.hessian(m)) > 0)
        for z in p.saddles():
            assert np.linalg.norm(p.grad(z)) < 1e-12
            lam = np.linalg.eigvalsh(p.hessian(z))
            assert lam[0] < 0 < lam[-1]
    assert net.loss(np.array([0.7, -0.3])) == pytest.approx(net.loss(np.array([-0.7, 0.3])),
                                                            rel=1e-14)


def test_escape_steps_is_the_smallest_k():
    for lr, c, y0, r in [(0.1, -1, 1e-8, 0.5), (1.0, -1, 1.0, 8.0), (0.3, -2, 0.4, 0.2)]:
        k = gd_escape_steps(lr, c, y0, r)
        g = 1 + lr * abs(c)
        assert y0 * g**k >= r and (k == 0 or y0 * g ** (k - 1) < r)
    assert gd_escape_steps(1.0, -1.0, 1.0, 8.0) == 3


def test_gd_escape_matches_the_linear_count_within_ten_percent():
    s = NoisySaddle(8, 1.0, rng=np.random.default_rng(0))
    h = run(s, np.array([1.2, 1e-8]), 0.1, steps=300)
    measured = int(np.argmax(np.abs(h.params[:, 1]) > 0.5))
    predicted = gd_escape_steps(0.1, -1.0, 1e-8, 0.5)
    assert predicted <= measured <= 1.1 * predicted


@pytest.mark.parametrize("call,match", [
    (lambda: gd_escape_steps(0.1, 1.0, 1e-3, 1.0), "curvature"),
    (lambda: gd_escape_steps(0.0, -1.0, 1e-3, 1.0), "lr"),
    (lambda: gd_escape_steps(0.1, -1.0, 0.0, 1.0), "offset"),
    (lambda: NoisySaddle(1, 1.0, rng=np.random.default_rng(0)), "n"),
    (lambda: NoisySaddle(4, -1.0, rng=np.random.default_rng(0)), "noise"),
    (lambda: TanhUnit(np.zeros(3)), "x"),
    (lambda: load_digits_tensors(5), "n_train"),
])
def test_bad_arguments_are_named(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_digits_split_models_and_fit_counts():
    split = load_digits_tensors(200, seed=3)
    assert split.X_train.shape == (200, 1, 8, 8) and split.X_val.shape == (1597, 1, 8, 8)
    assert float(split.X_train.max()) <= 1.0
    assert n_parameters(mlp(32)) == 64 * 32 + 32 + 32 * 10 + 10
    assert n_parameters(small_cnn(8)) == (8 * 9 + 8) + (16 * 8 * 9 + 16) + (64 * 10 + 10)
    a, b = mlp(16, seed=5), mlp(16, seed=5)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))
    h = fit(a, torch.optim.SGD(a.parameters(), lr=0.1), split, epochs=2, batch_size=64)
    assert h.steps == 2 * 4 and len(h.train_loss) == 3 and not h.diverged
    assert h.lr == [0.1, 0.1, 0.1]


def test_escape_steps_neither_overflow_nor_loop_on_extreme_inputs():
    """A tiny offset, a huge radius or a huge step: counted in logs, no OverflowError."""
    assert gd_escape_steps(1e300, -1e300, 1e-300, 1e300) == 1
    k = gd_escape_steps(1e-3, -1e-3, 5e-324, 1e308)
    exact = (math.log(1e308) - math.log(5e-324)) / math.log1p(1e-6)  # about 1.45e9
    assert abs(k - exact) <= 1
    with pytest.raises(ValueError, match="curvature"):
        gd_escape_steps(1e-300, -1e-300, 0.1, 1.0)  # 1e-600 underflows to 0: never leaves
    with pytest.raises(TypeError, match="curvature"):
        gd_escape_steps(0.1, "-1", 0.1, 1.0)


def test_noisy_saddle_minibatch_offset_follows_its_rows_and_offsets():
    """The mean offset of a minibatch is kept between the gradient and the loss of one
    step; it must follow a new set of offsets and a changed index array, and the offsets
    cannot be changed in place behind its back."""
    problem = NoisySaddle(8, 1.0, rng=np.random.default_rng(0))
    w = np.array([0.3, -0.2])
    idx = np.array([0, 3, 5])

    def expected(offsets, rows):
        a, b = offsets[rows].mean(axis=0)
        return problem._full_grad(w) + np.array([-a, b])

    np.testing.assert_array_equal(problem.grad(w, idx), expected(problem.offsets, idx))
    problem.offsets = problem.offsets * 3.0  # a new array: a new shift
    np.testing.assert_array_equal(problem.grad(w, idx), expected(problem.offsets, idx))
    idx[1] = 4  # the same array object, other rows
    np.testing.assert_array_equal(problem.grad(w, idx), expected(problem.offsets, idx))
    assert problem.loss(w, idx) == pytest.approx(
        float(problem.value(w) + w @ (expected(problem.offsets, idx) - problem._full_grad(w))))
    with pytest.raises(ValueError):
        problem.offsets[0, 0] = 1.0  # read-only
    with pytest.raises(ValueError, match="offsets"):
        problem.offsets = np.zeros((3, 3))
