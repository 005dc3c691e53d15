"""Checks for ``exercises/08_adaptive_methods.ipynb``.

Tasks: ``adagrad_step``, ``rmsprop_step``, ``adam_step``. Each is checked step by step
against ``sgdlab.optim.Adagrad``, ``RMSprop`` and ``Adam``, numpy mirrors of their
``torch.optim`` namesakes (torch's conventions: ``eps`` added *outside* the square root,
states starting at zero, Adam's step counter ``t`` starting at 1). Some cases use a
large ``eps`` (0.1), so that where it is added shows in the result.
"""

from __future__ import annotations

import numpy as np

from sgdlab.checks._feedback import CheckFailed, StudentCodeError, close, expect_array, fmt
from sgdlab.checks._runner import call, call_text, task_check
from sgdlab.optim import Adagrad, Adam, RMSprop

UPHILL = "your step moves uphill: subtract the scaled gradient, w - lr * g / (...)"
EPS_INSIDE = ("you added eps inside the square root, sqrt(state + eps): torch adds it "
              "outside, sqrt(state) + eps")
NOT_UPDATED = "you returned the old state: return the updated one (the state after adding g**2)"
OLD_STATE = ("you divided by the old state: first update the state with this step's g**2, "
             "then step with the new one")
NO_ROOT = ("you divided by the state itself: divide by its square root, "
           "g / (np.sqrt(state) + eps)")
T_FROM_ZERO = ("the first step (t = 1) divides by zero: did you correct with beta**(t - 1), "
               "as if t started at 0? Then 1 - beta**0 = 0. Here t starts at 1: use "
               "beta1**t and beta2**t")
NOT_SQUARED = ("you accumulated g instead of g**2: the state holds squared gradients")


def _expect_tuple(task: str, got, d: int, names: tuple[str, ...], text: str) -> list[np.ndarray]:
    want = f"a tuple ({', '.join(names)})"
    if got is None:
        raise CheckFailed(task, f"got None: did you forget to `return {', '.join(names)}`?"
                                f"\n    {text}")
    if isinstance(got, np.ndarray):
        raise CheckFailed(task, f"expected {want}, got one array of shape {got.shape}: "
                                f"return all of them\n    {text}")
    if not isinstance(got, tuple | list) or len(got) != len(names):
        raise CheckFailed(task, f"expected {want}, got {fmt(got)}\n    {text}")
    for name, value in zip(names, got, strict=True):
        if value is None:
            raise CheckFailed(task, f"{name} is None: return it as an array of shape ({d},)"
                                    f"\n    {text}")
    return [expect_array(task, v, (d,), what=name, context=text)
            for name, v in zip(names, got, strict=True)]


def _judge(task: str, text: str, names: tuple[str, ...], got: list, expected: tuple,
           wrongs: list) -> None:
    """Pass if every part of ``got`` is close to ``expected``; otherwise name the first
    wrong variant (a tuple of the same length, None meaning "any") that matches."""

    def same(candidate):
        return all(c is None or close(p, c, rtol=1e-9, atol=1e-12)
                   for p, c in zip(got, candidate, strict=True))

    if same(expected):
        return
    details = (f"\n    {text}"
               f"\n    returned  " + ", ".join(f"{n}={fmt(v)}" for n, v in zip(names, got,
                                                                              strict=True))
               + "\n    expected  " + ", ".join(f"{n}={fmt(v)}" for n, v in zip(names, expected,
                                                                              strict=True)))
    for candidate, diagnosis in wrongs:
        if candidate is not None and same(candidate):
            raise CheckFailed(task, diagnosis + details)
    wrong = [n for n, p, e in zip(names, got, expected, strict=True)
             if not close(p, e, rtol=1e-9, atol=1e-12)]
    raise CheckFailed(task, f"wrong {' and '.join(wrong)}." + details)


def _sequences(seed: int):
    """(lr, eps, w0, gradients) scenarios: small eps, a large eps, integers, zeros."""
    rng = np.random.default_rng(seed)
    g = [rng.normal(size=3) for _ in range(4)]
    g[2][1] = 0.0  # a zero coordinate: the step there must be 0, not NaN
    return [
        (0.1, 1e-8, np.array([1.0, -2.0, 0.5]), g),
        (0.05, 0.1, rng.normal(size=2), [3.0 * rng.normal(size=2) for _ in range(4)]),
        (0.5, 1e-8, np.array([1, 2]), [np.array([1, -2]), np.array([3, 0]),
                                       np.array([-1, 4])]),  # integers
        (0.01, 1e-8, rng.normal(size=4), [100.0 * rng.normal(size=4) for _ in range(3)]),
    ]


# --- Adagrad ------------------------------------------------------------------------------
def _adagrad_wrongs(w, g, s, lr, eps, expected):
    new_s = s + g * g
    step = lambda denom: w - lr * g / denom  # noqa: E731
    with np.errstate(all="ignore"):
        return [
            ((step(np.sqrt(new_s + eps)), new_s), EPS_INSIDE),
            ((w + lr * g / (np.sqrt(new_s) + eps), new_s), UPHILL),
            ((expected[0], s), NOT_UPDATED),
            ((step(np.sqrt(s) + eps), new_s), OLD_STATE),
            ((step(new_s + eps), new_s), NO_ROOT),
            ((step(np.abs(g) + eps), g * g), "you kept only this step's g**2: Adagrad adds it "
                                            "to the running sum, state + g**2"),
            ((step(np.sqrt(np.abs(s + g)) + eps), s + g), NOT_SQUARED),
        ]


@task_check("adagrad_step")
def check_adagrad_step(adagrad_step) -> int:
    """Check ``adagrad_step(w, g, state, lr, eps)`` step by step against
    ``sgdlab.optim.Adagrad`` (torch's rule), starting from a zero state."""
    task = "adagrad_step"
    names = ("new_w", "new_state")
    cases = 0
    for lr, eps, w0, grads in _sequences(801):
        p = np.array(w0, dtype=float)
        opt = Adagrad([p], lr=lr, eps=eps)
        w, state = w0, np.zeros(w0.size)
        for g in grads:
            args = {"w": w, "g": g, "state": state, "lr": lr, "eps": eps}
            text = call_text(task, args)
            got = _expect_tuple(task, call(task, adagrad_step, args), w0.size, names, text)
            opt.step([g])
            expected = (p.copy(), opt.sums[0].copy())
            wrongs = _adagrad_wrongs(np.asarray(w, dtype=float), np.asarray(g, dtype=float),
                                     state, lr, eps, expected)
            _judge(task, text, names, got, expected, wrongs)
            w, state = expected
            cases += 1
    return cases


# --- RMSprop ------------------------------------------------------------------------------
def _rmsprop_wrongs(w, g, v, lr, alpha, eps, expected):
    new_v = alpha * v + (1 - alpha) * g * g
    swapped = (1 - alpha) * v + alpha * g * g
    step = lambda denom: w - lr * g / denom  # noqa: E731
    with np.errstate(all="ignore"):
        return [
            ((step(np.sqrt(swapped) + eps), swapped),
             "alpha and 1 - alpha are swapped: keep alpha * state + (1 - alpha) * g**2 (alpha "
             "= 0.99 is the weight of the old average)"),
            ((step(np.sqrt(new_v + eps)), new_v), EPS_INSIDE),
            ((w + lr * g / (np.sqrt(new_v) + eps), new_v), UPHILL),
            ((expected[0], v), NOT_UPDATED),
            ((step(np.sqrt(v) + eps), new_v), OLD_STATE),
            ((step(new_v + eps), new_v), NO_ROOT),
            ((step(np.sqrt(v + g * g) + eps), v + g * g),
             "you added up the squared gradients (that is Adagrad): RMSprop keeps a moving "
             "average, alpha * state + (1 - alpha) * g**2"),
            ((step(np.sqrt(new_v / (1 - alpha)) + eps), new_v),
             "you bias-corrected the average (Adam does, RMSprop does not): divide by "
             "sqrt(state) + eps"),
        ]


@task_check("rmsprop_step")
def check_rmsprop_step(rmsprop_step) -> int:
    """Check ``rmsprop_step(w, g, state, lr, alpha, eps)`` step by step against
    ``sgdlab.optim.RMSprop`` (torch's rule), starting from a zero state."""
    task = "rmsprop_step"
    names = ("new_w", "new_state")
    cases = 0
    for k, (lr, eps, w0, grads) in enumerate(_sequences(802)):
        alpha = (0.99, 0.9, 0.5, 0.99)[k]
        p = np.array(w0, dtype=float)
        opt = RMSprop([p], lr=lr, alpha=alpha, eps=eps)
        w, state = w0, np.zeros(w0.size)
        for g in grads:
            args = {"w": w, "g": g, "state": state, "lr": lr, "alpha": alpha, "eps": eps}
            text = call_text(task, args)
            got = _expect_tuple(task, call(task, rmsprop_step, args), w0.size, names, text)
            opt.step([g])
            expected = (p.copy(), opt.square_avgs[0].copy())
            wrongs = _rmsprop_wrongs(np.asarray(w, dtype=float), np.asarray(g, dtype=float),
                                     state, lr, alpha, eps, expected)
            _judge(task, text, names, got, expected, wrongs)
            w, state = expected
            cases += 1
    return cases


# --- Adam ---------------------------------------------------------------------------------
def adam_variant(w, g, m, v, t, lr, b1, b2, eps, *, correct: str = "both", t_shift: int = 0,
                 eps_inside: bool = False, eps_before_correction: bool = False,
                 swap: bool = False, square_m: bool = False, return_hat: bool = False,
                 sign: float = -1.0):
    """One Adam step written right (the defaults) or in one of the common wrong ways."""
    c1, c2 = (1 - b1, 1 - b2) if swap else (b1, b2)
    m = c1 * m + (1 - c1) * g
    v = c2 * v + (1 - c2) * (m * m if square_m else g * g)
    te = t + t_shift
    k1 = 1 - b1**te if correct in ("both", "m") else 1.0
    k2 = 1 - b2**te if correct in ("both", "v") else 1.0
    m_hat, v_hat = m / k1, v / k2
    if eps_inside:
        denom = np.sqrt(v_hat + eps)
    elif eps_before_correction:
        denom = (np.sqrt(v) + eps) / np.sqrt(k2)
    else:
        denom = np.sqrt(v_hat) + eps
    new_w = w + sign * lr * m_hat / denom
    return (new_w, m_hat, v_hat) if return_hat else (new_w, m, v)


ADAM_MISTAKES = [
    ({"correct": "none"}, "no bias correction: divide m by (1 - beta1**t) and v by "
                          "(1 - beta2**t) before the step (the averages start at zero, so "
                          "they are too small at first)"),
    ({"correct": "m"}, "you bias-corrected m but not v: divide v by (1 - beta2**t) too"),
    ({"correct": "v"}, "you bias-corrected v but not m: divide m by (1 - beta1**t) too"),
    ({"t_shift": 1}, "your bias correction is one step ahead: t already starts at 1 here, "
                     "so use beta1**t and beta2**t, not beta**(t + 1)"),
    ({"eps_inside": True}, "you added eps inside the square root, sqrt(v_hat + eps): torch "
                           "adds it outside, sqrt(v_hat) + eps"),
    ({"eps_before_correction": True}, "you added eps before the bias correction, "
                                      "(sqrt(v) + eps) / sqrt(1 - beta2**t): add it after, "
                                      "sqrt(v_hat) + eps"),
    ({"swap": True}, "beta and 1 - beta are swapped: m = beta1 * m + (1 - beta1) * g, and "
                     "likewise for v (beta is the weight of the old average)"),
    ({"square_m": True}, "you squared the wrong thing: v averages the squared gradients g**2, "
                         "not m**2"),
    ({"return_hat": True}, "you returned the bias-corrected m_hat and v_hat as the state: "
                           "return the raw averages m and v (the next step corrects them "
                           "again)"),
    ({"sign": 1.0}, "your step moves uphill: w - lr * m_hat / (sqrt(v_hat) + eps)"),
]


@task_check("adam_step")
def check_adam_step(adam_step) -> int:
    """Check ``adam_step(w, g, m, v, t, lr, beta1, beta2, eps)`` step by step against
    ``sgdlab.optim.Adam`` (torch's rule), with ``t = 1, 2, ...`` and zero ``m``, ``v``."""
    task = "adam_step"
    names = ("new_w", "new_m", "new_v")
    betas = [(0.9, 0.999), (0.8, 0.99), (0.9, 0.999), (0.5, 0.9)]
    cases = 0
    for (lr, eps, w0, grads), (b1, b2) in zip(_sequences(803), betas, strict=True):
        p = np.array(w0, dtype=float)
        opt = Adam([p], lr=lr, betas=(b1, b2), eps=eps)
        w, m, v = w0, np.zeros(w0.size), np.zeros(w0.size)
        for t, g in enumerate(grads, start=1):
            args = {"w": w, "g": g, "m": m, "v": v, "t": t, "lr": lr, "beta1": b1,
                    "beta2": b2, "eps": eps}
            text = call_text(task, args)
            try:
                raw = call(task, adam_step, args)
            except StudentCodeError as error:
                if t == 1 and "ZeroDivisionError" in error.message:
                    raise CheckFailed(task, f"{T_FROM_ZERO}\n{error.message}") from None
                raise
            if t == 1 and isinstance(raw, tuple | list) and len(raw) == 3 and all(
                    isinstance(x, np.ndarray) and x.dtype.kind == "f" for x in raw) and not all(
                    np.all(np.isfinite(x)) for x in raw):
                raise CheckFailed(task, f"{T_FROM_ZERO} (your result holds NaN or inf)"
                                        f"\n    {text}")
            got = _expect_tuple(task, raw, w0.size, names, text)
            opt.step([g])
            expected = (p.copy(), opt.exp_avgs[0].copy(), opt.exp_avg_sqs[0].copy())
            wf, gf = np.asarray(w, dtype=float), np.asarray(g, dtype=float)
            with np.errstate(all="ignore"):
                wrongs = [(adam_variant(wf, gf, m, v, t, lr, b1, b2, eps, **kw), why)
                          for kw, why in ADAM_MISTAKES]
            wrongs += [((expected[0], m, v), "you returned the old m and v: return the "
                                             "updated averages")]
            _judge(task, text, names, got, expected, wrongs)
            w, m, v = expected
            cases += 1
    return cases
