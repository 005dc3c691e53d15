"""The machinery behind every exercise check: not attempted, the learner's line in an
error, the time limit, arguments changed in place, named types (hostile learner code is
in test_checks_hostile.py)."""

import re
import signal
import threading

import numpy as np
import pytest

from sgdlab.checks import CheckFailed, NotAttempted, StudentCodeError, TimedOut, _runner, ex01
from sgdlab.checks._feedback import expect_array, expect_number
from sgdlab.checks._variants import sgd_variant
from sgdlab.losses import LeastSquares
from sgdlab.train import run


def stub(w, g, lr):
    """A function as the student version hands it out."""
    raise NotImplementedError("Student exercise: return w - lr * g")


def test_an_untouched_stub_reads_as_not_attempted():
    with pytest.raises(NotAttempted, match="gd_step: not attempted yet — replace the raise "
                                           "NotImplementedError line with your code"):
        ex01.check_gd_step(stub)


def test_not_attempted_is_an_assertion_error_so_graders_count_it_as_failed():
    assert issubclass(NotAttempted, AssertionError)
    assert issubclass(CheckFailed, AssertionError)


def test_a_function_that_calls_an_unwritten_helper_names_the_helper():
    def helper(w):
        raise NotImplementedError("Student exercise: write helper")

    def gradient_descent(grad, w0, lr, steps):
        return helper(w0)

    with pytest.raises(NotAttempted, match="it calls helper, which is not attempted yet"):
        ex01.check_gradient_descent(gradient_descent)


def test_an_exception_quotes_the_learners_own_line():
    def gd_step(w, g, lr):
        scale = lr * 2
        return w - scale * g[7]  # the broken line

    with pytest.raises(StudentCodeError) as info:
        ex01.check_gd_step(gd_step)
    message = str(info.value)
    assert "IndexError" in message
    assert "return w - scale * g[7]  # the broken line" in message
    line = gd_step.__code__.co_firstlineno + 2
    assert f"line {line} of your code, in gd_step" in message
    assert "an axis of length n has indices 0 .. n - 1" in message


def test_a_matrix_product_of_the_wrong_shapes_gets_a_hint():
    def gd_step(w, g, lr):
        return w - lr * (np.ones((3, 3)) @ g)

    with pytest.raises(StudentCodeError, match=r"(?s)matmul.*inner sizes of a matrix product"):
        ex01.check_gd_step(gd_step)


def test_an_exception_inside_numpy_points_at_the_call_in_the_learners_code():
    def gd_step(w, g, lr):
        return w - lr * np.linalg.solve(np.zeros((w.size, w.size)), g)  # singular

    with pytest.raises(StudentCodeError, match=r"raised inside numpy, called from line \d+ "
                                               r"of your code, in gd_step"):
        ex01.check_gd_step(gd_step)


def test_an_in_place_update_of_integer_weights_gets_a_hint():
    def gd_step(w, g, lr):
        w = w.copy()  # avoids the in-place report, but stays integer for integer input
        w -= lr * g
        return w

    with pytest.raises(StudentCodeError, match="cannot store decimals in an integer array"):
        ex01.check_gd_step(gd_step)


def test_a_function_that_never_returns_is_stopped(monkeypatch):
    monkeypatch.setattr(_runner, "TIMEOUT_SECONDS", 0.05)

    def gd_step(w, g, lr):
        while True:
            w = w + 0

    with pytest.raises(TimedOut, match=r"stopped: its calls took longer than this check's "
                                       r"time limit in all\nThe limit is 0.05 s") as info:
        ex01.check_gd_step(gd_step)
    assert "It was running line" in str(info.value) and "in gd_step" in str(info.value)
    # no signal is used: the learner's timers and handlers are left alone
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, signal.default_int_handler,
                                               None)


def test_off_the_main_thread_the_time_limit_still_works(monkeypatch):
    monkeypatch.setattr(_runner, "TIMEOUT_SECONDS", 0.05)
    stop = threading.Event()
    outcome = {}

    def gd_step(w, g, lr):
        stop.wait(2.0)  # released at the end of the test
        return w - lr * g

    def good(w, g, lr):
        return w - lr * g

    def worker():
        for name, func, budget in (("slow", gd_step, 0.05), ("good", good, 5.0)):
            # (a generous budget for the good one: on 3.12+ line monitoring stays on, and
            # slows every thread, until the slow call returns from its C-level wait)
            _runner.TIMEOUT_SECONDS = budget
            try:
                ex01.check_gd_step(func)
                outcome[name] = "passed"
            except AssertionError as exc:
                outcome[name] = exc

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join(5.0)
    stop.set()
    assert isinstance(outcome["slow"], TimedOut)
    assert outcome["good"] == "passed"


def test_an_argument_changed_in_place_is_reported():
    def gd_step(w, g, lr):
        w -= lr * g
        return w

    with pytest.raises(CheckFailed, match=r"changed its argument w in place"):
        ex01.check_gd_step(gd_step)


def test_the_learners_function_gets_copies():
    seen = []

    def f(x):
        seen.append(x)
        x[0] = 99.0
        return x

    original = np.array([1.0, 2.0])
    result = _runner.call("task", f, {"x": original}, may_modify=("x",))
    assert original[0] == 1.0 and result[0] == 99.0 and seen[0] is not original


def test_success_prints_one_line(capsys):
    def gd_step(w, g, lr):
        return w - lr * g

    assert ex01.check_gd_step(gd_step) is None
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith("✓ gd_step passed") and "cases" in out[0]


def test_passing_the_result_instead_of_the_function_is_explained():
    with pytest.raises(CheckFailed, match=r"(?s)needs your function itself.*drop the parentheses"):
        ex01.check_gd_step(np.zeros(2))


def test_jupyter_shows_the_message_instead_of_a_traceback():
    failure = NotAttempted("gd_step")
    lines = failure._render_traceback_()
    assert "gd_step" in lines[0] and "not attempted yet" in lines[0]
    assert not any("Traceback" in line for line in lines)


@pytest.mark.parametrize("value,pattern", [
    (None, "got None: did you forget to `return` it"),
    ([1.0, 2.0, 3.0], "got a list of length 3"),
    (np.zeros((3, 1)), r"got shape \(3, 1\)"),
    (np.array([1.0, np.nan, 0.0]), "NaN or inf entries"),
    (np.array(["a", "b", "c"]), "entries that are not numbers"),
    (np.ones(3, dtype=complex), "complex entries"),
])
def test_wrong_types_and_shapes_are_named(value, pattern):
    with pytest.raises(CheckFailed, match=pattern) as info:
        expect_array("task", value, (3,))
    first, *detail = info.value.message.splitlines()  # the property first, then the detail
    assert detail and not re.search(r"[=(`\d]", first), first


def test_a_tensor_is_named_as_such():
    torch = pytest.importorskip("torch")
    with pytest.raises(CheckFailed, match=r"torch.Tensor.*\.detach\(\)\.numpy\(\)"):
        expect_array("task", torch.zeros(3), (3,))
    with pytest.raises(CheckFailed, match=r"use \.item\(\)"):
        expect_number("task", torch.tensor(1.0))


@pytest.mark.parametrize("value,pattern", [
    (np.array([1.0, 2.0]), "return one number, not a collection"),
    (None, "got None"),
    (True, "boolean"),
    (1 + 2j, "complex"),
])
def test_a_number_is_required_where_one_is_expected(value, pattern):
    with pytest.raises(CheckFailed, match=pattern) as info:
        expect_number("task", value)
    first, *detail = info.value.message.splitlines()
    assert detail and not re.search(r"[=(`\d]", first), first


@pytest.mark.parametrize("batch_size,epochs", [(1, 2), (7, 3), (30, 2)])
def test_the_variants_default_is_sgdlabs_training_loop(batch_size, epochs):
    rng = np.random.default_rng(5)
    X, y = rng.normal(size=(30, 3)), rng.normal(size=30)
    w0 = np.array([0.5, 0.0, -0.5])
    history = run(LeastSquares(X, y), w0, 0.05, epochs=epochs, batch_size=batch_size,
                  rng=np.random.default_rng(9))
    variant = sgd_variant(w0, X, y, 0.05, batch_size, epochs, np.random.default_rng(9))
    np.testing.assert_allclose(variant[-1], history.final, rtol=1e-12, atol=1e-12)
    assert not np.allclose(sgd_variant(w0, X, y, 0.05, batch_size, epochs,
                                       np.random.default_rng(9), reduce="sum")[-1],
                           history.final) or batch_size == 1
