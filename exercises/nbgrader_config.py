"""nbgrader configuration for SGD Lab's exercises (nbgrader 0.9.6).

Copy this file into an empty folder that you own: that folder becomes the course
directory (``source/``, ``release/``, ``submitted/``, ``autograded/``, ``feedback/`` and
``gradebook.db`` appear in it). See "Teaching a class" in exercises/README.md.

- The exchange (where releases wait and submissions arrive) is ``exchange/`` in the same
  folder, not nbgrader's default ``/srv/nbgrader/exchange``; set the environment variable
  SGDLAB_NBGRADER_EXCHANGE to put it elsewhere (on a shared hub, a folder every student
  can write to, and the same setting in the students' nbgrader configuration).
- Released notebooks keep the course's ``raises-exception`` tags and the per-task hints
  (``KeepStudentAffordances``).
- Autograding replaces the verdict of every check cell by the trusted grader's
  (``TrustedGrades``: the submitted functions, a fresh process, the installed checks and
  hidden cases), so a notebook that redefines the checks or patches numpy gains nothing.
"""

import os
from pathlib import Path

from nbgrader.converters import Autograde, GenerateAssignment

from sgdlab.grading.nbgrader_ext import KeepStudentAffordances, TrustedGrades

c = get_config()  # noqa: F821 - provided by nbgrader when it reads this file

HERE = Path(__file__).resolve().parent

c.CourseDirectory.root = str(HERE)
c.CourseDirectory.course_id = "sgd-lab"
c.Exchange.root = os.environ.get("SGDLAB_NBGRADER_EXCHANGE", str(HERE / "exchange"))

_release = list(GenerateAssignment.class_traits()["preprocessors"].default())
c.GenerateAssignment.preprocessors = [KeepStudentAffordances, *_release]

_autograde = list(Autograde.class_traits()["autograde_preprocessors"].default())
_autograde.insert(next(k for k, p in enumerate(_autograde) if p.__name__ == "SaveAutoGrades"),
                  TrustedGrades)
c.Autograde.autograde_preprocessors = _autograde
