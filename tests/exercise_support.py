"""Shared by the tests of the exercise checks: the solution notebooks' functions.

``solution("03_minibatch_sgd")`` runs the task cells of
``exercises/solutions/03_minibatch_sgd.ipynb`` (through the generator script, which
knows which cells hold tasks) and returns their namespace: task name -> function.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_spec = importlib.util.spec_from_file_location("make_student_versions",
                                               ROOT / "scripts" / "make_student_versions.py")
generator = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(generator)


def solution(name: str) -> dict:
    """The namespace of the task cells of ``exercises/solutions/<name>.ipynb``."""
    return generator.task_namespace(ROOT / "exercises" / "solutions" / f"{name}.ipynb")
