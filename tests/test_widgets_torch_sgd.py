"""TorchSGDExplorer (notebook 05), driven through its real control objects."""

import warnings

import numpy as np
import pytest

from sgdlab.losses import LeastSquares
from sgdlab.widgets.torch_sgd import TOLERANCE, TorchSGDExplorer

LOGISTIC = "logistic regression, breast cancer"
LSQ = "least squares, diabetes"


def lr_positions(slider) -> list[float]:
    """Every value the log slider can take, both ends included."""
    exponents = np.arange(slider.min, slider.max + slider.step / 2, slider.step)
    return [float(slider.base**e) for e in exponents]


@pytest.fixture(scope="module")
def explorer():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ex = TorchSGDExplorer()
    assert ex.error is None, ex.error
    return ex


def check_agreement(ex):
    """Both frameworks ran the same steps and stayed within the tolerance; the status
    line says so, and flags a diverged run."""
    r = ex.result
    assert r.agree, f"{ex.values}: torch and sgdlab differ by {r.max_diff:.1e}"
    assert r.max_diff <= TOLERANCE
    assert r.numpy_run.steps == r.torch_run.steps
    assert r.numpy_run.diverged_at == r.torch_run.diverged_at
    assert "sgdlab and torch agree" in ex.status.value
    assert ("diverged at step" in ex.status.value) == r.numpy_run.diverged
    if not r.numpy_run.diverged:
        assert np.all(np.isfinite(r.torch_run.full_loss))
    rose = not r.numpy_run.diverged and r.torch_run.full_loss[-1] > r.torch_run.full_loss[0]
    assert ("ended higher than it started" in ex.status.value) == rose


def sweep(ex, name, values, check=check_agreement):
    """Move one control through ``values``; after each move the picture must have been
    redrawn without error or warning, and ``check`` must hold."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for value in values:
            before, old = ex.image.value, ex.controls[name].value
            ex.controls[name].value = value
            assert ex.error is None, f"{name}={value}: {ex.error!r}"
            if value != old:
                assert ex.image.value != before, f"{name}={value}: the picture did not change"
            check(ex)


def test_every_learning_rate_on_least_squares_full_batch(explorer):
    """Full-batch GD on a quadratic without momentum: it can only blow up above 2/L, and
    below 2/L its loss falls at every step. The largest rate must blow up."""
    explorer.set(task=LSQ, batch_size=0, momentum=0.0, nesterov=False)
    problem = explorer.tasks[LSQ].problem
    assert isinstance(problem, LeastSquares)
    threshold = 2 / problem.hessian_eigenvalues()[-1]
    lrs = lr_positions(explorer.controls["lr"])
    assert min(lrs) < threshold < max(lrs)
    seen_above = []

    def check(ex):
        check_agreement(ex)
        lr, h = ex.values["lr"], ex.result.numpy_run
        if lr < threshold:
            assert not h.diverged, f"lr={lr} is below 2/L = {threshold:.3f}"
            assert np.all(np.diff(h.full_loss) < 0), f"lr={lr}: GD below 2/L must go downhill"
        if h.diverged:
            assert lr > threshold
        seen_above.append(lr > threshold and "ended higher" in ex.status.value)

    sweep(explorer, "lr", lrs, check)
    assert explorer.result.numpy_run.diverged, "the largest learning rate should blow up"
    assert any(seen_above), "just above 2/L the loss should rise before it blows up"
    assert "diverged" in explorer.status.value


def test_every_learning_rate_with_minibatches(explorer):
    explorer.set(task=LOGISTIC, batch_size=32, momentum=0.9, nesterov=True)
    lrs = lr_positions(explorer.controls["lr"])
    assert len(lrs) % 2 == 1  # so that every other position includes both ends
    sweep(explorer, "lr", lrs[::2])  # the full-batch test above visits every position
    # the large rates, where least squares blows up, once more on the other problem
    explorer.set(task=LSQ)
    sweep(explorer, "lr", lr_positions(explorer.controls["lr"])[-2:])
    assert explorer.result.numpy_run.diverged, "the largest rate should blow up with momentum"


def test_every_batch_size_and_fewer_steps_for_larger_batches(explorer):
    """With a fixed budget of epochs, larger batches take fewer steps and, at a modest
    learning rate, end at a higher training loss."""
    explorer.set(task=LOGISTIC, lr=0.1, momentum=0.0, nesterov=False)
    sizes = [b for b in explorer.BATCH_SIZES if b] + [0]
    finals, steps = [], []

    def check(ex):
        check_agreement(ex)
        h = ex.result.numpy_run
        steps.append(h.steps)
        finals.append(h.full_loss[-1])

    sweep(explorer, "batch_size", sizes, check)
    n = explorer.tasks[LOGISTIC].problem.n_samples
    assert steps == [explorer.epochs * -(-n // b) for b in sizes[:-1]] + [explorer.epochs]
    assert np.all(np.diff(finals) > 0), f"final losses by batch size: {finals}"


def test_every_momentum_and_nesterov(explorer):
    explorer.set(task=LSQ, lr=0.1, batch_size=32, nesterov=False)
    sweep(explorer, "momentum", list(explorer.controls["momentum"].options))
    sweep(explorer, "nesterov", [True, False, True])


def test_nesterov_without_momentum_is_explained_not_raised(explorer):
    explorer.set(task=LOGISTIC, lr=0.1, batch_size=32, momentum=0.5, nesterov=True)

    def check(ex):
        check_agreement(ex)
        ignored = ex.values["nesterov"] and ex.values["momentum"] == 0
        assert ex.result.nesterov_ignored == ignored
        assert ("Nesterov needs momentum" in ex.status.value) == ignored

    sweep(explorer, "momentum", [0.0, 0.9], check)


def test_both_problems(explorer):
    explorer.set(lr=0.1, batch_size=16, momentum=0.0, nesterov=False)

    def check(ex):
        check_agreement(ex)
        word = "test accuracy" if ex.values["task"] == LOGISTIC else "test loss"
        assert word in ex.status.value

    sweep(explorer, "task", [LSQ, LOGISTIC, LSQ], check)
    explorer.set(task=LOGISTIC)
    assert explorer.result.test_score > 0.9, "logistic regression should classify the tumours"


def test_epochs_are_checked():
    for bad in (0, 21, 2.5, True):
        with pytest.raises(ValueError, match=r"epochs must be a whole number in \[1, 20\]"):
            TorchSGDExplorer(epochs=bad)
    with pytest.raises(ValueError, match="seed must be >= 0"):
        TorchSGDExplorer(seed=-1)


def test_verdicts_at_both_ends_of_the_learning_rate(explorer):
    """The smallest rate, full batch (four steps), barely moves either loss and the
    verdict says why; a good rate with minibatches gets no warning; the largest blows up
    (tested above). The 25% threshold sits far from both: the smallest rate moves the
    loss by a few percent of the way, the good one by more than 80%."""
    smallest = lr_positions(explorer.controls["lr"])[0]
    for task in (LSQ, LOGISTIC):
        explorer.set(task=task, lr=smallest, batch_size=0, momentum=0.0, nesterov=False)
        assert "too small or too few" in explorer.status.value, explorer.status.value
        assert "too large" not in explorer.status.value
        explorer.set(lr=0.1, batch_size=32)
        assert "too small" not in explorer.status.value, explorer.status.value
        assert "too large" not in explorer.status.value, explorer.status.value
        assert "agree" in explorer.status.value


def test_verdicts_at_both_ends_of_batch_size_and_momentum(explorer):
    """At a small rate, the full batch takes one step per epoch and the verdict blames
    too few steps; batches of one row take hundreds and get no such warning. Momentum
    at either end of its slider, with a good rate, draws no false warning."""
    explorer.set(task=LSQ, lr=0.01, momentum=0.0, nesterov=False, batch_size=0)
    assert "too small or too few" in explorer.status.value
    smallest_batch = min(b for b in explorer.BATCH_SIZES if b)
    explorer.set(batch_size=smallest_batch)
    assert "too small" not in explorer.status.value, explorer.status.value
    options = list(explorer.controls["momentum"].options)
    for momentum in (options[0], options[-1]):
        explorer.set(lr=0.01, batch_size=32, momentum=momentum)
        assert "too small" not in explorer.status.value, explorer.status.value
        assert "too large" not in explorer.status.value, explorer.status.value
