"""Every relative link in every notebook and Markdown file of the course resolves."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote

ROOT = Path(__file__).resolve().parents[1]
LINK = re.compile(r"\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)|href=\"([^\"]+)\"")
SKIP_DIRS = {"my-work", "node_modules", "artifacts", "build", "dist"}


def course_files(root: Path = ROOT) -> list[Path]:
    """The notebooks and Markdown files of the course (not the learner's workspace)."""
    out = []
    for pattern in ("*.ipynb", "*.md"):
        for path in root.rglob(pattern):
            rel = path.relative_to(root).parts
            if not SKIP_DIRS.intersection(rel) and not any(p.startswith(".") for p in rel):
                out.append(path)
    return sorted(out)


def markdown_of(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    if path.suffix != ".ipynb":
        return re.sub(r"```.*?```", "", text, flags=re.S)  # links in code are not links
    cells = json.loads(text)["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


def links(path: Path) -> list[str]:
    return [m.group(1) or m.group(2) for m in LINK.finditer(markdown_of(path))]


def broken_links(files: list[Path], root: Path) -> list[str]:
    """``file: target`` for each relative link that leads nowhere, or outside ``root``."""
    broken = []
    for path in files:
        for target in links(path):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) or target.startswith("#"):
                continue  # http:, https:, mailto:, or a heading on the same page
            rel = unquote(target.split("#")[0].split("?")[0])
            dest = (path.parent / rel).resolve()
            if not dest.exists() or root.resolve() not in (dest, *dest.parents):
                broken.append(f"{path.relative_to(root)}: {target}")
    return broken


def test_there_are_links_to_follow():
    files = course_files()
    assert len(files) > 10 and sum(len(links(f)) for f in files) > 20


def test_every_relative_link_resolves():
    assert broken_links(course_files(), ROOT) == []


def test_a_broken_link_is_caught(tmp_path):
    (tmp_path / "a.md").write_text("[ok](b.md) [bad](missing.ipynb) [web](https://x.org)\n"
                                   "```\n[code](not-a-link.md)\n```\n", encoding="utf-8")
    (tmp_path / "b.md").write_text("[up](../outside.md)\n", encoding="utf-8")
    assert broken_links([tmp_path / "a.md", tmp_path / "b.md"], tmp_path) == [
        "a.md: missing.ipynb", "b.md: ../outside.md"]
