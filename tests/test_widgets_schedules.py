"""ScheduleExplorer driven through its real controls: every schedule, the whole lr range
and warm-up range, with the rates drawn checked against sgdlab.schedules and the noise
floor against theory (lr * sigma^2 / 4)."""

import math
import warnings

import numpy as np
import pytest
from matplotlib.colors import to_hex

from sgdlab import schedules
from sgdlab.averaging import polyak_average
from sgdlab.train import run
from sgdlab.widgets.schedules import ScheduleExplorer

RED = "#b00020"


def positions(slider) -> np.ndarray:
    count = round((slider.max - slider.min) / slider.step) + 1
    values = slider.min + slider.step * np.arange(count)
    return slider.base ** values if hasattr(slider, "base") else values


@pytest.fixture(scope="module")
def explorer():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return ScheduleExplorer(steps=400)


def check_setting(explorer, previous: bytes) -> bytes:
    """What must hold after a control moved (``previous``: the picture before the move)."""
    v = explorer.values
    assert explorer.error is None, f"{v}: {explorer.error!r}"
    image = bytes(explorer.image.value)
    assert image[:8] == b"\x89PNG\r\n\x1a\n"
    assert image != previous, f"the picture did not change at {v}"
    result, h = explorer.result, explorer.result.history
    # the rates drawn are the schedule's, and step 0 starts at lr (or lr / warmup)
    assert np.allclose(explorer.lr_line.get_ydata(), result.lrs)
    assert np.allclose(h.lr, result.lrs[: h.steps])
    first = v["lr"] / v["warmup"] if v["warmup"] else v["lr"]
    assert math.isclose(result.lrs[0], first, rel_tol=1e-12)
    assert math.isclose(result.lrs.max(), v["lr"], rel_tol=1e-12)
    assert math.isclose(result.floor, v["lr"] * explorer.sigma2 / 4)
    assert np.allclose(explorer.floor_line.get_ydata(), result.floor)
    assert ("diverged at step" in explorer.status.value) == h.diverged
    assert (to_hex(explorer.loss_line.get_color()) == RED) == h.diverged
    assert (len(explorer.blowup_marker.get_xdata()) == 1) == h.diverged
    if not h.diverged:
        assert h.steps == explorer.steps and np.all(np.isfinite(result.excess))
        avg = explorer.excess(polyak_average(h.params, start=1))
        assert np.allclose(result.excess_avg, avg)
    return image


def test_every_schedule_over_the_whole_lr_and_warmup_range(explorer):
    lr_values = positions(explorer.controls["lr"])
    assert lr_values[0] == pytest.approx(1e-3) and lr_values[-1] == pytest.approx(1.0)
    lr_values = sorted(set(lr_values[::12]) | {lr_values[-1]})
    warm = explorer.controls["warmup"]
    seen = {True: 0, False: 0}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in schedules.SCHEDULES:
            explorer.controls["schedule"].value = name
            for warmup in (warm.min, warm.max):
                explorer.controls["warmup"].value = warmup
                previous = b""
                for lr in lr_values:
                    explorer.controls["lr"].value = float(lr)
                    previous = check_setting(explorer, previous)
                    seen[explorer.result.history.diverged] += 1
    assert seen[True] >= 5 and seen[False] >= 30, seen


def test_warmup_slider_over_its_range(explorer):
    explorer.set(schedule="cosine", lr=0.05)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        previous = b""
        for warmup in positions(explorer.controls["warmup"])[::4]:
            explorer.controls["warmup"].value = int(warmup)
            previous = check_setting(explorer, previous)
            lrs = explorer.result.lrs
            if warmup:
                ramp = 0.05 * np.arange(1, warmup + 1) / warmup
                assert np.allclose(lrs[:warmup], ramp)


def test_small_rates_never_diverge_and_the_largest_constant_one_does(explorer):
    explorer.set(schedule="constant", warmup=0, lr=1e-3)
    assert not explorer.result.history.diverged
    explorer.set(lr=1.0)
    assert explorer.result.history.diverged and explorer.error is None
    # a constant rate beyond 2 / max |x_i|^2 overshoots on the very example it uses
    worst = 2 / np.max(np.sum(explorer.problem.X ** 2, axis=1))
    assert 1.0 > 2 * worst


def test_run_matches_sgdlab_and_constant_lr_sits_near_its_noise_floor():
    explorer = ScheduleExplorer(steps=4000)
    explorer.set(schedule="constant", lr=0.02, warmup=0)
    result = explorer.result
    same = run(explorer.problem, np.zeros(5), 0.02, steps=4000, batch_size=1,
               sampling="replacement", rng=np.random.default_rng(0))
    assert np.array_equal(result.history.params, same.params)
    measured = result.excess[1000:].mean()
    assert 0.7 < measured / result.floor < 1.4, measured / result.floor
    assert result.excess_avg[-1] < measured / 10, "averaging lands well inside the noise ball"


def test_bad_arguments():
    with pytest.raises(ValueError, match="LeastSquares"):
        ScheduleExplorer(problem="nope")
    with pytest.raises(ValueError, match="steps"):
        ScheduleExplorer(steps=5)
    with pytest.raises(ValueError, match="lr_range"):
        ScheduleExplorer(lr_range=(1.0, 0.1))


def test_verdicts_at_both_ends_name_the_reason(explorer):
    """Smallest base rate: too small, for every schedule and both warm-up ends (the rates
    add up to too little: checked on the run itself). Largest constant rate: diverged
    because the steps are too large. And a 'too small' run really ends closer with a
    ten times larger base rate."""
    lo, hi = 10.0 ** explorer.controls["lr"].min, 10.0 ** explorer.controls["lr"].max
    for name in [v for _, v in explorer.controls["schedule"].options]:
        for warmup in (explorer.controls["warmup"].min, explorer.controls["warmup"].max):
            explorer.set(schedule=name, lr=lo, warmup=warmup)
            r = explorer.result
            assert "the steps are too small" in explorer.status.value, (name, warmup)
            assert explorer.mu * r.lrs.sum() < np.log(10) / 2
            bigger = explorer.compute(schedule=name, lr=10 * lo, warmup=warmup)
            assert bigger.excess[-1] < r.excess[-1], (name, warmup)
    explorer.set(schedule="constant", lr=hi, warmup=0)
    assert explorer.result.history.diverged
    assert "the steps were too large" in explorer.status.value
