#!/usr/bin/env python3
"""The Chinese edition: translation catalogs in, Chinese notebooks and README out.

    python scripts/i18n.py update    # catalogs from the English (new cells, fuzzy on edits)
    python scripts/i18n.py build     # write notebooks/zh/, exercises/zh/, README.zh-CN.md
    python scripts/i18n.py check     # exit 1 on a missing, fuzzy or stale translation,
                                     # a stale generated file or a glossary mismatch

The English notebooks, exercise solutions and README are the source. Their Chinese text
lives in one gettext catalog per document under ``i18n/zh_CN/``:

* a notebook's catalog has one entry per Markdown cell (generated navigation cells
  aside): ``msgctxt`` is the cell id, ``msgid`` the cell's English source; and one per
  figure's alt text (a code cell's ``mystnb.image.alt`` metadata, which
  ``site/alt_text.py`` writes and the website puts on the ``<img>``): ``msgctxt`` is
  ``<cell id>/alt``. The Chinese twin's code cell gets the translated alt text in its
  metadata; its source stays the English one;
* README's catalog has one entry per block (a heading, a paragraph, a table, one item
  of a list): ``msgctxt`` is ``<section heading>/<n>``; code fences are copied.

After an English edit, ``update`` keeps the old translation but marks it fuzzy, with the
old English as ``previous_msgid``; ``build`` and the test refuse fuzzy entries.

``build`` copies every code cell from the English (so code is byte-identical by
construction), takes each Markdown cell's text from the catalog, writes the navigation
cells in Chinese from ``scripts/build_nav.py``'s logic, and points relative links at the
Chinese twins (``notebooks/zh/``, ``exercises/zh/``, ``README.zh-CN.md``) or, where a
file has no twin, at the English file. The exercise student versions are made from the
Chinese solutions by ``scripts/make_student_versions.py``'s own code. Each generated
folder holds a ``.sgdlab-lang`` file (``zh_CN``) that tells ``sgdlab`` to speak Chinese
to a kernel started there. ``build --allow-missing`` falls back to English for entries
not translated yet (for trying the machinery; the test still fails on them).
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[1]
LANG = "zh_CN"
CATALOGS = ROOT / "i18n" / LANG
GLOSSARY = CATALOGS / "glossary.tsv"
SUBDIR = "zh"
README_OUT = "README.zh-CN.md"
MARKER = ".sgdlab-lang"


def _load_script(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(name, module)  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return sys.modules[name]


build_nav = _load_script("build_nav")
gen = _load_script("make_student_versions")


# --- documents and catalogs -------------------------------------------------------------
def documents() -> list[Path]:
    """The English sources that have a Chinese twin (README aside)."""
    return (sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
            + sorted((ROOT / "exercises" / "solutions").glob("[0-9][0-9]_*.ipynb")))


def catalog_path(doc: Path) -> Path:
    """``notebooks/01_x.ipynb`` -> ``i18n/zh_CN/notebooks/01_x.po``;
    ``exercises/solutions/01_x.ipynb`` -> ``i18n/zh_CN/exercises/01_x.po``;
    ``README.md`` -> ``i18n/zh_CN/README.po``."""
    rel = doc.relative_to(ROOT).with_suffix(".po")
    if rel.parts[:2] == ("exercises", "solutions"):
        rel = Path("exercises", *rel.parts[2:])
    return CATALOGS / rel


def output_path(doc: Path) -> Path:
    """Where the Chinese twin of an English document is written."""
    rel = doc.relative_to(ROOT)
    if rel.parts[0] == "notebooks":
        return ROOT / "notebooks" / SUBDIR / rel.name
    if rel.parts[:2] == ("exercises", "solutions"):
        return ROOT / "exercises" / SUBDIR / rel.name  # the student version
    if rel == Path("README.md"):
        return ROOT / README_OUT
    raise ValueError(f"doc must be a course notebook, an exercise solution or README.md; "
                     f"got {rel}")


def _text(cell: dict) -> str:
    src = cell["source"]
    return src if isinstance(src, str) else "".join(src)


def markdown_cells(doc: Path) -> list[tuple[str, str]]:
    """(cell id, English source) of each translatable Markdown cell of a notebook."""
    nb = json.loads(doc.read_text(encoding="utf-8"))
    return [(cell["id"], _text(cell)) for cell in nb["cells"]
            if cell["cell_type"] == "markdown" and not build_nav.is_nav(cell)]


# --- README: blocks ---------------------------------------------------------------------
FENCE = re.compile(r"^\s*```")
ITEM = re.compile(r"^[-*] |^\d+\. ")


@dataclass
class Block:
    """A piece of README: ``key`` is None for a code fence or blank run (copied as is)."""

    key: str | None
    text: str


def readme_blocks(text: str) -> list[Block]:
    """README split into headings, paragraphs, tables, list items (translated) and code
    fences and blank lines (kept as they are); joining the texts gives ``text`` back."""
    lines = text.splitlines(keepends=True)
    blocks: list[Block] = []
    section, count = "top", 0
    current: list[str] = []

    def close() -> None:
        nonlocal count
        if current:
            count += 1
            blocks.append(Block(f"{section}/{count}", "".join(current)))
            current.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        if FENCE.match(line):
            close()
            j = i + 1
            while j < len(lines) and not FENCE.match(lines[j]):
                j += 1
            blocks.append(Block(None, "".join(lines[i:j + 1])))
            i = j + 1
            continue
        if not line.strip():
            close()
            blocks.append(Block(None, line))
        elif line.startswith("#"):
            close()
            section, count = line.lstrip("#").strip(), 0
            current.append(line)
            close()
        else:
            if ITEM.match(line) and current:
                close()
            current.append(line)
        i += 1
    close()
    # a block's trailing newline stays outside the translation
    out: list[Block] = []
    for b in blocks:
        if b.key is not None and b.text.endswith("\n"):
            out += [Block(b.key, b.text[:-1]), Block(None, "\n")]
        else:
            out.append(b)
    return out


def readme_entries() -> list[tuple[str, str]]:
    return [(b.key, b.text) for b in readme_blocks((ROOT / "README.md").read_text(
        encoding="utf-8")) if b.key is not None]


ALT = "/alt"


def alt_text(cell: dict) -> str | None:
    """A code cell's figure alt text (``mystnb.image.alt`` in its metadata), if any."""
    return cell["metadata"].get("mystnb", {}).get("image", {}).get("alt")


def alt_texts(doc: Path) -> list[tuple[str, str]]:
    """(``<cell id>/alt``, English alt text) of each code cell whose figure has one."""
    nb = json.loads(doc.read_text(encoding="utf-8"))
    return [(cell["id"] + ALT, alt) for cell in nb["cells"]
            if cell["cell_type"] == "code" and (alt := alt_text(cell))]


def entries_of(doc: Path) -> list[tuple[str, str]]:
    """(msgctxt, English msgid) for every translatable piece of ``doc``: its Markdown
    cells, then its figures' alt texts."""
    if doc.name == "README.md":
        return readme_entries()
    return markdown_cells(doc) + alt_texts(doc)


def all_documents() -> list[Path]:
    return [*documents(), ROOT / "README.md"]


# --- update -------------------------------------------------------------------------------
def updated_catalog(doc: Path) -> polib.POFile:
    """The catalog of ``doc`` brought up to date with its English source (not written)."""
    path = catalog_path(doc)
    old = polib.pofile(str(path), encoding="utf-8", wrapwidth=0) if path.exists() else None
    po = polib.POFile(wrapwidth=0)
    po.metadata = {
        "Project-Id-Version": "SGD Lab",
        "Language": LANG,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        "Plural-Forms": "nplurals=1; plural=0;",
    }
    for key, src in entries_of(doc):
        entry = polib.POEntry(msgctxt=key, msgid=src, msgstr="",
                              occurrences=[(str(doc.relative_to(ROOT).as_posix()), "")])
        prev = old.find(key, by="msgctxt") if old else None
        if prev is not None and prev.msgstr:
            entry.msgstr = prev.msgstr
            if prev.msgid != src or "fuzzy" in prev.flags:
                entry.flags.append("fuzzy")
                entry.previous_msgid = prev.previous_msgid or prev.msgid
        po.append(entry)
    return po


def po_text(po: polib.POFile) -> str:
    return str(po) + "\n"


def update() -> int:
    for doc in all_documents():
        po = updated_catalog(doc)
        path = catalog_path(doc)
        path.parent.mkdir(parents=True, exist_ok=True)
        text = po_text(po)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        print(f"{path.relative_to(ROOT)}: {len(po)} entries, "
              f"{len(po.translated_entries())} translated, {len(po.fuzzy_entries())} fuzzy")
    po = update_sgdlab_catalog()
    print(f"{SGDLAB_CATALOG.relative_to(ROOT)}: {len(po)} messages, "
          f"{len(po.untranslated_entries())} untranslated")
    return 0


# --- sgdlab's own messages ------------------------------------------------------------------
SGDLAB = ROOT / "sgdlab"
SGDLAB_CATALOG = SGDLAB / "locale" / LANG / "LC_MESSAGES" / "sgdlab.po"


def sgdlab_messages() -> dict[str, list[str]]:
    """{message: [file, ...]} for every ``_("...")`` call in sgdlab's code (files, not
    line numbers, so that an edit elsewhere in a file leaves the catalog as it is)."""
    import ast

    found: dict[str, list[str]] = {}
    for path in sorted(SGDLAB.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == "_" and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)):
                where = path.relative_to(ROOT).as_posix()
                files = found.setdefault(node.args[0].value, [])
                if where not in files:
                    files.append(where)
    return found


def sgdlab_literals() -> set[str]:
    """Every string constant in sgdlab's code (a catalog entry may translate a string
    that reaches ``_()`` through a variable, e.g. a mistake's diagnosis)."""
    import ast

    out: set[str] = set()
    for path in sorted(SGDLAB.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                out.add(node.value)
    return out


def sgdlab_catalog() -> polib.POFile:
    """sgdlab.po as ``update`` writes it: an entry for every ``_()`` message, keeping
    the translations it has (also of strings passed to ``_()`` through a variable) and
    dropping entries whose English is no longer in the code."""
    old = (polib.pofile(str(SGDLAB_CATALOG), encoding="utf-8", wrapwidth=0)
           if SGDLAB_CATALOG.exists() else polib.POFile())
    po = polib.POFile(wrapwidth=0)
    po.metadata = {"Project-Id-Version": "sgdlab", "Language": LANG, "MIME-Version": "1.0",
                   "Content-Type": "text/plain; charset=UTF-8",
                   "Content-Transfer-Encoding": "8bit",
                   "Plural-Forms": "nplurals=1; plural=0;"}
    calls = sgdlab_messages()
    literals = sgdlab_literals()
    keep = [e for e in old if e.msgid not in calls and e.msgid in literals and e.msgstr]
    for msgid, where in sorted(calls.items()):
        prev = old.find(msgid)
        po.append(polib.POEntry(msgid=msgid, msgstr=prev.msgstr if prev else "",
                                flags=list(prev.flags) if prev else [],
                                occurrences=[(w, "") for w in where]))
    for entry in sorted(keep, key=lambda e: e.msgid):
        po.append(polib.POEntry(msgid=entry.msgid, msgstr=entry.msgstr,
                                flags=list(entry.flags), comment="passed to _() by variable"))
    return po


def update_sgdlab_catalog() -> polib.POFile:
    po = sgdlab_catalog()
    SGDLAB_CATALOG.parent.mkdir(parents=True, exist_ok=True)
    SGDLAB_CATALOG.write_text(po_text(po), encoding="utf-8")
    return po


# --- problems (what check and the test report) ----------------------------------------------
def load_catalog(doc: Path) -> polib.POFile:
    path = catalog_path(doc)
    if not path.exists():
        raise MissingTranslation(f"{path.relative_to(ROOT)}: no catalog "
                                 "(run python scripts/i18n.py update)")
    return polib.pofile(str(path), encoding="utf-8", wrapwidth=0)


class MissingTranslation(LookupError):
    """A piece of English has no usable (translated, not fuzzy, current) Chinese text."""


def catalog_problems(doc: Path) -> list[str]:
    """Every English piece of ``doc`` without a translation, with a fuzzy one, or whose
    catalog entry holds another English text (stale); and catalog entries for cells
    that no longer exist."""
    rel = catalog_path(doc).relative_to(ROOT)
    try:
        po = load_catalog(doc)
    except MissingTranslation as missing:
        return [str(missing)]
    out = []
    wanted = entries_of(doc)
    for key, src in wanted:
        entry = po.find(key, by="msgctxt")
        if entry is None:
            out.append(f"{rel}: {key}: no entry (run python scripts/i18n.py update)")
        elif entry.msgid != src:
            out.append(f"{rel}: {key}: stale: the English changed since it was translated "
                       "(run update, then revise the fuzzy entry)")
        elif "fuzzy" in entry.flags:
            out.append(f"{rel}: {key}: fuzzy: revise the translation against the new "
                       "English, then remove the fuzzy flag")
        elif not entry.msgstr.strip():
            out.append(f"{rel}: {key}: not translated")
    keys = {k for k, _ in wanted}
    out += [f"{rel}: {e.msgctxt}: no such cell in the English any more (run update)"
            for e in po if e.msgctxt not in keys and not e.obsolete]
    return out


MATH = re.compile(r"\$\$.+?\$\$|(?<![\\$])\$(?!\$).+?(?<![\\$])\$", re.S)
CODE_SPAN = re.compile(r"(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.S)


COMMENT_LINE = re.compile(r"^[ \t]*<!--.*?-->[ \t]*$", re.M)


def protected(text: str) -> list[str]:
    """The maths (``$...$``, ``$$...$$``) and inline code spans of ``text``, and its
    HTML comment lines (the ``<!-- BEGIN SOLUTION -->`` markers that make the student
    versions): what a translation must keep exactly. Code fences count as code spans."""
    spans = [m.group(0) for m in CODE_SPAN.finditer(text)]
    rest = CODE_SPAN.sub(" ", text)
    comments = [m.group(0).strip() for m in COMMENT_LINE.finditer(rest)]
    rest = COMMENT_LINE.sub(" ", rest)
    return spans + [m.group(0) for m in MATH.finditer(rest)] + comments


def kept_problems(msgid: str, msgstr: str) -> list[str]:
    """The maths and code spans of ``msgid`` that ``msgstr`` does not contain as often."""
    out = []
    theirs = protected(msgstr)
    for piece in dict.fromkeys(protected(msgid)):
        if theirs.count(piece) < protected(msgid).count(piece):
            out.append(piece)
    return out


Exceptions = dict[tuple[str, str, str], str]


def read_glossary(path: Path = GLOSSARY) -> tuple[dict[str, str], Exceptions]:
    """The glossary: {English term: Chinese term}, and the exceptions
    {(catalog path under i18n/zh_CN, msgctxt or '*', lower-case term): reason} from its
    ``!exception`` lines (tab-separated):

        !exception<TAB>notebooks/05_pytorch.po<TAB>a1b2c3d4<TAB>term<TAB>reason
    """
    terms: dict[str, str] = {}
    exceptions: Exceptions = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.reader(handle, delimiter="\t"):
            if not row or row[0].startswith("#"):
                continue
            if row[0] == "!exception":
                if len(row) != 5 or not row[4].strip():
                    raise ValueError(f"{path.name}: an exception needs a catalog, a msgctxt, "
                                     f"a term and a reason; got {row}")
                exceptions[(row[1], row[2], row[3].lower())] = row[4]
                continue
            if len(row) != 2:
                raise ValueError(f"{path.name}: a term line is 'English<TAB>Chinese'; got {row}")
            terms[row[0].strip()] = row[1].strip()
    return terms, exceptions


def term_pattern(term: str) -> re.Pattern:
    """``term`` as a whole word, case-insensitive, with its plain inflections
    (-s, -es, -d, -ed, -ing): "gradient" finds "Gradients", not "gradient-free"."""
    return re.compile(r"(?<![\w-])" + re.escape(term) + r"(?:s|es|d|ed|ing)?(?![\w-])",
                      re.I)


def prose(msgid: str) -> str:
    """``msgid`` without its maths, code spans and link targets (not prose to translate)."""
    text = CODE_SPAN.sub(" ", msgid)
    text = MATH.sub(" ", text)
    return re.sub(r"\]\([^)]*\)", "] ", text)


def missing_terms(msgid: str, msgstr: str, terms: dict[str, str]) -> list[str]:
    """The glossary terms found in the English ``msgid`` whose Chinese term is not in
    ``msgstr``. A longer term hides the shorter ones inside it at the place it matches
    ("gradient descent" is checked as 梯度下降, not again as "gradient")."""
    english = prose(msgid)
    out = []
    for term in sorted(terms, key=len, reverse=True):
        pattern = term_pattern(term)
        if not pattern.search(english):
            continue
        english = pattern.sub(" ", english)
        if terms[term] not in msgstr:
            out.append(term)
    return out


def glossary_problems(doc: Path, terms: dict[str, str] | None = None,
                      exceptions: dict | None = None) -> list[str]:
    """For each translated entry of ``doc``'s catalog: a glossary term found in the
    English whose Chinese term is missing from the translation, unless the glossary
    lists it as an exception."""
    if terms is None:
        terms, exceptions = read_glossary()
    exceptions = exceptions or {}
    rel = catalog_path(doc).relative_to(CATALOGS).as_posix()
    try:
        po = load_catalog(doc)
    except MissingTranslation:
        return []
    out = []
    for entry in po:
        if not entry.msgstr or "fuzzy" in entry.flags:
            continue
        for term in missing_terms(entry.msgid, entry.msgstr, terms):
            if ((rel, entry.msgctxt, term.lower()) in exceptions
                    or (rel, "*", term.lower()) in exceptions):
                continue
            out.append(f"{rel}: {entry.msgctxt}: '{term}' is translated without the "
                       f"glossary's '{terms[term]}'")
    return out


def translation(po: polib.POFile, key: str, src: str, *, allow_missing: bool) -> str:
    entry = po.find(key, by="msgctxt")
    ok = (entry is not None and entry.msgid == src and "fuzzy" not in entry.flags
          and entry.msgstr.strip())
    if ok:
        return entry.msgstr
    if allow_missing:
        return src
    raise MissingTranslation(f"{key}: no usable translation")


# --- links ------------------------------------------------------------------------------
LINK = re.compile(r"(\]\(\s*<?)([^)\s>]+)(>?(?:\s+\"[^\"]*\")?\s*\))|(href=\")([^\"]+)(\")")


def twin(rel: str) -> str:
    """The project-relative path of a file's Chinese twin, or ``rel`` when it has none."""
    path = Path(rel)
    if path.parts[:1] == ("notebooks",) and len(path.parts) == 2 \
            and re.match(r"\d\d_", path.name):
        return f"notebooks/{SUBDIR}/{path.name}"
    if path.parts[:1] == ("exercises",) and len(path.parts) == 2 \
            and re.match(r"\d\d_.*\.ipynb$", path.name):
        return f"exercises/{SUBDIR}/{path.name}"
    if rel == "README.md":
        return README_OUT
    return rel


def relink(text: str, source_dir: Path, target_dir: Path) -> str:
    """``text`` with each relative link, written for a file in ``source_dir``, rewritten
    for a file in ``target_dir``, pointing at the Chinese twin where there is one."""

    def fix(m: re.Match) -> str:
        pre, target, post = (m.group(1), m.group(2), m.group(3)) if m.group(2) else (
            m.group(4), m.group(5), m.group(6))
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) or target.startswith("#"):
            return m.group(0)
        path, sep, frag = target.partition("#")
        dest = os.path.normpath(source_dir / path)
        rel = Path(dest).relative_to(ROOT).as_posix()
        new = os.path.relpath(ROOT / twin(rel), target_dir).replace(os.sep, "/")
        return f"{pre}{new}{sep}{frag}{post}"

    return LINK.sub(fix, text)


# --- navigation in Chinese ------------------------------------------------------------------
def duration_zh(minutes: float) -> str:
    """build_nav's rounded duration in Chinese: "40 分钟", "1 小时 35 分钟"."""
    m = max(5, int(5 * round(minutes / 5)))
    return f"{m} 分钟" if m < 60 else f"{m // 60} 小时" + (f" {m % 60} 分钟" if m % 60 else "")


def time_text_zh(minutes: tuple[float, float]) -> str:
    full, core = minutes
    if duration_zh(core) == duration_zh(full):
        return f"约 {duration_zh(full)}"
    return f"约 {duration_zh(full)}；跳过选读部分，核心内容约 {duration_zh(core)}"


@dataclass
class ZhEntry:
    """One notebook of the Chinese course: its English source and its Chinese title."""

    source: Path
    title: str

    @property
    def name(self) -> str:
        return self.source.name

    @property
    def minutes(self) -> tuple[float, float]:
        # the reading time of the English text: counting Chinese words needs a segmenter,
        # and the content is the same
        return build_nav.reading_minutes(build_nav.load(self.source))

    @property
    def exercise(self) -> str | None:
        return self.name if (ROOT / "exercises" / "solutions" / self.name).exists() else None


def _title(text: str) -> str | None:
    for line in text.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return None


def zh_course(allow_missing: bool) -> list[ZhEntry]:
    out = []
    for path in build_nav.course():
        po = load_catalog(path.path)
        title = None
        for key, src in markdown_cells(path.path):
            if _title(src):
                try:
                    text = translation(po, key, src, allow_missing=allow_missing)
                except MissingTranslation as missing:
                    raise MissingTranslation(f"{catalog_path(path.path).relative_to(ROOT)}: "
                                             f"{missing}") from None
                title = _title(text)
                break
        out.append(ZhEntry(path.path, title or path.title))
    return out


EX_LINK = "../../exercises/" + SUBDIR + "/{}"


def index_text_zh(entries: list[ZhEntry]) -> str:
    lines = [build_nav.INDEX_MARK, "## 课程目录", "",
             "| 笔记本 | 阅读时间：全部 | 核心 | 练习 |",
             "| --- | --- | --- | --- |"]
    totals = {"all": [0.0, 0.0], "core path": [0.0, 0.0]}
    for e in entries:
        full, core = e.minutes
        for key in totals:
            if key == "all" or e.name[:2] <= "05":
                totals[key][0] += full
                totals[key][1] += core
        name = "本页" if e.name == build_nav.START else f"[{e.title}]({e.name})"
        ex = f"[练习]({EX_LINK.format(e.exercise)})" if e.exercise else "—"
        lines.append(f"| {name} | {duration_zh(full)} | {duration_zh(core)} | {ex} |")
    lines += ["", "阅读时间是根据每个笔记本的文字量和代码量估算的。"
              f"笔记本 00 到 05 约需 {duration_zh(totals['core path'][0])}，"
              f"跳过标注为“选读”的部分则约需 {duration_zh(totals['core path'][1])}；"
              f"整门课程约需 {duration_zh(totals['all'][0])}"
              f"（不含选读部分约 {duration_zh(totals['all'][1])}），另加练习时间。"]
    return "\n".join(lines)


def top_text_zh(entries: list[ZhEntry], i: int) -> str:
    parts = [f"[⌂ 首页]({build_nav.START})"]
    if i > 0:
        parts.append(f"[← {entries[i - 1].title}]({entries[i - 1].name})")
    if i + 1 < len(entries):
        parts.append(f"[{entries[i + 1].title} →]({entries[i + 1].name})")
    return ("SGD Lab · " + " · ".join(parts)
            + f"\n\n阅读时间：{time_text_zh(entries[i].minutes)}。")


def bottom_text_zh(entries: list[ZhEntry], i: int) -> str:
    lines = ["---"]
    e = entries[i]
    if e.exercise:
        lines.append(f"**动手练习：**[本节的练习]({EX_LINK.format(e.exercise)})，"
                     "每道题即时给出反馈。")
        lines.append("")
    if i + 1 < len(entries):
        nxt = entries[i + 1]
        lines.append(f"**下一节：**[{nxt.title} →]({nxt.name})")
    else:
        lines.append(f"**课程到此结束。**回到[首页]({build_nav.START})查看课程目录。")
    return "\n".join(lines)


def nav_text_zh(cell_id: str, entries: list[ZhEntry], i: int) -> str:
    if cell_id == "nav-index":
        return index_text_zh(entries)
    if cell_id == "nav-top":
        return top_text_zh(entries, i)
    if cell_id == "nav-bottom":
        return bottom_text_zh(entries, i)
    raise ValueError(f"unknown navigation cell id {cell_id!r}")


# --- build ------------------------------------------------------------------------------
STUDENT_PLACEHOLDER_ZH = "*在此作答：把这一行换成你的回答，写几句话；如果有帮助，可以附一张图。*"


def translated_notebook(doc: Path, *, allow_missing: bool,
                        entries: list[ZhEntry] | None = None) -> dict:
    """The Chinese twin of ``doc`` (a course notebook or an exercise solution) as a
    notebook dict: code cells copied, Markdown from the catalog, links adjusted."""
    nb = json.loads(doc.read_text(encoding="utf-8"))
    po = load_catalog(doc)
    target_dir = output_path(doc).parent
    is_course = doc.parent == ROOT / "notebooks"
    if is_course and entries is None:
        entries = zh_course(allow_missing)
    index = next((k for k, e in enumerate(entries or []) if e.name == doc.name), None)
    for cell in nb["cells"]:
        if cell["cell_type"] == "code" and alt_text(cell):
            try:  # the code stays the English; only its figure's alt text is translated
                cell["metadata"]["mystnb"]["image"]["alt"] = translation(
                    po, cell["id"] + ALT, alt_text(cell), allow_missing=allow_missing)
            except MissingTranslation as missing:
                raise MissingTranslation(f"{catalog_path(doc).relative_to(ROOT)}: "
                                         f"{missing}") from None
        if cell["cell_type"] != "markdown":
            continue  # code (and raw) cells: the English cell itself
        if build_nav.is_nav(cell):
            if not is_course:
                raise ValueError(f"{doc.name}: navigation cells only belong in notebooks/")
            text = nav_text_zh(cell["id"], entries, index)
        else:
            try:
                text = translation(po, cell["id"], _text(cell), allow_missing=allow_missing)
            except MissingTranslation as missing:
                raise MissingTranslation(f"{catalog_path(doc).relative_to(ROOT)}: "
                                         f"{missing}") from None
            text = relink(text, doc.parent, target_dir)
        cell["source"] = text.splitlines(keepends=True)
    return nb


def render_notebook(doc: Path, *, allow_missing: bool = False,
                    entries: list[ZhEntry] | None = None) -> str:
    """The text ``build`` writes for ``doc``'s Chinese twin."""
    nb = translated_notebook(doc, allow_missing=allow_missing, entries=entries)
    if doc.parent.name == "solutions":
        student = gen.student_version(nb, name=f"{SUBDIR}/{doc.name}")
        for cell in student["cells"]:
            if cell["cell_type"] == "markdown":
                text = _text(cell).replace(gen.ANSWER_PLACEHOLDER, STUDENT_PLACEHOLDER_ZH)
                cell["source"] = text.splitlines(keepends=True)
        return gen._stamped(gen.dump(student))
    return build_nav.dump(nb)


README_HEADER = (
    "[English](README.md) · **中文**\n\n"
    "> 本文件由 `python scripts/i18n.py build` 根据 `README.md` 和 "
    "`i18n/zh_CN/README.po` 生成，请勿直接修改。中文版课程在 "
    "[`notebooks/zh/`](notebooks/zh/00_start_here.ipynb) 和 `exercises/zh/`，用 "
    "`python3 course.py lab --lang zh` 打开。笔记本里的代码与英文版逐字节相同；"
    "图中的坐标轴标签、图例和标题保持英文，练习的检查反馈和交互控件的状态行则使用中文。\n\n")
README_FOOTER = (
    "\n## 关于中文版\n\n"
    "中文版与英文版出自同一份源文件：英文笔记本是唯一的源，中文文字保存在 `i18n/zh_CN/` "
    "的 gettext 翻译目录（`.po`）里，中文笔记本由脚本生成。术语表见 "
    "`i18n/zh_CN/glossary.tsv`，每个术语只有一种译法。"
    "测试会在英文改动后、译文没有跟上时失败。英文改动后更新译文：\n\n"
    "```bash\n"
    "python scripts/i18n.py update   # 改动过的单元格的译文被标为 fuzzy\n"
    "python scripts/i18n.py build    # 修订 .po 中的 fuzzy 条目后，重新生成中文文件\n"
    "python scripts/i18n.py check    # 确认没有缺失、fuzzy 或过期的译文\n"
    "```\n\n"
    "详见 `i18n/README.md`。\n")


def render_readme(*, allow_missing: bool = False) -> str:
    doc = ROOT / "README.md"
    po = load_catalog(doc)
    out = [README_HEADER]
    for block in readme_blocks(doc.read_text(encoding="utf-8")):
        if block.key is None:
            out.append(block.text)
            continue
        try:
            text = translation(po, block.key, block.text, allow_missing=allow_missing)
        except MissingTranslation as missing:
            raise MissingTranslation(f"{catalog_path(doc).relative_to(ROOT)}: "
                                     f"{missing}") from None
        out.append(relink(text, ROOT, ROOT))
    out.append(README_FOOTER)
    return "".join(out)


def outputs(*, allow_missing: bool = False) -> dict[Path, str]:
    """Every generated file and its text, as ``build`` writes it now.

    Raises:
        MissingTranslation: an entry is untranslated, fuzzy or stale (unless
            ``allow_missing``, which falls back to the English).
    """
    entries = zh_course(allow_missing)
    out: dict[Path, str] = {}
    for doc in documents():
        out[output_path(doc)] = render_notebook(doc, allow_missing=allow_missing,
                                                entries=entries)
    out[ROOT / README_OUT] = render_readme(allow_missing=allow_missing)
    for folder in ("notebooks", "exercises"):
        out[ROOT / folder / SUBDIR / MARKER] = LANG + "\n"
    return out


def stale_outputs(*, allow_missing: bool = False) -> list[Path]:
    """Generated files that are missing or differ from what ``build`` writes now, and
    files in the generated folders that ``build`` would not write."""
    want = outputs(allow_missing=allow_missing)
    stale = [p for p, text in want.items()
             if not p.exists() or p.read_text(encoding="utf-8") != text]
    for folder in ("notebooks", "exercises"):
        for path in sorted((ROOT / folder / SUBDIR).glob("*")):
            if path.is_file() and path not in want:
                stale.append(path)
    return stale


def build(allow_missing: bool = False) -> int:
    try:
        want = outputs(allow_missing=allow_missing)
    except MissingTranslation as missing:
        print(f"not built: {missing}. Translate it (or, to try the machinery only, "
              "pass --allow-missing).", file=sys.stderr)
        return 1
    for path, text in want.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
    return 0


def problems() -> list[str]:
    """Everything ``check`` reports."""
    out = []
    terms, exceptions = read_glossary()
    for doc in all_documents():
        out += catalog_problems(doc)
        out += glossary_problems(doc, terms, exceptions)
        try:
            po = load_catalog(doc)
        except MissingTranslation:
            continue
        for entry in po:
            if entry.msgstr:
                for piece in kept_problems(entry.msgid, entry.msgstr):
                    out.append(f"{catalog_path(doc).relative_to(ROOT)}: {entry.msgctxt}: "
                               f"maths or code changed or missing: {piece}")
    # compared with what build would write with the English standing in for what is
    # missing (reported above), so that a hand-edited file is caught either way
    out += [f"{p.relative_to(ROOT)}: stale (run python scripts/i18n.py build)"
            for p in stale_outputs(allow_missing=True)]
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["update", "build", "check"])
    parser.add_argument("--allow-missing", action="store_true",
                        help="build: use the English where a translation is missing, fuzzy "
                             "or stale (for trying the machinery; the test still fails)")
    args = parser.parse_args(argv)
    if args.command == "update":
        return update()
    if args.command == "build":
        return build(allow_missing=args.allow_missing)
    found = problems()
    for line in found:
        print(line)
    print(f"{len(found)} problem(s)" if found else "the Chinese edition is complete and "
          "up to date")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
