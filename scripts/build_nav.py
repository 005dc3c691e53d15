#!/usr/bin/env python3
"""Generate the course's navigation: the index in notebook 00 and the links at the top
and bottom of every other notebook (previous, next, start page, exercises).

    python scripts/build_nav.py           # rewrite the navigation cells
    python scripts/build_nav.py --check   # exit 1 if any notebook is stale

Generated cells carry the cell tag ``nav`` (and an id starting ``nav-``); everything
else in a notebook is left alone. A notebook's title is its first ``# `` heading.

Each notebook's first generated cell (and the index) also states its reading time,
estimated from its text and code (:func:`reading_minutes`): prose at
``WORDS_PER_MINUTE`` words a minute, code at ``CODE_LINES_PER_MINUTE`` lines a minute
(reading a line, running its cell and looking at what it prints or draws); the cells
run in seconds, which is negligible. A section whose Markdown heading ends with
" (optional)" (down to the next heading of the same or a higher level) counts towards
the full time but not towards the core time.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
EXERCISES = ROOT / "exercises"
START = "00_start_here.ipynb"
INDEX_MARK = "<!-- course index -->"
WORDS_PER_MINUTE = 150        # technical prose with formulas, read carefully
CODE_LINES_PER_MINUTE = 4     # read, run, look at the output
OPTIONAL = " (optional)"
HEADING = re.compile(r"^(#{1,6}) (.*?)\s*$")


@dataclass
class Entry:
    path: Path
    title: str

    @property
    def minutes(self) -> tuple[float, float]:
        """(full, core) reading time in minutes."""
        return reading_minutes(load(self.path))

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


def reading_minutes(nb: dict) -> tuple[float, float]:
    """Estimated (full, core) reading time of a notebook in minutes.

    Markdown counts its words (a formula's pieces count like words), code its non-blank
    lines; generated navigation cells are skipped. The core time leaves out every
    section whose heading ends with " (optional)", up to the next heading of the same
    or a higher level.
    """
    full = core = 0.0
    optional_level = None
    for cell in nb["cells"]:
        if is_nav(cell):
            continue
        text = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            for line in text.splitlines():
                m = HEADING.match(line)
                if not m:
                    continue
                level = len(m.group(1))
                if optional_level is not None and level <= optional_level:
                    optional_level = None
                if optional_level is None and m.group(2).endswith(OPTIONAL.strip()) \
                        and m.group(2).endswith(OPTIONAL):
                    optional_level = level
                break  # a cell belongs to the section its first heading opens
            minutes = len(text.split()) / WORDS_PER_MINUTE
        elif cell["cell_type"] == "code":
            lines = sum(1 for line in text.splitlines() if line.strip())
            minutes = lines / CODE_LINES_PER_MINUTE
        else:
            continue
        full += minutes
        if optional_level is None:
            core += minutes
    return full, core


def duration(minutes: float) -> str:
    """Minutes, rounded to 5, as "40 min" or "1 h 35 min"."""
    m = max(5, int(5 * round(minutes / 5)))
    return f"{m} min" if m < 60 else f"{m // 60} h" + (f" {m % 60} min" if m % 60 else "")


def time_text(minutes: tuple[float, float]) -> str:
    full, core = minutes
    if duration(core) == duration(full):
        return f"about {duration(full)}"
    return f"about {duration(full)}; core {duration(core)} without the optional sections"


def nav_cell(cell_id: str, text: str) -> dict:
    return {"cell_type": "markdown", "id": cell_id, "metadata": {"tags": ["nav"]},
            "source": text.splitlines(keepends=True)}


def course() -> list[Entry]:
    paths = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    return [Entry(p, title_of(load(p), p)) for p in paths]


def index_text(entries: list[Entry]) -> str:
    lines = [INDEX_MARK, "## The course", "",
             "| notebook | reading time: full | core | exercises |",
             "| --- | --- | --- | --- |"]
    totals = {"all": [0.0, 0.0], "core path": [0.0, 0.0]}
    for e in entries:
        full, core = e.minutes
        for key in totals:
            if key == "all" or e.path.name[:2] <= "05":
                totals[key][0] += full
                totals[key][1] += core
        name = "this page" if e.path.name == START else f"[{e.title}]({e.path.name})"
        ex = f"[exercises](../exercises/{e.exercise.name})" if e.exercise else "—"
        lines.append(f"| {name} | {duration(full)} | {duration(core)} | {ex} |")
    lines += ["", f"Reading times are estimates from each notebook's words and code. "
              f"Notebooks 00 to 05 take {duration(totals['core path'][0])}, or "
              f"{duration(totals['core path'][1])} if you skip the sections marked "
              f"*(optional)*; the whole course {duration(totals['all'][0])} "
              f"({duration(totals['all'][1])} without them), plus the exercises."]
    return "\n".join(lines)


def top_text(entries: list[Entry], i: int) -> str:
    parts = [f"[⌂ Start]({START})"]
    if i > 0:
        parts.append(f"[← {entries[i - 1].title}]({entries[i - 1].path.name})")
    if i + 1 < len(entries):
        parts.append(f"[{entries[i + 1].title} →]({entries[i + 1].path.name})")
    return ("SGD Lab · " + " · ".join(parts)
            + f"\n\nReading time: {time_text(entries[i].minutes)}.")


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
        lines.append(f"**That is the end of the course.** Back to the [start]({START}) "
                     "for the index.")
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
