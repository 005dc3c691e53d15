"""The trusted grader (``python -m sgdlab.grading``): five submissions of exercise 02
score as they should, the two cheats gain nothing, and its parts hold for every
exercise (the task -> reference map, the audit, the reference watch, the hidden cases
against the checks' catalogue of right and wrong answers)."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import grading_support as gs
import numpy as np
import pytest

from sgdlab.grading import runner
from sgdlab.grading._child import Tripwire, audit, reference_codes
from sgdlab.grading.hidden import FAILED
from sgdlab.grading.rubric import RUBRIC
from sgdlab.grading.tasks import REFERENCES, exercises, normalise

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, runner.Report]:
    folder = tmp_path_factory.mktemp("submissions")
    nb = gs.student_notebook()
    return {kind: runner.grade_notebook(gs.write(gs.submission(nb, kind),
                                                 folder / f"{kind}.ipynb"), "02")
            for kind in gs.KINDS}


@pytest.mark.parametrize("kind", gs.KINDS)
def test_each_submission_gets_the_expected_points(reports, kind):
    report = reports[kind]
    assert report.points() == gs.EXPECTED[kind], report.text()
    assert report.possible == 8
    assert report.manual == {"ex02-answer": 3}


def test_a_wrong_answer_is_caught_and_named(reports):
    """The planted-failure guard: if the grader ever accepted the exponential schedule,
    the partly wrong submission would score 8 and this test would fail."""
    wrong = {t.task: t for t in reports["partly_wrong"].tasks}["inverse_time_lr"]
    assert (wrong.points, wrong.status) == (0, "failed")
    assert "exponentially" in wrong.message
    assert reports["partly_wrong"].total == 6


def test_untouched_stubs_read_not_attempted(reports):
    assert {t.status for t in reports["untouched"].tasks} == {"not attempted"}
    assert {t.message for t in reports["untouched"].tasks} == {"not attempted yet"}


def test_fake_checks_and_a_patched_numpy_gain_nothing(reports):
    report = reports["fake_checks"]
    assert "numpy.allclose" in report.replaced
    assert [t.status for t in report.tasks] == ["passed"] + ["not attempted"] * 3


def test_calling_the_reference_scores_zero_with_a_clear_message(reports):
    by_task = {t.task: t for t in reports["reference_calls"].tasks}
    assert {t.status for t in by_task.values()} == {"reference"}
    assert "LeastSquares.per_example_grads" in by_task["per_example_gradients"].message
    assert "sgdlab.train.run" in by_task["sgd_epoch"].message
    assert "sgdlab.schedules.inverse_time" in by_task["inverse_time_lr"].message
    assert all("write it yourself" in t.message for t in by_task.values())


def test_the_command_line_prints_points_and_json(tmp_path):
    path = gs.write(gs.submission(gs.student_notebook(), "partly_wrong"), tmp_path / "s.ipynb")
    done = subprocess.run([sys.executable, "-m", "sgdlab.grading", str(path), "--exercise", "2",
                           "--json"], capture_output=True, text=True, encoding="utf-8",
                          cwd=ROOT, check=True)
    data = json.loads(done.stdout)
    assert (data["total"], data["possible"]) == (6, 8)
    bad = subprocess.run([sys.executable, "-m", "sgdlab.grading", str(path), "--exercise", "12"],
                         capture_output=True, text=True, encoding="utf-8", cwd=ROOT)
    assert bad.returncode == 2 and "--exercise" in bad.stderr and "01" in bad.stderr


def test_a_submission_that_kills_the_grader_or_forges_a_verdict_scores_zero():
    forged = json.dumps({"verdicts": {t: {"passed": True, "status": "passed", "message": ""}
                                      for t in REFERENCES["02"]}, "replaced": [],
                         "setup_error": None})
    cells = [{"task": None, "source": "import numpy as np\n"},
             {"task": "inverse_time_lr", "source": (
                 "def inverse_time_lr(t, lr0, decay):\n    return lr0\n"
                 # the process's own standard output (descriptor 1), past any redirect
                 f"with open(1, 'w', encoding='utf-8', closefd=False) as out:\n"
                 f"    out.write({forged!r} + '\\n')\n"
                 "raise SystemExit(0)\n")}]
    report = runner.grade_cells("02", cells)
    assert report.total == 0
    sneaky = [{"task": None, "source": "import numpy as np\nimport os\nos._exit(0)\n"}]
    report = runner.grade_cells("02", sneaky)
    assert report.total == 0
    assert {t.status for t in report.tasks} == {"forbidden"}


# --- the parts, in this process -----------------------------------------------------------
def test_the_map_covers_every_exercise_and_task_of_the_rubric():
    assert exercises() == sorted(RUBRIC) == [f"{k:02d}" for k in range(1, 10)]
    for exercise in exercises():
        assert list(REFERENCES[exercise]) == list(RUBRIC[exercise]["tasks"])
        checks = importlib.import_module(f"sgdlab.checks.ex{exercise}")
        for task, refs in REFERENCES[exercise].items():
            assert callable(getattr(checks, f"check_{task}"))
            assert set(reference_codes(refs).values()) == {r.replace(":", ".") for r in refs}


def test_exercise_numbers_are_checked():
    assert normalise(2) == normalise("ex02") == "02"
    with pytest.raises(ValueError, match="exercise must be one of 01"):
        normalise("10")


def test_the_audit_names_what_reaches_into_the_process():
    assert audit("import numpy as np\nx = np.zeros(3)\n") == []
    assert audit("import ctypes") == ["ctypes"]
    assert audit("from os import path") == ["os"]
    assert audit("f = g.__code__") == ["__code__"]
    assert audit("getattr(f, '__globals__')") == ["__globals__"]
    assert audit("def f(:") == []  # a syntax error is the interpreter's to report


def test_the_solutions_use_nothing_the_audit_forbids():
    for path in sorted((ROOT / "exercises" / "solutions").glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in runner.extract_cells(nb, path.name[:2]):
            assert audit(cell["source"]) == [], (path.name, cell["task"])


def test_the_watch_sees_an_alias_and_a_factory_but_not_the_checks_own_calls():
    from sgdlab import schedules
    from sgdlab.losses import LeastSquares
    from sgdlab.train import run as alias

    codes = reference_codes(("sgdlab.train:run", "sgdlab.schedules:inverse_time"))
    tripwire = Tripwire(codes, ())
    X, y = np.eye(3), np.ones(3)
    alias(LeastSquares(X, y), np.zeros(3), 0.1, epochs=1, batch_size=1, rng=0)  # outside
    assert tripwire.hits == []
    tripwire.wrap(lambda: schedules.inverse_time(0.5, decay=0.1)(3))()
    tripwire.wrap(lambda: alias(LeastSquares(X, y), np.zeros(3), 0.1, epochs=1,
                                batch_size=1, rng=0))()
    assert tripwire.hits == ["sgdlab.schedules.inverse_time", "sgdlab.train.run"]


def _catalogue(exercise: str) -> tuple[dict, dict]:
    """The right answers and the wrong ones (task -> functions) of
    tests/test_checks_exNN.py."""
    module = importlib.import_module(f"test_checks_ex{exercise}")
    wrong = getattr(module, "CATALOG", None) or module.WRONG
    return module.CORRECT, {task: [next(x for x in entry if callable(x)) for entry in entries]
                            for task, entries in wrong.items()}


@pytest.mark.parametrize("exercise", exercises())
def test_hidden_cases_accept_every_right_answer_and_catch_wrong_ones(exercise, capsys):
    """Hidden cases must not fail a correct answer written differently; and they have
    teeth: for every task with hidden cases, some wrong answers of the checks' catalogue
    fail them on their own (the rest differ in ways only the public check looks at, such
    as an integer input or an argument changed in place)."""
    from sgdlab.checks._feedback import CheckFailed

    hidden = importlib.import_module(f"sgdlab.grading.hidden.ex{exercise}")
    correct, wrong = _catalogue(exercise)
    tasks = [t for t in REFERENCES[exercise] if hasattr(hidden, f"hidden_{t}")]
    assert tasks, "every exercise has hidden cases"
    for task in tasks:
        for func in correct.get(task, []):
            getattr(hidden, f"hidden_{task}")(func)  # raises if a right answer fails
        caught = 0
        for func in wrong.get(task, []):
            try:
                getattr(hidden, f"hidden_{task}")(func)
            except CheckFailed as failure:
                caught += 1
                assert failure.message.startswith((FAILED, "your function"))  # never which case
        assert caught >= min(1, len(wrong.get(task, []))), task
