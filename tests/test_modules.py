"""Data sets, schedules, minibatches and plots."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from sgdlab import batches, data, plots, schedules
from sgdlab.losses import LeastSquares
from sgdlab.objectives import DoubleWell, Quadratic
from sgdlab.train import run


def test_linear_regression_data_recovers_true_weights():
    d = data.make_linear_regression(5000, 3, noise=0.1, rng=np.random.default_rng(0))
    w = LeastSquares(d.X, d.y).solve()
    np.testing.assert_allclose(w, d.w_true, atol=0.01)
    resid = d.y - d.X @ d.w_true
    assert resid.std() == pytest.approx(0.1, rel=0.05)


def test_classification_data_is_balanced_and_separable():
    d = data.make_classification(400, 2, separation=6.0, rng=np.random.default_rng(0))
    assert d.y.mean() == 0.5
    score = d.X @ d.w_true
    assert np.mean((score > 0) == (d.y == 1)) > 0.97


@pytest.mark.parametrize("loader,n,dim", [(data.load_diabetes, 442, 10),
                                           (data.load_breast_cancer, 569, 30)])
def test_real_data_is_standardised_and_split_with_a_seed(loader, n, dim):
    s = loader(seed=3)
    assert s.X_train.shape[1] == dim and len(s.feature_names) == dim
    assert s.X_train.shape[0] + s.X_test.shape[0] == n
    np.testing.assert_allclose(s.X_train.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(s.X_train.std(axis=0), 1, atol=1e-12)
    again, other = loader(seed=3), loader(seed=4)
    np.testing.assert_array_equal(s.X_train, again.X_train)
    assert not np.array_equal(s.X_train, other.X_train)


def test_bias_column():
    X = data.add_bias_column(np.zeros((3, 2)))
    np.testing.assert_array_equal(X[:, -1], 1.0)


def test_schedules():
    assert schedules.constant(0.3)(1000) == 0.3
    assert schedules.step_decay(1.0, drop=0.5, every=10)(25) == 0.25
    assert schedules.inverse_time(1.0, decay=1.0)(3) == 0.25
    assert schedules.exponential(1.0, gamma=0.5)(3) == 0.125
    cos = schedules.cosine(1.0, total_steps=10, lr_min=0.1)
    assert cos(0) == 1.0 and cos(5) == pytest.approx(0.55) and cos(10) == cos(99) == 0.1
    assert schedules.make("step", 1.0, every=2)(2) == 0.5


def test_inverse_time_meets_robbins_monro_numerically():
    s = schedules.inverse_time(1.0, decay=1.0)
    lrs = np.array([s(t) for t in range(100_000)])
    assert lrs.sum() > 10  # harmonic series: grows without bound (log t)
    assert (lrs**2).sum() < np.pi**2 / 6 + 1e-9  # converges


def test_epoch_batches_keep_the_last_partial_batch():
    b = batches.epoch_batches(10, 4, rng=np.random.default_rng(0))
    assert [len(x) for x in b] == [4, 4, 2]
    assert sorted(np.concatenate(b)) == list(range(10))
    plain = batches.epoch_batches(10, 4, rng=np.random.default_rng(0), shuffle=False)
    np.testing.assert_array_equal(plain[2], [8, 9])


def test_plots_take_an_axis_and_return_it():
    q = Quadratic(10, angle=0.5)
    h = run(q, [1.5, 1.0], lr=0.5, steps=20)
    bad = run(q, [1.5, 1.0], lr=2.5, steps=200)
    fig, axes = plt.subplots(1, 3)
    assert plots.contour(q, ax=axes[0]) is axes[0]
    assert plots.path(h, ax=axes[0], label="GD") is axes[0]
    assert plots.path(bad, ax=axes[0], label="too big") is axes[0]
    assert axes[0].get_xlim() == q.default_view()[0], "a diverged path must not rescale"
    assert plots.loss_curve({"ok": h, "bad": bad}, ax=axes[1]) is axes[1]
    labels = [t.get_text() for t in axes[1].get_legend().get_texts()]
    assert labels == ["ok", "bad (diverged)"]
    assert axes[1].get_yscale() == "log"
    dw = DoubleWell()
    assert plots.contour(dw, ax=axes[2]) is axes[2]
    markers = [line for line in axes[2].get_lines() if line.get_marker() in ("*", "x")]
    assert len(markers) == 3  # two minima and a saddle
    plt.close(fig)


def test_loss_curve_x_axes():
    d = data.make_linear_regression(50, 2, rng=np.random.default_rng(1))
    h = run(LeastSquares(d.X, d.y), np.zeros(2), lr=0.1, epochs=2, batch_size=10, rng=0)
    fig, ax = plt.subplots()
    for x in ("step", "epoch", "samples", "time"):
        ax.clear()
        plots.loss_curve(h, x=x, ax=ax)
        assert ax.get_lines()[0].get_xdata()[-1] == pytest.approx(h.x_axis(x)[-1])
    plt.close(fig)
