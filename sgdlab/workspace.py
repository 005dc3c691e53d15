"""The learner's workspace: their own copies of the course, never overwritten.

The course's sources (``notebooks/``, ``exercises/``) are what the tests run and what a
``git pull`` updates. A learner works in a separate folder, ``my-work/`` by default,
which :func:`sync` fills with copies of the sources and keeps up to date:

* a file the learner has not changed follows the course: a new version replaces it;
* a file the learner changed (edited, ran, saved) is never touched: when the course has
  a newer version, it is written beside it as ``<name> (course update).ipynb``;
* a file the course adds appears; a file the learner deleted comes back;
* nothing is ever deleted.

:func:`fresh` gives a learner a clean copy of one file and keeps theirs under a new
name. Which files the learner changed is decided by content: ``.sgdlab/manifest.json``
in the workspace records the SHA-256 of every file as this module last wrote it.

    python -m sgdlab.workspace sync  SOURCE WORKSPACE
    python -m sgdlab.workspace fresh SOURCE WORKSPACE notebooks/01_gradient_descent.ipynb
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

#: What a workspace holds, as glob patterns relative to the project root.
PATTERNS = (
    "README.md",
    "notebooks/*.ipynb",
    "exercises/README.md",
    "exercises/*.ipynb",
    "exercises/solutions/*.ipynb",
    "deploy/README.md",  # README.md and exercises/README.md link to it
    # the Chinese edition (scripts/i18n.py); .sgdlab-lang makes sgdlab speak Chinese there
    "README.zh-CN.md",
    "notebooks/zh/*.ipynb",
    "notebooks/zh/.sgdlab-lang",
    "exercises/zh/*.ipynb",
    "exercises/zh/.sgdlab-lang",
)
MANIFEST = Path(".sgdlab") / "manifest.json"
UPDATE_SUFFIX = " (course update)"


@dataclass
class Report:
    """What :func:`sync` did, as workspace-relative paths."""

    copied: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    update_beside: list[tuple[str, str]] = field(default_factory=list)

    def lines(self) -> list[str]:
        """One line of plain English per thing a learner should know about."""
        out = []
        if self.copied:
            out.append(f"Copied {len(self.copied)} course file(s) into your workspace.")
        if self.updated:
            out.append(f"Updated {len(self.updated)} file(s) you had not changed: "
                       + ", ".join(self.updated))
        for mine, new in self.update_beside:
            out.append(f"The course updated {mine}, which you changed: yours is kept, "
                       f"the new version is {new}")
        return out


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def source_files(source: Path) -> list[str]:
    """The workspace-relative paths of every course file a workspace should hold."""
    found = set()
    for pattern in PATTERNS:
        found.update(p.relative_to(source).as_posix() for p in source.glob(pattern)
                     if p.is_file())
    return sorted(found)


def _load_manifest(workspace: Path) -> dict[str, str]:
    path = workspace / MANIFEST
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # a damaged manifest only means: treat every file as the learner's
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _save_manifest(workspace: Path, manifest: dict[str, str]) -> None:
    _write_atomic(workspace / MANIFEST,
                  (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode("utf-8"))


def _write_atomic(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` so that a crash leaves the old file or the new one."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=target.suffix)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _beside(rel: str, suffix: str) -> str:
    path = Path(rel)
    return path.with_name(f"{path.stem}{suffix}{path.suffix}").as_posix()


def _check_dirs(source: Path, workspace: Path) -> tuple[Path, Path]:
    source, workspace = Path(source).resolve(), Path(workspace).resolve()
    if not (source / "notebooks").is_dir():
        raise ValueError(f"source must be the course's folder (with notebooks/); "
                         f"got {source}")
    inside = [source / "notebooks", source / "exercises"]
    if workspace == source or any(d == workspace or d in workspace.parents for d in inside):
        raise ValueError(f"workspace must be a folder of its own, not {workspace}")
    return source, workspace


def sync(source: Path, workspace: Path) -> Report:
    """Bring ``workspace`` up to date with the course in ``source`` without touching a
    file the learner changed. Returns what was done."""
    source, workspace = _check_dirs(source, workspace)
    manifest = _load_manifest(workspace)
    report = Report()
    for rel in source_files(source):
        src, dst = source / rel, workspace / rel
        data = src.read_bytes()
        new = hashlib.sha256(data).hexdigest()
        if not dst.exists():
            _write_atomic(dst, data)
            manifest[rel] = new
            report.copied.append(rel)
            continue
        have = _digest(dst)
        if have == new:
            manifest[rel] = new
        elif manifest.get(rel) == have:  # written by us, unchanged since: follow the course
            _write_atomic(dst, data)
            manifest[rel] = new
            report.updated.append(rel)
        else:  # the learner's file: never touched
            report.kept.append(rel)
            update = _beside(rel, UPDATE_SUFFIX)
            key = f"update:{rel}"
            if new in (manifest.get(rel), manifest.get(key)):
                continue  # the course has not changed since, or this update was delivered
            target = workspace / update
            if target.exists() and manifest.get(update) != _digest(target):
                continue  # the learner edited the earlier update too: leave it alone
            _write_atomic(target, data)
            manifest[update] = new
            manifest[key] = new
            report.update_beside.append((rel, update))
    _save_manifest(workspace, manifest)
    return report


def fresh(source: Path, workspace: Path, rel: str) -> tuple[str | None, str]:
    """Give the learner a clean copy of ``rel`` (a workspace-relative path such as
    ``"notebooks/01_gradient_descent.ipynb"``), keeping theirs under a new name.

    Returns ``(kept_as, rel)``: the name their copy was moved to (``None`` when there
    was none) and the fresh file's path.
    """
    source, workspace = _check_dirs(source, workspace)
    rel = Path(rel).as_posix().lstrip("./")
    if rel not in source_files(source):
        raise ValueError(f"rel must be a course file such as "
                         f"notebooks/01_gradient_descent.ipynb; got {rel!r}")
    manifest = _load_manifest(workspace)
    dst = workspace / rel
    kept = None
    if dst.exists():
        stamp = time.strftime("%Y-%m-%d %H%M")
        kept = _beside(rel, f" (mine {stamp})")
        n = 2
        while (workspace / kept).exists():
            kept = _beside(rel, f" (mine {stamp} {n})")
            n += 1
        os.replace(dst, workspace / kept)
    data = (source / rel).read_bytes()
    _write_atomic(dst, data)
    manifest[rel] = hashlib.sha256(data).hexdigest()
    _save_manifest(workspace, manifest)
    return kept, rel


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sgdlab.workspace",
                                     description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_sync = sub.add_parser("sync", help="copy new and updated course files in")
    p_fresh = sub.add_parser("fresh", help="a clean copy of one file; yours is kept")
    for p in (p_sync, p_fresh):
        p.add_argument("source", type=Path)
        p.add_argument("workspace", type=Path)
    p_fresh.add_argument("path", help="e.g. notebooks/01_gradient_descent.ipynb")
    args = parser.parse_args(argv)
    try:
        if args.command == "sync":
            for line in sync(args.source, args.workspace).lines():
                print(line)
        else:
            kept, rel = fresh(args.source, args.workspace, args.path)
            if kept:
                print(f"Your copy is now {kept}; {rel} is a fresh copy of the course's.")
            else:
                print(f"{rel} is a fresh copy of the course's.")
    except (ValueError, OSError) as exc:
        print(f"sgdlab.workspace: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
