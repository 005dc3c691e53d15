"""The checks' mistake catalog, counted: every task has at least 8 wrong answers and 2
correct ones; no wrong answer passes, none gets a wrong diagnosis, and generic fallbacks
stay under 5 % of catches. A few entries make two mistakes at once: no single diagnosis
explains them, so they must get the generic message (and count as generic). The entries
live in tests/test_checks_exNN.py (CATALOG, CORRECT); each is also asserted one by one
there. Run with -s to see the table."""

import contextlib
import importlib
import io

import numpy as np
import pytest
from exercise_support import diagnosed_as, first_line_is_a_property, outcome

from sgdlab.checks import CheckFailed, _feedback
from sgdlab.checks._diagnose import Case, Mistake, catalog, verdict

pytest.importorskip("torch")
pytest.importorskip("sklearn")

MODULES = [f"0{k}" for k in range(1, 9)]


def _suites():
    for number in MODULES:
        tests = importlib.import_module(f"test_checks_ex{number}")
        checks = importlib.import_module(f"sgdlab.checks.ex{number}")
        yield tests, checks


def test_every_task_has_a_catalog_and_every_diagnosis_is_unique():
    tasks = 0
    for tests, checks in _suites():
        for task in checks.MISTAKES:
            tasks += 1
            named = [e for e in tests.CATALOG.get(task, []) if e[0] != "generic"]
            assert len(named) >= 8, f"{task}: at least 8 wrong answers with a diagnosis"
            assert len(tests.CORRECT.get(task, [])) >= 2, f"{task}: at least 2 right answers"
            texts = [m.text for m in checks.MISTAKES[task].values()]
            texts.append(checks.GENERIC[task].text)
            for i, text in enumerate(texts):  # no diagnosis is part of another one
                assert not any(text in other for j, other in enumerate(texts) if j != i), text
    assert tasks == 27


def test_catalog_totals(capsys):
    rows, totals = [], {"entries": 0, "caught": 0, "right": 0, "generic": 0, "wrong": 0,
                        "correct": 0, "accepted": 0}
    for tests, checks in _suites():
        for task, entries in tests.CATALOG.items():
            counts = dict.fromkeys(totals, 0)
            for expected, func in entries:
                conclusion, message = outcome(checks, task, func)
                counts["entries"] += 1
                if conclusion == "passed":
                    continue
                counts["caught"] += 1
                if conclusion.startswith("generic"):
                    counts["generic"] += 1  # expected (two mistakes at once) or not
                    counts["wrong"] += expected != "generic"
                elif diagnosed_as(expected, conclusion, message):
                    counts["right"] += 1
                else:
                    counts["wrong"] += 1
            for func in tests.CORRECT[task]:
                counts["correct"] += 1
                counts["accepted"] += outcome(checks, task, func)[0] == "passed"
            rows.append((task, counts))
            for key in totals:
                totals[key] += counts[key]
    with capsys.disabled():
        print("\ntask                      wrong caught named generic wrong | right passed")
        for task, c in rows + [("TOTAL", totals)]:
            print(f"{task:25s} {c['entries']:5d} {c['caught']:6d} {c['right']:5d} "
                  f"{c['generic']:7d} {c['wrong']:5d} | {c['correct']:5d} {c['accepted']:2d}")
    assert totals["caught"] == totals["entries"], "a wrong answer passed"
    assert totals["wrong"] == 0, "a wrong answer got another mistake's diagnosis"
    assert totals["generic"] <= 0.05 * totals["caught"]
    assert totals["accepted"] == totals["correct"], "a correct answer failed"


def _graded_outcome(checks, task: str, func) -> tuple[str, str]:
    """Like ``outcome``, in graded mode, where a message is the diagnosis's first line
    only: the conclusion is "passed", "generic", the keys of the diagnoses whose first
    line it is (joined by "|": some share one), or "other"."""
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            getattr(checks, f"check_{task}")(func)
    except AssertionError as failure:
        message = getattr(failure, "message", str(failure))
        if message == checks.GENERIC[task].failed:
            return "generic", message
        found = [key for key, m in checks.MISTAKES[task].items() if m.failed == message]
        return ("|".join(found) or "other"), message
    return "passed", ""


def test_catalog_totals_in_graded_mode(monkeypatch, capsys):
    """The same catalog with SGDLAB_FEEDBACK=graded: every wrong answer is caught, each
    gets its diagnosis's first line (and nothing else), every right answer passes. An
    entry whose expected message is the shared feedback's ("~...") is counted apart: its
    pattern is matched against the detail, which graded mode does not show."""
    monkeypatch.setenv("SGDLAB_FEEDBACK", "graded")
    monkeypatch.setitem(_feedback._seen, "graded", False)
    totals = dict.fromkeys(("entries", "caught", "right", "generic", "feedback", "wrong",
                            "correct", "accepted"), 0)
    for tests, checks in _suites():
        for task, entries in tests.CATALOG.items():
            for expected, func in entries:
                conclusion, message = _graded_outcome(checks, task, func)
                totals["entries"] += 1
                if conclusion == "passed":
                    continue
                totals["caught"] += 1
                assert "\n" not in message, message
                if expected.startswith("~"):
                    totals["feedback"] += 1
                    totals["wrong"] += conclusion != "other"
                elif conclusion == "generic":
                    totals["generic"] += 1
                    totals["wrong"] += expected != "generic"
                elif expected in conclusion.split("|"):
                    totals["right"] += 1
                else:
                    totals["wrong"] += 1
            for func in tests.CORRECT[task]:
                totals["correct"] += 1
                totals["accepted"] += _graded_outcome(checks, task, func)[0] == "passed"
    with capsys.disabled():
        print("\ngraded mode: " + ", ".join(f"{k} {v}" for k, v in totals.items()))
    assert totals["caught"] == totals["entries"], "a wrong answer passed"
    assert totals["wrong"] == 0, "a wrong answer got another mistake's first line"
    assert totals["generic"] <= 0.05 * totals["caught"]
    assert totals["accepted"] == totals["correct"], "a correct answer failed"


# --- the evidence rule itself ---------------------------------------------------------------
A = Mistake("a", "property a", "cause a")
B = Mistake("b", "property b", "cause b")
GENERIC = Mistake("generic", "nothing known", "no cause")


def _verdict(cases, **kwargs):
    with pytest.raises(CheckFailed) as info:
        verdict("task", cases, catalog(A, B), generic=GENERIC, **kwargs)
    return info.value.message


def test_one_coincidence_is_not_enough():
    """A matches on one case only (where it differs from the answer): not named."""
    cases = [Case("c1", 5.0, 1.0, {"a": 5.0}), Case("c2", 7.0, 2.0, {"a": 6.0}),
             Case("c3", 3.0, 3.0, {"a": 3.0})]
    assert _verdict(cases).startswith("nothing known")


def test_a_mistake_that_explains_every_case_is_named():
    cases = [Case("c1", 5.0, 1.0, {"a": 5.0, "b": 5.0}), Case("c2", 6.0, 2.0, {"a": 6.0}),
             Case("c3", 3.0, 3.0, {"a": 3.0, "b": 3.0})]
    message = _verdict(cases)
    assert message.startswith("property a\ncause a") and "c1" in message


def test_a_failing_case_a_mistake_does_not_predict_rules_it_out():
    cases = [Case("c1", 5.0, 1.0, {"a": 5.0}), Case("c2", 6.0, 2.0, {"a": 6.0}),
             Case("c3", 9.0, 3.0, {})]
    assert _verdict(cases).startswith("nothing known")


def test_two_mistakes_that_fit_are_both_named():
    cases = [Case("c1", 5.0, 1.0, {"a": 5.0, "b": 5.0}),
             Case("c2", 6.0, 2.0, {"a": 6.0, "b": 6.0})]
    message = _verdict(cases)
    assert message.startswith("property a") and "\nOr: property b. cause b" in message


def test_a_probe_is_asked_only_when_no_prediction_fits():
    asked = []
    cases = [Case("c1", 5.0, 1.0, {"a": 5.0}), Case("c2", 6.0, 2.0, {"a": 6.0})]
    _verdict(cases, probes=[lambda: asked.append(1) or "b"])
    assert not asked
    cases = [Case("c1", 5.0, 1.0, {}), Case("c2", 6.0, 2.0, {})]
    assert _verdict(cases, probes=[lambda: "b"]).startswith("property b")


def test_right_answers_pass_and_nan_matches_nan_only_in_a_prediction():
    verdict("task", [Case("c1", 1.0, 1.0, {"a": 2.0})], catalog(A), generic=GENERIC)
    nan = float("nan")
    cases = [Case("c1", nan, 1.0, {"a": nan}), Case("c2", nan, 2.0, {"a": nan})]
    assert _verdict(cases).startswith("property a")


def test_every_diagnosis_keeps_to_the_message_contract():
    """First line: the property, in words, with no numbers and no code."""
    for _, checks in _suites():
        for task, mistakes in checks.MISTAKES.items():
            for mistake in [*mistakes.values(), checks.GENERIC[task]]:
                assert first_line_is_a_property(mistake.failed), (task, mistake.failed)
                assert "\n" not in mistake.failed, (task, mistake.key)


def test_evidence_is_capped():
    """A hundred one-row batches, or a long list, do not flood the message."""
    many = tuple(np.arange(k, k + 1) for k in range(100))
    cases = [Case("c1", many, many[:3], {}), Case("c2", list(range(500)), [0], {})]
    message = _verdict(cases)
    assert all(len(line) < 300 for line in message.splitlines()), message
