"""MinibatchExplorer (notebook 03), driven through its real slider objects."""

import warnings

import numpy as np
import pytest

from sgdlab.data import make_linear_regression
from sgdlab.losses import LeastSquares
from sgdlab.train import run
from sgdlab.widgets.minibatch import MinibatchExplorer, batch_size_options


def lr_positions(slider) -> list[float]:
    """Every value of a FloatLogSlider, both ends included."""
    exponents = np.arange(slider.min, slider.max + slider.step / 2, slider.step)
    return [float(slider.base ** e) for e in exponents]


@pytest.fixture(scope="module")
def explorer():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ex = MinibatchExplorer()
    assert ex.error is None, ex.error
    return ex


@pytest.fixture(scope="module")
def safe_lr(explorer):
    """Below ``2 / max_i |x_i|^2`` no minibatch step can amplify the error: the
    minibatch Hessian's largest eigenvalue is at most ``max_i |x_i|^2``, so
    ``|1 - lr * eigenvalue| <= 1`` in every direction, for every batch."""
    X = explorer.problem.X
    return 2 / float(np.max(np.sum(X**2, axis=1)))


def runs(result):
    return [result["run"], result["gd"], result["sgd"]]


def check(ex, safe_lr):
    """What must hold at every slider position."""
    result, lr, B = ex.result, ex.values["lr"], ex.values["batch_size"]
    n = ex.problem.n_samples
    assert ("Diverged" in ex.status.value) == result["run"].diverged
    assert ("above 2/L" in ex.status.value) == (lr > ex.lr_limit)
    if lr <= safe_lr:
        assert not any(h.diverged for h in runs(result)), f"lr={lr} is below the safe bound"
    if lr == ex.controls["lr"].max:
        # far above 2/L: GD multiplies the error along the steepest direction by
        # |1 - lr L| > 10 per step, and minibatch steps only add spread to that
        assert lr * ex.problem.hessian_eigenvalues()[-1] > 11
        assert all(h.diverged for h in runs(result)), f"lr={lr}, B={B} should diverge"
    for h in runs(result):
        assert h.samples_seen[-1] <= ex.epochs * n
        if not h.diverged:
            assert h.samples_seen[-1] == ex.epochs * n, "every run reads the same examples"
    # the measured gradient noise agrees with theory within 5 standard errors
    if B < n:
        assert abs(result["noise"] - result["noise_theory"]) < 5 * result["noise_se"]
    else:
        assert result["noise_theory"] == 0 and result["noise"] < 1e-20


def sweep(ex, name, values, safe_lr):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for value in values:
            before, old = ex.image.value, ex.controls[name].value
            ex.controls[name].value = value
            assert ex.error is None, f"{name}={value}: {ex.error!r}"
            if value != old:
                assert ex.image.value != before, f"{name}={value}: the picture did not change"
            check(ex, safe_lr)


def test_slider_ranges(explorer, safe_lr):
    n = explorer.problem.n_samples
    assert list(explorer.controls["batch_size"].options) == [1, 4, 16, 64, 256, n]
    lrs = lr_positions(explorer.controls["lr"])
    assert min(lrs) < safe_lr < explorer.lr_limit < max(lrs)


def test_lr_sweep_at_both_batch_size_extremes(explorer, safe_lr):
    options = explorer.controls["batch_size"].options
    for B in (options[0], options[-1]):
        explorer.set(batch_size=B)
        sweep(explorer, "lr", lr_positions(explorer.controls["lr"]), safe_lr)


def test_batch_size_sweep_at_both_lr_extremes(explorer, safe_lr):
    lr_slider = explorer.controls["lr"]
    for lr in (lr_slider.base ** lr_slider.min, lr_slider.base ** lr_slider.max):
        explorer.set(lr=lr)
        sweep(explorer, "batch_size", list(explorer.controls["batch_size"].options), safe_lr)


def test_noise_falls_with_batch_size(explorer):
    noise = [explorer.noise(B)[0] for B in explorer.controls["batch_size"].options]
    assert np.all(np.diff(noise) < 0), "a larger batch should give a less noisy gradient"


def test_full_batch_is_gradient_descent(explorer):
    """The B = n run the explorer shows is exactly full-batch gradient descent."""
    n = explorer.problem.n_samples
    explorer.set(batch_size=n, lr=0.1)
    shown = explorer.result["run"]
    gd = run(explorer.problem, explorer.w0, 0.1, epochs=explorer.epochs, record_params=False)
    assert np.array_equal(shown.final, gd.final)
    assert np.array_equal(shown.full_loss, gd.full_loss)


def test_small_batches_ahead_of_gd_per_example(explorer):
    """At lr = 0.1 every batch size below n has a lower loss than GD after one epoch
    (computed without drawing: ``compute`` is what a slider move runs)."""
    n = explorer.problem.n_samples

    def after_one_epoch(h):
        seen = h.x_axis("samples", h.full_loss_steps)
        return h.full_loss[np.searchsorted(seen, n, side="right") - 1]

    for B in explorer.controls["batch_size"].options[:-1]:
        result = explorer.compute(batch_size=B, lr=0.1)
        assert after_one_epoch(result["run"]) < after_one_epoch(result["gd"]), f"B={B}"


def test_bad_arguments():
    with pytest.raises(ValueError, match="epochs"):
        MinibatchExplorer(epochs=0)
    with pytest.raises(ValueError, match="seed"):
        MinibatchExplorer(seed=-1)
    with pytest.raises(ValueError, match="LeastSquares"):
        MinibatchExplorer(problem="diabetes")
    data = make_linear_regression(20, 3, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="w0"):
        MinibatchExplorer(LeastSquares(data.X, data.y), w0=[0.0, 0.0])


def test_batch_size_options():
    assert batch_size_options(332) == [1, 4, 16, 64, 256, 332]
    assert batch_size_options(64) == [1, 4, 16, 64]
    assert batch_size_options(1) == [1]
