#!/usr/bin/env python3
"""Build the course website into ``_site/`` (``python3 course.py site`` runs this).

    python scripts/build_site.py                 # build _site/, strict, with the cache
    python scripts/build_site.py --out DIR       # somewhere else
    python scripts/build_site.py --no-strict     # let warnings pass (never in CI)

Sphinx with myst-nb and sphinx-book-theme, configured in ``site/conf.py``. The build is
strict: warnings are errors (``-W --keep-going``) and every reference must resolve
(``-n``). Notebooks are executed through jupyter-cache (``.site-cache/jupyter``): a
notebook whose code did not change is not run again, so a rebuild after editing one
page runs one notebook. Sphinx's own state is kept in ``.site-cache/doctrees``, so a
rebuild re-reads only the pages that changed.

jupyter-cache knows a notebook by its code only, not by the ``sgdlab`` it imports, so
the cache lives in a folder named after a digest of ``sgdlab/`` and ``constraints.txt``
(``.site-cache/jupyter-<digest>``): a change to the library runs every notebook again,
and the folders of older digests are removed.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "_site"
CACHE = ROOT / ".site-cache"


def library_digest(root: Path = ROOT) -> str:
    """12 hex digits that change whenever the code the notebooks run changes."""
    h = hashlib.sha256()
    for path in sorted((root / "sgdlab").rglob("*.py")) + [root / "constraints.txt"]:
        h.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
        h.update(path.read_bytes())
    return h.hexdigest()[:12]


def jupyter_cache(cache: Path = CACHE) -> Path:
    """The jupyter-cache folder for the current library."""
    return cache / f"jupyter-{library_digest()}"


def sphinx_command(srcdir: Path, out: Path, doctrees: Path, *, strict: bool = True,
                   jobs: str = "auto") -> list[str]:
    """The sphinx-build command line (run with the interpreter that has ``.[site]``)."""
    cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-c", str(srcdir / "site"),
           "-d", str(doctrees), "-j", jobs, "-q"]
    if strict:
        cmd += ["-W", "--keep-going", "-n"]
    return cmd + [str(srcdir), str(out)]


def build(out: Path = OUT, *, srcdir: Path = ROOT, cache: Path = CACHE, strict: bool = True,
          jobs: str = "auto") -> subprocess.CompletedProcess:
    """Build the site of the course in ``srcdir`` into ``out``; notebooks executed
    through the jupyter-cache in ``cache/jupyter-<digest>``. Returns the finished process
    (its output captured)."""
    current = jupyter_cache(cache)
    for old in cache.glob("jupyter-*"):
        if old != current and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
    env = dict(os.environ, SGDLAB_SITE_CACHE=str(current),
               PYDEVD_DISABLE_FILE_VALIDATION="1")
    cmd = sphinx_command(srcdir, out, cache / "doctrees", strict=strict, jobs=jobs)
    return subprocess.run(cmd, cwd=srcdir, env=env, capture_output=True, text=True,
                          encoding="utf-8", errors="replace")


def folder_size(path: Path) -> int:
    """Bytes in all files below ``path``."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--no-strict", action="store_true")
    args = parser.parse_args(argv)
    start = time.monotonic()
    print(f"Building the course website into {args.out} ...", flush=True)
    result = build(args.out, strict=not args.no_strict)
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    seconds = time.monotonic() - start
    if result.returncode != 0:
        print(f"The site build failed (exit {result.returncode}) after {seconds:.0f} s; "
              "the messages above say where.", file=sys.stderr)
        return result.returncode
    pages = len(list(args.out.rglob("*.html")))
    print(f"Built {pages} HTML files, {folder_size(args.out) / 1e6:.1f} MB, in "
          f"{seconds:.0f} s.\nView it: python -m http.server -d {args.out} "
          "(then open http://127.0.0.1:8000/)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
