"""Sphinx configuration of the course website (``python3 course.py site``).

The sources are the course's own files, read in place: README.md (the landing page),
notebooks/*.ipynb (executed through jupyter-cache), the exercises' student versions
(shown as they are handed out, unexecuted) and exercises/README.md. Everything the site
shows is served from the site itself: MathJax is vendored from the ``sphinx-mathjax-offline``
wheel, the theme's fonts and icons come with its wheel, and widget views are replaced
by the PNG that every explorer carries beside its widget (sgdlab.widgets.base).
The course-specific parts (sidebar with reading times, the "run it" box, still images
of the explorers, the language switch) live in ``sgdlab_site.py`` beside this file.

Two editions are built from this one configuration (``scripts/build_site.py`` builds
both): English (``SGDLAB_SITE_EDITION`` unset or ``en``) from README.md, notebooks/ and
exercises/, and Chinese (``zh_CN``, into ``_site/zh/``) from README.zh-CN.md,
notebooks/zh/ and exercises/zh/, with Sphinx's own words in Chinese.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from sgdlab_site import BINDER_BASE, EDITIONS, REPOSITORY  # noqa: E402

sgdlab_edition = os.environ.get("SGDLAB_SITE_EDITION", "en")
if sgdlab_edition not in EDITIONS:
    raise ValueError(f"SGDLAB_SITE_EDITION must be one of {sorted(EDITIONS)}; "
                     f"got {sgdlab_edition!r}")
EDITION = EDITIONS[sgdlab_edition]

project = "SGD Lab"
author = "the SGD Lab authors"
copyright = "SGD Lab authors, MIT licence"  # noqa: A001 (Sphinx's name)
language = EDITION.language

extensions = ["myst_nb", "sgdlab_site"]

# --- sources: the course's files, in place -----------------------------------------
root_doc = EDITION.root_doc
include_patterns = list(EDITION.sources)
# Folders Sphinx need not walk at all (include_patterns alone would still list them).
exclude_patterns = [".*", "_site", "my-work", "node_modules", "artifacts", "build", "dist",
                    "exercises/solutions", "sgdlab", "tests", "scripts", "benchmarks",
                    "site", "**/.ipynb_checkpoints"]
html_static_path = [str(HERE / "_static")]
templates_path = [str(HERE / "_templates")]
html_css_files = ["sgdlab.css"]

# --- strictness: sphinx-build runs with -W --keep-going -n --------------------------
nitpicky = True
myst_heading_anchors = 3
suppress_warnings: list[str] = []

# --- notebooks ----------------------------------------------------------------------
myst_enable_extensions = ["dollarmath", "amsmath"]
nb_execution_mode = "cache"
# scripts/build_site.py names the folder after a digest of sgdlab/ (see there)
nb_execution_cache_path = os.environ.get("SGDLAB_SITE_CACHE",
                                         str(ROOT / ".site-cache" / "jupyter"))
# The student versions raise NotImplementedError by design: shown as handed out.
nb_execution_excludepatterns = [EDITION.student_pattern]
nb_execution_timeout = 300
nb_execution_raise_on_error = True  # a notebook that fails breaks the build
nb_execution_show_tb = True
nb_merge_streams = True
# No widget manager from a CDN: the explorers' PNG stills are shown instead.
nb_ipywidgets_js: dict = {}
nb_mime_priority_overrides = [
    ("html", "application/vnd.jupyter.widget-view+json", None),
    ("html", "application/vnd.jupyter.widget-state+json", None),
]

# --- maths: MathJax 3 from the site itself ------------------------------------------
mathjax_path = "mathjax/tex-chtml.js"

# --- theme --------------------------------------------------------------------------
html_theme = "sphinx_book_theme"
html_title = EDITION.title
html_baseurl = ""
html_last_updated_fmt = None
html_copy_source = False
html_show_sourcelink = False
html_theme_options = {
    "repository_url": REPOSITORY,
    "use_repository_button": True,
    "home_page_in_toc": True,
    "show_navbar_depth": 1,
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "use_download_button": False,
    "use_fullscreen_button": False,
    # the theme's own launch menu would duplicate the "run it" box on every page
    "launch_buttons": {},
    # the language switch ("中文" / "English") beside the theme's own buttons
    "article_header_end": ["sgdlab-language-switch.html", "article-header-buttons.html"],
    "icon_links": [],
}
sgdlab_binder_base = BINDER_BASE

# --- search -------------------------------------------------------------------------
# Chinese: jieba splits the words (the site extra installs it), with the glossary's
# terms added by sgdlab_site.add_glossary_to_search. No "dict" of Sphinx's own: its
# default reloads jieba's whole dictionary as a user dictionary (about 4 s, no gain).
if language.startswith("zh"):
    html_search_options = {"dict": ""}
