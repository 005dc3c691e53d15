"""Every explorer shows the figure it means: what a redraw paints (blitted over a kept
background, for explorers that declare their changing artists with ``animate``) must look
like the whole figure drawn from scratch. An artist that changes but was not declared
would stay frozen in the background; this test catches it."""

import importlib
import inspect
import io
import pkgutil

import matplotlib
import numpy as np
import pytest
from PIL import Image

import sgdlab.widgets
from sgdlab.widgets.base import Explorer

matplotlib.use("Agg")


def explorer_classes() -> list[type]:
    found = []
    for info in pkgutil.iter_modules(sgdlab.widgets.__path__):
        module = importlib.import_module(f"sgdlab.widgets.{info.name}")
        found += [cls for _, cls in inspect.getmembers(module, inspect.isclass)
                  if issubclass(cls, Explorer) and cls is not Explorer
                  and cls.__module__ == module.__name__]
    return found


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def from_scratch(explorer: Explorer) -> np.ndarray:
    """The whole figure drawn anew, every artist included."""
    animated = list(explorer._animated) + list(explorer._overlays) + list(explorer._stamped)
    for artist in animated:
        artist.set_animated(False)
    try:
        buffer = io.BytesIO()
        explorer.fig.savefig(buffer, format="png", dpi=explorer.dpi)
    finally:
        for artist in animated:
            artist.set_animated(True)
    return pixels(buffer.getvalue())


def other_end(control):
    """A value far from the control's current one: its other end, or another option."""
    if getattr(control, "options", None):
        values = [o[1] if isinstance(o, tuple) else o for o in control.options]
        return values[-1] if control.value != values[-1] else values[0]
    if hasattr(control, "max"):
        return control.max if control.value != control.max else control.min
    return not control.value  # a checkbox


@pytest.mark.parametrize("cls", explorer_classes(), ids=lambda c: c.__name__)
def test_each_redraw_looks_like_the_figure_drawn_from_scratch(cls):
    explorer = cls()
    for name, control in explorer.controls.items():
        explorer.set(**{name: other_end(control)})
        assert explorer.error is None, f"{cls.__name__}.{name}: {explorer.error!r}"
        shown, full = pixels(explorer.image.value), from_scratch(explorer)
        assert shown.shape == full.shape
        # antialiased edges where a blitted line crosses the background may differ a little
        off = np.mean(np.abs(shown - full).max(axis=-1) > 48)
        assert off < 1e-3, (f"{cls.__name__} after moving {name}: {off:.2%} of the pixels "
                            "differ from a full redraw; is a changing artist missing from "
                            "animate()?")


def test_a_setting_seen_before_comes_back_without_a_new_run():
    """Moving a slider back to a recent position shows that position's image and result
    again without running or rendering anew; the figure's artists follow, so a later
    redraw starts from what is shown. Only the most recent settings are kept."""
    from sgdlab.widgets.intro import ParabolaExplorer

    explorer = ParabolaExplorer()
    first, first_png, first_result = explorer.values["lr"], explorer.image.value, \
        explorer.result
    calls = []
    compute = explorer.compute
    explorer.compute = lambda **values: calls.append(values) or compute(**values)
    explorer.set(lr=2.5)
    explorer.set(lr=first)
    assert len(calls) == 1 and explorer.error is None
    assert explorer.image.value == first_png and explorer.result is first_result
    off = np.mean(np.abs(pixels(explorer.image.value) - from_scratch(explorer)).max(axis=-1)
                  > 48)
    assert off < 1e-3

    explorer.CACHED_SETTINGS = 2
    for lr in (0.5, 0.7, 0.9):
        explorer.set(lr=lr)
    explorer.set(lr=first)  # pushed out by the three newer settings: run again
    assert len(calls) == 5
    np.testing.assert_array_equal(explorer.result, first_result)

    explorer.CACHED_SETTINGS = 0  # what the browser benchmark does: every move runs
    explorer.set(lr=0.5)
    explorer.set(lr=first)
    assert len(calls) == 7 and explorer.error is None and not explorer._drawn


def test_kept_backgrounds_are_bounded_and_reused():
    """One background per key, drawn the first time the key is needed (the adaptive
    explorer draws its three problems' when it opens), the oldest dropped beyond
    KEPT_BACKGROUNDS; overlays (legends) come with each background."""
    from sgdlab.widgets.adaptive import PROBLEMS, AdaptiveExplorer

    explorer = AdaptiveExplorer()
    explorer.CACHED_SETTINGS = 0  # every move draws
    assert set(explorer._backgrounds) == set(PROBLEMS)
    kept = dict(explorer._backgrounds)
    for problem in PROBLEMS:
        explorer.set(problem=problem)  # reused, not drawn again
        assert explorer._backgrounds[problem] is kept[problem]
        assert list(explorer._backgrounds)[-1] == problem  # the most recent last
    assert all(len(pasted) == 1 for _, pasted in explorer._backgrounds.values())
    explorer.KEPT_BACKGROUNDS = 1
    explorer.set(problem=PROBLEMS[0])
    assert list(explorer._backgrounds) == [PROBLEMS[0]]
    explorer.set(problem=PROBLEMS[1])  # dropped above: drawn again
    assert list(explorer._backgrounds) == [PROBLEMS[1]]
    assert explorer._backgrounds[PROBLEMS[1]] is not kept[PROBLEMS[1]]
    assert explorer.error is None


def test_a_stamped_title_is_drawn_once_per_value():
    """The GD explorer's path title says whether the run diverged: each of its two
    values is drawn once, then pasted; the picture still matches a full redraw."""
    from sgdlab.widgets.gd import LearningRateExplorer

    explorer = LearningRateExplorer()
    explorer.CACHED_SETTINGS = 0
    top, bottom = 10 ** explorer.controls["lr"].max, 10 ** explorer.controls["lr"].min
    explorer.set(lr=top)
    explorer.set(lr=bottom)
    titles = sorted(key[1] for key in explorer._stamps)
    assert titles == ["GD path", "GD path: diverged"]
    drawn = dict(explorer._stamps)
    explorer.set(lr=top)
    explorer.set(lr=bottom * 1.5)
    assert all(explorer._stamps[key] is pixels for key, pixels in drawn.items())
    off = np.mean(np.abs(pixels(explorer.image.value) - from_scratch(explorer)).max(axis=-1)
                  > 48)
    assert off < 1e-3 and explorer.error is None
