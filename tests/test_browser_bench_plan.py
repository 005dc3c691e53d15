"""The browser benchmark (benchmarks/browser_bench.py) moves every control of every
explorer: its discovery finds every Explorer subclass, and its key plan covers each
control with a first key that really moves the value and a second that moves it back.

No browser and no drawing: each explorer is stopped where it hands its controls to the
Explorer base class, so only the controls are built."""

from __future__ import annotations

import importlib
import math
import pkgutil
import sys
from pathlib import Path

import ipywidgets as widgets
import pytest

import sgdlab.widgets
from sgdlab.widgets.base import Explorer

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import browser_bench  # noqa: E402


class _Controls(Exception):
    """Carries the controls an explorer passes to Explorer.__init__."""


def _capture(self, controls, **_kwargs):
    raise _Controls(controls)


def controls_of(cls) -> dict:
    """The controls ``cls()`` builds, without computing or drawing anything."""
    original = Explorer.__init__
    Explorer.__init__ = _capture
    try:
        cls()
    except _Controls as caught:
        return caught.args[0]
    finally:
        Explorer.__init__ = original
    raise AssertionError(f"{cls.__name__} never called Explorer.__init__ with its controls")


def all_explorer_subclasses() -> set[str]:
    """Every Explorer subclass defined in sgdlab.widgets, found by walking subclasses
    (a different route from the benchmark's own discovery)."""
    for info in pkgutil.iter_modules(sgdlab.widgets.__path__):
        importlib.import_module(f"sgdlab.widgets.{info.name}")
    found, todo = set(), list(Explorer.__subclasses__())
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        if cls.__module__.startswith("sgdlab.widgets."):
            found.add(f"{cls.__module__}.{cls.__name__}")
    return found


ITEMS = browser_bench.explorer_items()


def test_the_benchmark_finds_every_explorer():
    listed = {f"{item.module}.{item.cls}" for item in ITEMS}
    assert listed == all_explorer_subclasses()
    assert len({item.label for item in ITEMS}) == len(ITEMS), "two explorers share a label"


def moved(control, key: str):
    """The value ``control`` would have after ``key`` in the browser (None: no change)."""
    if isinstance(control, widgets.Checkbox | widgets.ToggleButton):
        return not control.value if key == "Space" else None
    if isinstance(control, widgets.Dropdown | widgets.SelectionSlider):
        shift = {"next": 1, "ArrowRight": 1, "previous": -1, "ArrowLeft": -1}[key]
        index = control.index + shift
        values = [o[1] if isinstance(o, tuple) else o for o in control.options]
        return values[index] if 0 <= index < len(values) else None
    shift = {"ArrowRight": 1, "ArrowLeft": -1}[key]
    if isinstance(control, widgets.FloatLogSlider):
        exponent = math.log(control.value, control.base) + shift * control.step
        inside = control.min - 1e-9 <= exponent <= control.max + 1e-9
        return control.base ** exponent if inside else None
    value = control.value + shift * control.step
    return value if control.min <= value <= control.max else None


@pytest.mark.parametrize("item", ITEMS, ids=lambda item: item.label)
def test_every_control_gets_keys_that_move_it_and_back(item):
    controls = controls_of(getattr(importlib.import_module(item.module), item.cls))
    plans, unsupported = browser_bench.explorer_plan(controls)
    assert not unsupported
    assert [p.name for p in plans] == list(controls)
    for plan in plans:
        control = controls[plan.name]
        assert plan.widget == type(control).__name__
        start = control.value
        there = moved(control, plan.keys[0])
        assert there is not None and there != start, (
            f"{item.label}.{plan.name}: {plan.keys[0]} does not move it from {start!r}")
        control.value = there
        back = moved(control, plan.keys[1])
        assert back is not None and back == pytest.approx(start), (
            f"{item.label}.{plan.name}: {plan.keys[1]} does not bring it back to {start!r}")


def test_a_slider_at_its_top_starts_downwards_and_unmovable_controls_are_named():
    top = widgets.FloatSlider(value=1.0, min=0.0, max=1.0, step=0.1)
    assert browser_bench.control_plan("top", top).keys == ("ArrowLeft", "ArrowRight")
    last = widgets.Dropdown(options=["a", "b"], value="b")
    assert browser_bench.control_plan("last", last).keys == ("previous", "next")
    plans, unsupported = browser_bench.explorer_plan({
        "span": widgets.IntRangeSlider(), "one": widgets.Dropdown(options=["only"]),
        "ok": widgets.IntSlider()})
    assert [p.name for p in plans] == ["ok"]
    assert any("'span'" in u and "IntRangeSlider" in u for u in unsupported)
    assert any("'one'" in u and "single option" in u for u in unsupported)
