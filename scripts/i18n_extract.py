"""Write the translation catalogs' skeletons: one gettext ``.po`` per document.

Each Markdown cell of a notebook (generated navigation cells aside) becomes one entry:
``msgctxt`` is the cell id, ``msgid`` the cell's English source. Existing translations
are kept; an entry whose English changed is marked fuzzy with its old text kept as
``previous_msgid``. Run: ``python scripts/i18n_extract.py``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[1]
LANG = "zh_CN"
CATALOGS = ROOT / "i18n" / LANG


def documents() -> list[Path]:
    """The English sources that have a Chinese twin."""
    return (sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
            + sorted((ROOT / "exercises" / "solutions").glob("[0-9][0-9]_*.ipynb")))


def catalog_path(doc: Path) -> Path:
    rel = doc.relative_to(ROOT).with_suffix(".po")
    if rel.parts[:2] == ("exercises", "solutions"):
        rel = Path("exercises", *rel.parts[2:])
    return CATALOGS / rel


def markdown_cells(doc: Path) -> list[tuple[str, str]]:
    nb = json.loads(doc.read_text(encoding="utf-8"))
    out = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown" or "nav" in cell.get("metadata", {}).get("tags", []):
            continue
        src = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        out.append((cell["id"], src))
    return out


def update(doc: Path) -> polib.POFile:
    path = catalog_path(doc)
    old = polib.pofile(str(path), encoding="utf-8") if path.exists() else None
    po = polib.POFile(wrapwidth=0)
    po.metadata = {
        "Project-Id-Version": "SGD Lab",
        "Language": LANG,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        "Plural-Forms": "nplurals=1; plural=0;",
    }
    for cell_id, src in markdown_cells(doc):
        entry = polib.POEntry(msgctxt=cell_id, msgid=src, msgstr="",
                              occurrences=[(str(doc.relative_to(ROOT)), "")])
        prev = old.find(cell_id, by="msgctxt") if old else None
        if prev is not None and prev.msgstr:
            entry.msgstr = prev.msgstr
            if prev.msgid != src or "fuzzy" in prev.flags:
                entry.flags.append("fuzzy")
                entry.previous_msgid = prev.previous_msgid or prev.msgid
        po.append(entry)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(str(po) + "\n", encoding="utf-8")
    return po


def main() -> int:
    for doc in documents():
        po = update(doc)
        print(f"{catalog_path(doc).relative_to(ROOT)}: {len(po)} entries, "
              f"{len(po.translated_entries())} translated, {len(po.fuzzy_entries())} fuzzy")
    return 0


if __name__ == "__main__":
    sys.exit(main())
