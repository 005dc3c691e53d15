"""A legend that explains the markers ``sgdlab.plots`` draws on contour plots.

``plots.contour`` marks minimisers with a crimson star and saddles with a black cross;
``plots.path`` marks where a path starts (a large dot) and ends (a square). A learner
should not have to guess: ``marker_key`` adds a legend with one entry per marker.

>>> import matplotlib.pyplot as plt
>>> ax = marker_key(plt.figure().gca(), items=("start", "minimum"))
>>> [t.get_text() for t in ax.get_legend().get_texts()]
['start', 'minimum']
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from sgdlab._validate import ArgumentTypeError

# the same styles as sgdlab.plots.contour and sgdlab.plots.path
MARKERS = {
    "start": dict(marker="o", color="0.3", markersize=7, markeredgecolor="white"),
    "end": dict(marker="s", color="0.3", markersize=6, markeredgecolor="white"),
    "minimum": dict(marker="*", color="crimson", markersize=12),
    "saddle": dict(marker="x", color="black", markersize=9),
}


def marker_key(ax=None, *, items: tuple[str, ...] = ("start", "end", "minimum", "saddle"),
               **legend_options):
    """Add a legend explaining the markers in ``items`` (any of "start", "end",
    "minimum", "saddle", in the order given) to ``ax`` and return the axes.
    ``legend_options`` go to ``ax.legend`` (e.g. ``loc``, ``fontsize``)."""
    if ax is not None and not isinstance(ax, Axes):
        raise ArgumentTypeError("ax must be a matplotlib Axes (e.g. from plt.subplots()) or "
                                f"None; got {type(ax).__name__}")
    if not isinstance(items, tuple | list) or not items:
        raise ArgumentTypeError(f"items must be a non-empty tuple of names from "
                                f"{tuple(MARKERS)}; got {type(items).__name__} {items!r}")
    unknown = [name for name in items if not isinstance(name, str) or name not in MARKERS]
    if unknown:
        raise ValueError(f"items must be names from {tuple(MARKERS)}; got {unknown}")
    ax = ax or plt.gca()
    handles = [Line2D([], [], linestyle="none", label=name, **MARKERS[name]) for name in items]
    legend_options.setdefault("fontsize", "small")
    ax.legend(handles=handles, **legend_options)
    return ax
