#!/usr/bin/env python3
"""Generate the course's navigation: the index in notebook 00 and the links at the top
and bottom of every other notebook (previous, next, start page, exercises).

    python scripts/build_nav.py           # rewrite the navigation cells
    python scripts/build_nav.py --check   # exit 1 if any notebook is stale

Generated cells carry the cell tag ``nav`` (and an id starting ``nav-``); everything
else in a notebook is left alone. A notebook's title is its first ``# `` heading.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
EXERCISES = ROOT / "exercises"
START = "00_start_here.ipynb"
INDEX_MARK = "<!-- course index -->"


@dataclass
class Entry:
    path: Path
    title: str

    @property
    def exercise(self) -> Path | None:
        student = EXERCISES / self.path.name
        return student if student.exists() else None


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def dump(nb: dict) -> str:
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def is_nav(cell: dict) -> bool:
    return "nav" in cell.get("metadata", {}).get("tags", [])


def title_of(nb: dict, path: Path) -> str:
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown" and not is_nav(cell):
            for line in "".join(cell["source"]).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    raise SystemExit(f"{path}: no '# Title' heading in a markdown cell")


def nav_cell(cell_id: str, text: str) -> dict:
    return {"cell_type": "markdown", "id": cell_id, "metadata": {"tags": ["nav"]},
            "source": text.splitlines(keepends=True)}


def course() -> list[Entry]:
    paths = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    return [Entry(p, title_of(load(p), p)) for p in paths]


def index_text(entries: list[Entry]) -> str:
    lines = [INDEX_MARK, "## The course", "", "| notebook | exercises |", "| --- | --- |"]
    for e in entries:
        if e.path.name == START:
            continue
        ex = f"[exercises](../exercises/{e.exercise.name})" if e.exercise else "—"
        lines.append(f"| [{e.title}]({e.path.name}) | {ex} |")
    return "\n".join(lines)


def top_text(entries: list[Entry], i: int) -> str:
    parts = [f"[⌂ Start]({START})"]
    if i > 0:
        parts.append(f"[← {entries[i - 1].title}]({entries[i - 1].path.name})")
    if i + 1 < len(entries):
        parts.append(f"[{entries[i + 1].title} →]({entries[i + 1].path.name})")
    return "SGD Lab · " + " · ".join(parts)


def bottom_text(entries: list[Entry], i: int) -> str:
    lines = ["---"]
    e = entries[i]
    if e.exercise:
        lines.append(f"**Practise:** [the exercises for this notebook]"
                     f"(../exercises/{e.exercise.name}), with instant feedback.")
        lines.append("")
    if i + 1 < len(entries):
        nxt = entries[i + 1]
        lines.append(f"**Next:** [{nxt.title} →]({nxt.path.name})")
    else:
        lines.append(f"**That is the end of the course.** Back to the [start]({START}) for the index.")
    return "\n".join(lines)


def rebuild(entries: list[Entry], i: int) -> dict:
    nb = load(entries[i].path)
    cells = [c for c in nb["cells"] if not is_nav(c)]
    if entries[i].path.name == START:
        cells.append(nav_cell("nav-index", index_text(entries)))
        # keep the index before the closing cells that follow a "## ... next" heading
        closing = [k for k, c in enumerate(cells[:-1]) if c["cell_type"] == "markdown"
                   and "".join(c["source"]).lstrip().lower().startswith("## where to go")]
        if closing:
            cells.insert(closing[0], cells.pop())
    else:
        cells.insert(0, nav_cell("nav-top", top_text(entries, i)))
        cells.append(nav_cell("nav-bottom", bottom_text(entries, i)))
    nb["cells"] = cells
    return nb


def stale() -> list[Path]:
    """The notebooks whose navigation cells differ from what would be generated."""
    entries = course()
    return [e.path for i, e in enumerate(entries)
            if dump(rebuild(entries, i)) != e.path.read_text(encoding="utf-8")]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report stale notebooks")
    args = parser.parse_args(argv)
    if args.check:
        paths = stale()
        for p in paths:
            print(f"stale navigation: {p.relative_to(ROOT)}")
        return 1 if paths else 0
    entries = course()
    for i, e in enumerate(entries):
        text = dump(rebuild(entries, i))
        if text != e.path.read_text(encoding="utf-8"):
            e.path.write_text(text, encoding="utf-8")
            print(f"updated {e.path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
