"""The checks' mistake catalog, counted: every task has at least 8 wrong answers and 2
correct ones; no wrong answer passes, none gets a wrong diagnosis, and generic fallbacks
stay under 5 % of catches. A few entries make two mistakes at once: no single diagnosis
explains them, so they must get the generic message (and count as generic). The entries
live in tests/test_checks_exNN.py (CATALOG, CORRECT); each is also asserted one by one
there. Run with -s to see the table."""

import importlib

import pytest
from exercise_support import diagnosed_as, outcome

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
