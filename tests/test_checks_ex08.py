"""The checks of exercises 08 accept correct answers (the solution notebook's and one
written differently), agree with torch.optim, and name the typical mistakes."""


import numpy as np
import pytest
import torch
from exercise_support import solution

from sgdlab.checks import ex08

SOLUTION = solution("08_adaptive_methods")


# --- the reference itself: the solutions follow torch.optim ------------------------------
def _torch_steps(make, w0, grads):
    w = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
    opt = make([w])
    rows = []
    for g in grads:
        w.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
        rows.append(w.detach().numpy().copy())
    return np.array(rows)


def test_the_solutions_follow_torch():
    rng = np.random.default_rng(0)
    w0, grads = rng.normal(size=3), rng.normal(size=(6, 3))
    w, s = w0.copy(), np.zeros(3)
    ada, rms, adam = [], [], []
    for g in grads:
        w, s = SOLUTION["adagrad_step"](w, g, s, 0.1, 0.05)
        ada.append(w)
    w, s = w0.copy(), np.zeros(3)
    for g in grads:
        w, s = SOLUTION["rmsprop_step"](w, g, s, 0.1, 0.9, 0.05)
        rms.append(w)
    w, m, v = w0.copy(), np.zeros(3), np.zeros(3)
    for t, g in enumerate(grads, start=1):
        w, m, v = SOLUTION["adam_step"](w, g, m, v, t, 0.1, 0.8, 0.99, 0.05)
        adam.append(w)
    torch_ada = _torch_steps(lambda p: torch.optim.Adagrad(p, lr=0.1, eps=0.05), w0, grads)
    torch_rms = _torch_steps(lambda p: torch.optim.RMSprop(p, lr=0.1, alpha=0.9, eps=0.05),
                             w0, grads)
    torch_adam = _torch_steps(lambda p: torch.optim.Adam(p, lr=0.1, betas=(0.8, 0.99),
                                                         eps=0.05), w0, grads)
    assert np.allclose(ada, torch_ada, rtol=1e-12, atol=1e-14)
    assert np.allclose(rms, torch_rms, rtol=1e-12, atol=1e-14)
    assert np.allclose(adam, torch_adam, rtol=1e-12, atol=1e-14)


# --- adagrad_step ---------------------------------------------------------------------------
def adagrad_other(w, g, state, lr, eps=1e-10):
    g = np.array(g, dtype=float)
    state = state.copy()
    state += g * g
    scale = 1.0 / (np.sqrt(state) + eps)
    return np.asarray(w, dtype=float) - lr * scale * g, state


@pytest.mark.parametrize("func", [SOLUTION["adagrad_step"], adagrad_other],
                         ids=["solution", "other"])
def test_adagrad_step_accepts_correct_answers(func, capsys):
    ex08.check_adagrad_step(func)
    assert "✓ adagrad_step passed" in capsys.readouterr().out


@pytest.mark.parametrize("func,diagnosis", [
    (lambda w, g, s, lr, eps=1e-10: (w - lr * g / np.sqrt(s + g**2 + eps), s + g**2),
     "you added eps inside the square root"),
    (lambda w, g, s, lr, eps=1e-10: (w - lr * g / (np.sqrt(s + g**2) + eps), s),
     "you returned the old state"),
    (lambda w, g, s, lr, eps=1e-10: (w - lr * g / (np.sqrt(s) + eps), s + g**2),
     "you divided by the old state"),
    (lambda w, g, s, lr, eps=1e-10: (w - lr * g / (s + g**2 + eps), s + g**2),
     "you divided by the state itself"),
    (lambda w, g, s, lr, eps=1e-10: (w - lr * g / (np.abs(g) + eps), g**2),
     "you kept only this step's g\\*\\*2"),
    (lambda w, g, s, lr, eps=1e-10: (w + lr * g / (np.sqrt(s + g**2) + eps), s + g**2),
     "uphill"),
    (lambda w, g, s, lr, eps=1e-10: w - lr * g / (np.sqrt(s + g**2) + eps),
     "expected a tuple \\(new_w, new_state\\), got one array"),
])
def test_adagrad_step_names_the_mistake(func, diagnosis):
    with pytest.raises(AssertionError, match=diagnosis):
        ex08.check_adagrad_step(func)


def test_adagrad_step_in_place_change_is_reported():
    def in_place(w, g, state, lr, eps=1e-10):
        state += np.asarray(g, dtype=float) ** 2
        return w - lr * g / (np.sqrt(state) + eps), state

    with pytest.raises(AssertionError, match="changed its argument `state` in place"):
        ex08.check_adagrad_step(in_place)


# --- rmsprop_step ---------------------------------------------------------------------------
def rmsprop_other(w, g, state, lr, alpha=0.99, eps=1e-8):
    g = np.asarray(g, dtype=float)
    state = state + (1 - alpha) * (g * g - state)   # the same average, written as torch does
    return w - lr * (g / (np.sqrt(state) + eps)), state


@pytest.mark.parametrize("func", [SOLUTION["rmsprop_step"], rmsprop_other],
                         ids=["solution", "other"])
def test_rmsprop_step_accepts_correct_answers(func, capsys):
    ex08.check_rmsprop_step(func)
    assert "✓ rmsprop_step passed" in capsys.readouterr().out


def _rms(w, g, s, lr, alpha, eps, *, swap=False, inside=False, adagrad=False, corrected=False):
    a = 1 - alpha if swap else alpha
    new = s + g**2 if adagrad else a * s + (1 - a) * g**2
    v = new / (1 - alpha) if corrected else new
    denom = np.sqrt(v + eps) if inside else np.sqrt(v) + eps
    return w - lr * g / denom, new


@pytest.mark.parametrize("func,diagnosis", [
    (lambda w, g, s, lr, alpha=0.99, eps=1e-8: _rms(w, g, s, lr, alpha, eps, swap=True),
     "alpha and 1 - alpha are swapped"),
    (lambda w, g, s, lr, alpha=0.99, eps=1e-8: _rms(w, g, s, lr, alpha, eps, inside=True),
     "you added eps inside the square root"),
    (lambda w, g, s, lr, alpha=0.99, eps=1e-8: _rms(w, g, s, lr, alpha, eps, adagrad=True),
     "that is Adagrad"),
    (lambda w, g, s, lr, alpha=0.99, eps=1e-8: _rms(w, g, s, lr, alpha, eps, corrected=True),
     "you bias-corrected the average"),
    (lambda w, g, s, lr, alpha=0.99, eps=1e-8: (_rms(w, g, s, lr, alpha, eps)[0], s),
     "you returned the old state"),
])
def test_rmsprop_step_names_the_mistake(func, diagnosis):
    with pytest.raises(AssertionError, match=diagnosis):
        ex08.check_rmsprop_step(func)


# --- adam_step ------------------------------------------------------------------------------
def adam_other(w, g, m, v, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    """torch's arrangement: the corrections folded into the step size and the denominator."""
    g = np.asarray(g, dtype=float)
    m = m + (1 - beta1) * (g - m)
    v = v * beta2 + (1 - beta2) * g * g
    step_size = lr / (1 - beta1**t)
    denom = np.sqrt(v) / np.sqrt(1 - beta2**t) + eps
    return w - step_size * m / denom, m, v


@pytest.mark.parametrize("func", [SOLUTION["adam_step"], adam_other], ids=["solution", "other"])
def test_adam_step_accepts_correct_answers(func, capsys):
    ex08.check_adam_step(func)
    assert "✓ adam_step passed" in capsys.readouterr().out


def _adam(**kwargs):
    def step(w, g, m, v, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
        w = np.asarray(w, dtype=float)
        g = np.asarray(g, dtype=float)
        return ex08.adam_variant(w, g, m, v, t, lr, beta1, beta2, eps, **kwargs)
    return step


def _adam_t_from_zero(w, g, m, v, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    return adam_other(w, g, m, v, t - 1, lr, beta1, beta2, eps)


@pytest.mark.parametrize("func,diagnosis", [
    (_adam(correct="none"), "no bias correction"),
    (_adam(correct="m"), "you bias-corrected m but not v"),
    (_adam(t_shift=1), "your bias correction is one step ahead"),
    (_adam_t_from_zero, "as if t started at 0"),      # Python floats: ZeroDivisionError
    (_adam(t_shift=-1), "as if t started at 0"),       # numpy arrays: inf and NaN
    (_adam(eps_inside=True), "you added eps inside the square root"),
    (_adam(eps_before_correction=True), "you added eps before the bias correction"),
    (_adam(swap=True), "beta and 1 - beta are swapped"),
    (_adam(square_m=True), "you squared the wrong thing"),
    (_adam(return_hat=True), "you returned the bias-corrected m_hat and v_hat"),
    (_adam(sign=1.0), "uphill"),
    (lambda w, g, m, v, t, lr, b1=0.9, b2=0.999, eps=1e-8:
     (adam_other(w, g, m, v, t, lr, b1, b2, eps)[0], m, v), "you returned the old m and v"),
    (lambda w, g, m, v, t, lr, b1=0.9, b2=0.999, eps=1e-8:
     adam_other(w, g, m, v, t, lr, b1, b2, eps)[:2], "expected a tuple \\(new_w, new_m, new_v\\)"),
])
def test_adam_step_names_the_mistake(func, diagnosis):
    with pytest.raises(AssertionError, match=diagnosis):
        ex08.check_adam_step(func)


def test_adam_variant_defaults_are_the_right_step():
    rng = np.random.default_rng(4)
    w, g, m, v = rng.normal(size=(4, 3))
    v = np.abs(v)
    expected = adam_other(w, g, m, v, 3, 0.1, 0.9, 0.999, 1e-3)
    got = ex08.adam_variant(w, g, m, v, 3, 0.1, 0.9, 0.999, 1e-3)
    assert all(np.allclose(a, b, rtol=1e-14) for a, b in zip(got, expected, strict=True))


@pytest.mark.parametrize("check", [ex08.check_adagrad_step, ex08.check_rmsprop_step,
                                   ex08.check_adam_step])
def test_untouched_stubs_read_as_not_attempted(check):
    def stub(*args, **kwargs):
        raise NotImplementedError("Student exercise: ...")

    with pytest.raises(AssertionError, match="not attempted yet"):
        check(stub)
