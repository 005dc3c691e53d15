"""Notebook 00's parabola explorer, driven through its real slider."""

import warnings

import numpy as np
import pytest

from sgdlab.widgets.intro import ParabolaExplorer, parabola_steps


def test_every_slider_position_draws_and_flags_growth():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        explorer = ParabolaExplorer()
        slider = explorer.controls["lr"]
        assert slider.continuous_update is False
        previous = explorer.image.value
        positions = np.round(np.arange(slider.min, slider.max + 1e-9, slider.step), 1)
        for lr in positions[::-1]:  # start away from the initial value so every move redraws
            slider.value = float(lr)
            assert explorer.error is None, explorer.error
            assert explorer.image.value != previous, f"figure unchanged at lr={lr}"
            previous = explorer.image.value
            status = explorer.status.value
            assert ("approaching" in status) == (lr < 2), (lr, status)
            assert ("moving away" in status) == (lr > 2), (lr, status)
            assert ("bouncing" in status) == (lr == 2), (lr, status)


def test_parabola_steps_is_the_gd_recursion():
    w = [2.0]
    for _ in range(8):
        w.append(w[-1] - 0.7 * 1.0 * w[-1])
    np.testing.assert_allclose(parabola_steps(0.7), w)
    with pytest.raises(ValueError, match="lr"):
        parabola_steps(0.0)
