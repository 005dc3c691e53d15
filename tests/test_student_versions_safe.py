"""make_student_versions.py never overwrites a student version someone changed."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location(
    "make_student_versions_safe", ROOT / "scripts" / "make_student_versions.py")
gen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gen)


@pytest.fixture
def exercises(tmp_path: Path, monkeypatch) -> Path:
    """A copy of exercises/ (solutions and generated student versions) to work on."""
    ex = tmp_path / "exercises"
    shutil.copytree(ROOT / "exercises", ex, ignore=shutil.ignore_patterns(".*"))
    monkeypatch.setattr(gen, "ROOT", tmp_path)
    monkeypatch.setattr(gen, "EXERCISES", ex)
    monkeypatch.setattr(gen, "SOLUTIONS", ex / "solutions")
    return ex


def first_student(ex: Path) -> tuple[Path, Path]:
    solution = sorted((ex / "solutions").glob("[0-9][0-9]_*.ipynb"))[0]
    return solution, ex / solution.name


def run_and_save(path: Path) -> None:
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = next(c for c in nb["cells"] if c["cell_type"] == "code")
    code["source"] = ["w = 1  # the learner's own line\n"]
    code["execution_count"] = 1
    path.write_text(json.dumps(nb, indent=1), encoding="utf-8")


def change_solution(solution: Path) -> None:
    nb = json.loads(solution.read_text(encoding="utf-8"))
    md = next(c for c in nb["cells"] if c["cell_type"] == "markdown")
    md["source"] = ["An updated introduction.\n"]
    solution.write_text(json.dumps(nb, indent=1), encoding="utf-8")


def test_generated_versions_carry_their_own_fingerprint(exercises):
    _, student = first_student(exercises)
    assert gen.unchanged_since_generated(student)
    run_and_save(student)
    assert not gen.unchanged_since_generated(student)


def test_an_unchanged_student_version_follows_its_solution(exercises, capsys):
    solution, student = first_student(exercises)
    change_solution(solution)
    assert gen.main([]) == 0
    assert "An updated introduction." in student.read_text(encoding="utf-8")


def test_a_changed_student_version_is_refused_with_a_reason(exercises, capsys):
    solution, student = first_student(exercises)
    run_and_save(student)
    mine = student.read_bytes()
    change_solution(solution)
    assert gen.main([]) == 1
    assert student.read_bytes() == mine
    err = capsys.readouterr().err
    assert "not overwritten" in err and "my-work/" in err and "--force" in err


def test_force_keeps_the_changed_version_under_a_new_name(exercises, capsys):
    solution, student = first_student(exercises)
    run_and_save(student)
    mine = student.read_bytes()
    change_solution(solution)
    assert gen.main(["--force"]) == 0
    kept = [p for p in exercises.glob(f"{student.stem} (kept *).ipynb")]
    assert len(kept) == 1 and kept[0].read_bytes() == mine
    assert "An updated introduction." in student.read_text(encoding="utf-8")
    assert gen.unchanged_since_generated(student)
