"""Graded mode (SGDLAB_FEEDBACK=graded): only the first line of a failure, which states
the property that failed; no expected values, no code, no exception text."""

import time

import pytest

from sgdlab.checks import CheckFailed, StudentCodeError, TimedOut, _feedback, _runner, ex01


@pytest.fixture
def mode(monkeypatch):
    """Set the mode for one test; graded mode is sticky in a process, so reset it."""
    def set_mode(value):
        monkeypatch.setenv("SGDLAB_FEEDBACK", value)

    monkeypatch.setitem(_feedback._seen, "graded", False)
    yield set_mode


def uphill(w, g, lr):
    return w + lr * g


def test_self_study_is_the_default_and_shows_the_detail(monkeypatch):
    monkeypatch.delenv("SGDLAB_FEEDBACK", raising=False)
    monkeypatch.setitem(_feedback._seen, "graded", False)
    assert _feedback.feedback_mode() == "self-study"
    with pytest.raises(CheckFailed) as info:
        ex01.check_gd_step(uphill)
    message = str(info.value)
    assert "uphill" in message.splitlines()[0]
    assert "expected" in message and "returned" in message and len(message.splitlines()) > 2


def test_graded_mode_keeps_only_the_first_line(mode):
    mode("graded")
    with pytest.raises(CheckFailed) as info:
        ex01.check_gd_step(uphill)
    message = str(info.value)
    assert message.startswith("gd_step: ") and "uphill" in message
    assert "\n" not in message and "expected" not in message and "returned" not in message
    assert info.value.message == message.removeprefix("gd_step: ")
    lines = info.value._render_traceback_()
    assert len(lines) == 1


def test_graded_mode_hides_the_exception_text_but_names_the_line(mode):
    mode("graded")

    def gd_step(w, g, lr):
        return w - lr * g[7]

    with pytest.raises(StudentCodeError) as info:
        ex01.check_gd_step(gd_step)
    message = str(info.value)
    assert "IndexError" in message and "in gd_step" in message
    assert "out of bounds" not in message and "\n" not in message


def test_graded_time_limit_message_is_one_line(mode, monkeypatch):
    mode("graded")
    monkeypatch.setattr(_runner, "TIMEOUT_SECONDS", 0.1)

    def gd_step(w, g, lr):
        while True:
            time.sleep(0.001)

    with pytest.raises(TimedOut) as info:
        ex01.check_gd_step(gd_step)
    assert "\n" not in str(info.value) and "time limit" in str(info.value)


def test_graded_in_place_change_does_not_show_the_values(mode):
    mode("graded")

    def gd_step(w, g, lr):
        w -= lr * g
        return w

    with pytest.raises(CheckFailed, match="changed its argument w in place") as info:
        ex01.check_gd_step(gd_step)
    assert "\n" not in str(info.value) and "afterwards" not in str(info.value)


def test_graded_mode_shows_none_of_the_learners_printing(mode, capsys):
    mode("graded")

    def gd_step(w, g, lr):
        print("debug", w)
        return w - lr * g

    ex01.check_gd_step(gd_step)
    out = capsys.readouterr().out
    assert "debug" not in out and out.startswith("✓ gd_step passed")


def test_graded_mode_is_sticky_within_a_process(mode, monkeypatch):
    mode("graded")
    assert _feedback.feedback_mode() == "graded"
    monkeypatch.setenv("SGDLAB_FEEDBACK", "self-study")  # e.g. code under test
    assert _feedback.feedback_mode() == "graded"


def test_a_correct_answer_passes_in_both_modes(mode, capsys):
    def gd_step(w, g, lr):
        return w - lr * g

    for value in ("self-study", "graded"):
        mode(value)
        ex01.check_gd_step(gd_step)
    assert capsys.readouterr().out.count("✓ gd_step passed") == 2


@pytest.mark.parametrize("value", ["grade", "exam", "1"])
def test_an_unknown_mode_is_a_clear_error(mode, value):
    mode(value)
    with pytest.raises(ValueError, match=r"SGDLAB_FEEDBACK must be 'self-study' or 'graded'"):
        _feedback.feedback_mode()


def test_case_and_spaces_do_not_matter(mode):
    mode(" Graded ")
    assert _feedback.feedback_mode() == "graded"
