"""SGDExplorer (notebook 02), driven through its real slider objects."""

import warnings

import numpy as np
import pytest

from sgdlab.data import make_linear_regression
from sgdlab.losses import LeastSquares
from sgdlab.widgets.sgd import SGDExplorer, default_problem


def positions(slider) -> list:
    """Every value a slider can take, both ends included."""
    exponents = np.arange(slider.min, slider.max + slider.step / 2, slider.step)
    if hasattr(slider, "base"):
        return [float(slider.base ** e) for e in exponents]
    kind = int if isinstance(slider.value, int) else float
    return [kind(round(v, 10)) for v in exponents]


@pytest.fixture(scope="module")
def explorer():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ex = SGDExplorer()
    assert ex.error is None, ex.error
    return ex


@pytest.fixture(scope="module")
def bounds():
    """Learning rates below which no run can blow up and above which every run must.

    Below ``2 / max_i |x_i|^2`` every single-example step ``w -> w - lr x_i (x_i.w - y_i)``
    is a relaxed projection that cannot move the weights away from any point on the
    line ``x_i.w = y_i``: nothing can grow. Above ``2 / L`` the mean-square error grows,
    because ``E[(I - lr x x^T)^2] >= (I - lr H)^2`` and ``|1 - lr L| > 1``.
    """
    p = default_problem()
    safe = 2 / float(np.max(np.sum(p.X ** 2, axis=1)))
    unstable = 2 / float(p.hessian_eigenvalues()[-1])
    return safe, unstable


def sweep(ex, name, values, check):
    """Move one control through ``values``; after each move the picture must have been
    redrawn without error or warning, and ``check`` must hold."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for value in values:
            before, old = ex.image.value, ex.controls[name].value
            curve = np.array(ex.loss_line.get_data(), dtype=float)
            ex.controls[name].value = value
            assert ex.error is None, f"{name}={value}: {ex.error!r}"
            if value != old and ex.image.value == before:
                # the same picture is right only for runs that differ by less than a
                # pixel, e.g. two that blow up at once whatever the decay (a few % on a
                # log axis of many decades)
                now = np.array(ex.loss_line.get_data(), dtype=float)
                assert now.shape == curve.shape and np.allclose(now, curve, rtol=0.03), (
                    f"{name}={value}: the run changed but the picture did not")
            assert ex.status.value
            check(ex)


def check_flags(bounds):
    safe, unstable = bounds

    def check(ex):
        h, lr = ex.result, ex.values["lr"]
        assert ("Diverged" in ex.status.value) == h.diverged
        if lr <= safe:
            assert not h.diverged, f"lr={lr} is below the safe bound {safe:.3f}"
        if lr > unstable and ex.values["decay"] == 0:
            assert h.diverged, f"lr={lr} is above 2/L = {unstable:.3f}"
        if not h.diverged:
            assert np.all(np.isfinite(h.full_loss))
    return check


def test_bounds_cover_the_slider(explorer, bounds):
    lrs = positions(explorer.controls["lr"])
    safe, unstable = bounds
    assert min(lrs) < safe < unstable < max(lrs)


def test_lr_sweep_at_both_decay_extremes(explorer, bounds):
    for decay in (explorer.controls["decay"].min, explorer.controls["decay"].max):
        explorer.set(decay=decay, seed=0)
        sweep(explorer, "lr", positions(explorer.controls["lr"]), check_flags(bounds))


def test_decay_sweep_at_both_lr_extremes(explorer, bounds):
    for lr in (explorer.controls["lr"].min, explorer.controls["lr"].max):
        explorer.set(lr=10.0 ** lr, seed=0)
        sweep(explorer, "decay", positions(explorer.controls["decay"]), check_flags(bounds))


def test_seed_sweep(explorer, bounds):
    explorer.set(lr=0.1, decay=0.0)
    sweep(explorer, "seed", positions(explorer.controls["seed"]), check_flags(bounds))
    assert explorer.controls["seed"].value == explorer.controls["seed"].max


def test_divergence_bounds_hold_for_every_seed(explorer, bounds):
    """The largest slider rate below the safe bound never blows up, every rate above
    2/L always does (in between, a run may or may not)."""
    safe, unstable = bounds
    lrs = positions(explorer.controls["lr"])
    largest_safe = max(lr for lr in lrs if lr <= safe)
    for seed in positions(explorer.controls["seed"]):
        assert not explorer.compute(lr=largest_safe, decay=0.0, seed=seed).diverged
        for lr in (lr for lr in lrs if lr > unstable):
            assert explorer.compute(lr=lr, decay=0.0, seed=seed).diverged, (lr, seed)


def test_decay_ends_closer_than_constant_lr(explorer):
    """From lr = 0.1 and 0.316, the decays on the slider end nearer the minimum than a
    constant rate: the loss gap over the second half of the run, averaged over three
    seeds, is lower (a constant rate stalls in its noise ball). From a small lr a fast
    decay stalls instead (notebook 02 shows it), so that is not asserted here."""
    ex = explorer

    def late_gap(lr, decay):
        runs = [ex.compute(lr=lr, decay=decay, seed=s) for s in range(3)]
        return np.mean([np.mean(h.full_loss[h.steps // 2:] - ex.loss_star) for h in runs])

    for lr in (0.1, 10**-0.5):
        constant = late_gap(lr, 0.0)
        for decay in (0.01, ex.controls["decay"].max):
            assert late_gap(lr, decay) < constant / 3, f"lr={lr}, decay={decay}"


def test_constant_lr_shows_noise_ball_and_uphill_steps(explorer):
    explorer.set(lr=0.1, decay=0.0, seed=0)
    assert "noise ball" in explorer.status.value
    h = explorer.result
    uphill = np.mean(np.diff(h.full_loss) > 0)
    assert uphill > 0.2, "many single-example steps should increase the full loss"
    assert f"{uphill:.0%} of the" in explorer.status.value


def test_tiny_lr_reports_no_progress(explorer):
    explorer.set(lr=10.0 ** explorer.controls["lr"].min, decay=0.0, seed=0)
    assert "the steps are too small" in explorer.status.value


def test_bad_arguments():
    with pytest.raises(ValueError, match="epochs"):
        SGDExplorer(epochs=0)
    data = make_linear_regression(20, 3, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="2 weights"):
        SGDExplorer(LeastSquares(data.X, data.y))
    with pytest.raises(ValueError, match="w0"):
        SGDExplorer(w0=[1.0, 2.0, 3.0])


def late_gap_of(ex, h):
    gap = h.full_loss - ex.loss_star
    return float(np.mean(gap[len(gap) // 2:]))


def test_verdicts_at_both_ends_of_every_control(explorer):
    """lr at its smallest: too small (whatever the decay and seed); at its largest:
    diverged; decay and seed at both ends keep those verdicts."""
    lr = explorer.controls["lr"]
    for decay in (explorer.controls["decay"].min, explorer.controls["decay"].max):
        for seed in (explorer.controls["seed"].min, explorer.controls["seed"].max):
            explorer.set(lr=10.0 ** lr.min, decay=decay, seed=seed)
            assert "the steps are too small" in explorer.status.value, (decay, seed)
            explorer.set(lr=10.0 ** lr.max, decay=decay, seed=seed)
            assert "Diverged" in explorer.status.value, (decay, seed)


def test_lr_one_is_too_large_not_too_small(explorer):
    """The bug of issue 12: at constant lr = 1 the run ends far from the minimum because
    the steps are too large (a smaller rate ends much closer), not too small."""
    explorer.set(lr=1.0, decay=0.0, seed=0)
    status = explorer.status.value
    assert "too large" in status and "too small" not in status
    assert late_gap_of(explorer, explorer.compute(lr=0.1, decay=0.0, seed=0)) < \
        0.1 * late_gap_of(explorer, explorer.result)


def test_every_verdict_names_the_true_reason(explorer):
    """Independent of how the verdict is computed: wherever it says the steps are too
    small (or the run is still descending), a larger rate ends closer; wherever it says
    too large, a smaller rate ends closer; wherever it says the run hovers in its noise
    ball, the last quarter of the run is no better than the third (it has stalled)."""
    factor = 10 ** explorer.controls["lr"].step
    seen = set()
    for decay in (explorer.controls["decay"].min, explorer.controls["decay"].max):
        for lr in positions(explorer.controls["lr"]):
            explorer.set(lr=lr, decay=decay, seed=0)
            status, h = explorer.status.value, explorer.result
            if h.diverged:
                continue
            here = late_gap_of(explorer, h)
            bigger = explorer.compute(lr=lr * factor, decay=decay, seed=0)
            smaller = explorer.compute(lr=lr / factor, decay=decay, seed=0)
            if "too small" in status or "still descending" in status:
                seen.add("small")
                assert not bigger.diverged and late_gap_of(explorer, bigger) < here, (lr, decay)
            elif "too large" in status:
                seen.add("large")
                assert late_gap_of(explorer, smaller) < here, (lr, decay)
            elif "hovers in a noise ball" in status:
                seen.add("ball")
                assert decay == 0
                gap = h.full_loss - explorer.loss_star
                k = len(gap)
                assert gap[3 * k // 4:].mean() > 0.5 * gap[k // 2:3 * k // 4].mean(), lr
            else:
                seen.add("shrinking")
                assert "noise ball shrinks" in status and decay > 0
    assert seen == {"small", "large", "ball", "shrinking"}, seen
