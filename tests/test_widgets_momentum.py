"""MomentumExplorer driven through its real sliders, and the heavy-ball stability
bound it draws (``sgdlab.theory.heavy_ball_stability_threshold``)."""

import math
import warnings

import numpy as np
import pytest
from matplotlib.colors import to_hex

from sgdlab import theory
from sgdlab.objectives import Quadratic, Rosenbrock
from sgdlab.train import run
from sgdlab.widgets.momentum import MomentumExplorer

RED = "#b00020"
MARGIN = 0.05  # settings within 5 % of the stability boundary are not used for the flag check


def lr_positions(slider) -> np.ndarray:
    """Every value the FloatLogSlider can take, from its own min, max, step and base."""
    count = round((slider.max - slider.min) / slider.step) + 1
    return slider.base ** (slider.min + slider.step * np.arange(count))


def momentum_positions(slider) -> np.ndarray:
    """Every value the FloatSlider can take."""
    count = round((slider.max - slider.min) / slider.step) + 1
    return np.round(slider.min + slider.step * np.arange(count), 10)


def largest_eigenvalue(problem) -> float:
    """L, computed here from the Hessian, not taken from the explorer."""
    return float(np.linalg.eigvalsh(problem.hessian(np.zeros(2)))[-1])


def boundary(momentum: float, L: float) -> float:
    """Heavy ball on a quadratic is stable iff lr < 2 (1 + momentum) / L."""
    return 2.0 * (1.0 + momentum) / L


def every_kth(values: np.ndarray, k: int) -> np.ndarray:
    """Every k-th value, always with both extremes."""
    picked = list(values[::k])
    if picked[-1] != values[-1]:
        picked.append(values[-1])
    return np.array(picked)


@pytest.fixture(scope="module")
def explorer():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return MomentumExplorer()


def check_setting(explorer, previous: bytes, lr: float, momentum: float) -> bytes:
    """What must hold after the learner moved a slider to (lr, momentum)."""
    assert explorer.error is None, f"lr={lr:.4g}, momentum={momentum}: {explorer.error!r}"
    image = explorer.image.value
    assert image[:8] == b"\x89PNG\r\n\x1a\n"
    assert image != previous, f"the picture did not change at lr={lr:.4g}, momentum={momentum}"
    result = explorer.result
    h = result.history
    assert math.isclose(h.lr[0], lr, rel_tol=1e-12) and math.isclose(result.momentum, momentum)
    L = largest_eigenvalue(explorer.problem)
    limit = boundary(momentum, L)
    assert result.stable == (lr < limit)
    if abs(lr / limit - 1) > MARGIN:
        assert h.diverged == (lr > limit), (
            f"lr={lr:.4g}, momentum={momentum} (lr = {lr / limit:.3f} x 2(1+momentum)/L): "
            f"diverged={h.diverged}")
    if h.diverged:
        assert h.diverged_at <= explorer.steps
    else:
        assert h.steps == explorer.steps and np.all(np.isfinite(h.params))
    assert ("diverged at step" in explorer.status.value) == h.diverged
    assert (to_hex(explorer.path_line.get_color()) == RED) == h.diverged, \
        "a diverged run is drawn in red, a converging one is not"
    assert np.allclose(explorer.current_marker.get_xdata(), [lr])
    assert np.allclose(explorer.current_marker.get_ydata(), [momentum])
    return image


def test_lr_slider_across_its_range_at_several_momenta(explorer):
    lr_slider, mom_slider = explorer.controls["lr"], explorer.controls["momentum"]
    L = largest_eigenvalue(explorer.problem)
    values = lr_positions(lr_slider)
    assert values[0] <= 0.01 / L * 1.0001 and values[-1] >= 10 / L * 0.9999, \
        "the lr range should go from far too small to far beyond every stability bound"
    seen = {True: 0, False: 0}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for momentum in [0.0, 0.5, 0.99]:
            mom_slider.value = momentum
            previous = explorer.image.value
            limit = boundary(momentum, L)
            picked = [v for v in every_kth(values, 30) if abs(v / limit - 1) > MARGIN]
            assert picked[0] == values[0] and picked[-1] == values[-1]
            for lr in picked:
                lr_slider.value = float(lr)
                previous = check_setting(explorer, previous, float(lr), momentum)
                seen[explorer.result.history.diverged] += 1
    assert seen[True] >= 4 and seen[False] >= 10, seen


def test_momentum_slider_across_its_range_at_several_lrs(explorer):
    lr_slider, mom_slider = explorer.controls["lr"], explorer.controls["momentum"]
    L = largest_eigenvalue(explorer.problem)
    values = momentum_positions(mom_slider)
    assert values[0] == 0.0 and values[-1] == 0.99
    lrs = lr_positions(lr_slider)
    # the smallest lr, and one between GD's limit 2/L and the largest heavy-ball limit
    # 2(1 + 0.99)/L, so that the verdict flips as momentum grows (the largest lr, at
    # momentum 0, 0.5 and 0.99, is in the lr sweep)
    middle = float(lrs[np.argmin(np.abs(np.log(lrs / (3.0 / L))))])
    seen = {True: 0, False: 0}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for lr in [float(lrs[0]), middle]:
            lr_slider.value = lr
            previous = explorer.image.value
            picked = [m for m in every_kth(values, 20)
                      if abs(lr / boundary(m, L) - 1) > MARGIN]
            assert picked[0] == values[0] and picked[-1] == values[-1]
            flags = []
            for momentum in picked:
                mom_slider.value = float(momentum)
                previous = check_setting(explorer, previous, lr, float(momentum))
                flags.append(explorer.result.history.diverged)
                seen[flags[-1]] += 1
            if lr == middle:
                assert flags[0] and not flags[-1], \
                    "at lr = 3/L, momentum 0 diverges and momentum 0.99 does not"
    assert seen[True] >= 2 and seen[False] >= 8, seen


def test_divergence_matches_theory_on_a_dense_grid(explorer):
    """compute() alone (no drawing) on a dense grid of slider positions."""
    L = largest_eigenvalue(explorer.problem)
    lrs = every_kth(lr_positions(explorer.controls["lr"]), 10)
    moms = every_kth(momentum_positions(explorer.controls["momentum"]), 20)
    checked = 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for momentum in moms:
            for lr in lrs:
                limit = boundary(momentum, L)
                if abs(lr / limit - 1) <= MARGIN:
                    continue
                result = explorer.compute(lr=float(lr), momentum=float(momentum))
                assert result.history.diverged == (lr > limit), (lr, momentum)
                checked += 1
    assert checked > 70


def test_gd_reference_is_plain_gd_at_the_same_lr(explorer):
    explorer.set(lr=1.0, momentum=0.9)
    result = explorer.result
    gd = run(explorer.problem, explorer.w0, 1.0, steps=explorer.steps)
    assert np.array_equal(result.gd.params, gd.params)
    assert np.allclose(explorer.gd_line.get_xdata(), gd.params[:, 0])
    with_momentum = run(explorer.problem, explorer.w0, 1.0, momentum=0.9, steps=explorer.steps)
    assert np.array_equal(result.history.params, with_momentum.params)
    assert not np.allclose(result.history.params, gd.params)


def test_best_pair_and_boundary_are_where_theory_says(explorer):
    problem = explorer.problem
    eig = np.linalg.eigvalsh(problem.hessian(np.zeros(2)))
    mu, L = float(eig[0]), float(eig[-1])
    assert math.isclose(L / mu, 50.0)
    best_lr = (2 / (math.sqrt(L) + math.sqrt(mu))) ** 2
    root = math.sqrt(L / mu)
    best_momentum = ((root - 1) / (root + 1)) ** 2
    assert np.allclose(explorer.best_marker.get_xdata(), [best_lr])
    assert np.allclose(explorer.best_marker.get_ydata(), [best_momentum])
    xs, ys = explorer.boundary_line.get_xdata(), explorer.boundary_line.get_ydata()
    assert np.allclose(xs, 2 * (1 + np.asarray(ys)) / L)
    assert ys[0] == 0.0 and ys[-1] == pytest.approx(0.99)
    explorer.set(lr=float(best_lr), momentum=0.57)
    status = explorer.status.value
    assert f"lr* = {best_lr:.3g}" in status and f"momentum* = {best_momentum:.3f}" in status
    assert f"rate {(root - 1) / (root + 1):.3f}" in status


def test_another_quadratic_rescales_the_lr_range():
    problem = Quadratic(condition=10, L=4.0, angle=0.3, center=(0.5, -0.5))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        explorer = MomentumExplorer(problem, steps=150, lr=0.25, momentum=0.0)
        values = lr_positions(explorer.controls["lr"])
        assert values[0] == pytest.approx(0.01 / 4) and values[-1] == pytest.approx(10 / 4)
        for lr, momentum in [(0.45, 0.0), (0.55, 0.0), (0.9, 0.5), (1.1, 0.5)]:
            explorer.set(lr=lr, momentum=momentum)
            assert explorer.error is None
            assert explorer.result.history.diverged == (lr > boundary(momentum, 4.0))


@pytest.mark.parametrize("momentum", [0.0, 0.3, 0.6, 0.9, 0.99])
@pytest.mark.parametrize("L", [0.5, 1.0, 7.0])
def test_heavy_ball_stability_threshold(momentum, L):
    limit = theory.heavy_ball_stability_threshold(momentum, L)
    assert limit == pytest.approx(2 * (1 + momentum) / L)
    eig = [L / 30, L]
    # the spectral radius of the iteration crosses 1 exactly there
    assert theory.heavy_ball_rate(0.97 * limit, momentum, eig) < 1
    assert theory.heavy_ball_rate(1.03 * limit, momentum, eig) > 1
    # and a simulation agrees
    q = Quadratic(condition=30, L=L, angle=0.2)
    assert not run(q, [1.0, 1.0], 0.95 * limit, momentum=momentum, steps=600).diverged
    assert run(q, [1.0, 1.0], 1.05 * limit, momentum=momentum, steps=600).diverged


def test_heavy_ball_threshold_without_momentum_is_gds():
    assert theory.heavy_ball_stability_threshold(0.0, 2.0) == theory.gd_stability_threshold(2.0)


@pytest.mark.parametrize("kwargs, name", [
    ({"momentum": 1.0, "L": 1.0}, "momentum"),
    ({"momentum": -0.1, "L": 1.0}, "momentum"),
    ({"momentum": 0.5, "L": 0.0}, "L"),
    ({"momentum": 0.5, "L": float("inf")}, "L"),
])
def test_heavy_ball_threshold_bad_inputs(kwargs, name):
    with pytest.raises(ValueError, match=name):
        theory.heavy_ball_stability_threshold(**kwargs)


@pytest.mark.parametrize("kwargs, name", [
    ({"problem": Rosenbrock()}, "problem"),
    ({"steps": 0}, "steps"),
    ({"w0": [1.0, 2.0, 3.0]}, "w0"),
    ({"lr": 0.0}, "lr"),
    ({"lr": 50.0}, "lr"),
    ({"momentum": 1.0}, "momentum"),
    ({"momentum": -0.5}, "momentum"),
    ({"divergence_factor": 0.0}, "divergence_factor"),
])
def test_bad_arguments_name_themselves(kwargs, name):
    with pytest.raises(ValueError, match=name):
        MomentumExplorer(**kwargs)


def test_verdict_names_the_true_reason(explorer):
    """At both ends of both sliders, and on a coarse grid in between: wherever a run is
    not there yet and the verdict blames small steps, a 5 % larger lr ends lower; large
    steps, a 5 % smaller lr ends lower; the momentum's oscillation, the offset along
    the flat or steep direction really changes sign again and again."""
    lr_s, m_s = explorer.controls["lr"], explorer.controls["momentum"]
    q = explorer.problem
    ev, vecs = np.linalg.eigh(q.hessian(np.zeros(2)))

    def gap(lr, m):
        h = explorer.compute(lr=float(lr), momentum=float(m)).history
        return np.inf if h.diverged else h.full_loss[-1] - float(q.loss(explorer.center))

    seen = set()
    for lr in every_kth(lr_positions(lr_s), 20):
        for m in every_kth(momentum_positions(m_s), 45):
            explorer.set(lr=float(lr), momentum=float(m))
            status, h = explorer.status.value, explorer.result.history
            if "diverged" in status:
                seen.add("diverged")
                assert h.diverged and lr > boundary(m, largest_eigenvalue(q)) * (1 - 1e-9)
            elif "converged" in status:
                seen.add("converged")
            elif "too small" in status:
                seen.add("small")
                assert gap(1.05 * lr, m) < gap(lr, m), (lr, m)
            elif "too large" in status:
                seen.add("large")
                assert gap(lr / 1.05, m) < gap(lr, m), (lr, m)
            else:
                seen.add("oscillates")
                assert "oscillates" in status
                offsets = (h.params - explorer.center) @ vecs
                flips = max(np.sum(np.diff(np.sign(offsets[:, k])) != 0) for k in (0, 1))
                assert flips >= 4, (lr, m, flips)
    explorer.set(lr=10.0 ** lr_s.min, momentum=m_s.min)
    assert "too small" in explorer.status.value
    for m in (m_s.min, m_s.max):
        explorer.set(lr=10.0 ** lr_s.max, momentum=m)
        assert "diverged" in explorer.status.value
    assert {"small", "oscillates", "diverged"} <= seen, seen


@pytest.mark.parametrize("momentum", [0.0, 0.5, 0.99])
def test_the_runs_shown_are_sgdlab_train_runs(momentum):
    """The explorer races momentum and GD side by side (one gradient call per step for
    both); what it shows must be, bit for bit, what sgdlab.train.run gives for each."""
    ex = MomentumExplorer()
    kwargs = {"steps": ex.steps, "divergence_factor": ex.divergence_factor}
    for lr in (0.01, 1.0, 1.9, 3.0):  # 3.0 diverges with little momentum
        shown = ex.compute(lr, momentum)
        for got, want in ((shown.history, run(ex.problem, ex.w0, lr, momentum=momentum,
                                              **kwargs)),
                          (shown.gd, run(ex.problem, ex.w0, lr, **kwargs))):
            assert got.diverged_at == want.diverged_at
            np.testing.assert_array_equal(got.params, want.params)
            np.testing.assert_array_equal(got.full_loss, want.full_loss)
