"""Learner code that tries, on purpose or by accident, to hang or fool a check.

Every test lowers the check's time budget so that it stays short; none asserts a
wall-clock time, only what happened (stopped, message, counts, restored state).
"""

import signal
import sys
import threading
import time

import numpy as np
import pytest

import sgdlab.train
from sgdlab.checks import (
    CheckFailed,
    StudentCodeError,
    TimedOut,
    _runner,
    _safe,
    ex01,
    ex02,
)


@pytest.fixture
def short_budget(monkeypatch):
    monkeypatch.setattr(_runner, "TIMEOUT_SECONDS", 0.2)
    monkeypatch.setattr(_runner, "GRACE_SECONDS", 0.3)


def _workers_alive() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "sgdlab-check-call" and t.is_alive()]


def _wait_until_stopped(limit: float = 10.0) -> bool:
    """True once no worker thread of a check is left (a generous bound, not a timing)."""
    end = time.monotonic() + limit
    while _workers_alive() and time.monotonic() < end:
        time.sleep(0.01)
    return not _workers_alive()


def good(w, g, lr):
    return w - lr * g


def busy():
    s = 0
    for i in range(10_000):
        s += i
    return s


def test_a_bare_except_retry_loop_cannot_swallow_the_stop(short_budget):
    def gd_step(w, g, lr):
        while True:
            try:
                busy()
            except:  # noqa: E722 - the hostile part
                pass

    with pytest.raises(TimedOut, match="your function was stopped"):
        ex01.check_gd_step(gd_step)
    assert _wait_until_stopped()


def test_nested_handlers_and_a_retry_in_the_handler_are_stopped_too(short_budget):
    def gd_step(w, g, lr):
        while True:
            try:
                try:
                    busy()
                except BaseException:
                    busy()
            except:  # noqa: E722
                continue

    with pytest.raises(TimedOut):
        ex01.check_gd_step(gd_step)
    assert _wait_until_stopped()


def test_a_long_call_into_compiled_code_is_reported_for_what_it_is(short_budget):
    release = threading.Event()

    def gd_step(w, g, lr):
        release.wait(5.0)  # one C-level wait that Python cannot interrupt
        return w - lr * g

    with pytest.raises(TimedOut) as info:
        ex01.check_gd_step(gd_step)
    message = str(info.value)
    assert "inside one long call into compiled code" in message
    assert "release.wait(5.0)" in message  # the learner's line
    assert "told to stop" in message
    assert _workers_alive()  # still inside the C call: the check did not wait for it
    release.set()  # the call returns, and the stop lands at once
    assert _wait_until_stopped()


def test_time_sleep_in_the_learners_code_is_reported_as_compiled_code(short_budget):
    def gd_step(w, g, lr):
        time.sleep(1.0)
        return w - lr * g

    with pytest.raises(TimedOut, match="inside one long call into compiled code") as info:
        ex01.check_gd_step(gd_step)
    assert "time.sleep(1.0)" in str(info.value)
    assert _wait_until_stopped()  # once the sleep returns, the stop lands


def test_the_budget_is_for_the_whole_check_not_per_call(short_budget, monkeypatch):
    monkeypatch.setattr(_runner, "TIMEOUT_SECONDS", 1.0)  # room for a busy machine
    calls = []

    def gd_step(w, g, lr):
        calls.append(1)
        time.sleep(0.3)  # well under the budget per call; 8 cases exceed it together
        return w - lr * g

    with pytest.raises(TimedOut, match=r"took longer than this check's time limit") as info:
        ex01.check_gd_step(gd_step)
    assert 2 <= len(calls) < 8  # several calls ran, the check stopped before the end
    assert f"in {len(calls)} calls" in str(info.value)
    assert _wait_until_stopped()


def test_each_check_starts_with_a_full_budget(short_budget, monkeypatch):
    monkeypatch.setattr(_runner, "TIMEOUT_SECONDS", 1.0)  # room for a busy machine
    def gd_step(w, g, lr):
        time.sleep(0.05)
        return w - lr * g

    for _ in range(3):  # 3 x 8 calls x 50 ms exceeds one budget, not three
        ex01.check_gd_step(gd_step)


def test_disabling_timers_and_tracing_does_not_hang_the_check(short_budget):
    interval = sys.getswitchinterval()

    def gd_step(w, g, lr):
        if hasattr(signal, "setitimer"):
            signal.setitimer(signal.ITIMER_REAL, 0)
        if hasattr(signal, "alarm"):
            signal.alarm(0)
        try:
            signal.signal(signal.SIGALRM, signal.SIG_IGN)
        except (ValueError, AttributeError):  # off the main thread, or Windows
            pass
        sys.settrace(None)
        sys.setprofile(None)
        threading.settrace(None)
        sys.setswitchinterval(1e6)  # would starve the watchdog thread
        while True:
            try:
                busy()
            except:  # noqa: E722
                pass

    with pytest.raises(TimedOut):
        ex01.check_gd_step(gd_step)
    assert sys.getswitchinterval() == interval
    assert _wait_until_stopped()


def test_off_the_main_thread_the_learners_loop_is_stopped_too(short_budget):
    outcome = {}
    iterations = []

    def gd_step(w, g, lr):
        while True:
            iterations.append(1)
            busy()

    def worker():
        try:
            ex01.check_gd_step(gd_step)
        except AssertionError as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join(10.0)
    assert isinstance(outcome["error"], TimedOut)
    assert _wait_until_stopped()
    count = len(iterations)
    time.sleep(0.05)
    assert len(iterations) == count  # the loop is not running on in the background


@pytest.mark.skipif(not hasattr(signal, "pthread_kill"), reason="sends a real SIGINT (POSIX)")
def test_the_stop_button_stops_the_learners_loop_and_interrupts_the_check(short_budget,
                                                                          monkeypatch):
    """Jupyter's Stop button sends SIGINT to the kernel, whose handler raises
    KeyboardInterrupt in the main thread: the check, waiting there, stops the learner's
    loop and lets the interrupt through. The button is pressed again every half second
    until the check has returned (as a learner does when nothing happens): once, in a
    full-suite run on a busy machine, the first SIGINT never reached the main thread and
    the check ran into its time limit. The handler here is the test's own, so that a
    press that lands after the check has returned interrupts nothing else."""
    monkeypatch.setattr(_runner, "TIMEOUT_SECONDS", 30.0)  # the user is faster
    main = threading.main_thread().ident
    returned = threading.Event()
    presses = []

    def kernel_handler(signum, frame):
        if not returned.is_set():
            raise KeyboardInterrupt

    def keep_pressing_stop():
        while not returned.wait(0.5 if presses else 0.1):
            presses.append(time.monotonic())
            signal.pthread_kill(main, signal.SIGINT)

    def gd_step(w, g, lr):
        if presser.ident is None:  # the first call starts the presses
            presser.start()
        while True:
            busy()

    presser = threading.Thread(target=keep_pressing_stop, daemon=True)
    previous = signal.signal(signal.SIGINT, kernel_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            ex01.check_gd_step(gd_step)
    finally:
        returned.set()
        if presser.ident is not None:
            presser.join(5.0)
        signal.signal(signal.SIGINT, previous)
    assert presses  # the interrupt came from the button, not from elsewhere
    assert _wait_until_stopped()


def test_endless_printing_is_capped_and_the_cut_is_counted(short_budget, capsys):
    def gd_step(w, g, lr):
        while True:
            print("debugging output " * 10)

    with pytest.raises(TimedOut):
        ex01.check_gd_step(gd_step)
    captured = capsys.readouterr()
    assert len(captured.out) + len(captured.err) < _runner.OUTPUT_LIMIT + 300
    assert "more characters printed by your function were cut" in captured.out


def test_a_little_printing_is_shown_and_the_check_still_passes(capsys):
    def gd_step(w, g, lr):
        print("step with lr", lr)
        return w - lr * g

    ex01.check_gd_step(gd_step)
    out = capsys.readouterr().out
    assert "step with lr" in out and "✓ gd_step passed" in out and "were cut" not in out


def test_printing_to_stderr_is_captured_as_well(short_budget, capsys):
    def gd_step(w, g, lr):
        while True:
            sys.stderr.write("x" * 1000)

    with pytest.raises(TimedOut):
        ex01.check_gd_step(gd_step)
    captured = capsys.readouterr()
    assert len(captured.err) <= _runner.OUTPUT_LIMIT


def test_patching_np_allclose_inside_the_function_is_undone_and_reported():
    original = np.allclose

    def gd_step(w, g, lr):
        np.allclose = lambda *a, **k: True
        np.isclose = lambda *a, **k: True
        return w + lr * g  # wrong: uphill

    with pytest.raises(CheckFailed, match="replaced functions of the libraries") as info:
        ex01.check_gd_step(gd_step)
    assert "numpy.allclose" in str(info.value) and "numpy.isclose" in str(info.value)
    assert np.allclose is original and np.isclose is _safe.isclose

    def uphill(w, g, lr):  # a later check is not fooled either
        return w + lr * g

    with pytest.raises(CheckFailed, match="uphill"):
        ex01.check_gd_step(uphill)


def test_patching_sgdlab_and_its_classes_is_undone_and_reported():
    run = sgdlab.train.run
    from sgdlab.losses import LeastSquares
    grads = LeastSquares.per_example_grads

    def gd_step(w, g, lr):
        sgdlab.train.run = lambda *a, **k: None
        LeastSquares.per_example_grads = lambda self, w: None
        return w - lr * g

    with pytest.raises(CheckFailed, match="replaced functions") as info:
        ex01.check_gd_step(gd_step)
    assert "sgdlab.train.run" in str(info.value)
    assert "LeastSquares.per_example_grads" in str(info.value)
    assert sgdlab.train.run is run and LeastSquares.per_example_grads is grads


def test_numpy_patched_before_the_check_ran_is_reported_and_restored():
    original = np.allclose
    try:
        np.allclose = lambda *a, **k: True  # as a notebook cell might

        with pytest.raises(CheckFailed, match="had been replaced before this check ran"):
            ex01.check_gd_step(good)
    finally:
        restored = np.allclose
        np.allclose = original
    assert restored is original
    ex01.check_gd_step(good)


def test_sgdlab_patched_before_the_check_ran_is_reported_and_restored():
    from sgdlab.losses import LeastSquares

    def per_example_gradients(w, X, y):
        return LeastSquares(X, y).per_example_grads(w) * 2  # wrong: factor 2

    original = LeastSquares.per_example_grads
    try:  # a notebook cell makes the reference agree with the wrong answer
        LeastSquares.per_example_grads = lambda self, w: original(self, w) * 2
        with pytest.raises(CheckFailed, match="had been replaced before this check ran"):
            ex02.check_per_example_gradients(per_example_gradients)
    finally:
        restored = LeastSquares.per_example_grads
        LeastSquares.per_example_grads = original
    assert restored is original
    with pytest.raises(CheckFailed) as info:  # now judged against the real reference
        ex02.check_per_example_gradients(per_example_gradients)
    assert "replaced" not in str(info.value)


def test_the_safe_references_are_numpys_own():
    assert _safe.allclose is np.allclose and _safe.array_equal is np.array_equal
    assert _safe.isclose(1.0, 1.0 + 1e-12)


def test_a_correct_function_is_not_accused_of_patching():
    def gd_step(w, g, lr):
        import numpy.linalg  # noqa: F401 - an import inside the function is fine
        return w - lr * g

    ex01.check_gd_step(gd_step)


def test_sys_exit_is_reported_and_does_not_escape():
    def gd_step(w, g, lr):
        sys.exit(0)

    with pytest.raises(StudentCodeError,
                       match=r"called sys.exit, which raises SystemExit") as info:
        ex01.check_gd_step(gd_step)
    assert "line" in str(info.value) and "in gd_step" in str(info.value)


def test_keyboard_interrupt_raised_by_the_learner_is_reported():
    def gd_step(w, g, lr):
        raise KeyboardInterrupt

    with pytest.raises(StudentCodeError, match="raised KeyboardInterrupt itself"):
        ex01.check_gd_step(gd_step)


def test_an_exception_with_a_bare_except_around_it_is_still_a_normal_failure():
    def gd_step(w, g, lr):
        try:
            return w - lr * g[99]
        except:  # noqa: E722
            return None

    with pytest.raises(CheckFailed, match="got None"):
        ex01.check_gd_step(gd_step)
