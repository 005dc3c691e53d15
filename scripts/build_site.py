#!/usr/bin/env python3
"""Build the course website into ``_site/`` (``python3 course.py site`` runs this).

    python scripts/build_site.py                 # build _site/ and _site/zh/, strict
    python scripts/build_site.py --out DIR       # somewhere else
    python scripts/build_site.py --edition en    # one edition only (en or zh_CN)
    python scripts/build_site.py --no-strict     # let warnings pass (never in CI)

Sphinx with myst-nb and sphinx-book-theme, configured in ``site/conf.py``. Two editions
are built, at the same time, as two Sphinx runs of one configuration: English into
``_site/`` and Chinese (``notebooks/zh/``, ``exercises/zh/``, ``README.zh-CN.md``, with
Sphinx's own words in Chinese) into ``_site/zh/``; each page links to its twin in the
other. The build is strict: warnings are errors (``-W --keep-going``) and every
reference must resolve (``-n``). Notebooks are executed through jupyter-cache: a
notebook whose code did not change is not run again, so a rebuild after editing one
page runs one notebook. Sphinx's own state is kept in ``.site-cache/doctrees``
(``.site-cache/zh_CN/doctrees``), so a rebuild re-reads only the pages that changed.

jupyter-cache knows a notebook by its code only, not by the ``sgdlab`` it imports, so
the cache lives in a folder named after a digest of ``sgdlab/`` and ``constraints.txt``
(``.site-cache/jupyter-<digest>``): a change to the library runs every notebook again,
and the folders of older digests are removed. The Chinese notebooks have the same code
as the English ones, so in a shared cache they would be taken for them and show the
English outputs (the checks and explorers speak the notebook's language, see
``sgdlab/i18n.py``). The Chinese edition therefore has its own cache,
``.site-cache/zh_CN/jupyter-<digest>``, whose digest also covers sgdlab's Chinese
catalog; its kernels run with ``SGDLAB_LANG=zh_CN`` (and the English ones with ``en``),
so the language never depends on the builder's environment.
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


#: The editions: English, then Chinese (their names are also sgdlab's language codes).
EDITIONS = ("en", "zh_CN")


def library_digest(root: Path = ROOT, edition: str = "en") -> str:
    """12 hex digits that change whenever the code the notebooks run changes (for the
    Chinese edition, also sgdlab's Chinese catalog, which its outputs are written in)."""
    h = hashlib.sha256()
    paths = sorted((root / "sgdlab").rglob("*.py")) + [root / "constraints.txt"]
    if edition != "en":
        paths += sorted((root / "sgdlab" / "locale" / edition).rglob("*.po"))
    for path in paths:
        h.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
        h.update(path.read_bytes())
    return h.hexdigest()[:12]


def edition_cache(cache: Path, edition: str) -> Path:
    """The folder of an edition's caches: ``cache`` itself for English (as before there
    was a second edition), ``cache/<edition>`` for the others."""
    return cache if edition == "en" else cache / edition


def jupyter_cache(cache: Path = CACHE, edition: str = "en") -> Path:
    """The jupyter-cache folder for the current library and ``edition``."""
    return edition_cache(cache, edition) / f"jupyter-{library_digest(edition=edition)}"


def edition_out(out: Path, edition: str) -> Path:
    """Where an edition is written: ``out`` (English) or ``out/zh`` (Chinese)."""
    return out if edition == "en" else out / edition.split("_")[0]


def sphinx_command(srcdir: Path, out: Path, doctrees: Path, *, strict: bool = True,
                   jobs: str = "auto") -> list[str]:
    """The sphinx-build command line (run with the interpreter that has ``.[site]``)."""
    cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-c", str(srcdir / "site"),
           "-d", str(doctrees), "-j", jobs, "-q"]
    if strict:
        cmd += ["-W", "--keep-going", "-n"]
    return cmd + [str(srcdir), str(out)]


def start(edition: str, out: Path, *, srcdir: Path = ROOT, cache: Path = CACHE,
          strict: bool = True, jobs: str = "auto") -> subprocess.Popen:
    """Start the Sphinx run of one edition (see :func:`build`)."""
    if edition not in EDITIONS:
        raise ValueError(f"edition must be one of {EDITIONS}; got {edition!r}")
    current = jupyter_cache(cache, edition)
    for old in edition_cache(cache, edition).glob("jupyter-*"):
        if old != current and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
    env = dict(os.environ, SGDLAB_SITE_CACHE=str(current), SGDLAB_SITE_EDITION=edition,
               SGDLAB_LANG=edition, PYDEVD_DISABLE_FILE_VALIDATION="1")
    cmd = sphinx_command(srcdir, edition_out(out, edition),
                         edition_cache(cache, edition) / "doctrees", strict=strict, jobs=jobs)
    return subprocess.Popen(cmd, cwd=srcdir, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, encoding="utf-8",
                            errors="replace")


def build(out: Path = OUT, *, srcdir: Path = ROOT, cache: Path = CACHE, strict: bool = True,
          jobs: str = "auto", editions: tuple[str, ...] = EDITIONS
          ) -> subprocess.CompletedProcess:
    """Build the site of the course in ``srcdir`` into ``out`` (the Chinese edition into
    ``out/zh``); notebooks executed through each edition's jupyter-cache. The editions
    are built at the same time (two Sphinx processes). Returns one finished process:
    the worst exit code, and each edition's output captured under its name."""
    runs = {edition: start(edition, out, srcdir=srcdir, cache=cache, strict=strict,
                           jobs=jobs) for edition in editions}
    done = {edition: run.communicate() for edition, run in runs.items()}
    codes = [runs[edition].returncode for edition in editions]
    stdout = "".join(f"[{e}]\n{done[e][0]}" if done[e][0] else "" for e in editions)
    stderr = "".join(f"[{e}]\n{done[e][1]}" if done[e][1] else "" for e in editions)
    return subprocess.CompletedProcess(
        [runs[e].args for e in editions], max(codes, key=abs), stdout, stderr)


def folder_size(path: Path) -> int:
    """Bytes in all files below ``path``."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--edition", choices=EDITIONS, action="append",
                        help="build only this edition (repeatable; default: all)")
    parser.add_argument("--no-strict", action="store_true")
    args = parser.parse_args(argv)
    editions = tuple(args.edition or EDITIONS)
    start = time.monotonic()
    print(f"Building the course website into {args.out} ...", flush=True)
    result = build(args.out, strict=not args.no_strict, editions=editions)
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    seconds = time.monotonic() - start
    if result.returncode != 0:
        print(f"The site build failed (exit {result.returncode}) after {seconds:.0f} s; "
              "the messages above say where.", file=sys.stderr)
        return result.returncode
    for edition in editions:
        where = edition_out(args.out, edition)
        # the editions nested inside this one's folder (the Chinese one in _site/zh/)
        inner = [o for e in EDITIONS if e != edition
                 and where in (o := edition_out(args.out, e)).parents]
        pages = [p for p in where.rglob("*.html") if not any(o in p.parents for o in inner)]
        print(f"{edition}: {len(pages)} HTML files in {where}")
    zh = "; the Chinese edition at /zh/" if "zh_CN" in editions else ""
    print(f"Built {folder_size(args.out) / 1e6:.1f} MB in {seconds:.0f} s.\n"
          f"View it: python -m http.server -d {args.out} "
          f"(then open http://127.0.0.1:8000/{zh})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
