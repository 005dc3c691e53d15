"""otter-grader plugin: the trusted grader decides every task's score.

Listed in the assignment config that ``scripts/make_student_versions.py --otter`` writes
(``plugins: [sgdlab.grading.otter_plugin.TrustedGrades]``), so it runs inside
``otter run`` and the Gradescope autograder:

* ``before_grading``: grades the submitted notebook with
  :func:`sgdlab.grading.runner.grade_notebook` (a fresh process, the installed checks,
  the hidden cases, the reference watch);
* ``after_grading``: replaces the result of each task's test by that verdict (the
  notebook's own check output, which a submission can fake, no longer counts) and adds
  the open question as a question graded by hand, worth its points and scored 0 until a
  person grades it, so that the total shows it (e.g. 8/11);
* ``generate_report``: the trusted report, printed by ``otter run``.

The exercise is the first two characters of the notebook's name unless the plugin's
config gives ``exercise``.
"""

from __future__ import annotations

from pathlib import Path

from otter.plugins import AbstractOtterPlugin
from otter.test_files.abstract_test import TestCase, TestCaseResult, TestFile

from sgdlab.grading.rubric import RUBRIC
from sgdlab.grading.runner import Report, grade_notebook

#: The note an open question carries until a person grades it.
HAND_GRADED = "graded by hand (not graded yet): export the notebooks with otter export"


class _HandGraded(TestFile):
    """An open question in otter's results: its points count as possible, none earned."""

    @classmethod
    def from_file(cls, path):  # pragma: no cover - never read from a file
        raise NotImplementedError

    @classmethod
    def from_metadata(cls, s, path):  # pragma: no cover
        raise NotImplementedError

    def run(self, global_environment):  # pragma: no cover - nothing to run
        return None


class TrustedGrades(AbstractOtterPlugin):
    """See the module docstring."""

    report: Report | None = None

    def _exercise(self) -> str:
        configured = (self.plugin_config or {}).get("exercise")
        if configured:
            return str(configured)
        return Path(self.submission_path).name[:2]

    def before_grading(self, config) -> None:
        exercise = self._exercise()
        if exercise not in RUBRIC:
            raise ValueError(f"TrustedGrades: cannot tell the exercise of "
                             f"{self.submission_path}; set exercise in the plugin's config")
        self.report = grade_notebook(self.submission_path, exercise)

    def after_grading(self, results) -> None:
        if self.report is None:
            return
        for grade in self.report.tasks:
            if grade.task not in results.results:
                continue
            test_file = results.results[grade.task]
            passed = grade.status == "passed"
            message = (None if passed else f"✗ {grade.task}: {grade.message}")
            test_file.test_case_results = [TestCaseResult(test_case=case, message=message,
                                                          passed=passed)
                                           for case in test_file.test_cases]
            test_file._score = None
        for grade_id, points in self.report.manual.items():
            name = f"open_question ({grade_id})"
            case = TestCase(name=name, body="", hidden=False, points=points,
                            success_message=None, failure_message=HAND_GRADED)
            hand = _HandGraded(name, "", [case])
            hand.test_case_results = [TestCaseResult(test_case=case, message=HAND_GRADED,
                                                     passed=False)]
            results.results[name] = hand
        results.set_plugin_data(type(self).__module__ + "." + type(self).__name__,
                                self.report.as_dict())

    def generate_report(self) -> str:
        if self.report is None:
            return ""
        return "Trusted grading (sgdlab.grading)\n" + self.report.text()
