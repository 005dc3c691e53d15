"""Running the learner's function safely: copies in, a time limit, friendly errors out.

:func:`call` hands the learner's function copies of the array arguments and runs it in
a worker thread under the check's time budget (:data:`TIMEOUT_SECONDS` for all calls of
one check together; a watchdog stops it without any signal, so this works on every OS
and off the main thread). While it runs, its printed output is capped
(:data:`OUTPUT_LIMIT`), and afterwards every library attribute it replaced is put back
and reported (:mod:`sgdlab.checks._safe`). ``NotImplementedError`` becomes "not
attempted yet", other exceptions (``SystemExit`` and ``KeyboardInterrupt`` too) quote
the learner's own line, and an argument changed in place is reported.
:func:`task_check` wraps a check so that a failure reaches the learner as one readable
``AssertionError`` and a success as one line.
"""

from __future__ import annotations

import contextvars
import copy
import ctypes
import functools
import inspect
import io
import os
import queue
import site
import sys
import sysconfig
import threading
import time
import traceback
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from sgdlab.checks import _safe
from sgdlab.checks._feedback import (
    CheckFailed,
    NotAttempted,
    StudentCodeError,
    TimedOut,
    fmt,
    graded,
)
from sgdlab.i18n import _

#: Seconds that all calls of the learner's function in ONE check may take together
#: before it is stopped (the environment variable SGDLAB_CHECK_SECONDS overrides it).
TIMEOUT_SECONDS = float(os.environ.get("SGDLAB_CHECK_SECONDS", "") or 10.0)
#: Seconds to wait, once the time is up, for the learner's function to stop.
GRACE_SECONDS = 0.5
#: Characters of the learner's printed output a check shows (the rest is counted).
OUTPUT_LIMIT = 2000


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
    return _("line {lineno} of your code, in {name}:").format(
        lineno=frame.lineno, name=frame.name) + f"\n        {line}"


# --- hints for common exceptions ----------------------------------------------------
def _hint(exc: BaseException) -> str:
    text = str(exc)
    name = type(exc).__name__
    if "Cannot cast ufunc" in text and "same_kind" in text:
        return _("An in-place update such as `w -= lr * g` cannot store decimals in an "
                "integer array: write `w = w - lr * g`, which makes a new float array.")
    if "could not be broadcast" in text:
        return _("Two arrays with incompatible shapes met in one operation: print their "
                ".shape to see which.")
    if "matmul" in text and "mismatch" in text:
        return _("The inner sizes of a matrix product `A @ B` differ: A's last axis must "
                "match B's first.")
    if name == "NameError":
        return _("A name is not defined here: did you run the cell that defines it, or "
                "the imports cell at the top?")
    if name == "ZeroDivisionError":
        return _("Something divides by zero: check the first step (t = 0) and your denominators.")
    if name == "IndexError":
        return _("An index is out of range: an axis of length n has indices 0 .. n - 1.")
    if "NoneType" in text:
        return _("Something is None: a helper function may be missing its `return`.")
    if "does not require grad" in text:
        return _("backward() found no tensor that requires a gradient: the loss must come "
                "from the model's output.")
    if "dtype" in text and ("Double" in text or "Float" in text or "float" in text):
        return _("float64 met float32: the model's weights are float32, so convert the data "
                "with .float() or dtype=torch.float32.")
    return ""


# --- the time limit -----------------------------------------------------------------
# The learner's function runs in a worker thread; the caller waits for it, at most for
# what is left of the check's budget. When the time is up the worker is told to stop by
# an exception raised into it (PyThreadState_SetAsyncExc), fired again and again until
# the worker has ended. So that a bare `except:` in a retry loop cannot swallow it, every
# line the worker then runs raises it again: through sys.monitoring on Python 3.12+, and
# through a trace function that the exception installs in the worker on 3.11. No signal
# is used, so the limit works off the main thread and on Windows, and nothing the learner
# does to signal handlers or timers matters.

_STOPPING: set[int] = set()  # idents of worker threads being stopped
_ARMED: set[int] = set()  # 3.11: workers whose trace function is in place
_STOP_LOCK = threading.Lock()
_EXEMPT = {os.path.abspath(__file__), os.path.abspath(threading.__file__)}
_MONITORING = getattr(sys, "monitoring", None)  # Python 3.12+
_MONITOR = {"tool": None}  # the sys.monitoring tool id, once registered (a dict, not a
# reassigned global: the module guard treats a reassigned sgdlab attribute as a patch)
_SET_ASYNC_EXC = ctypes.pythonapi.PyThreadState_SetAsyncExc
_SET_ASYNC_EXC.argtypes = (ctypes.c_ulong, ctypes.py_object)
_SET_ASYNC_EXC.restype = ctypes.c_int


def _fire(ident: int) -> int:
    """Raise ``_Deadline`` in the thread ``ident`` at its next bytecode check."""
    return _SET_ASYNC_EXC(ident, _Deadline)


def _must_stop(filename: str, get_ident=threading.get_ident, abspath=os.path.abspath,
               stopping=_STOPPING, exempt=_EXEMPT) -> bool:
    """True in a worker being stopped, running code other than this module's and the
    threading module's (those must finish handing the outcome back). The defaults keep
    it working while the interpreter shuts down."""
    return get_ident() in stopping and abspath(filename) not in exempt


def _monitor_line(code, line):  # sys.monitoring LINE callback (3.12+)
    if _STOPPING and _must_stop(code.co_filename):
        raise _Deadline()


def _monitoring_on(on: bool) -> None:
    """Switch sys.monitoring's LINE events on or off (3.12+)."""
    if _MONITORING is None:
        return
    if _MONITOR["tool"] is None:
        for tool in (4, 3, 2, 1, 0, 5):
            try:
                _MONITORING.use_tool_id(tool, "sgdlab.checks time limit")
            except ValueError:  # taken by a debugger, coverage, a profiler
                continue
            _MONITORING.register_callback(tool, _MONITORING.events.LINE, _monitor_line)
            _MONITOR["tool"] = tool
            break
        else:
            return
    _MONITORING.set_events(_MONITOR["tool"], _MONITORING.events.LINE if on else 0)


def _trace_line(frame, event, arg):  # Python 3.11: a trace function in the worker
    if event == "line" and _must_stop(frame.f_code.co_filename):
        _ARMED.discard(threading.get_ident())  # a raising trace function is unset
        raise _Deadline()
    return _trace_line


def _arm_tracing() -> None:
    """Python 3.11: make every line this thread runs from now on raise ``_Deadline``."""
    sys.settrace(_trace_line)
    frame = sys._getframe(1)
    while frame is not None:
        frame.f_trace = _trace_line
        frame.f_trace_lines = True
        frame = frame.f_back
    _ARMED.add(threading.get_ident())


def _rearm(frame, event, arg):  # 3.11 profile function: puts the trace function back
    if threading.get_ident() in _STOPPING and sys.gettrace() is None:
        _arm_tracing()


class _Deadline(BaseException):
    """Raised inside the learner's code when the time is up (a BaseException, so that
    ``except Exception`` does not catch it; a bare ``except:`` cannot keep it either,
    since every line the worker runs after it raises it again)."""

    def __init__(self, *args):
        super().__init__(*args)
        if _MONITORING is None and threading.get_ident() in _STOPPING:
            sys.setprofile(_rearm)
            _arm_tracing()


class _Call:
    """One call of the learner's function, run by a :class:`_Worker`."""

    def __init__(self, func: Callable, args: tuple):
        self.func, self.args = func, args
        self.result: Any = None
        self.error: BaseException | None = None
        self.returned = False
        self.stopping = False
        self.done = threading.Event()
        self.context = contextvars.copy_context()  # numpy's errstate lives in a contextvar
        self.thread: threading.Thread | None = None

    def execute(self) -> None:
        try:
            self.result = self.context.run(self.func, *self.args)
            self.returned = True
        except BaseException as exc:  # handed to the caller
            self.error = exc
        self.done.set()

    def finished(self) -> bool:
        return self.done.is_set() or not self.thread.is_alive()

    def stop(self) -> None:
        """Tell the worker to stop, and keep telling it, from a watchdog thread, until it
        has ended (also after the check has returned)."""
        self.stopping = True  # its worker is not used again
        if self.finished():
            return
        with _STOP_LOCK:
            _STOPPING.add(self.thread.ident)
            _monitoring_on(True)
        threading.Thread(target=self._watch, name="sgdlab-check-watchdog",
                         daemon=True).start()

    def _watch(self) -> None:
        ident, pause = self.thread.ident, 0.002
        while not self.finished():
            if _MONITORING is None:
                # 3.11: the trace function is unset each time it raises, so keep firing;
                # a retry loop spends most of its checks outside its try blocks now
                _fire(ident)
            self.done.wait(pause)
            pause = min(pause * 1.5, 0.05)
        with _STOP_LOCK:
            _STOPPING.discard(ident)
            _ARMED.discard(ident)
            if not _STOPPING:
                _monitoring_on(False)

    def running_python(self) -> bool:
        """True if the worker is executing Python bytecode (its position moves), False
        if it sits in one call into compiled code."""
        def position():
            frame = sys._current_frames().get(self.thread.ident)
            return (id(frame), frame.f_lasti) if frame is not None else None

        first = position()
        time.sleep(0.02)
        return self.thread.is_alive() and position() != first

    def learner_line(self) -> traceback.FrameSummary | None:
        """The learner's innermost line the worker is running now (None if none)."""
        frame = sys._current_frames().get(self.thread.ident)
        stack = traceback.extract_stack(frame) if frame is not None else []
        learner = [f for f in stack if _is_learner_code(f.filename)]
        return learner[-1] if learner else None


_previous_excepthook = threading.excepthook


def _excepthook(args) -> None:
    """A stop that lands in a worker just after the learner's function ended is not an
    error worth printing."""
    if args.exc_type is _Deadline and getattr(args.thread, "name", "") == "sgdlab-check-call":
        return
    _previous_excepthook(args)


threading.excepthook = _excepthook


class _Worker:
    """A thread that runs the learner's calls of one check, one after the other (starting
    a thread per call would cost more than most calls)."""

    def __init__(self) -> None:
        self.jobs: queue.SimpleQueue = queue.SimpleQueue()
        self.retired = False
        self.thread = threading.Thread(target=self._loop, name="sgdlab-check-call",
                                       daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        while True:
            job = self.jobs.get()
            if job is None:
                return
            job.execute()
            if job.stopping:  # it was told to stop: this thread may still be traced
                return

    def usable(self) -> bool:
        return not self.retired and self.thread.is_alive()

    def submit(self, job: _Call) -> None:
        job.thread = self.thread
        self.jobs.put(job)

    def close(self) -> None:
        self.retired = True
        self.jobs.put(None)


class _Overtime(Exception):
    """The learner's call outlived its time; carries what the message needs."""

    def __init__(self, elapsed: float, frame, stopped: bool):
        super().__init__(elapsed)
        self.elapsed, self.frame, self.stopped = elapsed, frame, stopped
        self.catching = False  # still running Python: it keeps catching the stop


def _run(func: Callable, args: tuple, seconds: float, worker: _Worker) -> _Call:
    """Call ``func(*args)`` in ``worker``; the finished call holds ``result`` or
    ``error``. A KeyboardInterrupt while waiting (the Stop button) stops the call and
    propagates.

    Raises:
        _Overtime: it ran longer than ``seconds``; it was told to stop, and ``stopped``
            says whether it had stopped within :data:`GRACE_SECONDS` after that (a long
            call into compiled code, such as ``time.sleep`` or a large numpy operation,
            cannot be interrupted until it returns).
    """
    run = _Call(func, args)
    start = time.monotonic()
    worker.submit(run)
    try:
        run.done.wait(max(seconds, 0.0))
    except BaseException:  # the learner pressed Stop (KeyboardInterrupt): stop the worker
        worker.retired = True
        run.stop()
        raise
    if not run.finished():
        worker.retired = True
        frame = run.learner_line()
        run.stop()
        run.done.wait(GRACE_SECONDS)
        stopped = run.finished()
        if stopped and isinstance(run.error, _Deadline):
            frame = _where(run.error)[0] or frame
        over = _Overtime(time.monotonic() - start, frame, stopped)
        over.catching = not stopped and run.running_python()
        raise over
    return run


def run_limited(func: Callable, args: tuple, seconds: float) -> Any:
    """Call ``func(*args)`` with a time limit; return its result or raise its error
    (``_Overtime`` when it ran longer than ``seconds``)."""
    worker = _Worker()
    try:
        run = _run(func, args, seconds, worker)
    finally:
        worker.close()
    if run.error is not None:
        error, run.error = run.error, None
        raise error
    return run.result


# --- the budget of one check, captured output, patched modules ---------------------------
class _Budget:
    """The time one check's calls of the learner's function may take together."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.used = 0.0
        self.calls = 0

    def left(self) -> float:
        return self.seconds - self.used


_current = threading.local()  # .budget and .output of the check running in this thread


class _CappedOutput(io.TextIOBase):
    """Stands in for sys.stdout/sys.stderr during the learner's calls: passes the first
    :data:`OUTPUT_LIMIT` characters of a check on (none in graded mode) and counts the
    rest."""

    def __init__(self, target, limit: int):
        self.target, self.limit = target, limit
        self.total = 0

    @property
    def cut(self) -> int:
        return max(self.total - self.limit, 0)

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        text = str(text)
        room = self.limit - self.total
        self.total += len(text)
        if room > 0 and self.target is not None:
            self.target.write(text[:room])
        return len(text)

    def flush(self) -> None:
        if self.target is not None:
            try:
                self.target.flush()
            except (ValueError, OSError):  # the real stream was closed meanwhile
                pass

    def close(self) -> None:  # never close the real stream
        self.target = None


def _time_limit_text(budget: _Budget) -> str:
    return f"{budget.seconds:g} s"


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
                    and _safe.array_equal(before, after, equal_nan=True))
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
        return StudentCodeError(task, _("a library raised NotImplementedError") + f"\n{exc}")
    if own_code is not None and last.name != own_code.co_name:
        return NotAttempted(task, _("not finished yet: it calls {name}, which is not "
                                    "attempted yet — write {name} first").format(
                                        name=last.name))
    return NotAttempted(task)


class _CheckState:
    """What one check shares between its calls: the time budget, the output cap and the
    snapshot of the watched modules."""

    def __init__(self) -> None:
        self.budget = _Budget(TIMEOUT_SECONDS)
        self.output = _CappedOutput(sys.stdout, 0 if graded() else OUTPUT_LIMIT)
        self.guard = _safe.ModuleGuard()
        self._worker: _Worker | None = None

    def worker(self) -> _Worker:
        if self._worker is None or not self._worker.usable():
            self._worker = _Worker()
        return self._worker

    def close(self) -> None:
        if self._worker is not None:
            self._worker.close()

    def note_cut_output(self) -> None:
        if self.output.cut and not graded():
            print(_("[... {cut} more characters printed by your function were cut: it printed "
                    "{total} characters in all]").format(cut=self.output.cut,
                                                         total=self.output.total),
                  file=self.output.target)
            self.output.total = self.output.limit  # say it once


def _state() -> tuple[_CheckState, bool]:
    """The running check's state, or a new one for a call outside a check (True)."""
    state = getattr(_current, "state", None)
    return (state, False) if state is not None else (_CheckState(), True)


def _ignore_switch_interval(interval: float) -> None:
    """Stands in for sys.setswitchinterval during a call: a huge interval would starve
    the thread that enforces the time limit."""


def _timed_out(task: str, state: _CheckState, over: _Overtime) -> TimedOut:
    budget = state.budget
    limit = _time_limit_text(budget)
    where = ("\n" + _("It was running {where}").format(where=_quote(over.frame))
             if over.frame is not None else "")
    calls = (_("{n} calls") if budget.calls != 1 else _("{n} call")).format(n=budget.calls)
    values = {"limit": limit, "elapsed": f"{over.elapsed:.2f}", "calls": calls,
              "used": f"{budget.used:.2f}", "where": where}
    if over.catching:
        return TimedOut(task, _(
            "your function was still running when this check's time limit was up, and it "
            "keeps catching the exception that stops it"
            "\nThe limit is {limit} for all calls together. The check gave up on it after "
            "{elapsed} s ({calls}, {used} s in all).{where}"
            "\nA bare `except:` (or `except "
            "BaseException:`) inside a loop catches everything, including the stop: catch "
            "only the errors you expect, e.g. `except ValueError:`. Restart the kernel to "
            "stop it for good.").format(**values))
    if not over.stopped:
        return TimedOut(task, _(
            "your function was still running when this check's time limit was up, inside "
            "one long call into compiled code that Python cannot interrupt"
            "\nThe limit is {limit} for all calls together; the call was into numpy, "
            "torch, time.sleep or the like. The check waited "
            "{elapsed} s for that call ({calls}, {used} s in all).{where}"
            "\nYour function has been told to stop: it stops as soon as that call returns "
            "and keeps running in the background until then.").format(**values))
    if budget.calls > 1 and over.elapsed < budget.seconds / 2:
        why = _("Each call takes about {each} s: far longer than it should. Is a loop doing "
                "much more work than needed?").format(each=f"{budget.used / budget.calls:.2f}")
    else:
        why = _("It takes far longer than it should. Is there a loop that never ends (a "
                "`while` whose condition never changes)?")
    return TimedOut(task, _(
        "your function was stopped: its calls took longer than this check's time limit in "
        "all"
        "\nThe limit is {limit} for all calls together. It ran {used} s in "
        "{calls}; the last call had run {elapsed} s when it was stopped. "
        "{why}{where}").format(why=why, **values))


def _raised(task: str, func: Callable, exc: BaseException) -> CheckFailed:
    """The failure for an exception the learner's function raised."""
    if isinstance(exc, NotImplementedError):
        return _not_attempted(task, func, exc)
    frame, library = _where(exc)
    name = type(exc).__name__
    if frame is None:
        where = ""
    elif library is None:
        where = "\n" + _("The error is on {where}").format(where=_quote(frame))
    else:
        where = "\n" + _("The error was raised inside {library}, called from {where}").format(
            library=library, where=_quote(frame))
    if isinstance(exc, SystemExit):
        return StudentCodeError(task, _(
            "your function called sys.exit, which raises SystemExit and would stop the "
            "program{where}\nReturn a value instead; the check caught it, so nothing else "
            "was stopped.").format(where=where))
    if isinstance(exc, KeyboardInterrupt):
        return StudentCodeError(task, _(
            "your function raised KeyboardInterrupt itself{where}\nReturn a value instead; "
            "the check caught it, so nothing else was interrupted.").format(where=where))
    if graded():
        line = _(" on line {lineno} of your code, in {name}").format(
            lineno=frame.lineno, name=frame.name) if frame else ""
        return StudentCodeError(task, _("your function raised {name}").format(name=name)
                                + line)
    hint = _hint(exc)
    return StudentCodeError(task, _("your function raised {name}").format(name=name)
                            + f"\n{name}: {exc}{where}" + (f"\n{hint}" if hint else ""))


def call(task: str, func: Callable, args: dict[str, Any], *,
         may_modify: tuple[str, ...] = (), passed_out: list | None = None) -> Any:
    """Call ``func`` with the values of ``args`` (positionally, in order) and return its
    result.

    The function receives copies of array (and list) arguments, so a buggy function
    cannot spoil the check's data; afterwards the copies are compared with the
    originals and an argument changed in place is reported, unless its name is in
    ``may_modify``. ``passed_out``, if given, receives the objects the function was
    actually handed (to test for aliasing).

    The function runs under the check's time budget (:data:`TIMEOUT_SECONDS` for all
    calls of one check together), its printed output is capped at
    :data:`OUTPUT_LIMIT` characters per check, and every library attribute it replaced
    is put back.

    Raises:
        CheckFailed: ``func`` replaced an attribute of numpy, torch, scikit-learn or
            sgdlab (it is put back), or changed an argument in place.
        NotAttempted: ``func`` raised ``NotImplementedError`` (the stub is untouched).
        StudentCodeError: ``func`` raised (also SystemExit or KeyboardInterrupt); the
            message quotes the learner's line.
        TimedOut: the check's calls ran longer than its budget.
    """
    state, own_state = _state()
    names = list(args)
    passed = [_copy_arg(v) for v in args.values()]
    saved = sys.stdout, sys.stderr, sys.getswitchinterval(), sys.setswitchinterval
    outcome: BaseException | None = None
    run: _Call | None = None
    start = time.monotonic()
    sys.stdout = sys.stderr = state.output
    sys.setswitchinterval = _ignore_switch_interval
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            # overflow in a wrong answer shows up as NaN/inf in the result, reported there
            warnings.simplefilter("ignore", RuntimeWarning)
            run = _run(func, tuple(passed), state.budget.left(), state.worker())
    except _Overtime as over:
        outcome = over
    finally:
        if own_state:
            state.close()
        sys.stdout, sys.stderr = saved[0], saved[1]
        sys.setswitchinterval = saved[3]
        sys.setswitchinterval(saved[2])
        state.budget.used += time.monotonic() - start
        state.budget.calls += 1
        patched = state.guard.restore()
    if patched:
        shown = ", ".join(patched[:5]) + (f" and {len(patched) - 5} more"
                                          if len(patched) > 5 else "")
        raise CheckFailed(task, _(
            "your function replaced functions of the libraries the checks use; the check "
            "put them back and does not count this answer\nReplaced: {shown}. Leave numpy, "
            "torch, scikit-learn and sgdlab as they are: a patched library cannot change "
            "what a check decides.").format(shown=shown))
    if isinstance(outcome, _Overtime):
        raise _timed_out(task, state, outcome) from None
    if run.error is not None:
        error, run.error = run.error, None
        if isinstance(error, _Deadline):  # a stop that arrived just as the call ended
            raise _timed_out(task, state, _Overtime(0.0, _where(error)[0], True)) from None
        raise _raised(task, func, error) from None
    result = run.result
    if passed_out is not None:
        passed_out.extend(passed)
    for name, before, after in zip(names, args.values(), passed, strict=True):
        if name not in may_modify and _changed(before, after):
            if name in ("X", "y"):
                advice = _("shuffle an index array (order = rng.permutation(n)) and read "
                           "rows with X[order], instead of shuffling the data itself.")
            else:
                advice = _("compute a new array (`{name} = {name} - ...`, or "
                           "`{name} = {name}.copy()` first) instead of `{name} -= ...` or "
                           "`{name}[i] = ...`.").format(name=name)
            raise CheckFailed(task, _("your function changed its argument {name} in place\n"
                                      "It was {before}, afterwards {after}. Leave the "
                                      "caller's arrays alone: {advice}").format(
                name=name, before=fmt(before), after=fmt(after), advice=advice))
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
    the check's internal frames, so the learner reads only the message. All calls of the
    learner's function in one check share one time budget and one output cap.
    """

    def decorate(body: Callable[..., int]) -> Callable[..., None]:
        @functools.wraps(body)
        def check(func, *args, **kwargs) -> None:
            previous = getattr(_current, "state", None)
            try:
                if func is None or not callable(func):
                    raise CheckFailed(task, _(
                        "{check} needs your function itself, not its result\nCall it as "
                        "{check}({task}); got {got} (drop the parentheses after the name: "
                        "pass the function, not its result)").format(
                            check=check.__name__, task=task, got=fmt(func)))
                patched = _safe.pristine()
                if patched:
                    raise CheckFailed(task, _(
                        "functions that the checks use had been replaced before this check "
                        "ran; the check put them back and does not count this run"
                        "\nReplaced: {shown}. Run the check again.").format(
                            shown=", ".join(patched)))
                state = _current.state = _CheckState()
                try:
                    cases = body(func, *args, **kwargs)
                finally:
                    state.close()
                    state.note_cut_output()
            except CheckFailed as failure:
                raise failure.with_traceback(None) from None
            finally:
                _current.state = previous
            print(_("✓ {task} passed {cases} cases").format(task=task, cases=cases))

        # the body returns its number of cases; the check itself returns nothing
        check.__annotations__ = {**body.__annotations__, "return": "None"}
        check.__signature__ = inspect.signature(body).replace(return_annotation="None")
        return check

    return decorate
