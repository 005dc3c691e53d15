"""The learner's language: what ``sgdlab`` says to a learner, in English or Chinese.

The exercise checks' feedback and the explorers' status lines go through :func:`_`
(stdlib :mod:`gettext`). The language is read at every call, so it follows the notebook
that calls:

1. the environment variable ``SGDLAB_LANG`` (``zh_CN``, ``zh``, ``en``), if set;
2. else a file ``.sgdlab-lang`` in the current directory, which is the notebook's folder
   in a Jupyter kernel: ``notebooks/zh/`` and ``exercises/zh/`` hold one that says
   ``zh_CN`` (their code cells are byte-identical to the English ones, so the code
   cannot say it);
3. else English.

The Chinese catalog is ``sgdlab/locale/zh_CN/LC_MESSAGES/sgdlab.po``; it is compiled in
memory with ``polib`` the first time it is needed (no binary ``.mo`` file in git). A
message without a translation, or a language without a catalog, stays English.

Messages with values are written as templates, ``_("{task} passed {n} cases")``, and
filled with ``.format`` after translation, so that a translator can move the values.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import gettext
import io
import os
from pathlib import Path

#: The environment variable that chooses the language, and the marker file's name.
LANG_VARIABLE = "SGDLAB_LANG"
MARKER = ".sgdlab-lang"
DOMAIN = "sgdlab"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
#: The languages with a catalog (English is the source and needs none).
LANGUAGES = ("en", "zh_CN")
_forced: contextvars.ContextVar[str | None] = contextvars.ContextVar("sgdlab_lang",
                                                                     default=None)


def normalise(value: str) -> str:
    """``"zh"``, ``"zh-CN"``, ``"zh_CN.UTF-8"`` -> ``"zh_CN"``; anything without a
    catalog (``""``, ``"en_GB"``, ``"fr"``) -> ``"en"``."""
    code = value.strip().split(".")[0].replace("-", "_").lower()
    if code in ("zh", "zh_cn", "zh_hans", "zh_hans_cn"):
        return "zh_CN"
    return "en"


def language(cwd: str | os.PathLike | None = None) -> str:
    """The language to speak now: ``"zh_CN"`` or ``"en"`` (see the module docstring).

    Args:
        cwd: the folder whose ``.sgdlab-lang`` counts (default: the current directory).
    """
    if _forced.get() is not None:
        return _forced.get()
    value = os.environ.get(LANG_VARIABLE, "").strip()
    if not value:
        try:
            value = (Path(cwd if cwd is not None else os.getcwd()) / MARKER).read_text(
                encoding="utf-8")
        except (OSError, UnicodeDecodeError, ValueError):
            value = ""
    return normalise(value)


def catalog_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalog of ``lang`` (English: no translation at all)."""
    path = catalog_path(lang)
    if lang == "en" or not path.exists():
        return gettext.NullTranslations()
    import polib  # only needed for a language other than English

    mo = polib.pofile(str(path), encoding="utf-8").to_binary()
    return gettext.GNUTranslations(io.BytesIO(mo))


def _(message: str) -> str:
    """``message`` in the learner's language (itself when there is no translation)."""
    return translations(language()).gettext(message)


@contextlib.contextmanager
def speaking(lang: str):
    """Within the block, speak ``lang`` (``"en"``, ``"zh_CN"``) whatever the notebook's
    language: e.g. English for text drawn into a figure, whose fonts lack Chinese."""
    token = _forced.set(normalise(lang))
    try:
        yield
    finally:
        _forced.reset(token)


def chinese() -> bool:
    """True when sgdlab speaks Chinese now."""
    return language() == "zh_CN"
