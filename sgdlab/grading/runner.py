"""Grade a submitted exercise notebook in a fresh process, with the installed checks.

The notebook's kernel is not trusted: a cell can redefine ``ex02.check_sgd_epoch`` or
patch numpy before the check runs. So a grade is computed here instead, from the
notebook *file*: its set-up cell and task cells are taken out of it and executed in a
new interpreter (:mod:`sgdlab.grading._child`), which imports the checks from the
installed ``sgdlab`` first and then runs, per task, the public check, the hidden cases
(:mod:`sgdlab.grading.hidden`) and the reference watch (:mod:`sgdlab.grading.tasks`).

Points come from :data:`sgdlab.grading.rubric.RUBRIC` (generated from the solution
notebooks' nbgrader metadata). Example::

    report = grade_notebook(Path("alice/02_stochastic_gradient_descent.ipynb"), "02")
    report.total, report.possible          # (8, 8): autograded points only
"""

from __future__ import annotations

import ast
import json
import os
import secrets
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sgdlab.grading.rubric import RUBRIC
from sgdlab.grading.tasks import REFERENCES, normalise

#: Seconds one grading process may take in all before it is stopped.
TIMEOUT_SECONDS = 300.0


@dataclass
class TaskGrade:
    """One task's grade: ``status`` is passed, failed, not attempted, missing,
    reference (it called sgdlab's implementation of the task), forbidden (it used a
    module or name graded code may not use) or error (the grading process failed)."""

    task: str
    points: float
    possible: float
    status: str
    message: str


@dataclass
class Report:
    """The grades of one submission: per task, and the open questions left for a
    person (grade id -> points possible)."""

    exercise: str
    notebook: str
    tasks: list[TaskGrade]
    manual: dict[str, float] = field(default_factory=dict)
    replaced: list[str] = field(default_factory=list)

    @property
    def total(self) -> float:
        return sum(t.points for t in self.tasks)

    @property
    def possible(self) -> float:
        return sum(t.possible for t in self.tasks)

    def points(self) -> dict[str, float]:
        """task -> points."""
        return {t.task: t.points for t in self.tasks}

    def as_dict(self) -> dict:
        return {**asdict(self), "total": self.total, "possible": self.possible}

    def text(self) -> str:
        width = max(len(t.task) for t in self.tasks)
        lines = [f"exercise {self.exercise} ({self.notebook})"]
        for t in self.tasks:
            shown = "passed" if t.status == "passed" else t.message
            lines.append(f"  {t.task:<{width}}  {t.points:g}/{t.possible:g}  {shown}")
        if self.replaced:
            lines.append("  the submission replaced " + ", ".join(self.replaced)
                         + " (put back before grading)")
        lines.append(f"autograded: {self.total:g}/{self.possible:g}")
        for grade_id, points in self.manual.items():
            lines.append(f"open question {grade_id}: {points:g} points, graded by hand")
        return "\n".join(lines)


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _defines(source: str) -> list[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    return [node.name for node in tree.body if isinstance(node, ast.FunctionDef)]


def extract_cells(nb: dict, exercise: str) -> list[dict]:
    """The cells of notebook ``nb`` to run for grading, in notebook order: the set-up
    cell (``task`` None), then every code cell that holds a task.

    A task cell is found by its nbgrader ``grade_id`` (``task-<name>``) or its cell id
    (as in the solution notebook), else as a code cell that defines a task's function at
    top level (otter's student notebooks keep neither). Check cells and every other cell
    are never run.
    """
    exercise = normalise(exercise)
    rubric = RUBRIC[exercise]
    by_id = {info["task_cell"]: name for name, info in rubric["tasks"].items()}
    by_grade = {info["task_grade_id"]: name for name, info in rubric["tasks"].items()}
    code = [c for c in nb.get("cells", []) if c.get("cell_type") == "code"]
    setup = next((c for c in code if c.get("id") == rubric["setup_cell"]), None)
    if setup is None:
        setup = next((c for c in code if "sgdlab.checks" in _source(c)), None)
    cells = [{"task": None, "source": _source(setup)}] if setup is not None else []
    for cell in code:
        if cell is setup:
            continue
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        task = by_grade.get(grade_id) or by_id.get(cell.get("id"))
        if task is None:
            task = next((n for n in _defines(_source(cell)) if n in rubric["tasks"]), None)
        if task is not None:
            cells.append({"task": task, "source": _source(cell)})
    return cells


def _child_env() -> dict[str, str]:
    import sgdlab

    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONSTARTUP", "PYTHONINSPECT", "PYTHONHOME")}
    env["PYTHONPATH"] = str(Path(sgdlab.__file__).resolve().parents[1])
    env["SGDLAB_FEEDBACK"] = "graded"
    env["MPLBACKEND"] = "Agg"
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def grade_cells(exercise: str, cells: list[dict], *, hidden: bool = True,
                timeout: float = TIMEOUT_SECONDS, notebook: str = "") -> Report:
    """Run ``cells`` (from :func:`extract_cells`) and grade every task of ``exercise``
    in a fresh interpreter; see the module docstring."""
    exercise = normalise(exercise)
    rubric = RUBRIC[exercise]
    nonce = secrets.token_hex(16)
    request = {"nonce": nonce, "exercise": exercise, "hidden": hidden, "cells": cells}
    outcome: dict | None = None
    problem = ""
    with tempfile.TemporaryDirectory(prefix="sgdlab-grading-") as empty:
        try:
            done = subprocess.run(
                [sys.executable, "-P", "-s", "-m", "sgdlab.grading._child"],
                input=json.dumps(request), capture_output=True, text=True,
                encoding="utf-8", errors="replace", cwd=empty, env=_child_env(),
                timeout=timeout)
        except subprocess.TimeoutExpired:
            problem = f"grading took longer than {timeout:g} s and was stopped"
        else:
            for line in reversed(done.stdout.splitlines()):
                if line.startswith(nonce):
                    outcome = json.loads(line[len(nonce):])
                    break
            else:
                tail = done.stderr.strip().splitlines()[-1:] or [f"exit code {done.returncode}"]
                problem = f"the grading process ended without a verdict ({tail[0]})"
    tasks = []
    for task in REFERENCES[exercise]:
        possible = rubric["tasks"][task]["points"]
        if outcome is None:
            tasks.append(TaskGrade(task, 0, possible, "error", problem))
            continue
        verdict = outcome["verdicts"][task]
        tasks.append(TaskGrade(task, possible if verdict["passed"] else 0, possible,
                               verdict["status"], verdict["message"]))
    manual = {gid: info["points"] for gid, info in rubric["manual"].items()}
    return Report(exercise, notebook or rubric["notebook"], tasks, manual,
                  list(outcome["replaced"]) if outcome else [])


def grade_notebook(path: Path | str, exercise: str, **options) -> Report:
    """Grade the notebook file ``path`` as exercise ``exercise`` (``"02"``); options as
    :func:`grade_cells`."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    return grade_cells(exercise, extract_cells(nb, exercise), notebook=str(path), **options)
