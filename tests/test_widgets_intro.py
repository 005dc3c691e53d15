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


def test_verdict_reasons_match_the_iterates():
    """At both ends of the slider and in between, the stated reason is what the iterates
    do: small steps keep w's sign, large ones flip it, too large ones make |w| grow."""
    explorer = ParabolaExplorer()
    slider = explorer.controls["lr"]
    for lr in np.round(np.arange(slider.min, slider.max + 1e-9, slider.step), 1):
        slider.value = float(lr)
        status, w = explorer.status.value, explorer.result
        if "the steps are small" in status:
            assert np.all(w > 0), lr
        elif "overshooting it at every step" in status:
            assert np.all(np.sign(w[1:]) == -np.sign(w[:-1])) and abs(w[-1]) < abs(w[0]), lr
        elif "too large" in status:
            assert abs(w[-1]) > abs(w[0]), lr
        elif "one step" in status:
            assert w[1] == 0, lr
        else:
            assert "bouncing" in status and np.isclose(abs(w[-1]), abs(w[0])), lr
    slider.value = slider.min
    assert "the steps are small" in explorer.status.value
    slider.value = slider.max
    assert "too large" in explorer.status.value


def test_explorer_bundle_carries_the_default_figure_beside_the_widget_view():
    """Renderers without a widget manager (the website, GitHub) show the PNG; it is the
    figure of the setting shown when the explorer was displayed."""
    import base64

    explorer = ParabolaExplorer()
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    png = base64.b64decode(bundle["image/png"])
    assert png.startswith(b"\x89PNG") and png == explorer.image.value
    # its plain-text form is the status line, without the HTML (the website shows it)
    assert bundle["text/plain"].startswith("lr = ") and "<" not in bundle["text/plain"]
    assert bundle["text/plain"].split(": ", 1)[1] in explorer.status.value
    explorer.controls["lr"].value = explorer.controls["lr"].max
    moved = base64.b64decode(explorer._repr_mimebundle_()["image/png"])
    assert moved == explorer.image.value and moved != png
