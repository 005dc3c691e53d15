"""Grades that can be trusted: the exercise checks run in a fresh process on the
functions a learner submitted.

    python -m sgdlab.grading submission.ipynb --exercise 02 [--json]

prints the points of each task. :mod:`~sgdlab.grading.runner` takes the task cells out
of the notebook file and runs them, then the checks imported from the installed
``sgdlab`` (never from the submission), the hidden cases of
:mod:`~sgdlab.grading.hidden` and a watch for calls of ``sgdlab``'s own implementation
of the task (:mod:`~sgdlab.grading.tasks`), in a new interpreter. nbgrader and otter-grader
use it through :mod:`~sgdlab.grading.nbgrader_ext` and
:mod:`~sgdlab.grading.otter_plugin`; :mod:`~sgdlab.grading.classroom` runs nbgrader's
release, collect and autograde steps. The points are in :mod:`~sgdlab.grading.rubric`,
generated from the solution notebooks.
"""

from sgdlab.grading.runner import Report, TaskGrade, extract_cells, grade_cells, grade_notebook

__all__ = ["Report", "TaskGrade", "extract_cells", "grade_cells", "grade_notebook"]
