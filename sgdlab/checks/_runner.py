"""Running the learner's function safely: copies in, a time limit, friendly errors out.

:func:`call` hands the learner's function copies of the array arguments, stops it
after :data:`TIMEOUT_SECONDS`, turns ``NotImplementedError`` into "not attempted yet",
quotes the learner's own line when their code raises, and reports an argument that
the function changed in place. :func:`task_check` wraps a check so that a failure
reaches the learner as one readable ``AssertionError`` and a success as one line.
"""

from __future__ import annotations

import copy
import functools
import inspect
import os
import signal
import site
import sysconfig
import threading
import traceback
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from sgdlab.checks._feedback import (
    CheckFailed,
    NotAttempted,
    StudentCodeError,
    TimedOut,
    fmt,
)

#: Seconds a single call of the learner's function may take before it is stopped.
TIMEOUT_SECONDS = 5.0


class _Deadline(BaseException):
    """Raised inside the learner's code when the time is up (a BaseException, so that a
    bare ``except Exception`` in their code does not swallow it)."""


# --- where a line of code comes from ------------------------------------------------
def _library_dirs() -> tuple[str, ...]:
    import sgdlab

    dirs = {os.path.dirname(os.path.abspath(sgdlab.__file__))}
    paths = sysconfig.get_paths()
    dirs.update(paths[k] for k in ("stdlib", "platstdlib", "purelib", "platlib") if k in paths)
    try:
        dirs.update(site.getsitepackages())
    except AttributeError:  # some embedded interpreters lack it
        pass
    return tuple(os.path.abspath(d) + os.sep for d in dirs)


_LIBRARY_DIRS = _library_dirs()


def _is_learner_code(filename: str) -> bool:
    if filename.startswith("<frozen") or filename.startswith("<string"):
        return False
    return not os.path.abspath(filename).startswith(_LIBRARY_DIRS)


def _library_name(filename: str) -> str:
    parts = os.path.abspath(filename).split(os.sep)
    for name in ("numpy", "torch", "sgdlab", "sklearn", "matplotlib"):
        if name in parts:
            return name
    return "a library"


def _where(exc: BaseException) -> tuple[traceback.FrameSummary | None, str | None]:
    """The learner's deepest frame in ``exc``'s traceback, and the library that raised
    the error below it (None when their own line raised it)."""
    frames = traceback.extract_tb(exc.__traceback__)
    learner = [f for f in frames if _is_learner_code(f.filename)]
    if not learner:
        return None, None
    last = learner[-1]
    below = frames[-1] if frames[-1] is not last else None
    return last, (_library_name(below.filename) if below is not None else None)


def _quote(frame: traceback.FrameSummary) -> str:
    line = (frame.line or "").strip()
    return f"line {frame.lineno} of your code, in {frame.name}:\n        {line}"


# --- hints for common exceptions ----------------------------------------------------
def _hint(exc: BaseException) -> str:
    text = str(exc)
    name = type(exc).__name__
    if "Cannot cast ufunc" in text and "same_kind" in text:
        return ("An in-place update such as `w -= lr * g` cannot store decimals in an "
                "integer array: write `w = w - lr * g`, which makes a new float array.")
    if "could not be broadcast" in text:
        return ("Two arrays with incompatible shapes met in one operation: print their "
                ".shape to see which.")
    if "matmul" in text and "mismatch" in text:
        return ("The inner sizes of a matrix product `A @ B` differ: A's last axis must "
                "match B's first.")
    if name == "NameError":
        return ("A name is not defined here: did you run the cell that defines it, or "
                "the imports cell at the top?")
    if name == "ZeroDivisionError":
        return "Something divides by zero: check the first step (t = 0) and your denominators."
    if name == "IndexError":
        return "An index is out of range: an axis of length n has indices 0 .. n - 1."
    if "NoneType" in text:
        return "Something is None: a helper function may be missing its `return`."
    if "does not require grad" in text:
        return ("backward() found no tensor that requires a gradient: the loss must come "
                "from the model's output.")
    if "dtype" in text and ("Double" in text or "Float" in text or "float" in text):
        return ("float64 met float32: the model's weights are float32, so convert the data "
                "with .float() or dtype=torch.float32.")
    return ""


# --- the time limit -----------------------------------------------------------------
def _alarm_usable() -> bool:
    return (hasattr(signal, "setitimer")
            and threading.current_thread() is threading.main_thread()
            and signal.getitimer(signal.ITIMER_REAL)[0] == 0.0)


def _run_with_alarm(func: Callable, args: tuple, seconds: float) -> Any:
    def on_alarm(signum, frame):
        raise _Deadline()

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return func(*args)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0.0)
        signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)


def _run_in_thread(func: Callable, args: tuple, seconds: float) -> Any:
    """Fallback off the main thread or without SIGALRM (Windows): the call cannot be
    interrupted, so it is left running in a daemon thread and reported."""
    box: dict[str, Any] = {}

    def target():
        try:
            box["result"] = func(*args)
        except BaseException as exc:  # handed to the caller below
            box["error"] = exc

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise _Deadline()
    if "error" in box:
        raise box["error"]
    return box["result"]


def run_limited(func: Callable, args: tuple, seconds: float) -> Any:
    """Call ``func(*args)``; raise ``_Deadline`` if it runs longer than ``seconds``."""
    if _alarm_usable():
        return _run_with_alarm(func, args, seconds)
    return _run_in_thread(func, args, seconds)


# --- calling the learner's function ---------------------------------------------------
def _copy_arg(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, list):
        return copy.deepcopy(value)
    return value


def _changed(before: Any, after: Any) -> bool:
    if isinstance(before, np.ndarray):
        return not (isinstance(after, np.ndarray) and before.shape == after.shape
                    and np.array_equal(before, after, equal_nan=True))
    if isinstance(before, list):
        try:
            return len(before) != len(after) or any(
                _changed(b, a) if isinstance(b, np.ndarray | list) else not (b == a)
                for b, a in zip(before, after, strict=True))
        except (TypeError, ValueError):
            return True
    return False


def _not_attempted(task: str, func: Callable, exc: NotImplementedError) -> CheckFailed:
    frames = traceback.extract_tb(exc.__traceback__)
    own_code = getattr(func, "__code__", None)
    last = frames[-1] if frames else None
    if last is None or not _is_learner_code(last.filename):
        return StudentCodeError(task, f"a library raised NotImplementedError: {exc}")
    if own_code is not None and last.name != own_code.co_name:
        return NotAttempted(task, f"not finished yet: it calls {last.name}, which is not "
                                  f"attempted yet — write {last.name} first")
    return NotAttempted(task)


def call(task: str, func: Callable, args: dict[str, Any], *,
         may_modify: tuple[str, ...] = (), passed_out: list | None = None) -> Any:
    """Call ``func`` with the values of ``args`` (positionally, in order) and return its
    result.

    The function receives copies of array (and list) arguments, so a buggy function
    cannot spoil the check's data; afterwards the copies are compared with the
    originals and an argument changed in place is reported, unless its name is in
    ``may_modify``. ``passed_out``, if given, receives the objects the function was
    actually handed (to test for aliasing).

    Raises:
        NotAttempted: ``func`` raised ``NotImplementedError`` (the stub is untouched).
        StudentCodeError: ``func`` raised; the message quotes the learner's line.
        TimedOut: ``func`` ran longer than :data:`TIMEOUT_SECONDS`.
        CheckFailed: ``func`` changed an argument in place.
    """
    names = list(args)
    passed = [_copy_arg(v) for v in args.values()]
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            # overflow in a wrong answer shows up as NaN/inf in the result, reported there
            warnings.simplefilter("ignore", RuntimeWarning)
            result = run_limited(func, tuple(passed), TIMEOUT_SECONDS)
    except _Deadline as exc:
        frame, _ = _where(exc)
        where = f"\nIt was running {_quote(frame)}" if frame is not None else ""
        raise TimedOut(task, f"stopped after {TIMEOUT_SECONDS:g} s: it takes far longer than "
                             "it should. Is there a loop that never ends (a `while` whose "
                             f"condition never changes)?{where}") from None
    except NotImplementedError as exc:
        raise _not_attempted(task, func, exc) from None
    except Exception as exc:
        frame, library = _where(exc)
        kind = f"{type(exc).__name__}: {exc}"
        if frame is None:
            where = ""
        elif library is None:
            where = f"\nThe error is on {_quote(frame)}"
        else:
            where = f"\nThe error was raised inside {library}, called from {_quote(frame)}"
        hint = _hint(exc)
        raise StudentCodeError(task, f"your function raised {kind}{where}"
                                     + (f"\n{hint}" if hint else "")) from None
    if passed_out is not None:
        passed_out.extend(passed)
    for name, before, after in zip(names, args.values(), passed, strict=True):
        if name not in may_modify and _changed(before, after):
            if name in ("X", "y"):
                advice = ("shuffle an index array (order = rng.permutation(n)) and read rows "
                          "with X[order], instead of shuffling the data itself.")
            else:
                advice = (f"compute a new array (`{name} = {name} - ...`, or "
                          f"`{name} = {name}.copy()` first) instead of `{name} -= ...` or "
                          f"`{name}[i] = ...`.")
            raise CheckFailed(task, f"your function changed its argument `{name}` in place "
                                    f"(it was {fmt(before)}, afterwards {fmt(after)}). Leave "
                                    f"the caller's arrays alone: {advice}")
    return result


def call_text(task: str, args: dict[str, Any], shown: dict[str, str] | None = None) -> str:
    """``task(a=..., b=...)`` for a message, with ``shown`` overriding how values print."""
    shown = shown or {}
    parts = [f"{k}={shown.get(k, fmt(v))}" for k, v in args.items()]
    return f"{task}({', '.join(parts)})"


# --- wrapping a check -------------------------------------------------------------------
def task_check(task: str) -> Callable:
    """Decorator for ``check_<task>(func)``: the body returns the number of cases it ran.

    On success one line is printed; on failure the ``CheckFailed`` is re-raised without
    the check's internal frames, so the learner reads only the message.
    """

    def decorate(body: Callable[..., int]) -> Callable[..., None]:
        @functools.wraps(body)
        def check(func, *args, **kwargs) -> None:
            try:
                if func is None or not callable(func):
                    raise CheckFailed(task, f"{check.__name__} needs your function itself, "
                                            f"e.g. {check.__name__}({task}); got "
                                            f"{fmt(func)} (drop the parentheses after "
                                            "the name: pass the function, not its result)")
                cases = body(func, *args, **kwargs)
            except CheckFailed as failure:
                raise failure.with_traceback(None) from None
            print(f"✓ {task} passed {cases} cases")

        # the body returns its number of cases; the check itself returns nothing
        check.__annotations__ = {**body.__annotations__, "return": "None"}
        check.__signature__ = inspect.signature(body).replace(return_annotation="None")
        return check

    return decorate
