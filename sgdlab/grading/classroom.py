"""nbgrader's classroom steps for one exercise, as the instructor guide runs them.

:func:`grade_with_nbgrader` sets up a course directory (``exercises/nbgrader_config.py``
and the solution notebook in ``source/``), then runs the guide's instructor commands
(``nbgrader generate_assignment``, ``release_assignment``, ``collect``, ``autograde``)
in it, hands in each student's notebook through nbgrader's exchange as ``nbgrader
submit`` does, and reads the points from the gradebook. Autograding runs the trusted
grader (``TrustedGrades`` in the config), so the points are the trusted ones.

Example::

    points = grade_with_nbgrader(Path("/home/teacher/sgd-course"),
                                 {"alice": Path("alice/02_stochastic_gradient_descent.ipynb")},
                                 "02")
    points["alice"]["sgd_epoch"]          # 2.0 (or 0.0)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from sgdlab.grading.rubric import RUBRIC
from sgdlab.grading.tasks import normalise

ROOT = Path(__file__).resolve().parents[2]
COURSE_ID = "sgd-lab"


def assignment_name(exercise: str) -> str:
    """The nbgrader assignment of an exercise: ``"02"`` -> ``"ex02"``."""
    return f"ex{normalise(exercise)}"


def course_files(course_dir: Path, exercise: str, *, repository: Path = ROOT) -> Path:
    """Make ``course_dir`` an nbgrader course directory for ``exercise``: the course's
    ``nbgrader_config.py``, ``source/exNN/NN_name.ipynb`` (the solution notebook) and an
    empty ``exchange/``. Files already there are kept. Returns ``course_dir``.

    Raises:
        FileNotFoundError: ``repository`` is not a checkout of the course (its
            ``exercises/`` folder is needed).
    """
    exercise = normalise(exercise)
    notebook = RUBRIC[exercise]["notebook"] + ".ipynb"
    solutions = Path(repository) / "exercises"
    if not (solutions / "solutions" / notebook).is_file():
        raise FileNotFoundError(f"repository: no exercises/solutions/{notebook} in {repository}")
    course_dir = Path(course_dir)
    source = course_dir / "source" / assignment_name(exercise)
    source.mkdir(parents=True, exist_ok=True)
    if not (course_dir / "nbgrader_config.py").exists():
        shutil.copy(solutions / "nbgrader_config.py", course_dir / "nbgrader_config.py")
    if not (source / notebook).exists():
        shutil.copy(solutions / "solutions" / notebook, source / notebook)
    (course_dir / "exchange").mkdir(exist_ok=True)
    return course_dir


def nbgrader(course_dir: Path, *args: str, timeout: float = 900) -> str:
    """Run ``nbgrader <args>`` in ``course_dir`` (graded feedback); its output.

    Raises:
        RuntimeError: nbgrader failed (its output is in the message).
    """
    # nbgrader runs the `alembic` command of its own environment
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    env = {**os.environ, "SGDLAB_FEEDBACK": "graded", "MPLBACKEND": "Agg", "PATH": path}
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course_dir, env=env,
                          capture_output=True, text=True, encoding="utf-8", errors="replace",
                          timeout=timeout)
    output = done.stdout + done.stderr
    if done.returncode != 0 or "[ERROR]" in output or "Exception while loading config" in output:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed:\n{output}")
    return output


def _exchange(course_dir: Path, work: Path, student: str, assignment: str):
    """Config for a student's exchange step, as ``nbgrader submit --student`` sets it."""
    from traitlets.config import Config

    config = Config()
    config.CourseDirectory.course_id = COURSE_ID
    config.CourseDirectory.assignment_id = assignment
    config.CourseDirectory.student_id = student
    config.CourseDirectory.root = str(work)
    config.Exchange.root = os.environ.get("SGDLAB_NBGRADER_EXCHANGE",
                                          str(Path(course_dir) / "exchange"))
    config.Exchange.assignment_dir = str(work)
    config.Exchange.cache = str(work / ".nbgrader_cache")
    return config


def fetch(course_dir: Path, home: Path, student: str, exercise: str) -> Path:
    """Student ``student`` fetches the released exercise into ``home`` (what ``nbgrader
    fetch_assignment exNN`` does in their home folder); returns the notebook's path."""
    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.exchange.default import ExchangeFetchAssignment

    assignment = assignment_name(exercise)
    config = _exchange(course_dir, Path(home), student, assignment)
    ExchangeFetchAssignment(coursedir=CourseDirectory(config=config),
                            authenticator=Authenticator(config=config), config=config).start()
    return Path(home) / assignment / (RUBRIC[normalise(exercise)]["notebook"] + ".ipynb")


def submit(course_dir: Path, home: Path, student: str, exercise: str) -> None:
    """Student ``student`` submits ``home/exNN/`` (what ``nbgrader submit exNN`` does)."""
    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.exchange.default import ExchangeSubmit

    config = _exchange(course_dir, Path(home), student, assignment_name(exercise))
    ExchangeSubmit(coursedir=CourseDirectory(config=config),
                   authenticator=Authenticator(config=config), config=config).start()


def gradebook_points(course_dir: Path, students, exercise: str) -> dict[str, dict[str, float]]:
    """student -> task -> points, from the course's gradebook after autograding."""
    from nbgrader.api import Gradebook

    exercise = normalise(exercise)
    rubric = RUBRIC[exercise]
    by_check = {info["check_grade_id"]: task for task, info in rubric["tasks"].items()}
    out: dict[str, dict[str, float]] = {}
    url = f"sqlite:///{Path(course_dir).resolve() / 'gradebook.db'}"
    with Gradebook(url, course_id=COURSE_ID) as gradebook:
        for student in students:
            nb = gradebook.find_submission_notebook(rubric["notebook"],
                                                    assignment_name(exercise), student)
            out[student] = {by_check[g.name]: float(g.score) for g in nb.grades
                            if g.name in by_check}
    return out


def hand_in_copy(work: Path, released: Path) -> None:
    """Write the student's ``work`` over the fetched ``released`` notebook, as nbgrader
    expects it.

    A notebook the student got from nbgrader (its cells carry ``nbgrader`` metadata) is
    copied as it is. One they got another way, such as the course's own student version
    handed out by an nbgitpuller link, has no nbgrader metadata, so nbgrader could not
    tell its graded cells; then the student's answer cells (the released notebook's
    ``solution`` cells, matched by cell id) are written into the released notebook and
    everything else stays as released.
    """
    mine = json.loads(Path(work).read_text(encoding="utf-8"))
    if any("nbgrader" in c.get("metadata", {}) for c in mine["cells"]):
        Path(released).write_text(json.dumps(mine, indent=1, ensure_ascii=False) + "\n",
                                  encoding="utf-8")
        return
    answers = {c.get("id"): c["source"] for c in mine["cells"]}
    nb = json.loads(Path(released).read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell.get("metadata", {}).get("nbgrader", {}).get("solution") \
                and cell.get("id") in answers:
            cell["source"] = answers[cell["id"]]
    Path(released).write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n",
                              encoding="utf-8")


def grade_with_nbgrader(course_dir: Path, submissions: dict[str, Path],
                        exercise: str) -> dict[str, dict[str, float]]:
    """Release ``exercise``, hand in each student's notebook, collect and autograde them
    in ``course_dir``; return student -> task -> points.

    ``submissions`` maps a student id to the notebook they worked on: a copy of the
    released one, or the course's student version (:func:`hand_in_copy`). ``course_dir``
    is set up by :func:`course_files` if needed; the
    assignment is generated unless its release is newer than its source.
    """
    exercise = normalise(exercise)
    assignment = assignment_name(exercise)
    notebook = RUBRIC[exercise]["notebook"] + ".ipynb"
    course_dir = course_files(Path(course_dir), exercise)
    source = course_dir / "source" / assignment / notebook
    release = course_dir / "release" / assignment / notebook
    if not release.exists() or release.stat().st_mtime < source.stat().st_mtime:
        nbgrader(course_dir, "generate_assignment", assignment, "--force")
    nbgrader(course_dir, "release_assignment", assignment, "--force")
    with tempfile.TemporaryDirectory(prefix="sgdlab-students-") as homes:
        for student, path in submissions.items():
            home = Path(homes) / student
            home.mkdir()
            fetched = fetch(course_dir, home, student, exercise)
            hand_in_copy(path, fetched.parent / notebook)
            submit(course_dir, home, student, exercise)
    nbgrader(course_dir, "collect", assignment, "--update")
    nbgrader(course_dir, "autograde", assignment, "--force")
    return gradebook_points(course_dir, list(submissions), exercise)
