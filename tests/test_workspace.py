"""The learner's workspace: copies of the course that no script or update overwrites."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sgdlab import workspace as ws

ROOT = Path(__file__).resolve().parents[1]
NB = "notebooks/01_gradient_descent.ipynb"
EX = "exercises/01_gradient_descent.ipynb"


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """A copy of the course's sources that a test may change like a `git pull` would."""
    src = tmp_path / "course"
    for rel in ws.source_files(ROOT):
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / rel, src / rel)
    return src


def learner_runs_and_saves(path: Path) -> None:
    """What JupyterLab writes after Run All and Save: outputs and execution counts."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    for n, cell in enumerate(c for c in nb["cells"] if c["cell_type"] == "code"):
        cell["execution_count"] = n + 1
        cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["hi\n"]}]
    path.write_text(json.dumps(nb, indent=1), encoding="utf-8")


def test_first_sync_copies_every_course_file(course, tmp_path):
    work = tmp_path / "work"
    report = ws.sync(course, work)
    assert sorted(report.copied) == ws.source_files(course)
    assert any(r.startswith("notebooks/") for r in report.copied)
    assert any(r.startswith("exercises/") for r in report.copied)
    for rel in report.copied:
        assert (work / rel).read_bytes() == (course / rel).read_bytes()


def test_an_update_reaches_files_the_learner_did_not_change(course, tmp_path):
    work = tmp_path / "work"
    ws.sync(course, work)
    (course / NB).write_text((course / NB).read_text(encoding="utf-8").replace(
        "Gradient descent", "Gradient descent, updated", 1), encoding="utf-8")
    report = ws.sync(course, work)
    assert report.updated == [NB]
    assert (work / NB).read_bytes() == (course / NB).read_bytes()


def test_an_update_never_touches_what_the_learner_changed(course, tmp_path):
    work = tmp_path / "work"
    ws.sync(course, work)
    learner_runs_and_saves(work / NB)
    learner_runs_and_saves(work / EX)
    theirs = (work / NB).read_bytes(), (work / EX).read_bytes()

    assert ws.sync(course, work).update_beside == []  # no course change: nothing new
    for rel in (NB, EX):  # the course changes both files (a `git pull`)
        (course / rel).write_bytes((course / rel).read_bytes().replace(b"}", b"} ", 1))
    report = ws.sync(course, work)
    assert ((work / NB).read_bytes(), (work / EX).read_bytes()) == theirs
    beside = dict(report.update_beside)
    assert set(beside) == {NB, EX}
    assert (work / beside[NB]).read_bytes() == (course / NB).read_bytes()
    assert beside[NB] == "notebooks/01_gradient_descent (course update).ipynb"
    assert any("yours is kept" in line for line in report.lines())

    again = ws.sync(course, work)  # the same update is delivered once
    assert again.update_beside == [] and ((work / NB).read_bytes(),) == (theirs[0],)


def test_an_edited_update_copy_is_left_alone_too(course, tmp_path):
    work = tmp_path / "work"
    ws.sync(course, work)
    learner_runs_and_saves(work / NB)
    (course / NB).write_bytes((course / NB).read_bytes() + b"\n")
    (_, update), = ws.sync(course, work).update_beside
    learner_runs_and_saves(work / update)
    edited = (work / update).read_bytes()
    (course / NB).write_bytes((course / NB).read_bytes() + b"\n")
    ws.sync(course, work)
    assert (work / update).read_bytes() == edited


def test_new_course_files_arrive_and_deleted_ones_come_back(course, tmp_path):
    work = tmp_path / "work"
    ws.sync(course, work)
    shutil.copy(course / NB, course / "notebooks/10_new.ipynb")
    (work / EX).unlink()
    report = ws.sync(course, work)
    assert set(report.copied) == {"notebooks/10_new.ipynb", EX}


def test_nothing_is_ever_deleted(course, tmp_path):
    work = tmp_path / "work"
    ws.sync(course, work)
    (work / "notebooks" / "my_notes.ipynb").write_text("{}", encoding="utf-8")
    (course / NB).unlink()
    ws.sync(course, work)
    assert (work / NB).exists() and (work / "notebooks" / "my_notes.ipynb").exists()


def test_a_fresh_copy_keeps_the_old_one(course, tmp_path):
    work = tmp_path / "work"
    ws.sync(course, work)
    learner_runs_and_saves(work / NB)
    theirs = (work / NB).read_bytes()
    kept, rel = ws.fresh(course, work, NB)
    assert rel == NB and kept.startswith("notebooks/01_gradient_descent (mine ")
    assert (work / kept).read_bytes() == theirs
    assert (work / NB).read_bytes() == (course / NB).read_bytes()
    kept2, _ = ws.fresh(course, work, NB)  # twice in the same minute: still nothing lost
    assert kept2 != kept and (work / kept).read_bytes() == theirs
    # and the fresh copy follows later updates again, since the learner has not touched it
    (course / NB).write_bytes((course / NB).read_bytes() + b"\n")
    assert ws.sync(course, work).updated == [NB]


def test_fresh_rejects_what_is_not_a_course_file(course, tmp_path):
    with pytest.raises(ValueError, match="rel must be a course file"):
        ws.fresh(course, tmp_path / "work", "notebooks/nope.ipynb")
    with pytest.raises(ValueError, match="workspace must be a folder of its own"):
        ws.sync(course, course / "notebooks")


def test_a_damaged_manifest_treats_every_file_as_the_learners(course, tmp_path):
    work = tmp_path / "work"
    ws.sync(course, work)
    (work / ws.MANIFEST).write_text("not json", encoding="utf-8")
    before = (work / NB).read_bytes()
    (course / NB).write_bytes((course / NB).read_bytes() + b"\n")
    report = ws.sync(course, work)
    assert (work / NB).read_bytes() == before and report.update_beside


def test_every_relative_link_resolves_inside_a_workspace(course, tmp_path):
    from test_links import broken_links

    work = tmp_path / "work"
    ws.sync(course, work)
    files = sorted(work.rglob("*.ipynb")) + sorted(work.rglob("*.md"))
    assert files
    assert broken_links(files, work) == []


def test_the_test_suite_never_collects_the_workspace(tmp_path):
    """A learner's saved notebooks (with outputs) cannot make `course.py test` fail:
    pytest does not look inside my-work/."""
    (tmp_path / "my-work" / "notebooks").mkdir(parents=True)
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "notebooks").mkdir()
    shutil.copy(ROOT / NB, tmp_path / "my-work" / NB)
    learner_runs_and_saves(tmp_path / "my-work" / NB)
    for args in ([], ["."]):  # README's command, and pytest pointed at the whole folder
        out = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q",
                              "-p", "no:cacheprovider", *args], cwd=tmp_path,
                             capture_output=True, text=True, encoding="utf-8")
        assert "01_gradient_descent" not in out.stdout, out.stdout
    # and the same collection does see a notebook placed among the sources
    shutil.copy(ROOT / NB, tmp_path / NB)
    out = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q",
                          "-p", "no:cacheprovider"], cwd=tmp_path,
                         capture_output=True, text=True, encoding="utf-8")
    assert "notebooks/01_gradient_descent.ipynb" in out.stdout, out.stdout
