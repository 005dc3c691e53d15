"""Checks for ``exercises/08_adaptive_methods.ipynb``.

Tasks: ``adagrad_step``, ``rmsprop_step``, ``adam_step``. Each is checked step by step
against ``sgdlab.optim.Adagrad``, ``RMSprop`` and ``Adam``, numpy mirrors of their
``torch.optim`` namesakes (torch's conventions: ``eps`` added *outside* the square root,
states starting at zero, Adam's step counter ``t`` starting at 1). Some cases use a
large ``eps`` (0.1), so that where it is added shows in the result.
"""

from __future__ import annotations

import numpy as np

from sgdlab.checks import _safe
from sgdlab.checks._diagnose import Case, Mistake, catalog, verdict
from sgdlab.checks._feedback import CheckFailed, StudentCodeError, describe, expect_array
from sgdlab.checks._runner import call, call_text, task_check
from sgdlab.i18n import _
from sgdlab.optim import Adagrad, Adam, RMSprop

GENERIC = {
    "adagrad_step": Mistake(
        "generic", "the step does not follow torch's Adagrad rule",
        "None of the usual mistakes explains these results: state = state + g**2; "
        "w - lr * g / (np.sqrt(state) + eps)."),
    "rmsprop_step": Mistake(
        "generic", "the step does not follow torch's RMSprop rule",
        "None of the usual mistakes explains these results: state = alpha * state + "
        "(1 - alpha) * g**2; w - lr * g / (np.sqrt(state) + eps)."),
    "adam_step": Mistake(
        "generic", "the step does not follow torch's Adam rule",
        "None of the usual mistakes explains these results: m and v are moving averages of "
        "g and g**2, bias-corrected by (1 - beta**t); w - lr * m_hat / (sqrt(v_hat) + eps)."),
}

UPHILL = Mistake("uphill", "the step moves uphill",
                 "Subtract the scaled gradient: w - lr * g / (...).")
EPS_INSIDE = Mistake("eps_inside", "eps is added inside the square root",
                     "torch adds it outside: sqrt(state) + eps, not sqrt(state + eps).")
NOT_UPDATED = Mistake("not_updated", "the returned state is the old one",
                      "Return the updated state (after adding this step's g**2).")
OLD_STATE = Mistake("old_state", "the step divides by the state from before this gradient",
                    "First update the state with this step's g**2, then step with the new one.")
NO_ROOT = Mistake("no_root", "the step divides by the state itself, not its square root",
                  "Divide by its square root: g / (np.sqrt(state) + eps).")
NOT_SQUARED = Mistake("not_squared", "the state accumulates the gradients, not their squares",
                      "The state holds squared gradients, g**2.")
NO_EPS = Mistake("no_eps", "eps is missing from the denominator",
                 "Add it outside the square root: np.sqrt(state) + eps (it also keeps a zero "
                 "gradient from giving 0 / 0).")
ROOT_STATE = Mistake("root_state", "the returned state is the square root of the sum",
                     "Keep the sum of squares itself as the state; take the square root only "
                     "in the step.")
T_FROM_ZERO = Mistake(
    "t_from_zero", "the first step divides by zero",
    "Did you correct with beta**(t - 1), as if t started at 0? Then 1 - beta**0 = 0. Here t "
    "starts at 1: use beta1**t and beta2**t.")


def _expect_tuple(task: str, got, d: int, names: tuple[str, ...], text: str) -> list[np.ndarray]:
    want = _("a tuple ({names})").format(names=", ".join(names))
    if got is None:
        raise CheckFailed(task, _("the function returns nothing\nDid you forget to "
                                  "`return {names}`?").format(names=", ".join(names))
                          + f"\n    {text}")
    if isinstance(got, np.ndarray):
        raise CheckFailed(task, _("the result is one array, not the weights and the state\n"
                                  "Expected {want}, got one array of shape {shape}: return "
                                  "all of them").format(want=want, shape=got.shape)
                          + f"\n    {text}")
    if not isinstance(got, tuple | list) or len(got) != len(names):
        raise CheckFailed(task, _("the result is not the weights and the state\nExpected "
                                  "{want}, got {got}").format(want=want, got=describe(got))
                          + f"\n    {text}")
    for name, value in zip(names, got, strict=True):
        if value is None:
            raise CheckFailed(task, _("a part of the result is missing\n{name} is None: "
                                      "return it as an array of shape ({d},)").format(
                                          name=name, d=d) + f"\n    {text}")
    return tuple(expect_array(task, v, (d,), what=name, context=text)
                 for name, v in zip(names, got, strict=True))


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
MISTAKES = {
    "adagrad_step": catalog(
        EPS_INSIDE, UPHILL, NOT_UPDATED, OLD_STATE, NO_ROOT,
        Mistake("only_current", "the state keeps only this step's squared gradient",
                "Adagrad adds it to the running sum: state + g**2."),
        NOT_SQUARED, NO_EPS, ROOT_STATE,
    ),
}


def _adagrad_predictions(w, g, s, lr, eps):
    new_s = s + g * g

    def step(denom):
        return w - lr * g / denom

    with np.errstate(all="ignore"):
        return {
            "eps_inside": (step(np.sqrt(new_s + eps)), new_s),
            "uphill": (w + lr * g / (np.sqrt(new_s) + eps), new_s),
            "not_updated": (step(np.sqrt(new_s) + eps), s),
            "old_state": (step(np.sqrt(s) + eps), new_s),
            "no_root": (step(new_s + eps), new_s),
            "only_current": (step(_safe.abs(g) + eps), g * g),
            "not_squared": (step(np.sqrt(_safe.abs(s + g)) + eps), s + g),
            "no_eps": (step(np.sqrt(new_s)), new_s),
            "root_state": (step(np.sqrt(new_s) + eps), np.sqrt(new_s)),
        }


def _adaptive(task: str, func, names: tuple[str, ...], arg_names: tuple[str, ...],
              scenarios, make_opt, state_of, extra_args, predict, may_modify) -> int:
    """Run ``func`` step by step from zero states against the ``sgdlab.optim`` mirror made
    by ``make_opt``; each step starts from the right state, so one wrong step does not
    make the later ones look wrong. Then name the mistake the evidence supports."""
    cases = []
    for k, (lr, eps, w0, grads) in enumerate(scenarios):
        p = np.array(w0, dtype=float)
        opt = make_opt(p, lr, eps, k)
        w, states = w0, [np.zeros(w0.size) for _ in arg_names]
        for t, g in enumerate(grads, start=1):
            args = {"w": w, "g": g, **dict(zip(arg_names, states, strict=True)),
                    **extra_args(t, lr, eps, k)}
            text = call_text(task, args)
            raw = _call_adam(task, func, args, t, text, may_modify) if task == "adam_step" \
                else call(task, func, args, may_modify=may_modify)
            got = _expect_tuple(task, raw, w0.size, names, text)
            opt.step([g])
            expected = (p.copy(), *state_of(opt))
            predictions = predict(np.asarray(w, dtype=float), np.asarray(g, dtype=float),
                                  *states, t, lr, eps, k, expected)
            cases.append(Case(text, got, expected, predictions, labels=names))
            w, *states = expected
    verdict(task, cases, MISTAKES[task], generic=GENERIC[task], rtol=1e-9, atol=1e-12)
    return len(cases)


@task_check("adagrad_step")
def check_adagrad_step(adagrad_step) -> int:
    """Check ``adagrad_step(w, g, state, lr, eps)`` step by step against
    ``sgdlab.optim.Adagrad`` (torch's rule), starting from a zero state. The function may
    update ``state`` in place and return it (as torch does); it must not change ``w`` or
    ``g``."""
    return _adaptive(
        "adagrad_step", adagrad_step, ("new_w", "new_state"), ("state",), _sequences(801),
        lambda p, lr, eps, k: Adagrad([p], lr=lr, eps=eps),
        lambda opt: (opt.sums[0].copy(),),
        lambda t, lr, eps, k: {"lr": lr, "eps": eps},
        lambda w, g, s, t, lr, eps, k, expected: _adagrad_predictions(w, g, s, lr, eps),
        ("state",))


# --- RMSprop ------------------------------------------------------------------------------
MISTAKES["rmsprop_step"] = catalog(
    Mistake("swapped", "the average gives the new squared gradient the weight of the old "
                       "state",
            "alpha and 1 - alpha are swapped: keep alpha * state + (1 - alpha) * g**2 "
            "(alpha = 0.99 is the weight of the old average)."),
    EPS_INSIDE, UPHILL, NOT_UPDATED, OLD_STATE, NO_ROOT,
    Mistake("adagrad", "the state is a running sum, not a moving average",
            "You added up the squared gradients (that is Adagrad): RMSprop keeps a moving "
            "average, alpha * state + (1 - alpha) * g**2."),
    Mistake("corrected", "the average is bias-corrected",
            "Adam corrects its averages, RMSprop does not: divide by sqrt(state) + eps."),
    NOT_SQUARED, NO_EPS,
)
RMS_ALPHAS = (0.99, 0.9, 0.5, 0.99)


def _rmsprop_predictions(w, g, v, lr, alpha, eps):
    new_v = alpha * v + (1 - alpha) * g * g
    swapped = (1 - alpha) * v + alpha * g * g
    plain = alpha * v + (1 - alpha) * g

    def step(denom):
        return w - lr * g / denom

    with np.errstate(all="ignore"):
        return {
            "swapped": (step(np.sqrt(swapped) + eps), swapped),
            "eps_inside": (step(np.sqrt(new_v + eps)), new_v),
            "uphill": (w + lr * g / (np.sqrt(new_v) + eps), new_v),
            "not_updated": (step(np.sqrt(new_v) + eps), v),
            "old_state": (step(np.sqrt(v) + eps), new_v),
            "no_root": (step(new_v + eps), new_v),
            "adagrad": (step(np.sqrt(v + g * g) + eps), v + g * g),
            "corrected": (step(np.sqrt(new_v / (1 - alpha)) + eps), new_v),
            "not_squared": (step(np.sqrt(_safe.abs(plain)) + eps), plain),
            "no_eps": (step(np.sqrt(new_v)), new_v),
        }


@task_check("rmsprop_step")
def check_rmsprop_step(rmsprop_step) -> int:
    """Check ``rmsprop_step(w, g, state, lr, alpha, eps)`` step by step against
    ``sgdlab.optim.RMSprop`` (torch's rule), starting from a zero state. The function may
    update ``state`` in place and return it (as torch does); it must not change ``w`` or
    ``g``."""
    return _adaptive(
        "rmsprop_step", rmsprop_step, ("new_w", "new_state"), ("state",), _sequences(802),
        lambda p, lr, eps, k: RMSprop([p], lr=lr, alpha=RMS_ALPHAS[k], eps=eps),
        lambda opt: (opt.square_avgs[0].copy(),),
        lambda t, lr, eps, k: {"lr": lr, "alpha": RMS_ALPHAS[k], "eps": eps},
        lambda w, g, s, t, lr, eps, k, expected: _rmsprop_predictions(w, g, s, lr,
                                                                      RMS_ALPHAS[k], eps),
        ("state",))


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
    ({"correct": "none"}, Mistake(
        "no_correction", "the averages are not bias-corrected",
        "Divide m by (1 - beta1**t) and v by (1 - beta2**t) before the step (the averages "
        "start at zero, so they are too small at first).")),
    ({"correct": "m"}, Mistake("no_v_correction", "v is not bias-corrected",
                               "Divide v by (1 - beta2**t) too.")),
    ({"correct": "v"}, Mistake("no_m_correction", "m is not bias-corrected",
                               "Divide m by (1 - beta1**t) too.")),
    ({"t_shift": 1}, Mistake("t_ahead", "the bias correction is one step ahead",
                             "t already starts at 1 here, so use beta1**t and beta2**t, not "
                             "beta**(t + 1).")),
    ({"eps_inside": True}, Mistake("eps_inside", "eps is added inside the square root",
                                   "torch adds it outside: sqrt(v_hat) + eps.")),
    ({"eps_before_correction": True}, Mistake(
        "eps_before_correction", "eps is added before the bias correction",
        "(sqrt(v) + eps) / sqrt(1 - beta2**t) scales eps too: add it after, "
        "sqrt(v_hat) + eps.")),
    ({"swap": True}, Mistake(
        "swap", "the averages give the new gradient the weight of the old average",
        "beta and 1 - beta are swapped: m = beta1 * m + (1 - beta1) * g, and likewise for v "
        "(beta is the weight of the old average).")),
    ({"square_m": True}, Mistake("square_m", "v averages the square of m, not of the gradient",
                                 "v averages the squared gradients g**2, not m**2.")),
    ({"return_hat": True}, Mistake(
        "return_hat", "the returned state is bias-corrected",
        "Return the raw averages m and v, not m_hat and v_hat (the next step corrects them "
        "again).")),
    ({"sign": 1.0}, Mistake("uphill", "the step moves uphill",
                            "w - lr * m_hat / (sqrt(v_hat) + eps).")),
]
MISTAKES["adam_step"] = catalog(
    *(m for _, m in ADAM_MISTAKES),
    Mistake("not_updated", "the returned m and v are the old ones",
            "Return the updated averages."),
    T_FROM_ZERO,
)
ADAM_BETAS = [(0.9, 0.999), (0.8, 0.99), (0.9, 0.999), (0.5, 0.9)]


def _call_adam(task, func, args, t, text, may_modify):
    """Call an Adam step; a division by zero (or NaN) at t = 1 is named for what it is."""
    try:
        raw = call(task, func, args, may_modify=may_modify)
    except StudentCodeError as error:
        if t == 1 and "ZeroDivisionError" in error.message:
            # the runner's generic hint speaks of t = 0, which does not apply here
            lines = [line for line in error.message.splitlines()
                     if not line.startswith("Something divides by zero")]
            raise T_FROM_ZERO.fail(task, "\n    " + "\n    ".join(lines)) from None
        raise
    if t == 1 and isinstance(raw, tuple | list) and len(raw) == 3 and all(
            isinstance(x, np.ndarray) and x.dtype.kind == "f" for x in raw) and not all(
            _safe.all(_safe.isfinite(x)) for x in raw):
        raise T_FROM_ZERO.fail(task, _("\n    your result holds NaN or inf") + f"\n    {text}")
    return raw


def _adam_predictions(w, g, m, v, t, lr, eps, k, expected):
    b1, b2 = ADAM_BETAS[k]
    with np.errstate(all="ignore"):
        out = {mistake.key: adam_variant(w, g, m, v, t, lr, b1, b2, eps, **options)
               for options, mistake in ADAM_MISTAKES}
    out["not_updated"] = (expected[0], m, v)
    return out


@task_check("adam_step")
def check_adam_step(adam_step) -> int:
    """Check ``adam_step(w, g, m, v, t, lr, beta1, beta2, eps)`` step by step against
    ``sgdlab.optim.Adam`` (torch's rule), with ``t = 1, 2, ...`` and zero ``m``, ``v``.
    The function may update ``m`` and ``v`` in place and return them (as torch does); it
    must not change ``w`` or ``g``."""
    return _adaptive(
        "adam_step", adam_step, ("new_w", "new_m", "new_v"), ("m", "v"), _sequences(803),
        lambda p, lr, eps, k: Adam([p], lr=lr, betas=ADAM_BETAS[k], eps=eps),
        lambda opt: (opt.exp_avgs[0].copy(), opt.exp_avg_sqs[0].copy()),
        lambda t, lr, eps, k: {"t": t, "lr": lr, "beta1": ADAM_BETAS[k][0],
                               "beta2": ADAM_BETAS[k][1], "eps": eps},
        _adam_predictions, ("m", "v"))
