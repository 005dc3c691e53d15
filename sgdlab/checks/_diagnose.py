"""Naming a mistake only on evidence: every known mistake is tested on every case.

A check runs all its cases first, then asks which of the known wrong implementations
(:class:`Mistake`) reproduces what the learner returned. A mistake is named only when
its prediction matches the learner's result on *every* case where it makes one, and on
at least :data:`MIN_EVIDENCE` cases where it differs from the correct answer: a
coincidence on one input (2x2 Hessian: trace = L + mu) is not enough.

A message's first line states the property that failed, in words, with no numbers and
no code; the likely cause, the fix and the evidence (the call, what it returned and
what was expected) follow on later lines.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sgdlab.checks import _safe
from sgdlab.checks._feedback import CheckFailed, fmt
from sgdlab.i18n import _

#: Cases a mistake must explain (where it differs from the right answer) to be named.
MIN_EVIDENCE = 2


@dataclass(frozen=True)
class Mistake:
    """One diagnosis.

    Args:
        key: a short id, unique within its task (the tests' catalog refers to it).
        failed: the property that failed, in words: no expected numbers, no code.
        cause: the likely cause and the fix (shown in self-study mode only).
    """

    key: str
    failed: str
    cause: str

    @property
    def text(self) -> str:
        """The diagnosis as it appears in a message (its first two lines), in the
        learner's language."""
        return f"{_(self.failed)}\n{_(self.cause)}"

    def fail(self, task: str, evidence: str = "") -> CheckFailed:
        """The ``CheckFailed`` naming this mistake, with ``evidence`` appended."""
        return CheckFailed(task, self.text + evidence)


def catalog(*mistakes: Mistake) -> dict[str, Mistake]:
    """``{key: mistake}``; keys must be unique."""
    out = {m.key: m for m in mistakes}
    if len(out) != len(mistakes):
        raise ValueError("mistake keys must be unique")
    return out


@dataclass
class Case:
    """One call of the learner's function.

    Args:
        text: the call, e.g. ``gd_step(w=[1, 2], g=[0.5, -1], lr=0.1)``.
        got: what the learner's function returned (already checked for type and shape).
        expected: the right answer.
        predictions: mistake key -> what that wrong implementation returns here; a
            missing key (or None) means the mistake makes no prediction for this case.
        labels: names of the parts of a tuple result (for the evidence lines).
    """

    text: str
    got: Any
    expected: Any
    predictions: dict[str, Any] = field(default_factory=dict)
    labels: tuple[str, ...] | None = None


def same(a: Any, b: Any, *, rtol: float = 1e-7, atol: float = 1e-10) -> bool:
    """True when ``a`` and ``b`` agree (NaN matching NaN, so that a diverging wrong
    answer can match its prediction); tuples part by part, a None part of ``b``
    matching anything."""
    if b is None:
        return True
    if isinstance(b, tuple):
        return (isinstance(a, tuple | list) and len(a) == len(b)
                and all(same(x, y, rtol=rtol, atol=atol) for x, y in zip(a, b, strict=True)))
    try:
        a, b = _safe.asarray(a, dtype=float), _safe.asarray(b, dtype=float)
    except (TypeError, ValueError):
        return False
    return a.shape == b.shape and bool(_safe.allclose(a, b, rtol=rtol, atol=atol,
                                                  equal_nan=True))


#: The longest rendering of one value in a message, in characters.
MAX_SHOWN = 240


def show(value: Any, labels: tuple[str, ...] | None = None) -> str:
    """A rendering of a result (a tuple part by part), capped at :data:`MAX_SHOWN`."""
    if isinstance(value, tuple | list) and labels and len(labels) == len(value):
        text = ", ".join(f"{n}={fmt(v)}" for n, v in zip(labels, value, strict=True))
    else:
        text = fmt(value)
    if len(text) > MAX_SHOWN and isinstance(value, tuple | list):
        head = ", ".join(fmt(v) for v in value[:3])
        text = _("{n} parts: {head}, ...").format(n=len(value), head=head)
    if len(text) > MAX_SHOWN:
        text = text[:MAX_SHOWN - 4] + " ..."
    return text


def evidence(case: Case, *, rtol: float = 1e-7, atol: float = 1e-10) -> str:
    """The lines that show one case: the call, what came back and what was expected."""
    text = _("\n    {call}\n    returned  {got}\n    expected  {expected}").format(
        call=case.text, got=show(case.got, case.labels),
        expected=show(case.expected, case.labels))
    if case.labels and isinstance(case.got, tuple | list):
        wrong = [n for n, g, e in zip(case.labels, case.got, case.expected, strict=True)
                 if not same(g, e, rtol=rtol, atol=atol)]
        if wrong and len(wrong) < len(case.labels):
            text += _("\n    wrong part: {parts}").format(parts=_(" and ").join(wrong))
    return text


def fits(mistake_key: str, cases: Sequence[Case], *, rtol: float, atol: float) -> int:
    """How many distinguishing cases ``mistake_key`` explains, or 0 if some case
    contradicts it (a failing case it does not predict, or a prediction that misses)."""
    explained = 0
    for case in cases:
        prediction = case.predictions.get(mistake_key)
        right = same(case.got, case.expected, rtol=rtol, atol=atol)
        if prediction is None:
            if not right:
                return 0
            continue
        if not same(case.got, prediction, rtol=rtol, atol=atol):
            return 0
        if not same(prediction, case.expected, rtol=rtol, atol=atol):
            explained += 1
    return explained


def verdict(task: str, cases: Sequence[Case], mistakes: dict[str, Mistake], *,
            generic: Mistake, rtol: float = 1e-7, atol: float = 1e-10,
            probes: Sequence[Callable[[], str | None]] = ()) -> None:
    """Pass if every case is right; otherwise raise the one diagnosis the evidence
    supports.

    A mistake is named when it explains every case and at least :data:`MIN_EVIDENCE`
    of them differ from the right answer. When two fit, both are named. When none
    fits, each probe (a further test returning a mistake key or None) is tried, and
    then ``generic`` is raised.
    """
    failing = [c for c in cases if not same(c.got, c.expected, rtol=rtol, atol=atol)]
    if not failing:
        return
    found = []
    for key in mistakes:
        if fits(key, cases, rtol=rtol, atol=atol) >= MIN_EVIDENCE:
            found.append(key)
    if not found:
        for probe in probes:
            key = probe()
            if key is not None:
                found = [key]
                break
    if len(found) == 1:
        mistake = mistakes[found[0]]
        shown = next((c for c in failing if c.predictions.get(mistake.key) is not None),
                     failing[0])
        raise mistake.fail(task, evidence(shown, rtol=rtol, atol=atol))
    if found:
        first, *others = (mistakes[k] for k in found)
        alternatives = "".join(_("\nOr: {failed}. {cause}").format(
            failed=_(m.failed), cause=_(m.cause)) for m in others)
        raise CheckFailed(task, f"{first.text}{alternatives}"
                                + evidence(failing[0], rtol=rtol, atol=atol))
    raise generic.fail(task, evidence(failing[0], rtol=rtol, atol=atol)
                       + (_("\n    {n} of {total} cases differ").format(
                           n=len(failing), total=len(cases)) if len(cases) > 1 else ""))
