"""The machinery every interactive explorer in the course shares.

An :class:`Explorer` owns some ipywidgets controls, one matplotlib ``Figure`` and an
``Image`` widget. When a control changes it recomputes, updates the figure's
artists in place and shows the figure as a fresh PNG. The figure is never handed to
pyplot, so figures do not pile up below the cell, and replacing the image's bytes
does not flicker. An explorer that declares what changes (:meth:`Explorer.animate`)
is blitted: everything else is drawn once, and a redraw paints only the declared
artists over that saved background (one background per :meth:`Explorer.background_key`,
for explorers whose fixed parts change with a menu or an axis range). Fixed artists that
must lie on top of the changing ones (legends) are declared with :meth:`Explorer.overlay`:
their pixels are kept too and pasted over each redraw, because drawing text is the most
expensive part of a redraw; for the same reason a title that takes a few values is a
:meth:`Explorer.stamp`, drawn once per value. The image sent is a 256-colour PNG, a
quarter of the bytes of a full-colour one and several times faster to write. A callback
that fails shows a short message in the widget and is kept in ``explorer.error`` (tests
assert it stays None): nothing is swallowed.
"""

from __future__ import annotations

import base64
import html
import io
import math
import re
import time
import traceback
from collections.abc import Hashable
from typing import Any

import ipywidgets as widgets
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter
from PIL import Image

from sgdlab.i18n import _


class Explorer:
    """Base class: subclasses define ``setup(fig)``, ``compute(**values)`` and ``draw(result)``.

    Args:
        controls: name -> ipywidgets control; the names are the keyword arguments
            that ``compute`` receives.
        figsize: figure size in inches.
        dpi: resolution of the PNG shown.
    """

    def __init__(self, controls: dict[str, widgets.ValueWidget], *,
                 figsize: tuple[float, float] = (10.0, 4.0), dpi: int = 80):
        self.controls = controls
        for control in controls.values():
            if hasattr(control, "continuous_update"):
                control.continuous_update = False  # recompute on release, not on every pixel
            control.observe(self._on_change, names="value")
        self.dpi = dpi
        self.fig = Figure(figsize=figsize, dpi=dpi, layout="constrained")
        self._animated: list = []
        self._overlays: list = []
        self._stamped: list = []
        # (text artist, its string, colour, background key) -> its pixels
        self._stamps: dict[tuple, Any] = {}
        # background key -> (pixels without the animated artists, overlays' pixels)
        self._backgrounds: dict[Hashable, tuple[Any, list]] = {}
        self.image = widgets.Image(format="png")
        self.status = widgets.HTML()
        self.result: Any = None
        self.error: BaseException | None = None
        self.last_update_seconds = 0.0
        self.updates = 0
        # the last settings drawn: (result, PNG bytes) by control values, oldest first
        self._drawn: dict[tuple, tuple[Any, bytes]] = {}
        self.setup(self.fig)
        if self.fig.get_layout_engine() is not None:
            # Lay the figure out once and freeze it: the constrained layout would cost
            # more than the rest of a redraw. (No engine at all, rather than "none":
            # savefig then skips a second, dry-run draw.) Explorers whose titles change
            # set stand-in titles of the right height in setup().
            self.fig.draw_without_rendering()
            self.fig.set_layout_engine(None)
        if self._animated:
            self._animated.sort(key=lambda a: a.get_zorder())
        self.refresh()

    # --- what a subclass provides -------------------------------------------------
    def setup(self, fig: Figure) -> None:
        """Create the axes and everything that does not change (contours, labels)."""

    def compute(self, **values) -> Any:
        """Run whatever the controls ask for; the result goes to :meth:`draw`."""
        raise NotImplementedError

    def draw(self, result: Any) -> str:
        """Update the figure's artists for ``result``; return a one-line HTML status."""
        raise NotImplementedError

    def animate(self, *artists) -> None:
        """Declare, in ``setup``, what changes between redraws: lines, texts, images, or
        whole axes (their ticks, limits and titles included). Everything else is drawn
        once and kept; a redraw paints only these, in z-order, over the kept background.

        Without any declaration the whole figure is drawn every time. With one, whatever
        is not declared must stay exactly as ``setup`` left it.
        """
        for artist in artists:
            artist.set_animated(True)
            self._animated.append(artist)

    def stamp(self, *texts) -> None:
        """Declare, in ``setup``, texts that change but take few values (a title that
        names the schedule or says "diverged"), outside the data area. Each value is
        drawn once; after that its pixels are pasted, since drawing text costs more than
        most of a redraw."""
        for text in texts:
            text.set_animated(True)
            self._stamped.append(text)

    KEPT_STAMPS = 64
    """How many drawn texts :meth:`stamp` keeps, the oldest dropped."""

    def _paste_stamps(self, canvas: FigureCanvasAgg, key: Hashable) -> None:
        for text in self._stamped:
            if not text.get_visible() or not text.get_text():
                continue
            which = (id(text), text.get_text(), str(text.get_color()), key)
            pixels = self._stamps.pop(which, None)
            if pixels is None:
                self.fig.draw_artist(text)
                box = text.get_window_extent(canvas.get_renderer()).padded(2)
                pixels = canvas.copy_from_bbox(box)
            else:
                canvas.restore_region(pixels)
            keep_recent(self._stamps, which, pixels, self.KEPT_STAMPS)

    def overlay(self, *artists) -> None:
        """Declare, in ``setup``, fixed artists that lie on top of the changing ones: a
        legend inside the axes, say. They are drawn once per background and their pixels
        pasted over every redraw, so an overlay must be opaque (a legend with
        ``framealpha=1``) and must not change after ``setup``."""
        for artist in artists:
            artist.set_animated(True)
            self._overlays.append(artist)

    # --- the machinery ------------------------------------------------------------
    def background_key(self) -> Hashable:
        """Which kept background fits the figure as :meth:`draw` left it. An explorer
        whose fixed parts change with a control (a panel shown instead of another, an
        axis range) returns one key per state and gets one background per key, drawn
        the first time it is needed. Default: a single background."""
        return None

    KEPT_BACKGROUNDS = 24
    """How many backgrounds are kept (each is a screenful of pixels), the oldest dropped."""

    def _background(self) -> tuple[Any, list]:
        """The pixels of everything neither animated nor an overlay, and the overlays'
        own pixels, for the current background key: drawn once per key, then kept."""
        key = self.background_key()
        background = self._backgrounds.pop(key, None) or self._draw_background()
        keep_recent(self._backgrounds, key, background, max(self.KEPT_BACKGROUNDS, 1))
        return background

    def _draw_background(self) -> tuple[Any, list]:
        canvas = FigureCanvasAgg(self.fig)
        canvas.draw()
        background = canvas.copy_from_bbox(self.fig.bbox)
        renderer = canvas.get_renderer()
        stamps = []
        for artist in self._overlays:
            if artist.get_visible() and (artist.axes is None or artist.axes.get_visible()):
                self.fig.draw_artist(artist)
                # two pixels beyond the outline: the frame's edge is snapped to whole
                # pixels and antialiased, and the copy drops a last partial pixel
                box = artist.get_window_extent(renderer).padded(2)
                stamps.append(canvas.copy_from_bbox(box))
        return background, stamps

    def _png(self) -> bytes:
        """The figure as PNG bytes: at most 256 colours, light compression."""
        if not (self._animated or self._overlays or self._stamped):
            canvas = FigureCanvasAgg(self.fig)
            canvas.draw()
        else:
            background, stamps = self._background()
            canvas = self.fig.canvas
            canvas.restore_region(background)
            self._paste_stamps(canvas, self.background_key())
            for artist in self._animated:
                self.fig.draw_artist(artist)
            for pixels in stamps:
                canvas.restore_region(pixels)
        return png_bytes(canvas)

    @property
    def values(self) -> dict[str, Any]:
        """The controls' current values, by name."""
        return {name: c.value for name, c in self.controls.items()}

    def set(self, **values) -> None:
        """Set controls by name, as a learner moving them would (each change redraws)."""
        for name, value in values.items():
            if name not in self.controls:
                raise ValueError(f"unknown control {name!r}; this explorer has "
                                 f"{', '.join(self.controls)}")
            self.controls[name].value = value

    def _on_change(self, change) -> None:
        self.refresh()

    CACHED_SETTINGS = 32
    """How many recent settings keep their result and image: moving a slider back to a
    position seen before costs no run and no rendering."""

    def refresh(self) -> None:
        """Recompute and redraw for the controls' current values."""
        start = time.perf_counter()
        try:
            key = tuple(self.values.items())
            if key in self._drawn:
                self.result, png = self._drawn.pop(key)
                self.status.value = self.draw(self.result)  # the artists follow the image
            else:
                self.result = self.compute(**self.values)
                self.status.value = self.draw(self.result)
                png = self._png()
            keep_recent(self._drawn, key, (self.result, png), self.CACHED_SETTINGS)
            self.image.value = png
            self.error = None
        except Exception as exc:  # shown to the learner, kept for the tests
            self.error = exc
            last = traceback.format_exception_only(type(exc), exc)[-1].strip()
            self.status.value = (
                "<span style='color:#b00020'>"
                + _("This setting could not be drawn: {error}").format(error=last) + "</span>"
            )
        self.last_update_seconds = time.perf_counter() - start
        self.updates += 1

    @property
    def widget(self) -> widgets.Widget:
        """The whole explorer as one widget: controls, status line, figure."""
        return widgets.VBox([widgets.HBox(list(self.controls.values())), self.status,
                             self.image])

    def _repr_mimebundle_(self, **kwargs):
        """Jupyter shows an explorer as its widget. Beside the widget view the bundle
        carries the figure of the current setting as a PNG, which whatever has no widget
        manager shows instead: the course website, GitHub, nbviewer. JupyterLab prefers
        the widget view, so a learner sees the live explorer. Its plain-text form is the
        status line (in the learner's language), which the website shows under the
        still."""
        bundle = self.widget._repr_mimebundle_(**kwargs)
        if self.image.value:
            bundle["image/png"] = base64.b64encode(self.image.value).decode("ascii")
        if self.status.value:
            bundle["text/plain"] = status_text(self.status.value)
        return bundle


def keep_recent(cache: dict, key: Hashable, value: Any, most: int) -> None:
    """Store ``cache[key] = value`` as the most recent entry, dropping the oldest beyond
    ``most`` (a dict keeps insertion order, so the first entry is the oldest)."""
    cache.pop(key, None)
    cache[key] = value
    while len(cache) > most:
        del cache[next(iter(cache))]


def png_bytes(canvas: FigureCanvasAgg) -> bytes:
    """A drawn Agg canvas as a PNG of at most 256 colours (PIL's fast octree quantizer).

    A figure of lines on a white background has few colours, so the palette loses
    nothing the eye can tell, and the file is about a quarter of a full-colour PNG's:
    3-4 times faster to write, to send over the websocket and to decode in the browser.
    """
    rgb = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(), "raw",
                           "RGBA", 0, 1).convert("RGB")
    buffer = io.BytesIO()
    rgb.quantize(256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE).save(
        buffer, format="png", compress_level=1)
    return buffer.getvalue()


def status_text(status: str) -> str:
    """A status line's HTML (``flag`` colours, ``<br>``, entities) as plain text."""
    text = re.sub(r"<br\s*/?>", "\n", status)
    return html.unescape(re.sub(r"<[^>]+>", "", text)).strip()


def plain_tick(value: float, _pos=None) -> str:
    """A tick label without mathtext: 0.01, 1, 100, 1e-6, 1e6."""
    return f"{value:g}".replace("e-0", "e-").replace("e+0", "e").replace("e+", "e")


# For log axes: matplotlib's default 10^k labels go through mathtext, whose parsing
# costs more per redraw than most of the explorers' training runs.
LOG_TICKS = FuncFormatter(plain_tick)


def decades(low: float, high: float) -> tuple[float, float]:
    """The whole powers of ten around ``[low, high]`` (both > 0): a log axis range that
    stays put while the data move within it, so that the axis can be part of a kept
    background (:meth:`Explorer.background_key`) instead of being drawn at every redraw."""
    return 10.0 ** math.floor(math.log10(low)), 10.0 ** math.ceil(math.log10(high))


def flag(text: str, ok: bool) -> str:
    """A status fragment: green when ``ok``, red otherwise."""
    color = "#1b7f3b" if ok else "#b00020"
    return f"<b style='color:{color}'>{text}</b>"
