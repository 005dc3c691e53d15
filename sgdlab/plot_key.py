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
from matplotlib.lines import Line2D

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
    ax = ax or plt.gca()
    if isinstance(items, str) or not items:
        raise ValueError(f"items must be a non-empty tuple of names from {tuple(MARKERS)}; "
                         f"got {items!r}")
    unknown = [name for name in items if name not in MARKERS]
    if unknown:
        raise ValueError(f"items must be names from {tuple(MARKERS)}; got {unknown}")
    handles = [Line2D([], [], linestyle="none", label=name, **MARKERS[name]) for name in items]
    legend_options.setdefault("fontsize", "small")
    ax.legend(handles=handles, **legend_options)
    return ax
