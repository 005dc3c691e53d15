#!/usr/bin/env python3
"""How fast does an explorer answer in the browser? Key press to new image, in JupyterLab.

For every control of every explorer in ``sgdlab/widgets/`` (found from the widget
objects, not from a list kept here), in JupyterLab in headless Chromium: focus the
control, press a key that changes its value (ArrowRight/ArrowLeft in turn on a slider,
Space on a checkbox or toggle button), and time inside the page, with
``performance.now()``, from the key's ``keydown`` to the explorer's new image decoded and
ready to paint (a MutationObserver sees the image's ``src`` change, then ``img.decode()``
resolves). A dropdown is the exception: JupyterLab takes the arrow keys (and letters) on
a focused ``<select>`` in an output for its own cell commands, so the value never
changes; the next and previous options are picked instead (Playwright's
``select_option``, as a mouse pick would), and the clock starts at the select's ``input``
event. Each control: one move not counted (warm-up), then ``repeats`` timed moves, one at
a time with the kernel idle in between.

Every move is a new setting, as for a learner exploring: the explorer's cache of recent
settings (``Explorer.CACHED_SETTINGS``) is switched off in the benchmark's kernels, so
that moving back and forth between two values is not served from it. ``--cached`` keeps
the cache, and so times what moving back to a setting seen before costs. Kept
backgrounds (the parts of the figure that do not change) stay on in both modes: they are
drawn once per session, when the explorer opens or first needs one.

In the same run and the same page set-up, the floor: an ``IntSlider`` whose callback
sets one of two fixed small PNGs on an ``Image``, timed the same way, at the start and
at the end of the run. The kernel side of every move is the explorer's own
``last_update_seconds`` (compute + draw + PNG), read in the kernel that served the move.

    python benchmarks/browser_bench.py            # 15 timed moves per control
    python benchmarks/browser_bench.py --quick    # 3 per control
    python benchmarks/browser_bench.py --cached   # settings seen before come from the cache
    python benchmarks/benchmark.py --only browser [--quick]

Needs playwright and Debian's Chromium (/usr/bin/chromium), like tests/test_browser.py,
whose JupyterLab server and page driver it reuses (tests/browser_support.py). Not part
of the test suite: the figures depend on the machine and its load. Targets on a 2-core
machine: browser median <= 100 ms and p90 <= 150 ms per control; kernel median <= 40 ms.

The top of this module (the control plan and the kernel-side instrumentation) imports
nothing heavy: the benchmark's scratch notebooks import it in their kernels.
"""

from __future__ import annotations

import importlib
import io
import json
import math
import os
import platform
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent

TARGET_MEDIAN_MS = 100.0
TARGET_P90_MS = 150.0
TARGET_KERNEL_MS = 40.0
CSS_PREFIX = "sgdlab-bench-"  # control NAME gets class sgdlab-bench-NAME in the page
IMAGE_CLASS = "sgdlab-bench-image"


# --- which key moves which control ------------------------------------------------------

@dataclass(frozen=True)
class ControlPlan:
    """How the benchmark moves one control from the keyboard.

    Attributes:
        name: the control's name in ``explorer.controls`` (its CSS class in the page is
            ``sgdlab-bench-<name>``).
        widget: the ipywidgets class name.
        focus: CSS selector, inside the control's element, of what takes the focus.
        keys: two moves made in turn: ``keys[0]`` moves the value one step from where it
            is, ``keys[1]`` moves it back. Playwright key names, or for a dropdown
            ``"next"``/``"previous"``: the option picked.
    """

    name: str
    widget: str
    focus: str
    keys: tuple[str, str]


def _slider_index(control) -> tuple[int, int]:
    """(position, last position) of a slider's value on its grid of steps."""
    import ipywidgets as widgets

    if isinstance(control, widgets.SelectionSlider):
        return control.index, len(control.options) - 1
    if isinstance(control, widgets.FloatLogSlider):
        position = (math.log(control.value, control.base) - control.min) / control.step
        return round(position), math.floor((control.max - control.min) / control.step + 1e-9)
    position = (control.value - control.min) / control.step
    return round(position), math.floor((control.max - control.min) / control.step + 1e-9)


def control_plan(name: str, control) -> ControlPlan:
    """The key presses that move ``control`` one step and back.

    Sliders (one handle): ArrowRight then ArrowLeft, or the other way round when the
    value is at the top. Dropdowns: the next option picked, then the previous one
    (reversed on the last option). Checkboxes and toggle buttons: Space twice.

    Raises:
        TypeError: for a control no key can move here (range sliders, radio buttons...),
            naming it and the kinds that are supported.
        ValueError: for a control with a single value (nothing to move to).
    """
    import ipywidgets as widgets

    kind = type(control).__name__
    sliders = (widgets.IntSlider, widgets.FloatSlider, widgets.FloatLogSlider,
               widgets.SelectionSlider)
    if isinstance(control, sliders):
        position, last = _slider_index(control)
        if last < 1:
            raise ValueError(f"control {name!r} ({kind}) has a single value: nothing to move")
        keys = ("ArrowLeft", "ArrowRight") if position >= last else ("ArrowRight", "ArrowLeft")
        return ControlPlan(name, kind, ".noUi-handle", keys)
    if isinstance(control, widgets.Dropdown):
        if len(control.options) < 2:
            raise ValueError(f"control {name!r} ({kind}) has a single option: nothing to move")
        last = control.index == len(control.options) - 1
        return ControlPlan(name, kind, "select",
                           ("previous", "next") if last else ("next", "previous"))
    if isinstance(control, widgets.Checkbox):
        return ControlPlan(name, kind, "input[type=checkbox]", ("Space", "Space"))
    if isinstance(control, widgets.ToggleButton):
        return ControlPlan(name, kind, "button", ("Space", "Space"))
    raise TypeError(f"control {name!r} is a {kind}: the browser benchmark moves sliders with "
                    "one handle, dropdowns, checkboxes and toggle buttons only")


def explorer_plan(controls: dict[str, Any]) -> tuple[list[ControlPlan], list[str]]:
    """Plans for every control in ``controls`` (name -> widget), in order, and one line
    for each control that cannot be moved from the keyboard."""
    plans, unsupported = [], []
    for name, control in controls.items():
        try:
            plans.append(control_plan(name, control))
        except (TypeError, ValueError) as exc:
            unsupported.append(str(exc))
    return plans, unsupported


# --- kernel side: the scratch notebooks call these -------------------------------------

def kernel_facts() -> dict[str, Any]:
    """Where the kernel runs: CPU, cores, Python, numpy, the BLAS kernel, sgdlab's path."""
    import numpy as np
    from threadpoolctl import threadpool_info

    import sgdlab

    blas = [f"{i.get('internal_api')} {i.get('version')} {i.get('architecture', '')} "
            f"({i.get('num_threads')} threads)".replace("  ", " ")
            for i in threadpool_info() if i.get("user_api") == "blas"]
    return {"cpu": cpu_model(), "cores": os.cpu_count(), "python": platform.python_version(),
            "numpy": np.__version__, "blas": blas, "sgdlab": str(Path(sgdlab.__file__).parent),
            "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE")}


def _logger(log_path: str):
    path = Path(log_path)

    def log(**entry) -> None:
        with path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(entry) + "\n")

    return log


def instrument(module: str, cls: str, log_path: str, cached: bool = False):
    """In a kernel: build ``module.cls()``, tag its controls and image for the page, log
    each control change's kernel time after the explorer has redrawn, and return the
    explorer's widget to display. The first log line is the control plan. Unless
    ``cached``, the explorer keeps no recent settings: every move computes and draws."""
    log = _logger(log_path)
    start = time.perf_counter()
    explorer = getattr(importlib.import_module(module), cls)()
    built = time.perf_counter() - start
    if not cached:
        explorer.CACHED_SETTINGS = 0
    plans, unsupported = explorer_plan(explorer.controls)
    shown = [explorer.image.value]
    for name, control in explorer.controls.items():
        control.add_class(CSS_PREFIX + name)

        def after(change, name=name):  # runs after the explorer's own observer
            png = explorer.image.value
            log(kind="update", control=name, seconds=explorer.last_update_seconds,
                updates=explorer.updates, png_bytes=len(png), image_changed=png != shown[0],
                error=None if explorer.error is None else repr(explorer.error))
            shown[0] = png

        control.observe(after, names="value")
    explorer.image.add_class(IMAGE_CLASS)
    log(kind="plan", plans=[asdict(p) for p in plans], unsupported=unsupported,
        build_seconds=built, png_bytes=len(explorer.image.value), facts=kernel_facts())
    return explorer.widget


def floor_pngs() -> list[bytes]:
    """Two fixed, different 16x16 PNGs (setting the same bytes again would send nothing)."""
    from PIL import Image

    pngs = []
    for color in ("white", "black"):
        buffer = io.BytesIO()
        Image.new("RGB", (16, 16), color).save(buffer, format="png")
        pngs.append(buffer.getvalue())
    return pngs


def instrument_floor(log_path: str):
    """In a kernel: the bare round trip, an IntSlider whose callback sets a fixed small
    PNG (one of two, by the value's parity) on an Image; same tagging and log as
    :func:`instrument`. Returns the widget to display."""
    import ipywidgets as widgets

    log = _logger(log_path)
    pngs = floor_pngs()
    slider = widgets.IntSlider(value=0, min=0, max=10, description="floor",
                               continuous_update=False)
    image = widgets.Image(value=pngs[0], format="png")

    def on_change(change) -> None:
        start = time.perf_counter()
        image.value = pngs[change["new"] % 2]
        log(kind="update", control="floor", seconds=time.perf_counter() - start,
            updates=None, png_bytes=len(image.value), image_changed=True, error=None)

    slider.observe(on_change, names="value")
    slider.add_class(CSS_PREFIX + "floor")
    image.add_class(IMAGE_CLASS)
    plans, unsupported = explorer_plan({"floor": slider})
    log(kind="plan", plans=[asdict(p) for p in plans], unsupported=unsupported,
        build_seconds=0.0, png_bytes=len(image.value), facts=kernel_facts())
    return widgets.VBox([widgets.HBox([slider]), widgets.HTML(), image])


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


# --- browser side -----------------------------------------------------------------------

# Arm the stopwatch for one move: the first keydown (or, for a picked option, input
# event) anywhere in the page starts it; the explorer's image getting a new src, then
# that image decoded, stop it.
JS_ARM = """(imageSelector) => {
  const old = window.__sgdlabBench;
  if (old) {
    old.observer.disconnect();
    for (const type of ['keydown', 'input']) document.removeEventListener(type, old.onKey, true);
  }
  const img = document.querySelector(imageSelector);
  if (!img) return false;
  const rec = {t0: null, tSrc: null, tDecoded: null, srcChanges: 0, error: null};
  rec.onKey = () => { if (rec.t0 === null) rec.t0 = performance.now(); };
  for (const type of ['keydown', 'input']) document.addEventListener(type, rec.onKey, true);
  rec.observer = new MutationObserver(() => {
    rec.srcChanges += 1;
    if (rec.tSrc !== null) return;
    rec.tSrc = performance.now();
    img.decode().then(() => { rec.tDecoded = performance.now(); },
                      (e) => { rec.error = String(e); rec.tDecoded = performance.now(); });
  });
  rec.observer.observe(img, {attributes: true, attributeFilter: ['src']});
  window.__sgdlabBench = rec;
  return true;
}"""
JS_DONE = "() => !!window.__sgdlabBench && window.__sgdlabBench.tDecoded !== null"
JS_READ = """() => { const r = window.__sgdlabBench;
  return {t0: r.t0, tSrc: r.tSrc, tDecoded: r.tDecoded, srcChanges: r.srcChanges,
          error: r.error}; }"""


@dataclass
class Item:
    """One scratch notebook: an explorer (module, class) or the floor (cls == "")."""

    label: str
    module: str = ""
    cls: str = ""

    @property
    def stem(self) -> str:
        return self.label.replace(" ", "_").replace("(", "").replace(")", "")


@dataclass
class ControlResult:
    """The timed moves of one control. Times in ms."""

    label: str
    control: str
    widget: str = ""
    browser: list[float] = field(default_factory=list)  # key -> new image decoded
    to_src: list[float] = field(default_factory=list)  # key -> new image src set
    kernel: list[float] = field(default_factory=list)  # the explorer's update, in-kernel
    png_bytes: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    unchanged: bool = False  # its first move left the image as it was: not timed
    context: str = ""  # another control moved one step first, so that this one shows


def explorer_items() -> list[Item]:
    """Every explorer class in sgdlab.widgets (benchmark.py finds them)."""
    sys.path.insert(0, str(BENCH_DIR))
    import benchmark

    return [Item(cls.__name__.removesuffix("Explorer"), cls.__module__, cls.__name__)
            for cls in benchmark.explorer_classes()]


def write_notebook(item: Item, folder: Path, cached: bool = False) -> tuple[str, Path]:
    """A one-cell scratch notebook that shows ``item``; returns (its path relative to
    the server root, the log file its kernel writes)."""
    import nbformat

    log = folder / f"{item.stem}.jsonl"
    if item.cls:
        call = f"instrument({item.module!r}, {item.cls!r}, {str(log)!r}, cached={cached!r})"
    else:
        call = f"instrument_floor({str(log)!r})"
    source = (f"import sys\nsys.path.insert(0, {str(BENCH_DIR)!r})\n"
              f"from browser_bench import instrument, instrument_floor\n{call}")
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {
        "name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}})
    nb.cells = [nbformat.v4.new_code_cell(source)]
    path = folder / f"{item.stem}.ipynb"
    nbformat.write(nb, path)
    return path.name, log


def read_log(log: Path) -> list[dict]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line]


def time_move(lab, control, plan: ControlPlan, key: str, log: Path, timeout: float) -> dict:
    """One move: focus the control, arm the stopwatch, make the move, wait (bounded) for
    the new image. Returns the page's record (times in ms from its time origin), or
    {"error": ...}; {"unchanged": True} when the kernel logged the update but its PNG was
    the same as before (then no new image can come)."""
    page = lab.page
    target = control.locator(plan.focus).first
    target.focus()
    if not page.evaluate(JS_ARM, f".{IMAGE_CLASS}"):
        return {"error": "no image in the page"}
    logged = len(read_log(log))
    if key in ("next", "previous"):  # a dropdown: pick the neighbouring option
        index = target.evaluate("(select) => select.selectedIndex")
        target.select_option(index=index + (1 if key == "next" else -1))
    else:
        page.keyboard.press(key)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            page.wait_for_function(JS_DONE, timeout=250, polling=10)
            return page.evaluate(JS_READ)
        except Exception:  # playwright's TimeoutError: has the kernel drawn the same PNG?
            new = [e for e in read_log(log)[logged:] if e.get("kind") == "update"]
            if new and not new[-1]["image_changed"] and not page.evaluate(JS_DONE):
                return {"unchanged": True, "error": new[-1]["error"]}
    status = " | ".join(t for t in page.locator(".widget-html").all_inner_texts() if t)
    return {"error": f"no new image within {timeout:.0f} s after {key}; "
                     f"status: {status[:200]}"}


def measure_item(lab, item: Item, folder: Path, repeats: int, *, settle: float = 0.15,
                 timeout: float = 30.0, cached: bool = False
                 ) -> tuple[list[ControlResult], dict]:
    """Open ``item``'s scratch notebook, time every control, close it. Returns the results
    per control and the plan line its kernel logged ({} when it never got that far)."""
    path, log = write_notebook(item, folder, cached)
    lab.open(path)
    try:
        lab.run_all()
        lab.wait_for_widgets()
        problems = lab.problems()
        entries = read_log(log)
        plan_line = next((e for e in entries if e.get("kind") == "plan"), {})
        if problems or not plan_line:
            failure = ControlResult(item.label, "(all)")
            failure.problems = problems or ["the kernel wrote no control plan"]
            return [failure], plan_line
        results = []
        for unsupported in plan_line["unsupported"]:
            results.append(ControlResult(item.label, "?", problems=[unsupported]))
        plans = [ControlPlan(raw["name"], raw["widget"], raw["focus"], tuple(raw["keys"]))
                 for raw in plan_line["plans"]]
        for plan in plans:
            result = measure_control(lab, item, plan, log, repeats, settle, timeout)
            if result.unchanged:
                result = measure_in_context(lab, item, plan, plans, log, repeats, settle,
                                            timeout)
            results.append(result)
        return results, plan_line
    finally:
        try:
            lab.close()
        except Exception:  # the next notebook starts in a freshly loaded JupyterLab
            lab.discard()
            lab.server.shutdown_kernels()


def step(lab, plan: ControlPlan, key: str, log: Path, settle: float, timeout: float) -> None:
    """An untimed move of one control (waits for its redraw, if any)."""
    lab.wait_until_idle(timeout)
    time.sleep(settle)
    time_move(lab, lab.page.locator(f".{CSS_PREFIX}{plan.name}").first, plan, key, log,
              timeout)


def measure_in_context(lab, item: Item, plan: ControlPlan, plans: list[ControlPlan],
                       log: Path, repeats: int, settle: float, timeout: float) -> ControlResult:
    """Time a control whose moves do not change the picture at the explorer's defaults
    (noise under plain GD, Nesterov without momentum): move each other control one step
    in turn, time this one if it now changes the picture, and move the other one back."""
    for other in plans:
        if other.name == plan.name:
            continue
        step(lab, other, other.keys[0], log, settle, timeout)
        try:
            result = measure_control(lab, item, plan, log, repeats, settle, timeout)
        finally:
            step(lab, other, other.keys[1], log, settle, timeout)
        if not result.unchanged:
            result.context = f"{other.name} one step from its default"
            return result
    result = ControlResult(item.label, plan.name, plan.widget, unchanged=True)
    result.problems.append("its moves leave the image as it was (same PNG), at the defaults "
                           "and with any one other control moved a step: not timed")
    return result


def measure_control(lab, item: Item, plan: ControlPlan, log: Path, repeats: int,
                    settle: float, timeout: float) -> ControlResult:
    """One unrecorded move, ``repeats`` timed moves, keys in turn, and one unrecorded
    move back when needed, so that the next control starts from this one's first value
    (each control is timed with the others at the explorer's defaults). The kernel's
    times are read from its log afterwards, matched to the moves in order. When the
    first move leaves the image as it was, the value is moved back and the result says
    ``unchanged``."""
    result = ControlResult(item.label, plan.name, plan.widget)
    control = lab.page.locator(f".{CSS_PREFIX}{plan.name}").first
    control.scroll_into_view_if_needed()
    before = len(read_log(log))
    total = repeats + 1 + (repeats + 1) % 2  # an even number of moves ends where it began
    moves, unchanged = 0, 0
    for move in range(total):
        lab.wait_until_idle(timeout)
        time.sleep(settle)
        record = time_move(lab, control, plan, plan.keys[move % 2], log, timeout)
        moves += 1
        if record.get("unchanged"):
            unchanged += 1
            if record.get("error"):
                break  # the explorer failed: its error is reported from the kernel's log
            if move == 0:  # nothing to see at this setting: back, and say so
                step(lab, plan, plan.keys[1], log, settle, timeout)
                moves += 1
                result.unchanged = True
                break
            continue
        if record.get("error") or record.get("t0") is None:
            result.problems.append(record.get("error") or "the move was not seen in the page")
            break
        if move == 0 or move > repeats:
            continue  # warm-up, and the way back
        result.browser.append(record["tDecoded"] - record["t0"])
        result.to_src.append(record["tSrc"] - record["t0"])
        if record["srcChanges"] != 1:
            result.problems.append(f"{record['srcChanges']} image changes for one move")
    if unchanged and not result.unchanged:
        result.problems.append(f"{unchanged} of {moves} moves changed the value but not the "
                               "image (same PNG): not timed")
    lab.wait_until_idle(timeout)
    time.sleep(settle)
    updates = [e for e in read_log(log)[before:] if e.get("kind") == "update"]
    if len(updates) != moves or any(e["control"] != plan.name for e in updates):
        result.problems.append(f"{moves} moves gave {len(updates)} kernel updates "
                               f"({sorted({e['control'] for e in updates})})")
    errors = {e["error"] for e in updates if e["error"]}
    result.problems += [f"the explorer failed: {e}" for e in sorted(errors)]
    timed = [e for e in updates[1:repeats + 1] if e["image_changed"]]
    result.kernel = [e["seconds"] * 1e3 for e in timed]
    result.png_bytes = [e["png_bytes"] for e in timed]
    return result


# --- the run ------------------------------------------------------------------------------

def percentile(values: list[float], q: float) -> float:
    """Linear-interpolated percentile (numpy's default), without numpy."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    k = (len(ordered) - 1) * q / 100
    low, high = math.floor(k), math.ceil(k)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except (AttributeError, OSError):  # Windows
        return "n/a"


def run(repeats: int = 15, only: list[str] | None = None, json_path: Path | None = None,
        out=sys.stdout, cached: bool = False) -> int:
    """Measure every control of every explorer (or those whose label is in ``only``),
    the floor before and after; print the table. Returns 0, or 1 when Chromium or
    playwright is missing or a control could not be measured."""
    import tempfile

    sys.path.insert(0, str(ROOT / "tests"))
    from browser_support import CHROMIUM_ARGS, JupyterLab, find_chromium, new_context, start_lab

    def say(text: str = "", end: str = "\n") -> None:
        print(text, file=out, flush=True, end=end)

    say("\n## Browser: key press on a control -> the explorer's new image in the page "
        "(JupyterLab, headless Chromium)")
    say("every move a new setting (the explorers' cache of recent settings off)" if not cached
        else "moves between two settings, served from the explorers' cache after the first")
    chromium = find_chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        say("not measured: playwright is not installed (pip install -e '.[test]')")
        return 1
    if chromium is None:
        say("not measured: no Chromium (on Debian/Ubuntu: apt-get install chromium)")
        return 1
    items = explorer_items()
    if only:
        items = [i for i in items if i.label in only or i.cls in only]
    load_start = load_average()
    started = time.perf_counter()
    # The kernels import this checkout's sgdlab, whatever the venv has installed.
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])
    results: list[ControlResult] = []
    plans: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="sgdlab-browser-bench-") as tmp:
        root, home = Path(tmp) / "root", Path(tmp) / "jupyter"
        root.mkdir()
        server = start_lab(root, home)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium, headless=True,
                                                     args=CHROMIUM_ARGS, timeout=60_000)
                try:
                    lab = JupyterLab(new_context(browser), server)
                    lab.reload()
                    sequence = [Item("floor")] + items + [Item("floor (end)")]
                    for item in sequence:
                        say(f"  measuring {item.label} ...")
                        try:
                            found, plan_line = measure_item(lab, item, root, repeats,
                                                            cached=cached)
                        except Exception as exc:  # one explorer's failure is reported
                            found = [ControlResult(item.label, "(all)",
                                                   problems=[f"{type(exc).__name__}: {exc}"])]
                            plan_line = next((e for e in read_log(root / f"{item.stem}.jsonl")
                                              if e.get("kind") == "plan"), {})
                            lab.discard()
                            server.shutdown_kernels()
                        results += found
                        plans[item.label] = plan_line
                finally:
                    browser.close()
        finally:
            server.stop()
    seconds = time.perf_counter() - started
    report(results, plans, repeats, load_start, load_average(), seconds, say)
    if json_path is not None:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps({
            "repeats": repeats, "load_average": [load_start, load_average()],
            "plans": plans, "results": [asdict(r) for r in results]}, indent=1),
            encoding="utf-8")
        say(f"raw figures: {json_path}")
    return 1 if any(r.problems for r in results) else 0


def report(results: list[ControlResult], plans: dict[str, dict], repeats: int,
           load_start: str, load_end: str, seconds: float, say) -> None:
    """Print the machine, the floor and one line per control."""
    facts = next((p["facts"] for p in plans.values() if p.get("facts")), {})
    say(f"machine: {facts.get('cpu', cpu_model())}, {facts.get('cores', os.cpu_count())} "
        f"cores; Python {facts.get('python', platform.python_version())}, numpy "
        f"{facts.get('numpy', '?')}; BLAS in the kernel: {'; '.join(facts.get('blas', []))}"
        + (f" (OPENBLAS_CORETYPE={facts['OPENBLAS_CORETYPE']})"
           if facts.get("OPENBLAS_CORETYPE") else ""))
    say(f"sgdlab from {facts.get('sgdlab', '?')}")
    say(f"load average (1, 5, 15 min): {load_start} at the start, {load_end} at the end; "
        f"run took {seconds:.0f} s")
    floor = [t for r in results if r.label.startswith("floor") for t in r.browser]
    floor_median = percentile(floor, 50)
    for r in results:
        if r.label.startswith("floor") and r.browser:
            say(f"floor ({r.label}): IntSlider -> Image, {len(r.browser)} moves: median "
                f"{percentile(r.browser, 50):.0f} ms, p90 {percentile(r.browser, 90):.0f} ms "
                f"(new src after {percentile(r.to_src, 50):.0f} ms)")
        if r.label.startswith("floor"):
            say("".join(f"floor ({r.label}) PROBLEM: {problem}\n" for problem in r.problems),
                end="")
    say(f"{repeats} timed moves per control after one warm-up; ms; browser = key press -> "
        "new image decoded; src = key press -> new image src set; kernel = the explorer's "
        "update in its kernel; over floor = browser median - floor median")
    say(f"targets: browser median <= {TARGET_MEDIAN_MS:.0f}, p90 <= {TARGET_P90_MS:.0f}; "
        f"kernel median <= {TARGET_KERNEL_MS:.0f}")
    header = (f"{'explorer':14} {'control':14} {'widget':16} {'n':>3} {'median':>7} "
              f"{'p90':>6} {'src':>6} {'kernel':>7} {'PNG kB':>7} {'floor':>6} "
              f"{'over floor':>10}  verdict")
    say(header)
    say("-" * len(header))
    for r in results:
        if r.label.startswith("floor"):
            continue
        if r.browser:
            med, p90 = percentile(r.browser, 50), percentile(r.browser, 90)
            kernel = percentile(r.kernel, 50)
            png = percentile(r.png_bytes, 50) / 1e3 if r.png_bytes else math.nan
            ok = (med <= TARGET_MEDIAN_MS and p90 <= TARGET_P90_MS
                  and kernel <= TARGET_KERNEL_MS)
            verdict = "ok" if ok else "SLOW (" + ", ".join(
                part for part, bad in (("median", med > TARGET_MEDIAN_MS),
                                       ("p90", p90 > TARGET_P90_MS),
                                       ("kernel", kernel > TARGET_KERNEL_MS)) if bad) + ")"
            say(f"{r.label:14} {r.control:14} {r.widget:16} {len(r.browser):3d} {med:7.0f} "
                f"{p90:6.0f} {percentile(r.to_src, 50):6.0f} {kernel:7.0f} {png:7.1f} "
                f"{floor_median:6.0f} {med - floor_median:10.0f}  {verdict}")
        if r.context:
            say(f"{r.label:14} {r.control:14} (timed with {r.context}: at the defaults its "
                "moves do not change the picture)")
        for problem in r.problems:
            say(f"{r.label:14} {r.control:14} PROBLEM: {problem}")
    timed = [r for r in results if r.browser and not r.label.startswith("floor")]
    if timed:
        medians = [percentile(r.browser, 50) for r in timed]
        pooled = [t for r in timed for t in r.browser]
        say(f"over all {len(timed)} controls: median of the medians {percentile(medians, 50):.0f}"
            f" ms; all moves pooled: median {percentile(pooled, 50):.0f} ms, p90 "
            f"{percentile(pooled, 90):.0f} ms; floor median {floor_median:.0f} ms")


def main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="3 timed moves per control instead of 15")
    parser.add_argument("--repeats", type=int, default=None,
                        help="timed moves per control (default 15, or 3 with --quick)")
    parser.add_argument("--explorer", action="append", default=None,
                        help="only this explorer (e.g. Momentum); may be repeated")
    parser.add_argument("--cached", action="store_true",
                        help="keep the explorers' cache of recent settings (default: off, "
                             "so that every move computes and draws)")
    parser.add_argument("--json", type=Path, default=None,
                        help="also write every timing to this JSON file")
    args = parser.parse_args(argv)
    repeats = args.repeats if args.repeats is not None else (3 if args.quick else 15)
    if repeats < 1:
        parser.error(f"--repeats must be at least 1, got {repeats}")
    return run(repeats, args.explorer, args.json, cached=args.cached)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
