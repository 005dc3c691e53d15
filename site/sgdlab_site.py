"""The course-specific parts of the website, as a small Sphinx extension.

- **Course map in the sidebar.** The landing page (README) gets a hidden table of
  contents: notebooks 00-09, each with the reading time that ``scripts/build_nav.py``
  wrote into its first cell, then the exercises. Sphinx derives the sidebar and the
  previous/next links from it.
- **A "run it" box on every page**: the page's notebook on Binder, and the local way
  (``python3 course.py lab``).
- **Explorers as stills.** An explorer's output is the PNG of its default setting (the
  widget view is dropped in conf.py); below it goes a "run it live" link.
- **Two editions, one switch.** :data:`EDITIONS` holds what differs between the
  English site and the Chinese one (``_site/zh/``, from notebooks/zh/, exercises/zh/ and
  README.zh-CN.md): sources, start page, the words of the boxes above. Every page gets a
  language switch (``中文`` / ``English``) in its header that leads to the same page in
  the other edition (its home page where the page has no twin).
- **Chinese search.** The Chinese edition's search index holds Chinese words: jieba
  splits the text, with the glossary's terms (i18n/zh_CN/glossary.tsv) kept whole.
- **Nothing from elsewhere.** MathJax is copied from the ``sphinx-mathjax-offline``
  wheel into ``_static/mathjax``; an image with a remote address (README's Binder
  badge) is replaced by its alt text, so the page makes no request to another host.
"""

from __future__ import annotations

import html
import json
import logging
import re
import shutil
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from urllib.parse import quote

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms import SphinxTransform
from sphinx.util import logging as sphinx_logging

ROOT = Path(__file__).resolve().parents[1]
logger = sphinx_logging.getLogger(__name__)
REPOSITORY = "https://github.com/sgdlab/sgd-lab"
BINDER_BASE = "https://mybinder.org/v2/gh/sgdlab/sgd-lab/HEAD"
#: The parts of MathJax 3 the site uses: the TeX-to-HTML component, the fonts it
#: loads, the TeX extensions it may autoload, and the menu's accessibility parts.
MATHJAX_PARTS = ("tex-chtml.js", "output/chtml", "input/tex/extensions", "ui", "a11y",
                 "sre", "adaptors")


@dataclass(frozen=True)
class Edition:
    """What differs between the English and the Chinese site.

    ``notebooks``/``exercises``: the folders of its pages (relative to the course);
    ``subdir``: where the edition lives inside ``_site/`` (``""``: at its root);
    ``reading``: the pattern of the reading time in a notebook's first (nav) cell;
    ``words``: the text of the course map, the "run it" box and the explorers' notes.
    """

    code: str
    language: str
    hreflang: str
    root_doc: str
    notebooks: str
    exercises: str
    subdir: str
    title: str
    lab_command: str
    reading: re.Pattern
    words: dict[str, str] = field(repr=False)
    extra_sources: tuple[str, ...] = ()

    @property
    def sources(self) -> tuple[str, ...]:
        """Sphinx's ``include_patterns`` for this edition."""
        return (f"{self.root_doc}.md", f"{self.notebooks}/*.ipynb",
                f"{self.exercises}/*.ipynb") + self.extra_sources

    @property
    def student_pattern(self) -> str:
        """The student versions: shown as handed out, never executed."""
        return f"{self.exercises}/*"

    @property
    def start(self) -> str:
        return f"{self.notebooks}/00_start_here.ipynb"

    def key(self, docname: str) -> str:
        """The page's name common to both editions: ``home``, ``notebooks/01_x``,
        ``exercises/01_x``, or the docname itself (``search``, ``deploy/README``)."""
        if docname == self.root_doc:
            return "home"
        for kind, folder in (("notebooks", self.notebooks), ("exercises", self.exercises)):
            stem = docname.removeprefix(folder + "/")
            if stem != docname and "/" not in stem and re.match(r"\d\d_", stem):
                return f"{kind}/{stem}"
        return docname

    def docname(self, key: str) -> str:
        """The inverse of :meth:`key`."""
        if key == "home":
            return self.root_doc
        kind, _, stem = key.partition("/")
        if kind in ("notebooks", "exercises") and re.match(r"\d\d_", stem):
            return f"{getattr(self, kind)}/{stem}"
        return key


EDITIONS: dict[str, Edition] = {
    "en": Edition(
        code="en", language="en", hreflang="en", root_doc="README",
        notebooks="notebooks", exercises="exercises", subdir="", title="SGD Lab",
        lab_command="course.py lab", reading=re.compile(r"Reading time: (?:about )?([^.;]+)"),
        extra_sources=("exercises/README.md", "deploy/README.md"),
        words={"course": "Course", "exercises": "Exercises", "teaching": "Teaching",
               "exercises_readme": "Exercises: how they work",
               "deploy_readme": "Teaching a class on JupyterHub",
               "run_it": "Run it", "live": "Live, in your browser: ",
               "open": "open {path} on Binder",
               "local": " (nothing to install; the first start takes a minute). "
                        "On your computer, from the course folder: ",
               "windows": " (Windows: ", "then": ") opens JupyterLab; then open {path} in "
                                                 "your workspace.",
               "still": "A still of the explorer at its default setting. ",
               "run_live": "Run it live on Binder",
               "controls": ", or in JupyterLab on your computer (see Run it at the top "
                           "of the page), to move its controls.",
               "switch": "中文", "switch_title": "这一页的中文版",
               "minutes": " ({minutes})"}),
    "zh_CN": Edition(
        code="zh_CN", language="zh_CN", hreflang="zh-CN", root_doc="README.zh-CN",
        notebooks="notebooks/zh", exercises="exercises/zh", subdir="zh",
        title="SGD Lab 中文版", lab_command="course.py lab --lang zh",
        reading=re.compile(r"阅读时间：(?:约\s*)?([^。；;]+)"),
        words={"course": "课程", "exercises": "练习", "teaching": "教学",
               "run_it": "动手运行", "live": "直接在浏览器里运行：",
               "open": "在 Binder 上打开 {path}",
               "local": "（无需安装；第一次启动要等一分钟左右）。在你自己的电脑上，"
                        "于课程文件夹中运行 ",
               "windows": "（Windows 上用 ", "then": "）打开 JupyterLab，然后在你的工作区里"
                                                   "打开 {path}。",
               "still": "探索器在默认设置下的静态图。",
               "run_live": "在 Binder 上实时运行",
               "controls": "，或者在你电脑上的 JupyterLab 里运行（见本页顶部的“动手运行”），"
                           "就可以拖动它的控件。",
               "switch": "English", "switch_title": "This page in English",
               "minutes": "（{minutes}）"}),
}
#: The English edition's name for the default (and for code that knows one edition).
START = EDITIONS["en"].start
READING = EDITIONS["en"].reading


def edition_of(app: Sphinx) -> Edition:
    return EDITIONS[app.config.sgdlab_edition]


def other_edition(edition: Edition) -> Edition:
    return next(e for e in EDITIONS.values() if e is not edition)


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


def reading_time(path: Path, edition: Edition = EDITIONS["en"]) -> str | None:
    """The reading time build_nav.py (or i18n.py) wrote into the notebook's first cell,
    e.g. ``"1 h 5 min"`` or ``"1 小时 5 分钟"``; None when it has none."""
    cells = _load(path)["cells"]
    if not cells:
        return None
    found = edition.reading.search("".join(cells[0]["source"]))
    return found.group(1).strip() if found else None


def course_map(srcdir: Path, edition: Edition = EDITIONS["en"]) -> str:
    """The hidden toctree (MyST) appended to the landing page."""
    words = edition.words
    lines = ["", "", "```{toctree}", ":hidden:", f":caption: {words['course']}", ""]
    for path in sorted((srcdir / edition.notebooks).glob("[0-9][0-9]_*.ipynb")):
        minutes = reading_time(path, edition)
        title = notebook_title(path) + (words["minutes"].format(minutes=minutes)
                                        if minutes else "")
        lines.append(f"{title} <{edition.notebooks}/{path.stem}>")
    lines += ["```", "", "```{toctree}", ":hidden:", f":caption: {words['exercises']}", ""]
    if "exercises_readme" in words:
        lines.append(f"{words['exercises_readme']} <{edition.exercises}/README>")
    for path in sorted((srcdir / edition.exercises).glob("[0-9][0-9]_*.ipynb")):
        lines.append(f"{notebook_title(path)} <{edition.exercises}/{path.stem}>")
    lines += ["```", ""]
    if "deploy_readme" in words:
        lines += ["```{toctree}", ":hidden:", f":caption: {words['teaching']}", "",
                  f"{words['deploy_readme']} <deploy/README>", "```", ""]
    return "\n".join(lines)


def site_url(edition: Edition, docname: str) -> str:
    """A page's address relative to the root of ``_site/``."""
    return (f"{edition.subdir}/" if edition.subdir else "") + f"{docname}.html"


def off_site_links(edition: Edition, srcdir: Path) -> dict[str, str]:
    """Files the landing page links to that are not pages of this edition: their
    address relative to the edition's root (a page of the other edition, or the
    repository)."""
    other = other_edition(edition)
    up = "../" * (edition.subdir.count("/") + 1) if edition.subdir else ""
    links = {}
    for pattern in other.sources:
        for path in srcdir.glob(pattern):
            rel = path.relative_to(srcdir).as_posix()
            if not any(Path(rel).match(p) for p in edition.sources):
                docname = rel.rsplit(".", 1)[0]
                links[rel] = up + site_url(other, docname)
    return links


LINK = re.compile(r"\[((?:[^\[\]]|\[[^\]]*\])*)\]\(([^)\s]+)\)")


def _html_link(text: str, url: str) -> str:
    """A Markdown link as inline HTML (MyST leaves it alone: no cross-reference)."""
    inner = re.sub(r"`([^`]+)`", lambda m: f"<code>{html.escape(m.group(1))}</code>",
                   html.escape(text, quote=False).replace("&amp;", "&"))
    inner = re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", inner)
    return f'<a href="{html.escape(url)}">{inner}</a>'


def add_course_map(app: Sphinx, docname: str, source: list[str]) -> None:
    edition = edition_of(app)
    if docname != app.config.root_doc:
        return
    links = off_site_links(edition, Path(app.srcdir))

    def relink(match: re.Match) -> str:
        target = match.group(2)
        if target in links:
            return _html_link(match.group(1), links[target])
        if target.endswith(".md") and not target.startswith(("http:", "https:")) \
                and not any(Path(target).match(p) for p in edition.sources):
            return f"[{match.group(1)}]({REPOSITORY}/blob/HEAD/{target})"
        return match.group(0)

    source[0] = LINK.sub(relink, source[0]) + course_map(Path(app.srcdir), edition)


# --- "run it" -----------------------------------------------------------------------
def binder_url(path: str) -> str:
    """Binder's address of the course, opened in JupyterLab on ``path``."""
    return f"{BINDER_BASE}?urlpath={quote('lab/tree/' + path, safe='/')}"


def notebook_path(app: Sphinx, docname: str) -> str:
    """The file to open for a page: the notebook itself, or the edition's start page."""
    source = Path(app.env.doc2path(docname)).relative_to(app.srcdir).as_posix()
    return source if source.endswith(".ipynb") else edition_of(app).start


def run_it_box(path: str, edition: Edition = EDITIONS["en"]) -> nodes.Element:
    """An admonition: this page's notebook on Binder, or on the learner's computer
    (``course.py lab``, with ``--lang zh`` in the Chinese edition)."""
    words = edition.words
    box = nodes.admonition(classes=["sgdlab-run-it", "tip"], ids=["run-it"])
    box += nodes.title(text=words["run_it"])
    para = nodes.paragraph()
    para += nodes.Text(words["live"])
    para += nodes.reference("", words["open"].format(path=path), refuri=binder_url(path),
                            internal=False)
    para += nodes.Text(words["local"])
    para += nodes.literal(text=f"python3 {edition.lab_command}")
    para += nodes.Text(words["windows"])
    para += nodes.literal(text=f"py {edition.lab_command}")
    para += nodes.Text(words["then"].format(path=path))
    box += para
    return box


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def is_explorer(bundle: nodes.Element) -> bool:
    """Whether an output bundle is an explorer: a widget view with a PNG still."""
    kinds = {child.get("mime_type") for child in bundle.children}
    return WIDGET_VIEW in kinds and "image/png" in kinds


def explorer_status(bundle: nodes.Element) -> nodes.paragraph | None:
    """The explorer's status line at its default setting, in the notebook's language:
    the bundle's plain-text form (sgdlab.widgets.base), shown under the still."""
    for child in bundle.children:
        text = child.astext().strip() if child.get("mime_type") == "text/plain" else ""
        if text and not re.match(r"^[VH]Box\(", text):
            para = nodes.paragraph(classes=["sgdlab-status"])
            for i, line in enumerate(text.splitlines()):
                if i:
                    para += nodes.raw("", "<br>", format="html")
                para += nodes.Text(line)
            return para
    return None


def live_note(path: str, edition: Edition = EDITIONS["en"]) -> nodes.paragraph:
    words = edition.words
    note = nodes.paragraph(classes=["sgdlab-live"])
    note += nodes.Text(words["still"])
    note += nodes.reference("", words["run_live"], refuri=binder_url(path), internal=False)
    note += nodes.Text(words["controls"])
    return note


class CoursePage(SphinxTransform):
    """Every page: the "run it" box after its title; a "run it live" link below each
    explorer's still; remote images replaced by their alt text (kept in their link)."""

    default_priority = 880

    def apply(self) -> None:
        edition = edition_of(self.app)
        path = notebook_path(self.app, self.env.docname)
        section = next(iter(self.document.findall(nodes.section)), None)
        if section is not None:
            section.insert(1, run_it_box(path, edition))
        else:
            self.document.insert(0, run_it_box(path, edition))
        for bundle in list(self.document.findall(nodes.container)):
            if bundle.get("nb_element") == "mime_bundle" and is_explorer(bundle):
                at = bundle.parent.index(bundle) + 1
                bundle.parent.insert(at, live_note(path, edition))
                status = explorer_status(bundle)
                if status:
                    bundle.parent.insert(at, status)
        for image in list(self.document.findall(nodes.image)):
            if re.match(r"(?i)^(https?:)?//", image.get("uri", "")):
                image.replace_self(nodes.inline(text=image.get("alt", "")))


# --- the language switch ------------------------------------------------------------
#: Pages Sphinx writes in every edition without a source file.
GENERATED_PAGES = ("search", "genindex")


def twin_url(app: Sphinx, pagename: str) -> str:
    """The address of ``pagename``'s twin in the other edition, relative to the page:
    the same notebook, exercise, landing or search page; the other edition's landing
    page when there is no twin (e.g. deploy/README, English only)."""
    edition = edition_of(app)
    other = other_edition(edition)
    twin = other.docname(edition.key(pagename))
    srcdir = Path(app.srcdir)
    exists = twin in GENERATED_PAGES or any(
        (srcdir / f"{twin}{suffix}").is_file() and any(
            Path(f"{twin}{suffix}").match(p) for p in other.sources)
        for suffix in (".md", ".ipynb"))
    if not exists:
        twin = other.root_doc
    up = "../" * pagename.count("/") + ("../" * (edition.subdir.count("/") + 1)
                                        if edition.subdir else "")
    return up + site_url(other, twin)


def language_switch(app: Sphinx, pagename: str, templatename: str, context: dict,
                    doctree) -> None:
    """Give the page template (``_templates/sgdlab-language-switch.html``) its link."""
    edition = edition_of(app)
    other = other_edition(edition)
    context["sgdlab_switch"] = {"url": twin_url(app, pagename), "hreflang": other.hreflang,
                                "label": edition.words["switch"],
                                "title": edition.words["switch_title"]}


def fix_search_pulse(app: Sphinx, pagename: str, templatename: str, context: dict,
                     doctree) -> None:
    """On the search page, stop its "searching" dots when the search is done
    (``_static/search_pulse.js``: Sphinx's own never stop)."""
    if pagename == "search":
        app.add_js_file("search_pulse.js", loading_method="defer")


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
<html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>
<meta http-equiv="refresh" content="0; url={target}"></head>
<body><main><p><a href="{target}">{text}</a></p></main></body>
</html>
"""
REDIRECT_TEXT = {"en": "SGD Lab: the course starts here", "zh_CN": "SGD Lab：课程从这里开始"}


def write_entry_page(app: Sphinx, exc: Exception | None) -> None:
    """``index.html``, the address a static host serves first, leads to the landing page;
    the theme's template fragments that land in ``_static`` (not pages) are removed."""
    if exc is None and app.builder.format == "html" and app.config.root_doc != "index":
        edition = edition_of(app)
        (Path(app.outdir) / "index.html").write_text(REDIRECT.format(
            lang=edition.hreflang, title=edition.title, target=f"{edition.root_doc}.html",
            text=REDIRECT_TEXT[edition.code]), encoding="utf-8")
        for fragment in (Path(app.outdir) / "_static").glob("*macros.html"):
            fragment.unlink()


def move_output_folder(app: Sphinx) -> None:
    """myst-nb writes the notebooks' images to ``jupyter_execute/`` beside the output
    folder (the project's root for ``_site/``); keep them beside the cache instead."""
    cache = Path(app.env.mystnb_config.execution_cache_path)
    app.env.mystnb_config = app.env.mystnb_config.copy(
        output_folder=str(cache.parent / "jupyter_execute"))


def fix_chinese_search(app: Sphinx) -> None:
    """Sphinx 9.0's Chinese search ships the English JavaScript stemmer but announces it
    as ``window.Stemmer = ChineseStemmer``, a name nothing defines: every page of the
    Chinese edition would raise a JavaScript error. Name the stemmer it ships."""
    if not app.config.language.startswith("zh"):
        return
    from sphinx.search import zh

    if zh.SearchChinese.js_stemmer_rawcode == "english-stemmer.js":
        zh.SearchChinese.language_name = "English"


#: The course's terms, fixed once for the translation (English<TAB>Chinese per line).
GLOSSARY = ROOT / "i18n" / "zh_CN" / "glossary.tsv"
#: A glossary term the search can hold as one word: Chinese characters only (the
#: segmenter breaks text at anything else, so ``Nesterov 动量`` is two words anyway),
#: and at least two of them (Sphinx's index drops one-character words).
SEARCH_WORD = re.compile(r"[\u4e00-\u9fff]{2,}")


def glossary_search_words(path: Path = GLOSSARY) -> list[str]:
    """The glossary's Chinese terms that the Chinese search should find as words, in
    the glossary's order (comment and ``!exception`` lines skipped)."""
    words = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith(("#", "!")):
            continue
        _english, _, chinese = line.partition("\t")
        if SEARCH_WORD.fullmatch(chinese.strip()) and chinese.strip() not in words:
            words.append(chinese.strip())
    return words


def add_glossary_to_search(app: Sphinx) -> None:
    """Chinese search: Sphinx splits Chinese text into words with jieba, and indexes no
    Chinese word at all without it. jieba's own dictionary cuts many of the course's
    terms apart (学习率 into 学习 / 率, so a search for 学习率 would find nothing):
    the glossary's terms are added to it as words. jieba keeps its dictionary in the
    package and caches it in the temporary folder (``jieba.cache``); nothing is
    fetched. conf.py gives Sphinx no dictionary of its own (``dict`` empty), which
    spares reloading jieba's 350,000 words a second time."""
    if not app.config.language.startswith("zh"):
        return
    try:
        import jieba
    except ImportError:
        logger.warning("the Chinese edition's search needs jieba (in the site extra: "
                       "pip install -c constraints.txt -e '.[site]'); without it no "
                       "Chinese word is indexed")
        return
    jieba.setLogLevel(logging.WARNING)  # not its "Building prefix dict ..." lines
    for word in glossary_search_words():
        jieba.add_word(word)  # with jieba's suggested frequency: kept whole


def setup(app: Sphinx) -> dict:
    app.add_config_value("sgdlab_binder_base", BINDER_BASE, "html")
    app.add_config_value("sgdlab_edition", "en", "env", types=[str])
    app.connect("builder-inited", move_output_folder, priority=900)  # after myst-nb's
    app.connect("builder-inited", fix_chinese_search)
    app.connect("builder-inited", add_glossary_to_search)
    app.connect("source-read", add_course_map)
    app.add_transform(CoursePage)
    app.connect("doctree-read", drop_widget_state)
    app.connect("html-page-context", language_switch)
    app.connect("html-page-context", fix_search_pulse)
    app.connect("build-finished", copy_mathjax)
    app.connect("build-finished", write_entry_page)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
