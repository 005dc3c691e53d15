"""The marker key matches the markers sgdlab.plots draws."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from sgdlab import plots  # noqa: E402
from sgdlab.objectives import DoubleWell  # noqa: E402
from sgdlab.plot_key import MARKERS, marker_key  # noqa: E402


def test_key_uses_the_markers_the_plots_draw():
    fig, ax = plt.subplots()
    plots.contour(DoubleWell(tilt=0.3), ax=ax)
    plots.path(np.array([[1.0, 1.0], [0.5, 0.2], [0.9, 0.0]]), ax=ax)
    drawn = {(line.get_marker(), matplotlib.colors.to_hex(line.get_color()))
             for line in ax.get_lines()}
    assert marker_key(ax) is ax
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["start", "end", "minimum", "saddle"]
    for name in ("minimum", "saddle"):
        style = MARKERS[name]
        assert (style["marker"], matplotlib.colors.to_hex(style["color"])) in drawn, name
    shapes = {marker for marker, _ in drawn}
    assert {"o", "s"} <= shapes
    plt.close(fig)


@pytest.mark.parametrize("items", [(), "start", ("start", "peak")])
def test_bad_items(items):
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="items"):
        marker_key(ax, items=items)
    plt.close(fig)
