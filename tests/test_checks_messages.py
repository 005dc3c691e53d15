"""The whole mistake catalog (every wrong answer of every task, exercises 01 to 09), run
for what the learner is shown and for what the checks rely on.

* **The message contract.** In graded mode (``SGDLAB_FEEDBACK=graded``) every message
  is one line that states the failed property in words: no code (no ``=``, ``(`` or
  backtick) and no digits, so no expected value. In self-study mode the same first line
  is followed by the detail (the call, what came back, what was expected).
* **References taken at import.** A notebook cell that replaced numpy's comparison
  functions before a check ran does not change any verdict, since the checks call the
  references :mod:`sgdlab.checks._safe` took at import; and no check module calls a
  verdict function through ``np.`` (a static test).
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import io
import linecache
import re
import sys
from pathlib import Path

import numpy as np
import pytest

from sgdlab.checks import CheckFailed, StudentCodeError, _feedback, _safe

pytest.importorskip("torch")
pytest.importorskip("sklearn")

CHECKS_DIR = Path(__file__).resolve().parents[1] / "sgdlab" / "checks"

#: Words with digits that are not numbers a learner could copy: a dtype's name, the
#: size of a matrix in words, and the line of the learner's own code that raised.
ALLOWED = (r"\bfloat32\b", r"\b2 x 2\b", r"\b\d-D\b", r"\bon line \d+ of your code\b")


def _entries():
    """(module, task, label, wrong function) for every catalog entry of exercises 01-09."""
    for number in range(1, 10):
        tests = importlib.import_module(f"test_checks_ex0{number}")
        checks = importlib.import_module(f"sgdlab.checks.ex0{number}")
        if number == 9:  # exercise 09 lists (function, start of its first line)
            for task, entries in tests.WRONG.items():
                for k, (func, _) in enumerate(entries):
                    yield checks, task, f"ex09-{task}-{k}", func
            continue
        for task, entries in tests.CATALOG.items():
            for k, (expected, func) in enumerate(entries):
                yield checks, task, f"ex0{number}-{task}-{k}-{expected}", func


ENTRIES = list(_entries())


def _run(module, task: str, func) -> CheckFailed | None:
    """The failure ``module.check_<task>(func)`` raises, or None if it passed."""
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            getattr(module, f"check_{task}")(func)
    except CheckFailed as failure:
        return failure
    return None


def _contract_breaches(line: str) -> list[str]:
    """What in ``line`` breaks the contract: code characters, or digits outside the
    allowed words."""
    found = [ch for ch in "=(`" if ch in line]
    stripped = line
    for allowed in ALLOWED:
        stripped = re.sub(allowed, "", stripped)
    found += re.findall(r"\d+", stripped)
    return found


def _diagnoses(module, task: str) -> set[str]:
    """The first lines of the task's own diagnoses (the generic one included)."""
    if hasattr(module, "MISTAKES"):
        return {m.failed for m in [*module.MISTAKES[task].values(), module.GENERIC[task]]}
    props = {prop for table in (module.HESSIAN_MESSAGES, module.ESCAPE_MESSAGES)
             for prop, _ in table.values()}
    return props | {prop for _, (prop, _) in module.ADAMW_WRONGS.values()}


def _in_mode(monkeypatch, mode: str) -> None:
    monkeypatch.setenv("SGDLAB_FEEDBACK", mode)
    monkeypatch.setitem(_feedback._seen, "graded", False)  # graded mode is sticky


def _all_outcomes() -> tuple[dict, list]:
    """label -> the failure (None if it passed) for every wrong answer; and whether each
    correct answer of exercises 01-09 passed."""
    wrong = {}
    for module, task, label, func in ENTRIES:
        wrong[label] = _run(module, task, func)
    right = []
    for number in range(1, 10):
        tests = importlib.import_module(f"test_checks_ex0{number}")
        checks = importlib.import_module(f"sgdlab.checks.ex0{number}")
        for task, funcs in getattr(tests, "CORRECT", {}).items():
            for func in funcs:
                right.append((f"ex0{number}-{task}", _run(checks, task, func) is None))
    return wrong, right


_OUTCOMES: dict = {}


def _outcomes(mode: str) -> tuple[dict, list]:
    """:func:`_all_outcomes` in ``mode``, run once per session (each run of the whole
    catalog takes a while)."""
    if mode not in _OUTCOMES:
        with pytest.MonkeyPatch.context() as patch:
            _in_mode(patch, mode)
            _OUTCOMES[mode] = _all_outcomes()
    return _OUTCOMES[mode]


def test_the_catalog_covers_every_exercise():
    modules = {module.__name__ for module, *_ in ENTRIES}
    assert modules == {f"sgdlab.checks.ex0{k}" for k in range(1, 10)}
    assert len(ENTRIES) >= 8 * 30  # 27 tasks in 01-08 (8 or more each), 3 in 09


def test_the_contract_test_can_fail():
    """The breach finder itself: code, expected numbers and code-like text are found."""
    assert _contract_breaches("expected 0.25") == ["0", "25"]
    assert _contract_breaches("use order = rng.permutation(n)") == ["=", "("]
    assert _contract_breaches("did you forget to `return` it?") == ["`"]
    assert _contract_breaches("the tensors are not float32") == []
    assert _contract_breaches("your function raised IndexError on line 3 of your code") == []


def test_graded_mode_shows_one_line_with_no_code_and_no_numbers():
    wrong, right = _outcomes("graded")
    breaches, passed, counts = [], [], {"caught": 0, "diagnosis": 0, "feedback": 0}
    for module, task, label, _ in ENTRIES:
        failure = wrong[label]
        if failure is None:
            passed.append(label)
            continue
        counts["caught"] += 1
        shown = str(failure)
        assert shown == f"{task}: {failure.message}"
        if "\n" in shown or _contract_breaches(failure.message):
            breaches.append((label, shown, _contract_breaches(failure.message)))
        kind = "diagnosis" if failure.message in _diagnoses(module, task) else "feedback"
        counts[kind] += 1
    print(f"\ngraded mode: {len(ENTRIES)} wrong answers, {counts['caught']} caught "
          f"({counts['diagnosis']} by a diagnosis of the task, {counts['feedback']} by the "
          f"shared feedback: type, shape, exception, ...); {sum(ok for _, ok in right)} of "
          f"{len(right)} right answers passed")
    assert not passed, f"wrong answers passed in graded mode: {passed}"
    assert not breaches, "\n".join(f"{label}: {shown!r} {found}"
                                   for label, shown, found in breaches)
    assert all(ok for _, ok in right)


def test_self_study_mode_shows_the_same_first_line_and_the_detail():
    graded, _ = _outcomes("graded")
    self_study, right = _outcomes("self-study")
    for label, failure in self_study.items():
        assert failure is not None, f"{label} passed in self-study mode"
        lines = failure.message.splitlines()
        assert len(lines) >= 2, f"{label}: no detail in self-study mode: {lines}"
        assert not _contract_breaches(lines[0]), (label, lines[0])
        if not isinstance(failure, StudentCodeError):  # graded names the line instead
            assert lines[0] == graded[label].message, label
    assert all(ok for _, ok in right)


# --- references taken at import -------------------------------------------------------------
#: numpy functions whose answer decides a verdict (or picks a diagnosis).
VERDICT_FUNCTIONS = ("allclose", "isclose", "array_equal", "array_equiv", "all", "any",
                     "isfinite", "isnan", "abs", "absolute", "max", "min", "amax", "amin",
                     "unique", "issubdtype", "iscomplexobj", "shares_memory", "bincount",
                     "argmax", "testing")
#: What a notebook cell's replacement answers when a check asks: "all is well".
LIES = {
    "allclose": lambda *a, **k: True,
    "isclose": lambda a, b, *r, **k: np.ones(np.broadcast(a, b).shape, dtype=bool),
    "array_equal": lambda *a, **k: True,
    "array_equiv": lambda *a, **k: True,
    "all": lambda *a, **k: True,
    "any": lambda *a, **k: False,
    "isfinite": lambda x, *a, **k: np.ones(np.shape(x), dtype=bool),
    "shares_memory": lambda *a, **k: False,
}


def _check_modules() -> list[Path]:
    return sorted(CHECKS_DIR.glob("ex0*.py")) + [CHECKS_DIR / name for name in
                                               ("_diagnose.py", "_feedback.py", "_runner.py")]


def test_no_check_calls_a_verdict_function_through_np():
    uses = []
    for path in _check_modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and node.attr in VERDICT_FUNCTIONS
                    and isinstance(node.value, ast.Name) and node.value.id == "np"):
                uses.append(f"{path.name}:{node.lineno} np.{node.attr}")
            if (isinstance(node, ast.Attribute) and node.attr == "eigvalsh"
                    and isinstance(node.value, ast.Attribute)
                    and isinstance(node.value.value, ast.Name) and node.value.value.id == "np"):
                uses.append(f"{path.name}:{node.lineno} np.linalg.eigvalsh")
    assert not uses, uses


def test_the_safe_references_exist_and_are_numpys_own():
    for name in VERDICT_FUNCTIONS:
        if hasattr(_safe, name) and name in _safe.NUMPY_NAMES:
            assert getattr(_safe, name) is getattr(np, name), name
    for name in ("allclose", "isclose", "array_equal", "all", "any", "isfinite", "abs", "max",
                 "min", "unique", "issubdtype", "iscomplexobj", "shares_memory", "bincount",
                 "argmax", "eigvalsh"):
        assert callable(getattr(_safe, name)), name


@contextlib.contextmanager
def numpy_lying_to_the_checks(monkeypatch):
    """As a notebook cell might, before a check: numpy's verdict functions replaced by
    ones that answer "all is well" to the checks (and honestly to everyone else, so that
    the learner's function and sgdlab compute what they always do). Yields the list of
    calls made from a check module.

    :func:`_safe.pristine`, which would put numpy back and refuse the run, is switched
    off: this tests the second defence alone, as for a patch that the first cannot see.
    """
    calls: list[str] = []

    def replacement(honest, name):
        lie = LIES.get(name, honest)

        def replaced(*args, **kwargs):
            frame = sys._getframe(1)
            caller = frame.f_globals.get("__name__", "")
            # compiled numpy code (rng.normal checks its arguments with np.isfinite) has
            # no frame of its own: a call counts when the check's line names the function
            line = linecache.getline(frame.f_code.co_filename, frame.f_lineno)
            if caller.startswith("sgdlab.checks") and f"{name.split('.')[-1]}(" in line:
                calls.append(f"{caller}:{frame.f_lineno} np.{name}")
                return lie(*args, **kwargs)
            return honest(*args, **kwargs)

        return replaced

    names = [name for name in VERDICT_FUNCTIONS if name != "testing"]
    with monkeypatch.context() as patch:
        for name in names:
            patch.setattr(np, name, getattr(np, name))  # put back afterwards
        patch.setattr(np.linalg, "eigvalsh", np.linalg.eigvalsh)
        patch.setattr(_safe, "pristine", lambda: [])
        cell = "\n".join(f"np.{name} = replacement(np.{name}, {name!r})" for name in names)
        cell += "\nnp.linalg.eigvalsh = replacement(np.linalg.eigvalsh, 'linalg.eigvalsh')"
        exec(cell, {"np": np, "replacement": replacement})  # the notebook's namespace
        assert np.allclose(0.0, 1.0) is False  # honest outside the checks
        yield calls


def test_numpy_patched_before_the_checks_changes_no_verdict(monkeypatch):
    """Every wrong answer of the catalog fails with the very same message, every right
    answer still passes, and no check asked the replaced functions anything."""
    wrong, right = _outcomes("self-study")
    _in_mode(monkeypatch, "self-study")
    with numpy_lying_to_the_checks(monkeypatch) as calls:
        wrong_patched, right_patched = _all_outcomes()
    assert all(failure is not None for failure in wrong.values())
    assert all(passed for _, passed in right)
    changed = [label for label in wrong if wrong_patched[label] is None
               or wrong_patched[label].message != wrong[label].message]
    assert not changed, [(label, wrong_patched[label]) for label in changed]
    assert right_patched == right
    assert not calls, sorted(set(calls))
