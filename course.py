#!/usr/bin/env python3
"""Set up SGD Lab and open it, or set it up and test it.

    python3.11 course.py lab     # set up, then open JupyterLab on the start page
    python3.11 course.py test    # set up, then run the whole test suite

Needs nothing but Python 3.11. The first run makes a virtual environment in
``.venv/`` inside the project and installs the pinned dependencies and ``sgdlab``
(editable); later runs reuse it and reinstall only when ``pyproject.toml`` changed.
Extra arguments after ``test`` go to pytest, after ``lab`` to JupyterLab.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
START = "notebooks/00_start_here.ipynb"


def venv_python() -> Path:
    """The interpreter of the project's virtual environment."""
    if os.name == "nt":
        return VENV / "Scripts" / "python.exe"
    return VENV / "bin" / "python"


def ensure_environment(extra: str) -> Path:
    """Create ``.venv`` and install ``sgdlab[extra]`` unless that is already done."""
    if sys.version_info[:2] != (3, 11):
        sys.exit(
            f"SGD Lab needs Python 3.11; this is {sys.version.split()[0]}. "
            "Run this script with python3.11."
        )
    python = venv_python()
    if not python.exists():
        print(f"Creating a virtual environment in {VENV} ...", flush=True)
        venv.create(VENV, with_pip=True)
    spec = f".[{extra}]" if extra else "."
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    stamp = VENV / f".installed-{extra or 'course'}"
    if not stamp.exists() or stamp.read_text() != digest:
        print(f"Installing SGD Lab and its dependencies ({spec}) ...", flush=True)
        subprocess.run(
            [python, "-m", "pip", "install", "--disable-pip-version-check", "-e", spec],
            cwd=ROOT,
            check=True,
        )
        stamp.write_text(digest)
    return python


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"lab", "test"}:
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "lab":
        python = ensure_environment("")
        return subprocess.call([python, "-m", "jupyter", "lab", START, *rest], cwd=ROOT)
    python = ensure_environment("test")
    return subprocess.call([python, "-m", "pytest", *rest], cwd=ROOT)


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except subprocess.CalledProcessError as exc:
        sys.exit(f"Set-up failed: {exc}")
