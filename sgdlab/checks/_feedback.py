"""What a learner reads when a check fails: the exceptions and how values are described.

Every failure is an ``AssertionError`` (so nbgrader, otter-grader and pytest count it as
a failed test) whose message says what went wrong and, where it can, why. In Jupyter
the message replaces the traceback: the check's own frames would only be noise.

Two feedback modes, chosen by the instructor with the environment variable
``SGDLAB_FEEDBACK``:

* ``self-study`` (the default): the whole message, with the call that exposed the
  mistake, what the function returned, what was expected and the likely fix.
* ``graded``: only the message's FIRST line, which by contract states the property that
  failed ("the update is not an average over the batch") and gives no expected numbers
  and no code. Once a process has seen ``graded`` it stays graded, so code under test
  cannot switch the mode back by changing the environment.
"""

from __future__ import annotations

import numbers
import os
from collections.abc import Callable
from typing import Any

import numpy as np

from sgdlab.checks import _safe
from sgdlab.i18n import _

# types and dtypes, bound at import like the functions in _safe
_np_ndarray, _np_number, _np_bool = np.ndarray, np.number, np.bool_
_np_complexfloating = np.complexfloating

#: The environment variable that selects the feedback mode, and its allowed values.
MODE_VARIABLE = "SGDLAB_FEEDBACK"
MODES = ("self-study", "graded")

_seen = {"graded": False}  # mutated, never reassigned (see the module guard)


def feedback_mode() -> str:
    """``"graded"`` or ``"self-study"``, from ``SGDLAB_FEEDBACK`` (read at every call, so
    that ``%env SGDLAB_FEEDBACK=graded`` in a notebook takes effect at once).

    Raises:
        ValueError: the variable holds something else (a typo must not silently give
            away the answers).
    """
    value = os.environ.get(MODE_VARIABLE, "").strip().lower() or "self-study"
    if value not in MODES:
        raise ValueError(f"the environment variable {MODE_VARIABLE} must be 'self-study' or "
                         f"'graded', got {value!r}")
    if value == "graded":
        _seen["graded"] = True
    return "graded" if _seen["graded"] else "self-study"


def graded() -> bool:
    """True in graded mode (see :func:`feedback_mode`)."""
    return feedback_mode() == "graded"


class CheckFailed(AssertionError):
    """A check found a problem in the learner's function.

    Args:
        task: the name of the exercise function, e.g. ``"gd_step"``.
        message: what is wrong, in plain English. Its first line states the property
            that failed, without expected numbers or code; later lines give the detail
            (the call, returned and expected values, the likely fix). In graded mode only
            the first line is kept.
    """

    def __init__(self, task: str, message: str):
        self.task = task
        if graded():
            message = message.splitlines()[0] if message else message
        self.message = message
        super().__init__(f"{task}: {message}")

    def _render_traceback_(self) -> list[str]:
        # IPython shows these lines instead of a traceback through the check's internals.
        return [f"\x1b[1;31m✗ {self.task}\x1b[0m: {self.message.splitlines()[0]}",
                *self.message.splitlines()[1:]]


class NotAttempted(CheckFailed):
    """The learner's function still raises ``NotImplementedError``."""

    def __init__(self, task: str, detail: str | None = None):
        message = detail or _("not attempted yet — replace the raise NotImplementedError "
                              "line with your code")
        super().__init__(task, message)


class StudentCodeError(CheckFailed):
    """The learner's function raised an exception; the message quotes their line."""


class TimedOut(CheckFailed):
    """The learner's function ran longer than the time limit and was stopped."""


def _is_tensor(value: Any) -> bool:
    return type(value).__module__.startswith("torch") and hasattr(value, "detach")


def fmt(value: Any, *, max_items: int = 12) -> str:
    """A short, readable rendering of ``value`` for a message."""
    if isinstance(value, np.ndarray):
        if value.size > max_items:
            return _("<array of shape {shape}>").format(shape=value.shape)
        with np.printoptions(precision=5, suppress=True):
            text = np.array2string(value, separator=", ", max_line_width=10**6)
        return " ".join(text.split())
    if isinstance(value, list | tuple) and value and all(
            isinstance(v, np.ndarray) for v in value):
        inner = ", ".join(fmt(v, max_items=max_items) for v in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner})"
    if isinstance(value, np.random.Generator):
        return "rng"
    if callable(value) and hasattr(value, "__name__"):
        return value.__name__
    if isinstance(value, float):
        text = f"{value:.6g}"
        return text if any(c in text for c in ".eni") else text + ".0"
    return repr(value)


def describe(value: Any) -> str:
    """What kind of thing ``value`` is, for a message ('a list of length 3', ...)."""
    if value is None:
        return "None"
    if isinstance(value, np.ndarray):
        return _("an array of shape {shape} (dtype {dtype})").format(shape=value.shape,
                                                                      dtype=value.dtype)
    if _is_tensor(value):
        return _("a torch.Tensor of shape {shape}").format(shape=tuple(value.shape))
    if isinstance(value, list | tuple):
        return _("a {type} of length {n}").format(type=type(value).__name__, n=len(value))
    if isinstance(value, bool):
        return _("the boolean {value}").format(value=value)
    if isinstance(value, numbers.Number):
        return _("the number {value}").format(value=fmt(value))
    return _("a {type}").format(type=type(value).__name__)


def _shape_hint(got: tuple, want: tuple) -> str:
    if len(got) == len(want) == 2 and got == want[::-1]:
        return " " + _("Rows and columns are swapped: did you transpose?")
    if int(_safe.prod(got)) == int(_safe.prod(want)) and got != want:
        return " " + _("It has the right number of entries but an extra or missing axis.")
    if len(want) == 1 and len(got) == 2 and got == (want[0], want[0]):
        return " " + _("An (n,) array met an (n, 1) array and broadcasting made a square: "
                       "check the shapes of the two arrays you combined.")
    if len(want) == 1 and got == ():
        return " " + _("You returned a single number: return one entry per coordinate.")
    return ""


def expect_array(task: str, value: Any, shape: tuple[int, ...], *, what: str = "the result",
                 finite: bool = True, context: str = "") -> np.ndarray:
    """Check that ``value`` is a numeric numpy array of ``shape``; return it as float64.

    Raises:
        CheckFailed: naming what was returned instead (None, a list, a tensor, a number,
            another shape, complex or non-numeric entries, NaN); ``context`` (the call)
            is added to the message.
    """
    try:
        return _expect_array(task, value, shape, what=what, finite=finite)
    except CheckFailed as failure:
        if not context:
            raise
        raise CheckFailed(task, f"{failure.message}\n    {context}") from None


def _expect_array(task: str, value: Any, shape: tuple[int, ...], *, what: str,
                  finite: bool) -> np.ndarray:
    # first line: the property, in words (kept in graded mode); then the detail
    what = _(what)
    want = _("a numpy array of shape {shape}").format(shape=shape)
    if value is None:
        raise CheckFailed(task, _("your function returned None instead of {what}\nExpected "
                                  "{what} as {want}, got None: did you forget to `return` "
                                  "it?").format(what=what, want=want))
    if _is_tensor(value):
        raise CheckFailed(task, _("{what}: a torch tensor, not a numpy array\nExpected {want}, "
                                  "got {got}: convert it with .detach().numpy() (and copy it "
                                  "if you keep it)").format(what=what, want=want,
                                                            got=describe(value)))
    if isinstance(value, list | tuple):
        raise CheckFailed(task, _("{what}: a {type}, not a numpy array\nExpected {want}, got "
                                  "{got}: turn it into an array with np.array(...)").format(
            what=what, type=type(value).__name__, want=want, got=describe(value)))
    if not isinstance(value, _np_ndarray):
        raise CheckFailed(task, _("{what}: not a numpy array\nExpected {what} as {want}, got "
                                  "{got}").format(what=what, want=want, got=describe(value)))
    if value.shape != tuple(shape):
        raise CheckFailed(task, _("the shape of {what} is wrong\nExpected {what} as {want}, got "
                                  "shape {shape}.").format(what=what, want=want,
                                                           shape=value.shape)
                          + _shape_hint(value.shape, tuple(shape)))
    if _safe.iscomplexobj(value):
        raise CheckFailed(task, _("{what}: complex entries, not real numbers\nFor a "
                                  "symmetric matrix use np.linalg.eigvalsh, which returns "
                                  "real eigenvalues").format(what=what))
    if not (_safe.issubdtype(value.dtype, _np_number)
            and not _safe.issubdtype(value.dtype, _np_bool)):
        raise CheckFailed(task, _("{what}: entries that are not numbers\nIts dtype is "
                                  "{dtype}").format(what=what, dtype=value.dtype))
    out = value.astype(float)
    if finite and not _safe.all(_safe.isfinite(out)):
        raise CheckFailed(task, _("{what}: NaN or inf entries\nReturned {got}").format(
            what=what, got=fmt(out)))
    return out


def expect_number(task: str, value: Any, *, what: str = "the result",
                  context: str = "") -> float:
    """Check that ``value`` is one real number (Python or numpy, or a 0-d array); return
    it as a float. ``context`` (the call) is added to a failure's message."""
    try:
        return _expect_number(task, value, what=what)
    except CheckFailed as failure:
        if not context:
            raise
        raise CheckFailed(task, f"{failure.message}\n    {context}") from None


def _expect_number(task: str, value: Any, *, what: str) -> float:
    # first line: the property, in words (kept in graded mode); then the detail
    what = _(what)
    if value is None:
        raise CheckFailed(task, _("your function returned None instead of {what}\nExpected "
                                  "{what} as a number, got None: did you forget to `return` "
                                  "it?").format(what=what))
    if _is_tensor(value):
        raise CheckFailed(task, _("{what}: a torch tensor, not a Python number\nExpected "
                                  "{what} as a Python number, got {got}: use .item()").format(
            what=what, got=describe(value)))
    if isinstance(value, _np_ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, bool | _np_bool):
        raise CheckFailed(task, _("{what}: a boolean, not a number\nExpected {what} as a "
                                  "number, got {got}").format(what=what, got=describe(value)))
    if isinstance(value, complex | _np_complexfloating):
        raise CheckFailed(task, _("{what}: complex, not a real number\nGot {got}: for a "
                                  "symmetric matrix use np.linalg.eigvalsh, which returns real "
                                  "eigenvalues").format(what=what, got=value))
    if not isinstance(value, numbers.Real):
        extra = ""
        if isinstance(value, _np_ndarray | list | tuple):
            extra = _(": return one number, not a collection")
        raise CheckFailed(task, _("{what}: not one number\nExpected {what} as one number, "
                                  "got {got}").format(what=what, got=describe(value)) + extra)
    value = float(value)
    if not _safe.isfinite(value):
        raise CheckFailed(task, _("{what}: not a finite number\nGot {got}").format(
            what=what, got=value))
    return value


def close(a, b, *, rtol: float = 1e-7, atol: float = 1e-10) -> bool:
    """True when ``a`` and ``b`` have the same shape and agree to the tolerances."""
    a, b = _safe.asarray(a, dtype=float), _safe.asarray(b, dtype=float)
    return a.shape == b.shape and bool(_safe.allclose(a, b, rtol=rtol, atol=atol))


def mismatch(task: str, call: str, got: Any, expected: Any, *,
             wrongs: list[tuple[Any, str]] = (), rtol: float = 1e-7, atol: float = 1e-10,
             extra: Callable[[], str | None] | None = None) -> None:
    """Raise unless ``got`` is close to ``expected``.

    The message names the likely mistake when ``got`` matches one of the ``wrongs``
    (pairs of what a common wrong implementation returns and its diagnosis), or when
    ``extra()`` (a further test, run only then) returns a diagnosis.
    """
    if close(got, expected, rtol=rtol, atol=atol):
        return
    details = _("\n    {call}\n    returned  {got}\n    expected  {expected}").format(
        call=call, got=fmt(got), expected=fmt(expected))
    g, e = _safe.asarray(got, dtype=float), _safe.asarray(expected, dtype=float)
    if g.shape == e.shape and g.ndim >= 1 and g.size > 12:
        bad = ~_safe.isclose(g, e, rtol=rtol, atol=atol)
        first = int(_safe.argmax(bad.reshape(len(g), -1).any(axis=1)))
        label = _("row") if g.ndim > 1 else _("entry")
        details += _("\n    first difference at {label} {first}: returned {got}, expected "
                     "{expected}").format(label=label, first=first, got=fmt(g[first]),
                                          expected=fmt(e[first]))
    if g.shape == e.shape and g.size and _safe.all(_safe.isfinite(g)):
        details += _("\n    largest difference {diff}").format(
            diff=f"{_safe.max(_safe.abs(g - e)):.3g}")
    for wrong, diagnosis in wrongs:
        if wrong is not None and close(got, wrong, rtol=rtol, atol=atol):
            raise CheckFailed(task, _(diagnosis) + details)
    diagnosis = extra() if extra is not None else None
    raise CheckFailed(task, (_(diagnosis) if diagnosis else _("wrong result.")) + details)
