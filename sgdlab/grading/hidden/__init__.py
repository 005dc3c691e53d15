"""Hidden cases: inputs the public checks do not use, run only in a graded run.

One module per exercise, ``hidden/exNN.py``, with one ``hidden_<task>(func)`` per task.
They live in the package, not in any notebook, so a learner never sees them in an
exercise; a function that passes the public check only because it was fitted to its
cases fails here. A failure says only that hidden cases failed, never which.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sgdlab.checks._diagnose import same
from sgdlab.checks._feedback import CheckFailed
from sgdlab.checks._runner import call

#: What a learner reads when a hidden case fails (one line: graded feedback).
FAILED = "the function gives wrong results on cases the public check does not show"


def compare(task: str, func: Callable, cases: Sequence[tuple[dict[str, Any], Any]], *,
            rtol: float = 1e-7, atol: float = 1e-10, may_modify: tuple[str, ...] = (),
            agree: Callable[[Any, Any], bool] | None = None) -> int:
    """Call ``func`` with each case's arguments (copies, under the check's time limit)
    and compare with the case's expected result (with ``agree(got, expected)`` if given, else
    within ``rtol``/``atol``); return the number of cases.

    Raises:
        CheckFailed: a result differs (the message does not say which case).
    """
    for args, expected in cases:
        got = call(task, func, args, may_modify=may_modify)
        ok = agree(got, expected) if agree else same(got, expected, rtol=rtol, atol=atol)
        if not ok:
            raise CheckFailed(task, FAILED)
    return len(cases)
