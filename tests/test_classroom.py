"""A whole class on JupyterHub, end to end, on loopback.

The course is served from a bare git repository (``file://``) holding this checkout's
HEAD. JupyterHub 6 (DummyAuthenticator, SimpleLocalProcessSpawner, homes in a temporary
folder) runs behind configurable-http-proxy from ``node_modules/`` (``npm ci``). Three
students log in over HTTP, start their servers, open the link ``course.py
classroom-link`` prints, land on the start page and answer exercise 02 differently:

- ada: every task right;
- ben: every task but the learning-rate schedule right, and he also rewrites the
  exercise's title line, the very line the instructor's update changes;
- cleo: no task touched; she keeps notes in a notebook of her own that happens to have
  the name of the notebook the update adds.

The instructor then commits an update (exercise 02 changed in two places, a new
notebook) and everyone opens the link again. Each student's work must survive, the
update must arrive, and the conflict must end as nbgitpuller documents. At the end the
hub, the proxy, every single-user server and kernel are stopped, also when a step fails.

``submissions`` hands the three final exercise notebooks on (student -> path), for
grading them.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import classroom_support as cs
import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import course_setup  # noqa: E402

#: JupyterHub runs on Linux and macOS; it does not support Windows.
pytestmark = pytest.mark.skipif(os.name != "posix", reason="JupyterHub does not run on Windows")

START = "notebooks/00_start_here.ipynb"
EXERCISE = "exercises/02_stochastic_gradient_descent.ipynb"
NEW = "notebooks/10_whats_next.ipynb"
STUDENTS = ("ada", "ben", "cleo")
EXERCISE_ID = "02"  # the exercise the students answer and the instructor grades

RIGHT = {
    "ex02-solution-per-example-gradients": "residuals = X @ w - y\n"
                                           "return X * residuals[:, None]",
    "ex02-solution-sgd-epoch": "w = np.asarray(w, dtype=float)\n"
                               "for i in rng.permutation(len(y)):\n"
                               "    w = w - lr * (X[i] @ w - y[i]) * X[i]\n"
                               "return w",
    "ex02-solution-run-sgd": "rows = [np.asarray(w0, dtype=float)]\n"
                             "for _ in range(epochs):\n"
                             "    rows.append(sgd_epoch(rows[-1], X, y, lr, rng))\n"
                             "return np.array(rows)",
    "ex02-solution-inverse-time-lr": "return float(lr0 / (1 + decay * t))",
}
#: ben's one wrong task: an exponential decay instead of the inverse-time one
WRONG = {**RIGHT, "ex02-solution-inverse-time-lr": "return lr0 / (1 + decay) ** t"}

TITLE = "ex02-title"
SUMMARY = "ex02-summary"
OLD_TITLE = "# Exercises 02: Stochastic gradient descent\n"
INSTRUCTOR_TITLE = "# Exercises 02: Stochastic gradient descent (revised this term)\n"
BEN_TITLE = "# Exercises 02: Stochastic gradient descent (ben: redo task 4!)\n"
SUMMARY_ADDITION = "\n- New this term: notebook 10 says where to go from here."


@dataclass
class Classroom:
    """What one run of the class left behind, for the tests to check."""

    folder: Path
    marker: str
    link: str = ""
    landed: dict[str, list[str]] = field(default_factory=dict)
    start_page: dict[str, dict] = field(default_factory=dict)
    saved: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    files_before: dict[str, set[str]] = field(default_factory=dict)
    update: dict[str, dict[str, str]] = field(default_factory=dict)
    pulls: dict[str, list[list[str]]] = field(default_factory=dict)
    servers_stopped: bool = False
    left_running: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)  # phase -> when it ended

    def mark(self, phase: str, since: float) -> None:
        self.seconds[phase] = round(time.monotonic() - since, 1)

    def course(self, student: str) -> Path:
        return self.folder / "hub" / "homes" / student / "sgd-lab"


def repo_files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")
            if p.is_file() and ".git" not in p.relative_to(folder).parts}


def instructor_update(bare: Path, work: Path) -> dict[str, dict[str, str]]:
    """Clone the course, change exercise 02's title line and summary, add a notebook,
    commit and push, as an instructor does. Returns {path: {cell id: new source}}."""
    cs.git("clone", "--quiet", bare.as_uri(), str(work))
    nb = nbformat.read(work / EXERCISE, as_version=4)
    old = cs.cells(nb)
    assert old[TITLE].startswith(OLD_TITLE), "the test's update no longer fits exercise 02"
    title = INSTRUCTOR_TITLE + old[TITLE][len(OLD_TITLE):]
    summary = old[SUMMARY] + SUMMARY_ADDITION
    cs.set_cell(nb, TITLE, title)
    cs.set_cell(nb, SUMMARY, summary)
    nbformat.write(nb, work / EXERCISE)
    new = nbformat.v4.new_notebook()
    new.cells = [nbformat.v4.new_markdown_cell("# 10 What next\n\nWhere to go from here.",
                                               id="next-title")]
    nbformat.write(new, work / NEW)
    cs.git("add", EXERCISE, NEW, cwd=work)
    cs.git("commit", "--quiet", "-m", "Exercise 02 revised; notebook 10 added", cwd=work)
    cs.git("push", "--quiet", "origin", "main", cwd=work)
    return {EXERCISE: {TITLE: title, SUMMARY: summary},
            NEW: {"next-title": cs.cells(new)["next-title"]}}


def answer(student: cs.Student, bodies: dict[str, str], title: str | None = None) -> dict:
    """``student`` fills in exercise 02's task cells with ``bodies`` (and rewrites its
    title), saves it through the Contents API and reads it back. Returns {cell id:
    source} of every cell changed."""
    path = f"sgd-lab/{EXERCISE}"
    nb = student.contents(path)["content"]
    before = cs.cells(nb)
    for cell_id, body in bodies.items():
        cs.set_cell(nb, cell_id, cs.answer_task(before[cell_id], body))
    if title is not None:
        cs.set_cell(nb, TITLE, title + before[TITLE][len(OLD_TITLE):])
    student.save_notebook(path, nb)
    after = cs.cells(student.contents(path)["content"])
    changed = {k: v for k, v in after.items() if v != before[k]}
    assert set(changed) == set(bodies) | ({TITLE} if title else set()), "the save lost a cell"
    return changed


def run_class(room: Classroom, hub: cs.Hub, bare: Path, started: float) -> None:
    students = {name: cs.Student(hub, name) for name in STUDENTS}
    for student in students.values():
        student.log_in()
        student.start_server()
    room.mark("logged in, servers asked for", started)
    for student in students.values():
        student.wait_until_ready()
    room.mark("servers ready", started)

    room.link = course_setup.classroom_link(hub.url, bare.as_uri(), "main")
    for name, student in students.items():
        room.landed[name] = [student.open_link(room.link)]
        room.start_page[name] = student.contents(f"sgd-lab/{START}")
    room.mark("course handed out", started)

    room.saved["ada"] = {EXERCISE: answer(students["ada"], RIGHT)}
    room.saved["ben"] = {EXERCISE: answer(students["ben"], WRONG, title=BEN_TITLE.rstrip("\n"))}
    notes = nbformat.v4.new_notebook()
    notes.cells = [nbformat.v4.new_markdown_cell("My notes: SGD is noisy.", id="cleo-notes")]
    students["cleo"].save_notebook(f"sgd-lab/{NEW}", notes)
    room.saved["cleo"] = {NEW: {"cleo-notes": "My notes: SGD is noisy."}}
    for name in STUDENTS:
        room.files_before[name] = repo_files(room.course(name))

    room.mark("exercise answered", started)
    room.update = instructor_update(bare, room.folder / "instructor")
    for name, student in students.items():
        room.landed[name].append(student.open_link(room.link))
        room.pulls[name] = student.pulls
    room.mark("update pulled", started)
    room.servers_stopped = cs.stop_servers(hub)  # the end of the class
    room.mark("servers stopped", started)


@pytest.fixture(scope="module")
def classroom(tmp_path_factory) -> Classroom:
    """Run the whole class once; stop every process it started, whatever happened."""
    room = Classroom(tmp_path_factory.mktemp("classroom"), secrets.token_hex(8))
    started = time.monotonic()
    hub = None
    try:
        bare = cs.course_repository(room.folder)
        hub = cs.start_hub(room.folder / "hub", STUDENTS, room.marker)
        room.mark("hub up", started)
        run_class(room, hub, bare, started)
    except cs.ClassroomError:
        raise
    except Exception as exc:  # say what the hub logged, it usually tells why
        tail = hub.log_tail() if hub is not None else ""
        raise cs.ClassroomError(f"{type(exc).__name__}: {exc}\n--- hub log ---\n{tail}") from exc
    finally:
        room.left_running = cs.stop_everything(hub, room.marker)
        room.mark("all stopped", started)
        print(f"classroom timeline (s): {room.seconds}")
    return room


@pytest.fixture(scope="module")
def submissions(classroom) -> dict[str, Path]:
    """student -> their exercise 02 as it stands at the end of the class."""
    return {name: classroom.course(name) / EXERCISE for name in STUDENTS}


# --- the tests -------------------------------------------------------------------------
def test_each_student_gets_the_course_and_lands_on_the_start_page(classroom):
    head = nbformat.read(ROOT / START, as_version=4)
    for name in STUDENTS:
        for landed in classroom.landed[name]:
            assert landed.endswith(f"/user/{name}/lab/tree/sgd-lab/{START}"), landed
        model = classroom.start_page[name]
        assert model["type"] == "notebook"
        assert cs.cells(model["content"]) == cs.cells(head), f"{name}'s start page differs"
        assert "$ git clone" in "".join(classroom.pulls[name][0])  # the first click clones
        assert "$ git fetch" in "".join(classroom.pulls[name][1])  # the second one updates


def test_every_students_work_survives_the_update(classroom):
    for name in STUDENTS:
        folder = classroom.course(name)
        assert cs.work_lost(classroom.saved[name], folder) == [], name
        gone = [f for f in classroom.files_before[name] if not (folder / f).exists()]
        assert gone == [], f"{name} lost files: {gone}"


def test_the_update_arrives_for_everyone(classroom):
    kept = {"ben": {(EXERCISE, TITLE)}}  # the conflict, checked below
    for name in STUDENTS:
        missing = cs.update_missing(classroom.update, classroom.course(name),
                                    kept.get(name, set()))
        assert missing == [], f"{name}: {missing}"


def test_a_conflicting_edit_ends_as_nbgitpuller_documents(classroom):
    """ben and the instructor both rewrote the exercise's title line. nbgitpuller 1.3
    merges with ``git merge -Xours`` (nbgitpuller/pull.py, ``GitPuller.merge``) and
    documents the outcome in docs/topic/automatic-merging.md, "Case 3: Student &
    instructor change same lines in same file": the student's changes are always kept.
    Lines the instructor changed elsewhere in the same file still arrive (Case 2), and
    the file stays a valid notebook, with no conflict markers."""
    path = classroom.course("ben") / EXERCISE
    text = path.read_text(encoding="utf-8")
    assert "<<<<<<<" not in text and ">>>>>>>" not in text
    nb = nbformat.reads(text, as_version=4)
    nbformat.validate(nb)
    now = cs.cells(nb)
    assert now[TITLE].startswith(BEN_TITLE), "ben's title line must win the conflict"
    assert INSTRUCTOR_TITLE not in now[TITLE]
    assert now[SUMMARY] == classroom.update[EXERCISE][SUMMARY]  # the rest still arrived
    log = subprocess.run(["git", "log", "--format=%s", "-3"], cwd=path.parents[1],
                         capture_output=True, text=True, encoding="utf-8").stdout
    assert "Automatic commit by nbgitpuller" in log  # ben's work is committed, not lost


def test_an_untouched_copy_takes_the_update_as_is(classroom):
    mine = (classroom.course("cleo") / EXERCISE).read_bytes()
    theirs = (classroom.folder / "instructor" / EXERCISE).read_bytes()
    assert mine == theirs


def test_a_students_file_in_the_way_of_a_new_one_is_renamed_not_replaced(classroom):
    """nbgitpuller's "Case 5": the student's own file is renamed with a timestamp and
    the instructor's new file takes its name."""
    new = classroom.course("cleo") / NEW
    (renamed,) = cs.renamed_copies(new)
    assert cs.cells(cs.read_notebook(renamed)) == {"cleo-notes": "My notes: SGD is noisy."}
    assert cs.cells(cs.read_notebook(new)) == classroom.update[NEW]


def test_the_submissions_are_the_students_final_notebooks(submissions):
    handed_out = cs.cells(cs.read_notebook(ROOT / EXERCISE))
    for name, bodies in (("ada", RIGHT), ("ben", WRONG), ("cleo", None)):
        now = cs.cells(cs.read_notebook(submissions[name]))
        for cell_id in RIGHT:
            if bodies is None:
                assert now[cell_id] == handed_out[cell_id], f"{name} changed {cell_id}"
            else:
                assert now[cell_id] == cs.answer_task(handed_out[cell_id], bodies[cell_id])


def test_the_instructor_grades_the_class_with_nbgrader(submissions, tmp_path_factory):
    """The instructor releases exercise 02 through nbgrader, hands in the three notebooks
    as they stand on the hub after the update, collects and autogrades them with the
    trusted grader: ada gets full marks, ben loses only the schedule he got wrong, and
    cleo, who touched no task, gets nothing."""
    from sgdlab.grading import classroom as grading
    from sgdlab.grading.rubric import RUBRIC

    points = grading.grade_with_nbgrader(tmp_path_factory.mktemp("nbgrader-course"),
                                         submissions, EXERCISE_ID)
    full = {task: spec["points"] for task, spec in RUBRIC[EXERCISE_ID]["tasks"].items()}
    assert points["ada"] == full, points
    assert points["ben"] == {**full, "inverse_time_lr": 0}, points
    assert points["cleo"] == dict.fromkeys(full, 0), points


def test_nothing_is_left_running(classroom):
    assert classroom.servers_stopped, "the hub did not stop every server when asked"
    assert classroom.left_running == []
    assert cs.marked_processes(classroom.marker) == []


# --- the assertion helpers catch a lost edit (no hub needed) -----------------------------
def _notebook(path: Path, cell_id: str, text: str, title: str = "# Title") -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(text, id=cell_id),
                nbformat.v4.new_markdown_cell(title, id="title")]
    nbformat.write(nb, path)


@pytest.mark.parametrize("pull", ["nbgitpuller", "overwrite"])
def test_a_pull_that_overwrites_a_students_edit_is_caught(tmp_path, pull):
    """The same checks as above on a one-notebook course: nbgitpuller's pull keeps the
    student's edit; a pull that resets to the instructor's version (a planted failure)
    is reported by ``work_lost``."""
    from nbgitpuller import GitPuller

    origin, instructor, student = tmp_path / "course.git", tmp_path / "i", tmp_path / "s"
    cs.git("init", "--quiet", "--bare", "--initial-branch=main", str(origin))
    cs.git("clone", "--quiet", origin.as_uri(), str(instructor))
    _notebook(instructor / "ex.ipynb", "task", "x = 1  # your answer")
    cs.git("add", "ex.ipynb", cwd=instructor)
    cs.git("commit", "--quiet", "-m", "course", cwd=instructor)
    cs.git("push", "--quiet", "origin", "main", cwd=instructor)
    for _ in GitPuller(origin.as_uri(), str(student), branch="main").pull():
        pass
    _notebook(student / "ex.ipynb", "task", "x = 42  # my answer")
    saved = {"ex.ipynb": {"task": "x = 42  # my answer"}}
    _notebook(instructor / "ex.ipynb", "task", "x = 1  # your answer, now explained",
              title="# Title, revised")
    cs.git("commit", "--quiet", "-am", "update", cwd=instructor)
    cs.git("push", "--quiet", "origin", "main", cwd=instructor)

    if pull == "nbgitpuller":
        for _ in GitPuller(origin.as_uri(), str(student), branch="main").pull():
            pass
        assert cs.work_lost(saved, student) == []
    else:
        cs.git("fetch", "--quiet", cwd=student)
        cs.git("reset", "--quiet", "--hard", "origin/main", cwd=student)
        assert cs.work_lost(saved, student) == [
            "ex.ipynb: cell task no longer holds what was saved"]
    update = {"ex.ipynb": {"title": "# Title, revised"}}
    assert cs.update_missing(update, student) == []
    assert cs.update_missing({"gone.ipynb": {}}, student) == ["gone.ipynb: not there"]


def test_without_the_proxy_the_classroom_fails_saying_what_to_install(monkeypatch):
    """No Node.js or no ``npm ci``: the classroom fixture fails (never skips) with the
    message ``course.py test`` prints too."""
    monkeypatch.setattr(cs, "PROXY", ROOT / "node_modules" / "no-such-proxy")
    with pytest.raises(cs.ClassroomError, match=r"install Node\.js 20 or newer"):
        cs.start_hub(Path("unused"), STUDENTS, "unused")
