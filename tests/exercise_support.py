"""Shared by the tests of the exercise checks: the solution notebooks' functions.

``solution("03_minibatch_sgd")`` runs the task cells of
``exercises/solutions/03_minibatch_sgd.ipynb`` (through the generator script, which
knows which cells hold tasks) and returns their namespace: task name -> function.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_spec = importlib.util.spec_from_file_location("make_student_versions",
                                               ROOT / "scripts" / "make_student_versions.py")
generator = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(generator)


def solution(name: str) -> dict:
    """The namespace of the task cells of ``exercises/solutions/<name>.ipynb``."""
    return generator.task_namespace(ROOT / "exercises" / "solutions" / f"{name}.ipynb")


# --- the checks' mistake catalog ------------------------------------------------------------
# Each tests/test_checks_exNN.py holds CATALOG = {task: [(expected, wrong_function), ...]}
# and CORRECT = {task: [right_function, ...]}. ``expected`` is the key of a diagnosis in
# the check module's MISTAKES[task] (the check must name exactly that one), or
# "~<regex>" for a message written by the shared feedback code (a wrong type or shape,
# an argument changed in place, an exception).
import contextlib  # noqa: E402
import io  # noqa: E402
import re  # noqa: E402

_OUTCOMES: dict = {}


def outcome(module, task: str, func) -> tuple[str, str]:
    """Run ``module.check_<task>(func)``; return (what it concluded, its message).

    The conclusion is "passed", the key of the diagnosis it named, "generic" for the
    task's fallback, "ambiguous" when it named two, or "other" (a message not written by
    a diagnosis: the feedback code's own). Memoised, so a catalog entry runs once per
    session even when both its own test and the totals ask for it.
    """
    memo = (module.__name__, task, id(func))
    if memo in _OUTCOMES:
        return _OUTCOMES[memo][0]
    check = getattr(module, f"check_{task}")
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # the one-line "✓ ... passed"
            check(func)
        result = ("passed", "")
    except AssertionError as failure:
        message = getattr(failure, "message", str(failure))
        found = [key for key, m in module.MISTAKES[task].items() if m.text in message]
        if module.GENERIC[task].text in message:
            result = ("generic", message)
        elif "\nOr: " in message:
            result = ("ambiguous", message)
        elif len(found) == 1:
            result = ("generic" if found[0].startswith("generic") else found[0], message)
        elif found:
            result = ("ambiguous", message)
        else:
            result = ("other", message)
    _OUTCOMES[memo] = (result, func)  # keep func alive so that its id stays unique
    return result


def diagnosed_as(expected: str, conclusion: str, message: str) -> bool:
    """Whether a catalog entry got the diagnosis it expects."""
    if expected.startswith("~"):
        return conclusion == "other" and re.search(expected[1:], message) is not None
    return conclusion == expected


def catalog_ids(entries) -> list[str]:
    seen: dict[str, int] = {}
    ids = []
    for expected, _ in entries:
        name = expected if not expected.startswith("~") else "feedback"
        seen[name] = seen.get(name, 0) + 1
        ids.append(f"{name}-{seen[name]}" if seen[name] > 1 else name)
    return ids


def first_line_is_a_property(message: str) -> bool:
    """The message contract: the first line states the failed property in words, with
    no numbers and no code (no number standing alone, no '=', '[', backtick or call)."""
    first = message.splitlines()[0]
    return not re.search(r"\b\d+(\.\d+)?\b|[=`\[\]*/]|\w\(", first)


def catalog_params(catalog: dict) -> list:
    """pytest parameters (task, expected, func) for every entry of a CATALOG."""
    import pytest

    params = []
    for task, entries in catalog.items():
        for name, (expected, func) in zip(catalog_ids(entries), entries, strict=True):
            params.append(pytest.param(task, expected, func, id=f"{task}-{name}"))
    return params


def correct_params(correct: dict) -> list:
    """pytest parameters (task, func) for every entry of a CORRECT list."""
    import pytest

    return [pytest.param(task, func, id=f"{task}-{k}")
            for task, funcs in correct.items() for k, func in enumerate(funcs)]


def assert_diagnosis(module, task: str, expected: str, func) -> None:
    """The catalog's assertion: the check fails ``func`` with exactly the diagnosis
    ``expected``, and a diagnosis's first line keeps to the message contract."""
    conclusion, message = outcome(module, task, func)
    assert conclusion != "passed", f"{task}: a wrong answer passed (expected {expected})"
    assert diagnosed_as(expected, conclusion, message), (
        f"{task}: expected diagnosis {expected}, got {conclusion}:\n{message}")
    if conclusion != "other":
        assert first_line_is_a_property(message), message.splitlines()[0]


def assert_passes(module, task: str, func) -> None:
    conclusion, message = outcome(module, task, func)
    assert conclusion == "passed", f"{task}: a correct answer failed:\n{message}"
