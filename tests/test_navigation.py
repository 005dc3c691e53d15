"""The generated navigation is up to date, every link resolves, every notebook has its frame."""

import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("build_nav", ROOT / "scripts" / "build_nav.py")
build_nav = importlib.util.module_from_spec(spec)
sys.modules["build_nav"] = build_nav  # dataclasses look their module up here
spec.loader.exec_module(build_nav)

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
ALL_NOTEBOOKS = NOTEBOOKS + sorted((ROOT / "exercises").rglob("*.ipynb"))
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def markdown(path: Path) -> list[str]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"]


def test_navigation_is_not_stale():
    stale = build_nav.stale()
    assert not stale, (f"run `python scripts/build_nav.py`: stale navigation in "
                       f"{[p.name for p in stale]}")


def test_the_index_lists_every_notebook():
    index = "\n".join(markdown(ROOT / "notebooks" / build_nav.START))
    for path in NOTEBOOKS[1:]:
        assert f"]({path.name})" in index, f"{path.name} missing from the start page's index"


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(path):
    for text in markdown(path):
        for target in LINK.findall(text):
            if re.match(r"[a-z]+:", target):
                continue  # web address
            assert (path.parent / target).exists(), f"{path.name}: broken link to {target}"


@pytest.mark.parametrize("path", NOTEBOOKS[1:], ids=lambda p: p.name)
def test_every_notebook_opens_with_goals_and_ends_with_a_summary(path):
    cells = [t for t in markdown(path) if not t.startswith("SGD Lab ·") and
             not t.startswith("---")]
    assert "What you will learn" in "\n".join(cells[:3]), f"{path.name}: no 'What you will learn'"
    assert any("Summary" in t for t in cells[-3:]), f"{path.name}: no summary near the end"


def test_navigation_links_form_a_chain():
    titles = [build_nav.title_of(json.loads(p.read_text(encoding="utf-8")), p) for p in NOTEBOOKS]
    for prev, here, title in zip(NOTEBOOKS, NOTEBOOKS[1:-1], titles[2:], strict=False):
        top = markdown(here)[0]
        assert f"]({prev.name})" in top or prev.name == build_nav.START
        assert title in top


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_committed_without_outputs(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert not cell["outputs"] and cell["execution_count"] is None, (
                f"{path.name}: strip outputs before committing")


def _nb(*cells):
    """A notebook from (kind, text) pairs."""
    return {"cells": [{"cell_type": kind, "metadata": {}, "source": [text]}
                      for kind, text in cells]}


def test_reading_time_counts_words_and_code_lines():
    words = " ".join(["word"] * build_nav.WORDS_PER_MINUTE * 2)       # 2 minutes
    code = "\n".join(["x = 1"] * build_nav.CODE_LINES_PER_MINUTE * 3)  # 3 minutes
    nb = _nb(("markdown", words), ("code", code + "\n\n   \n"), ("raw", words))
    full, core = build_nav.reading_minutes(nb)
    assert full == pytest.approx(5.0) and core == pytest.approx(5.0)
    nav = {"cell_type": "markdown", "metadata": {"tags": ["nav"]}, "source": [words]}
    nb["cells"].append(nav)
    assert build_nav.reading_minutes(nb) == (full, core), "nav cells are not reading"


def test_optional_sections_count_in_full_time_only():
    one = " ".join(["w"] * (build_nav.WORDS_PER_MINUTE - 2))   # 1 minute with a 2-word heading
    def words(k):
        return " ".join(["w"] * (build_nav.WORDS_PER_MINUTE - k))

    nb = _nb(("markdown", "## Core\n" + one),
             ("markdown", "## Deeper (optional)\n" + words(3)),
             ("code", "\n".join(["x = 1"] * build_nav.CODE_LINES_PER_MINUTE)),   # inside it
             ("markdown", "### A subsection\n" + words(3)),
             ("markdown", "## Back to core\n" + words(4)),
             ("markdown", "## Not optional (optional) here, optional\n" + one))
    full, core = build_nav.reading_minutes(nb)
    assert full == pytest.approx(6.0, abs=0.05)
    assert core == pytest.approx(3.0, abs=0.05), \
        "the optional section and its subsection are left out"


def test_duration_format():
    assert build_nav.duration(0.4) == "5 min"
    assert build_nav.duration(42) == "40 min"
    assert build_nav.duration(60) == "1 h"
    assert build_nav.duration(97) == "1 h 35 min"


def test_reading_times_are_shown_where_they_are_computed():
    entries = build_nav.course()
    index = "\n".join(markdown(ROOT / "notebooks" / build_nav.START))
    for e in entries:
        full, core = e.minutes
        assert 0 < core <= full
        if e.path.name == build_nav.START:
            continue
        top = markdown(e.path)[0]
        assert f"Reading time: {build_nav.time_text((full, core))}." in top, e.path.name
        assert f"]({e.path.name}) | {build_nav.duration(full)} | {build_nav.duration(core)} |" \
            in index, e.path.name
