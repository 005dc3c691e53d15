"""The course-specific parts of the website, as a small Sphinx extension.

- **Course map in the sidebar.** The landing page (README) gets a hidden table of
  contents: notebooks 00-09, each with the reading time that ``scripts/build_nav.py``
  wrote into its first cell, then the exercises. Sphinx derives the sidebar and the
  previous/next links from it.
- **A "run it" box on every page**: the page's notebook on Binder, and the local way
  (``python3 course.py lab``).
- **Explorers as stills.** An explorer's output is the PNG of its default setting (the
  widget view is dropped in conf.py); below it goes a "run it live" link.
- **Nothing from elsewhere.** MathJax is copied from the ``sphinx-mathjax-offline``
  wheel into ``_static/mathjax``; an image with a remote address (README's Binder
  badge) is replaced by its alt text, so the page makes no request to another host.
"""

from __future__ import annotations

import json
import re
import shutil
from importlib import metadata
from pathlib import Path
from urllib.parse import quote

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms import SphinxTransform

ROOT = Path(__file__).resolve().parents[1]
REPOSITORY = "https://github.com/sgdlab/sgd-lab"
BINDER_BASE = "https://mybinder.org/v2/gh/sgdlab/sgd-lab/HEAD"
START = "notebooks/00_start_here.ipynb"
READING = re.compile(r"Reading time: (?:about )?([^.;]+)")
#: The parts of MathJax 3 the site uses: the TeX-to-HTML component, the fonts it
#: loads, the TeX extensions it may autoload, and the menu's accessibility parts.
MATHJAX_PARTS = ("tex-chtml.js", "output/chtml", "input/tex/extensions", "ui", "a11y",
                 "sre", "adaptors")


# --- the course map -----------------------------------------------------------------
def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def notebook_title(path: Path) -> str:
    """A notebook's first ``# `` heading outside the generated navigation cells."""
    for cell in _load(path)["cells"]:
        if cell["cell_type"] != "markdown" or "nav" in cell["metadata"].get("tags", []):
            continue
        for line in "".join(cell["source"]).splitlines():
            if line.startswith("# "):
                return line[2:].strip()
    return path.stem


def reading_time(path: Path) -> str | None:
    """The reading time build_nav.py wrote into the notebook's first cell, e.g.
    ``"1 h 5 min"``; None when it has none."""
    cells = _load(path)["cells"]
    if not cells:
        return None
    found = READING.search("".join(cells[0]["source"]))
    return found.group(1).strip() if found else None


def course_map(srcdir: Path) -> str:
    """The hidden toctree (MyST) appended to the landing page."""
    lines = ["", "", "```{toctree}", ":hidden:", ":caption: Course", ""]
    for path in sorted((srcdir / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        minutes = reading_time(path)
        title = notebook_title(path) + (f" ({minutes})" if minutes else "")
        lines.append(f"{title} <notebooks/{path.stem}>")
    lines += ["```", "", "```{toctree}", ":hidden:", ":caption: Exercises", "",
              "Exercises: how they work <exercises/README>"]
    for path in sorted((srcdir / "exercises").glob("[0-9][0-9]_*.ipynb")):
        lines.append(f"{notebook_title(path)} <exercises/{path.stem}>")
    lines += ["```", "", "```{toctree}", ":hidden:", ":caption: Teaching", "",
              "Teaching a class on JupyterHub <deploy/README>", "```", ""]
    return "\n".join(lines)


#: Files README links to that are not pages of the site: the link goes to the
#: repository instead (the Chinese edition has no site pages yet).
OFF_SITE = ("README.zh-CN.md",)


def add_course_map(app: Sphinx, docname: str, source: list[str]) -> None:
    if docname == app.config.root_doc:
        for name in OFF_SITE:
            source[0] = source[0].replace(f"]({name})", f"]({REPOSITORY}/blob/HEAD/{name})")
        source[0] += course_map(Path(app.srcdir))


# --- "run it" -----------------------------------------------------------------------
def binder_url(path: str) -> str:
    """Binder's address of the course, opened in JupyterLab on ``path``."""
    return f"{BINDER_BASE}?urlpath={quote('lab/tree/' + path, safe='/')}"


def notebook_path(app: Sphinx, docname: str) -> str:
    """The file to open for a page: the notebook itself, or the start page."""
    source = Path(app.env.doc2path(docname)).relative_to(app.srcdir).as_posix()
    return source if source.endswith(".ipynb") else START


def run_it_box(path: str) -> nodes.Element:
    """An admonition: this page's notebook on Binder, or on the learner's computer."""
    box = nodes.admonition(classes=["sgdlab-run-it", "tip"], ids=["run-it"])
    box += nodes.title(text="Run it")
    para = nodes.paragraph()
    para += nodes.Text("Live, in your browser: ")
    para += nodes.reference("", f"open {path} on Binder", refuri=binder_url(path),
                            internal=False)
    para += nodes.Text(" (nothing to install; the first start takes a minute). "
                       "On your computer, from the course folder: ")
    para += nodes.literal(text="python3 course.py lab")
    para += nodes.Text(" (Windows: ")
    para += nodes.literal(text="py course.py lab")
    para += nodes.Text(f") opens JupyterLab; then open {path} in your workspace.")
    box += para
    return box


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def is_explorer(bundle: nodes.Element) -> bool:
    """Whether an output bundle is an explorer: a widget view with a PNG still."""
    kinds = {child.get("mime_type") for child in bundle.children}
    return WIDGET_VIEW in kinds and "image/png" in kinds


def live_note(path: str) -> nodes.paragraph:
    note = nodes.paragraph(classes=["sgdlab-live"])
    note += nodes.Text("A still of the explorer at its default setting. ")
    note += nodes.reference("", "Run it live on Binder", refuri=binder_url(path),
                            internal=False)
    note += nodes.Text(", or in JupyterLab on your computer (see Run it at the top of "
                       "the page), to move its controls.")
    return note


class CoursePage(SphinxTransform):
    """Every page: the "run it" box after its title; a "run it live" link below each
    explorer's still; remote images replaced by their alt text (kept in their link)."""

    default_priority = 880

    def apply(self) -> None:
        path = notebook_path(self.app, self.env.docname)
        section = next(iter(self.document.findall(nodes.section)), None)
        if section is not None:
            section.insert(1, run_it_box(path))
        else:
            self.document.insert(0, run_it_box(path))
        for bundle in list(self.document.findall(nodes.container)):
            if bundle.get("nb_element") == "mime_bundle" and is_explorer(bundle):
                bundle.parent.insert(bundle.parent.index(bundle) + 1, live_note(path))
        for image in list(self.document.findall(nodes.image)):
            if re.match(r"(?i)^(https?:)?//", image.get("uri", "")):
                image.replace_self(nodes.inline(text=image.get("alt", "")))


def mathjax_dir() -> Path:
    """MathJax 3's folder inside the installed sphinx-mathjax-offline wheel."""
    for entry in metadata.files("sphinx-mathjax-offline") or ():
        if entry.name == "tex-chtml.js" and entry.parent.name == "mathjax":
            return Path(entry.locate()).parent
    raise RuntimeError("sphinx-mathjax-offline is not installed (pip install .[site])")


def copy_mathjax(app: Sphinx, exc: Exception | None) -> None:
    if exc is not None or app.builder.format != "html":
        return
    source, target = mathjax_dir(), Path(app.outdir) / "_static" / "mathjax"
    for part in MATHJAX_PARTS:
        if (source / part).is_dir():
            shutil.copytree(source / part, target / part, dirs_exist_ok=True)
        elif (source / part).exists():
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / part, target / part)


def drop_widget_state(app: Sphinx, doctree: nodes.document) -> None:
    """No widget manager runs on the site, so the widgets' saved state (their PNGs a
    second time) would only add weight."""
    metadata = getattr(app.env, "nb_metadata", {}).get(app.env.docname, {})
    metadata.get("js_files", {}).pop("ipywidgets_state", None)


REDIRECT = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>SGD Lab</title>
<meta http-equiv="refresh" content="0; url=README.html"></head>
<body><main><p><a href="README.html">SGD Lab: the course starts here</a></p></main></body>
</html>
"""


def write_entry_page(app: Sphinx, exc: Exception | None) -> None:
    """``index.html``, the address a static host serves first, leads to the landing page;
    the theme's template fragments that land in ``_static`` (not pages) are removed."""
    if exc is None and app.builder.format == "html" and app.config.root_doc != "index":
        (Path(app.outdir) / "index.html").write_text(REDIRECT, encoding="utf-8")
        for fragment in (Path(app.outdir) / "_static").glob("*macros.html"):
            fragment.unlink()


def move_output_folder(app: Sphinx) -> None:
    """myst-nb writes the notebooks' images to ``jupyter_execute/`` beside the output
    folder (the project's root for ``_site/``); keep them beside the cache instead."""
    cache = Path(app.env.mystnb_config.execution_cache_path)
    app.env.mystnb_config = app.env.mystnb_config.copy(
        output_folder=str(cache.parent / "jupyter_execute"))


def setup(app: Sphinx) -> dict:
    app.add_config_value("sgdlab_binder_base", BINDER_BASE, "html")
    app.connect("builder-inited", move_output_folder, priority=900)  # after myst-nb's
    app.connect("source-read", add_course_map)
    app.add_transform(CoursePage)
    app.connect("doctree-read", drop_widget_state)
    app.connect("build-finished", copy_mathjax)
    app.connect("build-finished", write_entry_page)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
