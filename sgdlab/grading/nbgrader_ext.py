"""Two nbgrader preprocessors, switched on by ``exercises/nbgrader_config.py``.

* :class:`KeepStudentAffordances` (``nbgrader generate_assignment``): the released
  notebook keeps what the course's own student versions have. Task and check cells get
  the ``raises-exception`` tag (so Run All goes past an unfinished task), and the
  ``# Student exercise: ...`` hint, which sits inside the solution region in the source,
  is moved just above it, so nbgrader's stub keeps it.
* :class:`TrustedGrades` (``nbgrader autograde``): after nbgrader has run the notebook,
  every check cell's outputs are replaced by the verdict of the trusted grader
  (:func:`sgdlab.grading.runner.grade_cells`, a fresh process with the installed checks
  and the hidden cases): a pass leaves one line, a failure an ``AssertionError`` with the
  graded-mode message. nbgrader then scores the cells from these outputs, so whatever the
  notebook's own kernel printed does not count.

nbgrader is imported only here; ``sgdlab`` does not need it otherwise.
"""

from __future__ import annotations

import re
from pathlib import Path

from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

from sgdlab.grading.rubric import RUBRIC
from sgdlab.grading.runner import grade_cells

_HINT = re.compile(r"^\s*#\s*Student exercise:")
_MORE = re.compile(r"^\s*#\s{2,}")
RAISES = "raises-exception"


def _grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def move_hint(source: str) -> str:
    """``source`` with each ``# Student exercise:`` comment (and its indented
    continuation lines) that follows a ``# BEGIN SOLUTION`` line moved above it."""
    lines = source.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        if lines[i].strip() == "# BEGIN SOLUTION" and i + 1 < len(lines) and _HINT.match(
                lines[i + 1]):
            j = i + 2
            while j < len(lines) and _MORE.match(lines[j]):
                j += 1
            out += lines[i + 1:j] + [lines[i]]
            i = j
            continue
        out.append(lines[i])
        i += 1
    return "\n".join(out)


def _exercise(resources: dict, configured: str) -> str | None:
    if configured:
        return configured
    name = resources.get("nbgrader", {}).get("notebook") or Path(
        resources.get("metadata", {}).get("name", "")).name
    key = name[:2]
    return key if key in RUBRIC and name.startswith(key + "_") else None


class KeepStudentAffordances(NbGraderPreprocessor):
    """Tag task and check cells ``raises-exception`` and keep the hint above the stub."""

    def preprocess(self, nb, resources):
        previous_was_task = False
        for cell in nb.cells:
            grading = cell.get("metadata", {}).get("nbgrader", {})
            is_task = (cell.cell_type == "code" and grading.get("solution")
                       and "# BEGIN SOLUTION" in cell.source
                       and "open-question" not in cell.metadata.get("tags", []))
            is_check = (cell.cell_type == "code" and grading.get("grade")
                        and not grading.get("solution"))
            if is_task:
                cell.source = move_hint(cell.source)
            if is_task or (is_check and previous_was_task):
                tags = list(cell.metadata.get("tags", []))
                if RAISES not in tags:
                    cell.metadata["tags"] = [*tags, RAISES]
            previous_was_task = bool(is_task)
        return nb, resources


class TrustedGrades(NbGraderPreprocessor):
    """Replace each check cell's outputs with the trusted grader's verdict."""

    exercise = Unicode("", help="The exercise number, e.g. '02'; by default the first two "
                                "characters of the notebook's name.").tag(config=True)

    def preprocess(self, nb, resources):
        exercise = _exercise(resources, self.exercise)
        if exercise is None:
            self.log.warning("TrustedGrades: not an SGD Lab exercise notebook, left as it is")
            return nb, resources
        from sgdlab.grading.runner import extract_cells

        report = grade_cells(exercise, extract_cells(nb, exercise))
        by_check = {info["check_grade_id"]: task
                    for task, info in RUBRIC[exercise]["tasks"].items()}
        grades = {t.task: t for t in report.tasks}
        for cell in nb.cells:
            task = by_check.get(_grade_id(cell))
            if task is None or cell.cell_type != "code":
                continue
            grade = grades[task]
            if grade.status == "passed":
                cell.outputs = [_stream(f"✓ {task}: passed (trusted grading: the public "
                                        "check and the hidden cases)\n")]
            else:
                cell.outputs = [_error(task, grade.message)]
            self.log.info("TrustedGrades: %s %s", task, grade.status)
        return nb, resources


def _stream(text: str):
    from nbformat.v4 import new_output

    return new_output("stream", name="stdout", text=text)


def _error(task: str, message: str):
    from nbformat.v4 import new_output

    return new_output("error", ename="AssertionError", evalue=f"{task}: {message}",
                      traceback=[f"✗ {task}: {message}"])
