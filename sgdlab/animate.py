"""Animated optimizer paths over a 2-D loss surface, as offline JavaScript HTML.

``animate_paths`` draws the contours of a problem once, then moves one marker (with
its trail) per optimizer along the recorded iterates, using matplotlib's
``FuncAnimation``. The result is the HTML of ``to_jshtml()``: the frames are embedded
PNGs with play/step buttons (plain Unicode symbols instead of matplotlib's
web-font icons), so it works offline and needs no ffmpeg. At most
``max_frames`` frames are drawn (the steps are subsampled evenly, always keeping the
first and the last), which keeps the HTML small.

Example::

    from IPython.display import HTML
    HTML(animate_paths(problem, {"GD": gd_points, "SGD": sgd_points}))
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from html import escape

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.animation import FuncAnimation

from sgdlab import _validate as check
from sgdlab import plots
from sgdlab.train import History

# matplotlib's player draws its buttons with Font Awesome icons fetched from a CDN;
# plain Unicode symbols keep the HTML fully offline.
_ICONS = {"fa-minus": "\u2212", "fa-fast-backward": "\u23ee", "fa-step-backward": "\u25c0|",
          "fa-play fa-flip-horizontal": "\u25c0", "fa-pause": "\u23f8", "fa-play": "\u25b6",
          "fa-step-forward": "|\u25b6", "fa-fast-forward": "\u23ed", "fa-plus": "+"}


def _offline(html: str, alt: str = "") -> str:
    """``html`` without the external stylesheet, its icons replaced by Unicode symbols;
    the frame image gets ``alt`` as its alt text and the frame slider a label, for
    screen readers (and pages checked for accessibility)."""
    html = re.sub(r'<link rel="stylesheet"\s+href="https?://[^"]*">', "", html)
    html = re.sub(r'<img id="(_anim_img\w*)"',
                  lambda m: f'<img id="{m.group(1)}" alt="{escape(alt, quote=True)}"', html)
    html = re.sub(r'<input id="(_anim_slider\w*)"',
                  lambda m: f'<input id="{m.group(1)}" aria-label="animation frame"', html)
    return re.sub(r'<i class="fa ([^"]+)"></i>', lambda m: _ICONS.get(m.group(1), "?"), html)


def frame_steps(n_steps: int, max_frames: int) -> np.ndarray:
    """The step shown in each frame: ``min(n_steps, max_frames)`` distinct steps from
    0 to ``n_steps - 1``, evenly spread, increasing, the first and the last included.

    Args:
        n_steps: number of recorded points of the longest path, >= 1.
        max_frames: the frame cap, >= 2.

    Returns:
        integer array of shape (frames,).
    """
    n_steps = check.integer("n_steps", n_steps, low=1)
    max_frames = check.integer("max_frames", max_frames, low=2)
    if n_steps <= max_frames:
        return np.arange(n_steps)
    steps = np.unique(np.round(np.linspace(0, n_steps - 1, max_frames)).astype(int))
    return steps


def _as_paths(paths) -> dict[str, np.ndarray]:
    if isinstance(paths, (History, np.ndarray)):
        paths = [paths]
    if isinstance(paths, Mapping):
        items = list(paths.items())
    elif isinstance(paths, Sequence) and not isinstance(paths, str):
        items = [(f"path {i + 1}", p) for i, p in enumerate(paths)]
    else:
        raise check.ArgumentTypeError("paths must be a History, an array of shape (steps, 2), "
                                      "a list of them or a dict label -> path; "
                                      f"got {type(paths).__name__}")
    if not items:
        raise ValueError("paths must hold at least one path; got none")
    out = {}
    for label, p in items:
        try:
            pts = plots._points(p)[:, :2]  # drops non-finite rows (a diverged run's tail)
        except check.ArgumentTypeError as err:
            raise check.ArgumentTypeError(f"paths: path {label!r}: {err}") from None
        except ValueError as err:
            raise ValueError(f"paths: path {label!r}: {err}") from None
        out[str(label)] = pts
    return out


def path_animation(problem, paths, *, ax=None, max_frames: int = 30,
                   interval: int = 100, trail: bool = True, xlim=None, ylim=None,
                   levels: int = 20, title: str | None = None) -> FuncAnimation:
    """A ``FuncAnimation`` of optimizer paths moving over the contours of ``problem``.

    Args:
        problem: anything with ``value(w)`` for ``w`` of shape (..., 2) (and optionally
            ``minimizers()``, ``saddles()``, ``default_view()``), as for
            :func:`sgdlab.plots.contour`.
        paths: a :class:`History` recorded with ``record_params=True``, an array of
            shape (steps, 2), a list of them, or a dict label -> path. Paths may have
            different lengths: a short one stays at its last point.
        ax: the axes to draw on (default: a new figure of its own, without tick labels,
            which are most of the cost of drawing each frame).
        max_frames: the frame cap, >= 2.
        interval: milliseconds between frames, >= 1.
        trail: draw the path travelled so far behind each marker.
        xlim, ylim, levels: passed to :func:`sgdlab.plots.contour`.
        title: axes title; the step number is appended in each frame.

    Returns:
        the animation; its ``frame_steps`` attribute holds the step of each frame.
    """
    plots._axes(ax)
    plots._surface(problem)
    max_frames = check.integer("max_frames", max_frames, low=2)
    interval = check.integer("interval", interval, low=1)
    trail = check.boolean("trail", trail)
    title = check.optional_str("title", title)
    levels = check.integer("levels", levels)
    xlim = None if xlim is None else check.limits("xlim", xlim)
    ylim = None if ylim is None else check.limits("ylim", ylim)
    pts = _as_paths(paths)
    own_axes = ax is None
    if own_axes:
        _, ax = plt.subplots(figsize=(4.8, 4.2), dpi=72)
    plots.contour(problem, ax=ax, xlim=xlim, ylim=ylim, levels=levels)
    if own_axes:  # tick labels are most of the cost of drawing a frame
        ax.set_xticks([])
        ax.set_yticks([])
    steps = frame_steps(max(len(p) for p in pts.values()), max_frames)
    markers, trails = [], []
    for label, p in pts.items():
        (trace,) = ax.plot(p[:1, 0], p[:1, 1], "-", linewidth=1.2, alpha=0.8)
        (dot,) = ax.plot(p[0, 0], p[0, 1], "o", color=trace.get_color(), markersize=8,
                         markeredgecolor="white", label=label)
        trace.set_visible(trail)
        markers.append(dot)
        trails.append(trace)
    ax.legend(loc="upper right", fontsize="small")
    head = f"{title}: " if title else ""
    text = ax.set_title(f"{head}step 0")

    def draw(frame: int):
        step = int(steps[frame])
        for p, dot, trace in zip(pts.values(), markers, trails, strict=True):
            k = min(step, len(p) - 1)
            dot.set_data(p[k:k + 1, 0], p[k:k + 1, 1])
            trace.set_data(p[:k + 1, 0], p[:k + 1, 1])
        text.set_text(f"{head}step {step}")
        return [*markers, *trails, text]

    anim = FuncAnimation(ax.figure, draw, frames=len(steps), interval=interval, blit=False,
                         repeat=True)
    anim.frame_steps = steps
    return anim


def animate_paths(problem, paths, *, ax=None, max_frames: int = 30, interval: int = 100,
                  trail: bool = True, xlim=None, ylim=None, levels: int = 20,
                  title: str | None = None) -> str:
    """The HTML (``to_jshtml()``) of :func:`path_animation`; arguments as there.

    When ``ax`` is None the figure made for the animation is closed afterwards, so a
    notebook shows the animation only, not a stray still picture.

    Returns:
        a self-contained HTML string; show it with ``IPython.display.HTML``.
    """
    own_figure = ax is None
    anim = path_animation(problem, paths, ax=ax, max_frames=max_frames, interval=interval,
                          trail=trail, xlim=xlim, ylim=ylim, levels=levels, title=title)
    try:
        alt = (f"Animation ({title}): " if title else "Animation: ") + (
            "optimizer paths over the loss contours, " + ", ".join(map(str, paths)))
        return _offline(anim.to_jshtml(default_mode="once"), alt)
    finally:
        if own_figure:
            plt.close(anim._fig)
