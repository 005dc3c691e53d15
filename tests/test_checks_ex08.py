"""The checks of exercises 08 accept correct answers (the solution notebook's and one
written differently), agree with torch.optim, and name each mistake of the catalog below exactly."""


import numpy as np
import pytest
import torch
from exercise_support import (
    assert_diagnosis,
    assert_passes,
    catalog_params,
    correct_params,
    solution,
)

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


# --- rmsprop_step ---------------------------------------------------------------------------
def rmsprop_other(w, g, state, lr, alpha=0.99, eps=1e-8):
    g = np.asarray(g, dtype=float)
    state = state + (1 - alpha) * (g * g - state)   # the same average, written as torch does
    return w - lr * (g / (np.sqrt(state) + eps)), state


def _rms(w, g, s, lr, alpha, eps, *, swap=False, inside=False, adagrad=False, corrected=False,
         no_root=False, no_eps=False):
    a = 1 - alpha if swap else alpha
    new = s + g**2 if adagrad else a * s + (1 - a) * g**2
    v = new / (1 - alpha) if corrected else new
    denom = np.sqrt(v + eps) if inside else np.sqrt(v) + eps
    if no_root:
        denom = v + eps
    if no_eps:
        denom = np.sqrt(v)
    return w - lr * g / denom, new


# --- adam_step ------------------------------------------------------------------------------
def adam_other(w, g, m, v, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    """torch's arrangement: the corrections folded into the step size and the denominator."""
    g = np.asarray(g, dtype=float)
    m = m + (1 - beta1) * (g - m)
    v = v * beta2 + (1 - beta2) * g * g
    step_size = lr / (1 - beta1**t)
    denom = np.sqrt(v) / np.sqrt(1 - beta2**t) + eps
    return w - step_size * m / denom, m, v


def _adam(**kwargs):
    def step(w, g, m, v, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
        w = np.asarray(w, dtype=float)
        g = np.asarray(g, dtype=float)
        return ex08.adam_variant(w, g, m, v, t, lr, beta1, beta2, eps, **kwargs)
    return step


def _adam_t_from_zero(w, g, m, v, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    return adam_other(w, g, m, v, t - 1, lr, beta1, beta2, eps)


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


def _adagrad_in_place(w, g, state, lr, eps=1e-10):
    state += np.asarray(g, dtype=float) ** 2
    return w - lr * g / (np.sqrt(state) + eps), state


def _rmsprop_in_place(w, g, state, lr, alpha=0.99, eps=1e-8):
    state *= alpha
    state += (1 - alpha) * np.asarray(g, dtype=float) ** 2
    return w - lr * g / (np.sqrt(state) + eps), state


def _adam_in_place(w, g, m, v, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    g = np.asarray(g, dtype=float)
    m *= beta1
    m += (1 - beta1) * g
    v *= beta2
    v += (1 - beta2) * g * g
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def _adagrad(kind):
    def adagrad_step(w, g, s, lr, eps=1e-10):
        g = np.asarray(g, dtype=float)
        new = s + g**2
        if kind == "no eps":
            return w - lr * g / np.sqrt(new), new
        if kind == "root state":
            return w - lr * g / (np.sqrt(new) + eps), np.sqrt(new)
        if kind == "not squared":
            return w - lr * g / (np.sqrt(np.abs(s + g)) + eps), s + g
        raise AssertionError(kind)
    return adagrad_step


def _rmsprop_not_squared(w, g, s, lr, alpha=0.99, eps=1e-8):
    new = alpha * s + (1 - alpha) * np.asarray(g, dtype=float)
    return w - lr * g / (np.sqrt(np.abs(new)) + eps), new


CORRECT = {
    "adagrad_step": [SOLUTION["adagrad_step"], adagrad_other, _adagrad_in_place],
    "rmsprop_step": [SOLUTION["rmsprop_step"], rmsprop_other, _rmsprop_in_place],
    "adam_step": [SOLUTION["adam_step"], adam_other, _adam_in_place],
}

CATALOG = {
    "adagrad_step": [
        ("eps_inside", lambda w, g, s, lr, eps=1e-10: (w - lr * g / np.sqrt(s + g**2 + eps),
                                                       s + g**2)),
        ("not_updated", lambda w, g, s, lr, eps=1e-10: (w - lr * g / (np.sqrt(s + g**2) + eps),
                                                        s)),
        ("old_state", lambda w, g, s, lr, eps=1e-10: (w - lr * g / (np.sqrt(s) + eps),
                                                      s + g**2)),
        ("no_root", lambda w, g, s, lr, eps=1e-10: (w - lr * g / (s + g**2 + eps), s + g**2)),
        ("only_current", lambda w, g, s, lr, eps=1e-10: (w - lr * g / (np.abs(g) + eps), g**2)),
        ("uphill", lambda w, g, s, lr, eps=1e-10: (w + lr * g / (np.sqrt(s + g**2) + eps),
                                                   s + g**2)),
        ("no_eps", _adagrad("no eps")),
        ("root_state", _adagrad("root state")),
        ("not_squared", _adagrad("not squared")),
        ("~the result is one array",
         lambda w, g, s, lr, eps=1e-10: w - lr * g / (np.sqrt(s + g**2) + eps)),
    ],
    "rmsprop_step": [
        ("swapped", lambda w, g, s, lr, alpha=0.99, eps=1e-8:
            _rms(w, g, s, lr, alpha, eps, swap=True)),
        ("eps_inside", lambda w, g, s, lr, alpha=0.99, eps=1e-8:
            _rms(w, g, s, lr, alpha, eps, inside=True)),
        ("adagrad", lambda w, g, s, lr, alpha=0.99, eps=1e-8:
            _rms(w, g, s, lr, alpha, eps, adagrad=True)),
        ("corrected", lambda w, g, s, lr, alpha=0.99, eps=1e-8:
            _rms(w, g, s, lr, alpha, eps, corrected=True)),
        ("not_updated", lambda w, g, s, lr, alpha=0.99, eps=1e-8:
            (_rms(w, g, s, lr, alpha, eps)[0], s)),
        ("no_root", lambda w, g, s, lr, alpha=0.99, eps=1e-8:
            _rms(w, g, s, lr, alpha, eps, no_root=True)),
        ("no_eps", lambda w, g, s, lr, alpha=0.99, eps=1e-8:
            _rms(w, g, s, lr, alpha, eps, no_eps=True)),
        ("uphill", lambda w, g, s, lr, alpha=0.99, eps=1e-8:
            (2 * w - _rms(w, g, s, lr, alpha, eps)[0], _rms(w, g, s, lr, alpha, eps)[1])),
        ("not_squared", _rmsprop_not_squared),
    ],
    "adam_step": [
        ("no_correction", _adam(correct="none")),
        ("no_v_correction", _adam(correct="m")),
        ("no_m_correction", _adam(correct="v")),
        ("t_ahead", _adam(t_shift=1)),
        ("t_from_zero", _adam_t_from_zero),       # Python floats: ZeroDivisionError
        ("t_from_zero", _adam(t_shift=-1)),       # numpy arrays: inf and NaN
        ("eps_inside", _adam(eps_inside=True)),
        ("eps_before_correction", _adam(eps_before_correction=True)),
        ("swap", _adam(swap=True)),
        ("square_m", _adam(square_m=True)),
        ("return_hat", _adam(return_hat=True)),
        ("uphill", _adam(sign=1.0)),
        ("not_updated", lambda w, g, m, v, t, lr, b1=0.9, b2=0.999, eps=1e-8:
            (adam_other(w, g, m, v, t, lr, b1, b2, eps)[0], m, v)),
        ("~the result is not the weights and the state",
         lambda w, g, m, v, t, lr, b1=0.9, b2=0.999, eps=1e-8:
            adam_other(w, g, m, v, t, lr, b1, b2, eps)[:2]),
        ("generic", _adam(correct="none", eps_inside=True)),  # two at once
    ],
}


@pytest.mark.parametrize("task,func", correct_params(CORRECT))
def test_correct_answers_pass(task, func):
    assert_passes(ex08, task, func)


@pytest.mark.parametrize("task,expected,func", catalog_params(CATALOG))
def test_each_mistake_gets_its_own_diagnosis(task, expected, func):
    assert_diagnosis(ex08, task, expected, func)


def test_t_from_zero_does_not_contradict_itself():
    """t starts at 1 here: the message must not also hint at 't = 0' as the first step."""
    with pytest.raises(AssertionError) as info:
        ex08.check_adam_step(_adam_t_from_zero)
    assert "first step (t = 0)" not in str(info.value)
