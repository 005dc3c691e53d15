"""Notebook 09's saddle explorer, driven through its real controls; its verdict must
state the true reason at both ends of every control."""

import re
import warnings

import numpy as np
import pytest

from sgdlab.widgets.saddle import OFFSETS, SaddleExplorer, growth_factor


def text(explorer) -> str:
    return re.sub("<[^>]+>", "", explorer.status.value)


@pytest.fixture(scope="module")
def explorer():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return SaddleExplorer()


def test_every_control_redraws_at_both_ends(explorer):
    for name, control in explorer.controls.items():
        values = ([o[1] for o in control.options] if name == "offset" else
                  list(control.options) if name == "method" else [control.min, control.max])
        for value in [values[-1], values[0]]:
            before = explorer.image.value
            explorer.set(**{name: value})
            assert explorer.error is None, (name, value, explorer.error)
            assert explorer.controls[name].value == value
            if explorer.updates > 1:
                assert explorer.image.value != before or name == "noise", (name, value)


def test_gd_on_the_ridge_is_stuck_for_the_true_reason(explorer):
    for lr in [0.02, 1.2]:
        explorer.set(method="GD", offset=0.0, lr=lr)
        assert np.all(explorer.result.params[:, 1] == 0.0)
        assert "stuck at the saddle" in text(explorer) and "no y-component" in text(explorer)


def test_sgd_without_noise_is_gd(explorer):
    explorer.set(method="SGD", offset=0.0, lr=0.1, noise=0.0)
    assert "stuck" in text(explorer) and "noise 0 makes SGD plain GD" in text(explorer)


def test_sgd_noise_gets_it_off_the_ridge(explorer):
    explorer.set(method="SGD", offset=0.0, lr=0.1, noise=2.0)
    assert "left the saddle" in text(explorer) and "noise" in text(explorer)


def test_tiny_offset_and_small_lr_is_too_slow_and_says_how_slow(explorer):
    explorer.set(method="GD", offset=1e-12, lr=0.02, noise=1.0)
    status = text(explorer)
    need = int(np.ceil(np.log(0.5 / 1e-12) / np.log(1.02)))
    assert "still at the saddle" in status and f"about {need} steps" in status
    assert need > explorer.steps


def test_large_offset_leaves_and_names_the_growth_factor(explorer):
    explorer.set(method="momentum", offset=OFFSETS[-1][1], lr=0.1)
    assert "left the saddle" in text(explorer)
    assert f"{growth_factor('momentum', 0.1):.3f}" in text(explorer)


def test_lr_above_one_cannot_settle_or_diverges(explorer):
    explorer.set(method="GD", offset=1e-8, lr=1.2)
    status = text(explorer)
    assert "cannot settle" in status or "diverged" in status
    assert "too large" in status or "unstable" in status
    assert "settled near a minimum" not in status


def test_momentum_escapes_faster_than_gd():
    assert growth_factor("momentum", 0.1) == pytest.approx(1 + np.sqrt(0.1), rel=1e-12)
    assert growth_factor("GD", 0.1) == 1.1
