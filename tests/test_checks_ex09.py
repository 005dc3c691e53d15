"""The checks of exercises 09 accept correct answers (the solution notebook's and ones
written differently), agree with torch.optim.AdamW, and name each typical mistake: every
wrong answer below must get the diagnosis it is listed with (the first line of the
message), not merely fail."""

import math

import numpy as np
import pytest
import torch
from exercise_support import solution

from sgdlab.checks import ex09
from sgdlab.checks._feedback import CheckFailed
from sgdlab.nonconvex import gd_escape_steps

SOLUTION = solution("09_beyond_convex")


def first_line(check, func) -> str:
    with pytest.raises(CheckFailed) as info:
        check(func)
    return info.value.message.splitlines()[0]


# --- classify_stationary_point ------------------------------------------------------------
def classify_other(hessian, tol=1e-9):
    lam = np.linalg.eigvals(np.array(hessian, dtype=float)).real
    signs = {int(np.sign(x)) if abs(x) > tol else 0 for x in lam}
    if 0 in signs:
        return "degenerate"
    return {frozenset({1}): "minimum", frozenset({-1}): "maximum"}.get(frozenset(signs),
                                                                        "saddle")


def classify_by_minmax(hessian, tol=1e-9):
    lam = np.linalg.eigvalsh(hessian)
    if np.min(np.abs(lam)) <= tol:
        return "degenerate"
    return "minimum" if lam.min() > 0 else "maximum" if lam.max() < 0 else "saddle"


@pytest.mark.parametrize("func", [SOLUTION["classify_stationary_point"], classify_other,
                                  classify_by_minmax], ids=["solution", "eigvals", "minmax"])
def test_classify_accepts_correct_answers(func, capsys):
    ex09.check_classify_stationary_point(func)
    assert "✓ classify_stationary_point passed 13 cases" in capsys.readouterr().out


def _signs(values, tol):
    if np.any(np.abs(values) <= tol):
        return "degenerate"
    return "minimum" if np.all(values > 0) else "maximum" if np.all(values < 0) else "saddle"


def _det_rule(H, tol=1e-9):
    d = np.linalg.det(H)
    return "degenerate" if abs(d) <= tol else "minimum" if d > 0 else "saddle"


def _det_trace(H, tol=1e-9):
    d = np.linalg.det(H)
    if abs(d) <= tol:
        return "degenerate"
    return "saddle" if d < 0 else "minimum" if np.trace(H) > 0 else "maximum"


def _swapped(H, tol=1e-9):
    label = SOLUTION["classify_stationary_point"](H, tol)
    return {"minimum": "maximum", "maximum": "minimum"}.get(label, label)


def _exact_zero(H, tol=1e-9):
    lam = np.linalg.eigvalsh(H)
    return _signs(lam, 0.0) if not np.any(lam == 0) else "degenerate"


def _zero_positive(H, tol=1e-9):
    lam = np.linalg.eigvalsh(H)
    return "minimum" if np.all(lam >= -tol) else "maximum" if np.all(lam < -tol) else "saddle"


def _mixed_max(H, tol=1e-9):
    lam = np.linalg.eigvalsh(H)
    if np.any(np.abs(lam) <= tol):
        return "degenerate"
    return "minimum" if np.all(lam > 0) else "maximum"


def _smallest_only(H, tol=1e-9):
    lam = np.linalg.eigvalsh(H)
    if np.any(np.abs(lam) <= tol):
        return "degenerate"
    return "minimum" if lam.min() > 0 else "saddle"


CLASSIFY_WRONG = [
    (lambda H, tol=1e-9: _signs(np.diag(H).astype(float), tol),
     "the classification follows the diagonal entries"),
    (_det_rule, "a maximum is classified as a minimum"),
    (_det_trace, "the answer is right for 2 x 2 Hessians only"),
    (_swapped, "minima and maxima are swapped"),
    (_exact_zero, "an eigenvalue that is zero up to the tolerance is not treated as zero"),
    (_zero_positive, "a zero eigenvalue is counted as positive"),
    (_mixed_max, "a point with eigenvalues of both signs is not called a saddle"),
    (_smallest_only, "a maximum is called a saddle"),
    (lambda H, tol=1e-9: _signs(np.abs(np.linalg.eigvalsh(H)), tol),
     "the signs of the eigenvalues are lost"),
    (lambda H, tol=1e-9: SOLUTION["classify_stationary_point"](H, tol).capitalize(),
     "the result is not one of the four labels"),
    (lambda H, tol=1e-9: None, "the result is not one of the four labels"),
    (lambda H, tol=1e-9: "saddle" if H.shape[0] == 3 else
     SOLUTION["classify_stationary_point"](H, tol), "a maximum point is classified as"),
]
CLASSIFY_IDS = ["diagonal", "determinant", "det-trace", "swapped", "no-tol", "zero-positive",
        "mixed-max", "smallest-only", "abs", "capitalised", "none", "3d-saddle"]


@pytest.mark.parametrize("func,diagnosis", CLASSIFY_WRONG, ids=CLASSIFY_IDS)
def test_classify_names_the_mistake(func, diagnosis):
    assert first_line(ex09.check_classify_stationary_point, func).startswith(diagnosis)


# --- escape_steps -------------------------------------------------------------------------
def escape_by_logs(lr, curvature, offset, radius):
    if offset >= radius:
        return 0
    growth = 1 + lr * abs(curvature)
    k = math.ceil(math.log(radius / offset) / math.log(growth))
    while k > 0 and offset * growth ** (k - 1) >= radius:
        k -= 1
    while offset * growth**k < radius:
        k += 1
    return k


@pytest.mark.parametrize("func", [SOLUTION["escape_steps"], escape_by_logs, gd_escape_steps],
                         ids=["solution", "logs", "sgdlab"])
def test_escape_accepts_correct_answers(func, capsys):
    ex09.check_escape_steps(func)
    assert "✓ escape_steps passed 7 cases" in capsys.readouterr().out


def _loop(growth_of, stop=lambda y, r: y >= r, at_least_one=False):
    def escape(lr, curvature, offset, radius):
        g, k, y = growth_of(lr, curvature), 0, offset
        while not stop(y, radius) or (at_least_one and k == 0):
            y *= g
            k += 1
        return k
    return escape


ESCAPE_WRONG = [
    (lambda lr, c, y0, r: max(math.floor(math.log(r / y0) / math.log(1 + lr * abs(c))), 0),
     "the count is one short"),
    (lambda lr, c, y0, r: SOLUTION["escape_steps"](lr, c, y0, r) + 1, "the count is one too many"),
    (_loop(lambda lr, c: 1 + lr), "the count does not depend on the curvature"),
    (lambda lr, c, y0, r: max(math.ceil(math.log(r / y0) / (lr * abs(c))), 0),
     "the count is too large when a step grows the offset a lot"),
    (_loop(lambda lr, c: 1 + lr * abs(c), at_least_one=True),
     "a start already at or beyond the radius should need no steps"),
    (_loop(lambda lr, c: 1 + lr * abs(c), stop=lambda y, r: y > r),
     "an offset that lands exactly on the radius does not count as out"),
    (lambda lr, c, y0, r: max(math.ceil(math.log10(r / y0) / math.log(1 + lr * abs(c))), 0),
     "the count is too small by a constant factor"),
    (lambda lr, c, y0, r: float(SOLUTION["escape_steps"](lr, c, y0, r)),
     "the result is not a whole number of type int"),
    (lambda lr, c, y0, r: None, "the result is not a whole number of steps"),
    (lambda lr, c, y0, r: SOLUTION["escape_steps"](lr, c, y0, r) // 2 + (r > 1),
     "the number of steps is too small"),
]
ESCAPE_IDS = ["floor", "one-more", "no-curvature", "linear-log", "do-while", "strict", "log10",
        "float", "none", "halved"]


@pytest.mark.parametrize("func,diagnosis", ESCAPE_WRONG, ids=ESCAPE_IDS)
def test_escape_names_the_mistake(func, diagnosis):
    assert first_line(ex09.check_escape_steps, func).startswith(diagnosis)


# --- adamw_step ---------------------------------------------------------------------------
def test_the_adamw_reference_is_torch():
    rng = np.random.default_rng(0)
    w0, grads = rng.normal(size=3), rng.normal(size=(6, 3))
    p = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.AdamW([p], lr=0.1, betas=(0.8, 0.99), eps=0.05, weight_decay=0.3)
    w, m, v = w0.copy(), np.zeros(3), np.zeros(3)
    for t, g in enumerate(grads, start=1):
        p.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
        w, m, v = SOLUTION["adamw_step"](w, g, m, v, t, 0.1, 0.8, 0.99, 0.05, 0.3)
        ref = ex09.adamw_variant(w * 0 + p.detach().numpy(), g, m, v, t, 0.1, 0.8, 0.99, 0.05,
                                 0.3)  # only to exercise the reference's signature
        assert ref[0].shape == (3,)
        np.testing.assert_allclose(w, p.detach().numpy(), rtol=1e-12, atol=1e-14)


def adamw_other(w, g, m, v, t, lr, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01):
    g = np.array(g, dtype=float)
    m = m.copy()
    m *= beta1
    m += (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    step = lr / (1 - beta1**t) * m / (np.sqrt(v) / math.sqrt(1 - beta2**t) + eps)
    return np.asarray(w, dtype=float) - lr * weight_decay * np.asarray(w) - step, m, v


def adamw_in_place(w, g, m, v, t, lr, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01):
    # the state updated in place and returned, as torch does (w is left alone)
    m *= beta1
    m += (1 - beta1) * g
    v *= beta2
    v += (1 - beta2) * g * g
    step = lr / (1 - beta1**t) * m / (np.sqrt(v) / math.sqrt(1 - beta2**t) + eps)
    return w * (1 - lr * weight_decay) - step, m, v


def adamw_w_in_place(w, g, m, v, t, lr, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01):
    new_w, new_m, new_v = adamw_other(w, g, m, v, t, lr, beta1, beta2, eps, weight_decay)
    w[...] = new_w  # the weights may not be changed in place
    return w, new_m, new_v


def test_adamw_w_changed_in_place_is_reported():
    with pytest.raises(CheckFailed, match="changed its argument w in place"):
        ex09.check_adamw_step(adamw_w_in_place)


@pytest.mark.parametrize("func", [SOLUTION["adamw_step"], adamw_other, adamw_in_place],
                         ids=["solution", "other", "state-in-place"])
def test_adamw_accepts_correct_answers(func, capsys):
    ex09.check_adamw_step(func)
    assert "✓ adamw_step passed 14 cases" in capsys.readouterr().out


def _variant(**kwargs):
    def step(w, g, m, v, t, lr, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01):
        return ex09.adamw_variant(w, g, m, v, t, lr, beta1, beta2, eps, weight_decay, **kwargs)
    return step


def _adam_step(w, g, m, v, t, lr, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01):
    # written out by hand: Adam with torch's L2 weight_decay
    g = np.asarray(g, dtype=float) + weight_decay * np.asarray(w, dtype=float)
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    return w - lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps), m, v


ADAMW_WRONG = [
    (_adam_step, "the weight decay is mixed into the gradient"),
    (_variant(decay="after"), "the decay is applied after the Adam step"),
    (_variant(decay="no_lr"), "the decay factor does not scale with the learning rate"),
    (_variant(decay="none"), "the weights are not decayed at all"),
    (_variant(correct=False), "the moving averages are not bias-corrected"),
    (_variant(eps_inside=True), "eps is added inside the square root"),
    (_variant(return_hat=True), "the state carried to the next step is the bias-corrected"),
    (_variant(sign=1.0), "the step moves uphill"),
    (_variant(t_shift=1), "new_w differs from what torch.optim.AdamW computes"),
    (lambda w, g, m, v, t, lr, b1=0.9, b2=0.999, eps=1e-8, wd=0.01:
     SOLUTION["adamw_step"](w, g, m, v, t, lr, b1, b2, eps, wd)[0],
     "the result is not a tuple of three arrays"),
    (lambda w, g, m, v, t, lr, b1=0.9, b2=0.999, eps=1e-8, wd=0.01:
     (SOLUTION["adamw_step"](w, g, m, v, t, lr, b1, b2, eps, wd)[0], m, v),
     "new_m and new_v differ"),
]
ADAMW_IDS = ["l2", "after", "no-lr", "none", "no-correction", "eps-inside", "hat-state", "uphill",
        "t-plus-one", "only-w", "old-state"]


@pytest.mark.parametrize("func,diagnosis", ADAMW_WRONG, ids=ADAMW_IDS)
def test_adamw_names_the_mistake(func, diagnosis):
    assert first_line(ex09.check_adamw_step, func).startswith(diagnosis)


def test_t_from_zero_is_named():
    # t - 1 in the correction divides by zero on the first step: the learner sees why
    def adamw_t0(w, g, m, v, t, lr, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01):
        with np.errstate(all="ignore"):
            return ex09.adamw_variant(w, g, m, v, t, lr, beta1, beta2, eps, weight_decay,
                                      t_shift=-1)
    line = first_line(ex09.check_adamw_step, adamw_t0)
    assert line == "the first step's result is not finite"


def test_first_lines_carry_no_numbers_or_code():
    for messages in (ex09.HESSIAN_MESSAGES, ex09.ESCAPE_MESSAGES):
        for prop, _ in messages.values():
            assert not any(ch.isdigit() for ch in prop.replace("2 x 2", "")), prop
            assert "(" not in prop and "*" not in prop and "=" not in prop, prop
    for _, (prop, _) in ex09.ADAMW_WRONGS.values():
        assert not any(ch.isdigit() for ch in prop) and "*" not in prop, prop


#: Every wrong answer above, by task: (the start of its first line, the function); the
#: whole-catalog message tests (tests/test_checks_messages.py) run them too.
WRONG = {"classify_stationary_point": CLASSIFY_WRONG, "escape_steps": ESCAPE_WRONG,
         "adamw_step": ADAMW_WRONG}
#: The correct answers above, by task (run by tests/test_checks_messages.py as well).
CORRECT = {"classify_stationary_point": [SOLUTION["classify_stationary_point"], classify_other,
                                         classify_by_minmax],
           "escape_steps": [SOLUTION["escape_steps"], escape_by_logs, gd_escape_steps],
           "adamw_step": [SOLUTION["adamw_step"], adamw_other, adamw_in_place]}
