"""The instructor guide's grading commands, end to end, with nbgrader 0.9.6 and
otter-grader 7.0.0 (exercises/README.md, "Teaching a class"): five submissions of
exercise 02 (correct, one task wrong, untouched, fake checks, reference calls) get the
expected points from both tools, and the cheats gain nothing.

The commands are the guide's. The students' fetch and submit steps run nbgrader's own
exchange code in this process (one OS user stands in for five students), and the
otter commands run in a folder made by the guide's first two commands.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grading_support as gs
import pytest

pytest.importorskip("nbgrader", reason="nbgrader is in the 'classroom' extra")
pytest.importorskip("otter", reason="otter-grader is in the 'classroom' extra")

from sgdlab.grading import classroom  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = gs.NOTEBOOK + ".ipynb"
ASSIGNMENT = "ex02"


def _env() -> dict[str, str]:
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    return {**os.environ, "PATH": path, "SGDLAB_FEEDBACK": "graded", "MPLBACKEND": "Agg"}


def _run(*args: str, cwd: Path) -> str:
    done = subprocess.run(list(args), cwd=cwd, env=_env(), capture_output=True, text=True,
                          encoding="utf-8", errors="replace", timeout=900)
    assert done.returncode == 0, f"{' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


# --- nbgrader -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """The guide's nbgrader steps up to the release, and the five submissions made from
    the released notebook; then release, hand-in, collect and autograde."""
    course = tmp_path_factory.mktemp("course")
    classroom.course_files(course, "02")
    classroom.nbgrader(course, "generate_assignment", ASSIGNMENT)
    released = _load(course / "release" / ASSIGNMENT / NOTEBOOK)
    work = tmp_path_factory.mktemp("work")
    submissions = {kind: gs.write(gs.submission(released, kind), work / kind / NOTEBOOK)
                   for kind in gs.KINDS}
    points = classroom.grade_with_nbgrader(course, submissions, "02")
    (course / "points.json").write_text(json.dumps(points), encoding="utf-8")
    return course


def test_the_course_files_keep_the_exchange_in_the_course_folder(course):
    assert (course / "exchange" / "sgd-lab" / "outbound" / ASSIGNMENT / NOTEBOOK).is_file()
    assert sorted(p.name for p in (course / "exchange" / "sgd-lab" / "inbound").iterdir())
    assert not Path("/srv/nbgrader/exchange/sgd-lab").exists()


def test_the_release_keeps_raises_exception_tags_and_hints(course):
    released = _load(course / "release" / ASSIGNMENT / NOTEBOOK)
    code = [c for c in released["cells"] if c["cell_type"] == "code"]
    tagged = [c for c in code if "raises-exception" in c["metadata"].get("tags", [])]
    assert len(tagged) == 8  # four task cells and their four check cells
    tasks = [c for c in tagged if "raise NotImplementedError()" in "".join(c["source"])]
    assert len(tasks) == 4
    assert all("# Student exercise:" in "".join(c["source"]) for c in tasks)
    assert "BEGIN SOLUTION" not in json.dumps(released)


@pytest.mark.parametrize("kind", gs.KINDS)
def test_nbgrader_gives_each_submission_its_points(course, kind):
    points = json.loads((course / "points.json").read_text(encoding="utf-8"))
    assert points[kind] == gs.EXPECTED[kind]


def test_nbgrader_totals_count_the_open_question(course):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id="sgd-lab") as gradebook:
        totals = {kind: (gradebook.find_submission(ASSIGNMENT, kind).score,
                         gradebook.find_submission(ASSIGNMENT, kind).max_score)
                  for kind in gs.KINDS}
        needs_hand = gradebook.find_submission(ASSIGNMENT, "correct").needs_manual_grade
    assert totals["correct"] == (8, 11)
    assert totals["partly_wrong"] == (6, 11)
    assert totals["untouched"] == (0, 11)
    assert needs_hand  # the open question waits for a person


def test_feedback_and_export(course):
    classroom.nbgrader(course, "generate_feedback", ASSIGNMENT)
    html = (course / "feedback" / "partly_wrong" / ASSIGNMENT /
            (gs.NOTEBOOK + ".html")).read_text(encoding="utf-8")
    assert "the rate decays exponentially, not as one over t" in html
    # graded feedback names the property, never the answer or the failing call
    assert "lr0 / (1 + decay * t)" not in html.replace("&#34;", '"')
    assert "inverse_time_lr(t=" not in html
    fake = (course / "feedback" / "fake_checks" / ASSIGNMENT /
            (gs.NOTEBOOK + ".html")).read_text(encoding="utf-8")
    assert "not attempted yet" in fake
    classroom.nbgrader(course, "export")
    rows = (course / "grades.csv").read_text(encoding="utf-8").splitlines()
    assert len(rows) == 1 + len(gs.KINDS)
    assert any(row.startswith(f"{ASSIGNMENT},") and ",correct," in row for row in rows)


# --- otter ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def otter_dist(tmp_path_factory) -> Path:
    """The guide's otter steps: masters, the sgdlab wheel, run the master, otter assign."""
    src = tmp_path_factory.mktemp("otter_src")
    _run(sys.executable, "scripts/make_student_versions.py", "--otter", str(src), cwd=ROOT)
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(src), ".", cwd=ROOT)
    _run(sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
         "--inplace", NOTEBOOK, cwd=src)
    _run(sys.executable, "-m", "otter", "assign", NOTEBOOK, "dist/", cwd=src)
    return src / "dist"


def test_the_autograder_asks_for_python_311_and_installs_sgdlab(otter_dist):
    import zipfile

    (archive,) = (otter_dist / "autograder").glob("*.zip")
    with zipfile.ZipFile(archive) as zf:
        environment = zf.read("environment.yml").decode("utf-8")
        config = json.loads(zf.read("otter_config.json"))
        wheels = [n for n in zf.namelist() if n.startswith("files/sgdlab-")]
        assert wheels
        with zf.open(wheels[0]) as wheel, zipfile.ZipFile(wheel) as inner:
            names = inner.namelist()
    assert "python=3.11" in environment
    assert f"/autograder/source/{wheels[0]}" in environment
    assert config["plugins"] == ["sgdlab.grading.otter_plugin.TrustedGrades"]
    assert {"sgdlab/checks/ex02.py", "sgdlab/grading/hidden/ex02.py",
            "sgdlab/grading/rubric.py"} <= set(names)


def test_the_otter_student_version_stubs_read_not_attempted(otter_dist):
    student = _load(otter_dist / "student" / NOTEBOOK)
    text = json.dumps(student)
    assert text.count('raise NotImplementedError(\\"Student exercise:') == 4
    assert "BEGIN PROMPT" not in text and "BEGIN SOLUTION" not in text


@pytest.fixture(scope="module")
def otter_results(otter_dist, tmp_path_factory) -> dict[str, dict]:
    student = _load(otter_dist / "student" / NOTEBOOK)
    (archive,) = (otter_dist / "autograder").glob("*.zip")
    folders = {kind: tmp_path_factory.mktemp(f"otter_{kind}") for kind in gs.KINDS}
    for kind, folder in folders.items():
        gs.write(gs.submission(student, kind), folder / NOTEBOOK)

    def grade(kind: str) -> dict:
        folder = folders[kind]
        report = _run(sys.executable, "-m", "otter", "run", "-a", str(archive), "-o", ".",
                      NOTEBOOK, cwd=folder)
        tests = _load(folder / "results.json")["tests"]
        return {"scores": {t["name"]: t["score"] for t in tests if "score" in t},
                "possible": sum(t["max_score"] for t in tests if "max_score" in t),
                "report": report}

    # two submissions at a time, each in its own folder and processes, as an instructor
    # grading a class on a 2-core laptop would
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(gs.KINDS, pool.map(grade, gs.KINDS), strict=True))


@pytest.mark.parametrize("kind", gs.KINDS)
def test_otter_run_gives_each_submission_its_points(otter_results, kind):
    result = otter_results[kind]
    scores = {task: result["scores"][task] for task in gs.EXPECTED[kind]}
    assert scores == gs.EXPECTED[kind], result["report"]
    assert result["scores"]["open_question (ex02-answer)"] == 0  # graded by hand
    assert result["possible"] == 11


def test_otter_reports_say_why(otter_results):
    assert "not attempted yet" in otter_results["untouched"]["report"]
    assert "calls sgdlab's own implementation" in otter_results["reference_calls"]["report"]
    assert "Total Score: 8.000 / 11.000" in otter_results["correct"]["report"]
    assert "Total Score: 6.000 / 11.000" in otter_results["partly_wrong"]["report"]
