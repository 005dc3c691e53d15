"""Checks for ``exercises/09_beyond_convex.ipynb``.

Tasks: ``classify_stationary_point``, ``escape_steps``, ``adamw_step``.

Each check calls the learner's function on several inputs, always handing it the
correct inputs (for ``adamw_step``, the correct state of the previous step), and
compares every result with the reference. On a failure it looks for the one common
mistake whose predictions agree with *every* result the learner returned (evidence from
several inputs, not one); only then does it name that mistake. The first line of each
message states the property that failed, in words; the evidence and the likely cause
follow on the next lines.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable

import numpy as np

from sgdlab.checks import _safe
from sgdlab.checks._feedback import CheckFailed, close, expect_array, fmt
from sgdlab.checks._runner import call, call_text, task_check
from sgdlab.i18n import _

LABELS = ("minimum", "maximum", "saddle", "degenerate")


def _first_mismatch(rows: list[tuple[str, object, object]], same: Callable) -> tuple | None:
    for text, got, expected in rows:
        if not same(got, expected):
            return text, got, expected
    return None


def _diagnose(task: str, rows: list[tuple[str, object, object]], predictions: dict,
              same: Callable, messages: dict[str, tuple[str, str]],
              fallback: Callable[[object, object], str]) -> None:
    """Pass when every row's result equals its expected value; otherwise raise with the
    first mistake whose predictions match every result, or ``fallback``'s property."""
    bad = _first_mismatch(rows, same)
    if bad is None:
        return
    text, got, expected = bad
    evidence = _("\n    {call}\n    returned  {got}\n    expected  {expected}").format(
        call=text, got=fmt(got), expected=fmt(expected))
    for key, predicted in predictions.items():
        if all(same(g, p) for (_x, g, _y), p in zip(rows, predicted, strict=True)):
            prop, cause = messages[key]
            raise CheckFailed(task, _(prop) + evidence + _("\n    likely cause: {cause}").format(
                cause=_(cause)))
    raise CheckFailed(task, fallback(got, expected) + evidence)


# --- Task 1: classify a stationary point from its Hessian --------------------------------
def _truth(H: np.ndarray, tol: float) -> str:
    lam = _safe.eigvalsh((H + H.T) / 2)
    if _safe.any(_safe.abs(lam) <= tol):
        return "degenerate"
    if _safe.all(lam > 0):
        return "minimum"
    if _safe.all(lam < 0):
        return "maximum"
    return "saddle"


def _by_signs(values: np.ndarray, tol: float) -> str:
    if _safe.any(_safe.abs(values) <= tol):
        return "degenerate"
    return "minimum" if _safe.all(values > 0) else "maximum" if _safe.all(values < 0) else "saddle"


def _hessian_cases() -> list[np.ndarray]:
    turn = np.array([[0.6, -0.8], [0.8, 0.6]])
    return [
        np.diag([2.0, 1.0]),                           # minimum
        np.diag([-1.0, -3.0]),                         # maximum
        np.diag([1.0, -1.0]),                          # saddle
        np.array([[1.0, 2.0], [2.0, 1.0]]),            # saddle with a positive diagonal
        np.array([[0.0, 2.0], [2.0, 0.0]]),            # saddle with a zero diagonal
        np.array([[-2.0, 1.0], [1.0, -2.0]]),          # maximum, off-diagonal terms
        np.diag([1.0, 0.0]),                           # degenerate
        np.diag([2.0, 1e-12]),                         # degenerate up to the tolerance
        np.diag([1.0, -1.0, -1.0]),                    # saddle in 3-D with det > 0
        np.diag([-1.0, -2.0, -0.5]),                   # maximum in 3-D with det < 0
        np.diag([3.0, 1.0, 2.0]),                      # minimum in 3-D
        turn @ np.diag([5.0, -0.5]) @ turn.T,          # a turned saddle
        np.array([[2, 0], [0, 1]]),                    # integers
    ]


def _hessian_predictions(H: np.ndarray, tol: float) -> dict[str, str]:
    lam = _safe.eigvalsh(H.astype(float))
    det, tr = float(np.linalg.det(H)), float(np.trace(H))
    if abs(det) <= tol:
        det_rule = two_d = "degenerate"
    else:
        det_rule = "minimum" if det > 0 else "saddle"
        two_d = ("saddle" if det < 0 else "minimum" if tr > 0 else "maximum")
    truth = _truth(H, tol)
    swap = {"minimum": "maximum", "maximum": "minimum"}
    lam_min = lam.min()
    return {
        "diagonal": _by_signs(np.diag(H).astype(float), tol),
        "determinant": det_rule,
        "two_d_rule": two_d,
        "swapped": swap.get(truth, truth),
        "no_tolerance": _by_signs(lam, 0.0) if not _safe.any(lam == 0) else "degenerate",
        "zero_is_positive": ("minimum" if _safe.all(lam >= -tol) else
                             "maximum" if _safe.all(lam < -tol) else "saddle"),
        "mixed_is_maximum": ("degenerate" if _safe.any(_safe.abs(lam) <= tol) else
                             "minimum" if _safe.all(lam > 0) else "maximum"),
        "no_maximum": ("degenerate" if _safe.any(_safe.abs(lam) <= tol) else
                       "minimum" if lam_min > 0 else "saddle"),
        "abs_values": _by_signs(_safe.abs(lam), tol),
    }


HESSIAN_MESSAGES = {
    "diagonal": ("the classification follows the diagonal entries of the Hessian, not its "
                 "eigenvalues",
                 "a Hessian with off-diagonal terms can have a positive diagonal and still "
                 "a negative eigenvalue; use np.linalg.eigvalsh(hessian)"),
    "determinant": ("a maximum is classified as a minimum, and some saddles too",
                    "the sign of the determinant alone cannot tell a minimum from a maximum; "
                    "look at the sign of every eigenvalue"),
    "two_d_rule": ("the answer is right for 2 x 2 Hessians only",
                   "the determinant-and-trace rule holds in two dimensions; in three, "
                   "det > 0 can come from one positive and two negative eigenvalues. Use "
                   "the signs of all eigenvalues"),
    "swapped": ("minima and maxima are swapped",
                "all eigenvalues positive means the function curves up in every "
                "direction: a minimum"),
    "no_tolerance": ("an eigenvalue that is zero up to the tolerance is not treated as zero",
                     "compare abs(eigenvalue) <= tol, not eigenvalue == 0: rounding rarely "
                     "gives an exact zero"),
    "zero_is_positive": ("a zero eigenvalue is counted as positive",
                         "with a zero eigenvalue the Hessian cannot decide (think of x^3 or "
                         "x^4): return 'degenerate'"),
    "mixed_is_maximum": ("a point with eigenvalues of both signs is not called a saddle",
                         "'maximum' needs every eigenvalue negative; mixed signs are a "
                         "saddle"),
    "no_maximum": ("a maximum is called a saddle",
                   "checking only the smallest eigenvalue cannot find a maximum: test "
                   "whether all eigenvalues are negative"),
    "abs_values": ("the signs of the eigenvalues are lost",
                   "did you take abs() of the eigenvalues, or of the Hessian, before "
                   "testing signs?"),
}


def _label_fallback(got, expected) -> str:
    if got not in LABELS:
        return _("the result is not one of the four labels")
    says = {"minimum": _("a minimum point is classified as {got}"),
            "maximum": _("a maximum point is classified as {got}"),
            "saddle": _("a saddle point is classified as {got}"),
            "degenerate": _("a degenerate point is classified as {got}")}
    return says[expected].format(got=repr(got))


@task_check("classify_stationary_point")
def check_classify_stationary_point(classify_stationary_point) -> int:
    """Check ``classify_stationary_point(hessian, tol=1e-9)`` on 13 Hessians (2-D and
    3-D, turned, integer, with exact and nearly zero eigenvalues)."""
    task = "classify_stationary_point"
    tol = 1e-9
    rows, preds = [], {key: [] for key in HESSIAN_MESSAGES}
    for H in _hessian_cases():
        args = {"hessian": H, "tol": tol}
        text = call_text(task, args)
        got = call(task, classify_stationary_point, args)
        if not isinstance(got, str) or got not in LABELS:
            raise CheckFailed(task, _("the result is not one of the four labels")
                              + f"\n    {text}\n    returned  {fmt(got)}"
                              + _("\n    return one of {labels} (lower case, a str)").format(
                                  labels=", ".join(map(repr, LABELS))))
        rows.append((text, got, _truth(H, tol)))
        for key, value in _hessian_predictions(H, tol).items():
            preds[key].append(value)
    _diagnose(task, rows, preds, lambda a, b: a == b, HESSIAN_MESSAGES, _label_fallback)
    return len(rows)


# --- Task 2: steps to leave a saddle ------------------------------------------------------
def escape_reference(lr: float, curvature: float, offset: float, radius: float) -> int:
    """The smallest k >= 0 with ``offset * (1 + lr |curvature|)^k >= radius``."""
    growth, k, y = 1.0 + lr * abs(curvature), 0, offset
    while y < radius:
        y *= growth
        k += 1
    return k


ESCAPE_CASES = [  # lr, curvature, offset, radius
    (0.1, -1.0, 1e-8, 0.5),
    (0.05, -4.0, 1e-6, 1.0),
    (1.0, -1.0, 1.0, 8.0),      # lands exactly on the radius after 3 steps
    (0.5, -2.0, 0.3, 0.2),      # already outside
    (0.01, -0.5, 1e-3, 0.1),
    (0.3, -1.0, 0.5, 0.5),      # exactly on the radius at the start
    (0.2, -3.0, 1e-10, 2.0),
]


def _escape_predictions(lr, c, y0, r) -> dict[str, object]:
    g = 1.0 + lr * abs(c)
    exact = escape_reference(lr, c, y0, r)
    ratio = np.log(r / y0)
    with np.errstate(all="ignore"):
        k_real = ratio / np.log(g)
        strict = 0 if y0 > r else next(k for k in range(1, 10**6) if y0 * g**k > r)
        return {
            "floor": max(int(np.floor(k_real + 1e-12)), 0) if y0 < r else 0,
            "one_more": exact + 1,
            "ignores_curvature": escape_reference(lr, -1.0, y0, r),
            "linear_log": int(np.ceil(ratio / (lr * abs(c)) - 1e-9)) if y0 < r else 0,
            "already_out": max(exact, 1),
            "strict": strict,
            "log10_mixed": (int(np.ceil(np.log10(r / y0) / np.log(g) - 1e-9))
                            if y0 < r else 0),
        }


ESCAPE_MESSAGES = {
    "floor": ("the count is one short whenever the radius is not hit exactly",
              "rounding the logarithm ratio down gives the last k still inside; round up "
              "(math.ceil), or count steps in a loop"),
    "one_more": ("the count is one too many",
                 "count the steps taken, not the points visited: the start is step 0"),
    "ignores_curvature": ("the count does not depend on the curvature",
                          "the offset grows by 1 + lr * |curvature| per step, not 1 + lr"),
    "linear_log": ("the count is too large when a step grows the offset a lot",
                   "ln(1 + x) is close to x only for small x; divide by "
                   "ln(1 + lr * |curvature|) itself"),
    "already_out": ("a start already at or beyond the radius should need no steps",
                    "test the offset before the first step (a while loop, not a loop "
                    "that always runs once)"),
    "strict": ("an offset that lands exactly on the radius does not count as out",
               "the condition is offset * growth**k >= radius, with >= rather than >"),
    "log10_mixed": ("the count is too small by a constant factor",
                    "the two logarithms have different bases: use np.log (natural) for "
                    "both, or the same base for both"),
}


def _escape_fallback(got, expected) -> str:
    return (_("the number of steps is too small") if got < expected
            else _("the number of steps is too large"))


@task_check("escape_steps")
def check_escape_steps(escape_steps) -> int:
    """Check ``escape_steps(lr, curvature, offset, radius)`` on 7 cases, including a start
    already outside, one exactly on the radius, and one that lands exactly on it."""
    task = "escape_steps"
    rows, preds = [], {key: [] for key in ESCAPE_MESSAGES}
    for lr, c, y0, r in ESCAPE_CASES:
        args = {"lr": lr, "curvature": c, "offset": y0, "radius": r}
        text = call_text(task, args)
        got = call(task, escape_steps, args)
        if isinstance(got, bool) or not isinstance(got, numbers.Integral):
            if isinstance(got, numbers.Real) and float(got).is_integer():
                raise CheckFailed(task, _("the result is not a whole number of type int")
                                  + f"\n    {text}\n    returned  {fmt(got)}"
                                  + _("\n    a count of steps: return int(...)"))
            raise CheckFailed(task, _("the result is not a whole number of steps")
                              + f"\n    {text}\n    returned  {fmt(got)}")
        rows.append((text, int(got), escape_reference(lr, c, y0, r)))
        for key, value in _escape_predictions(lr, c, y0, r).items():
            preds[key].append(value)
    _diagnose(task, rows, preds, lambda a, b: a == b, ESCAPE_MESSAGES, _escape_fallback)
    return len(rows)


# --- Task 3: one AdamW step ---------------------------------------------------------------
def adamw_variant(w, g, m, v, t, lr, b1, b2, eps, wd, *, decay: str = "decoupled",
                  correct: bool = True, eps_inside: bool = False, return_hat: bool = False,
                  sign: float = -1.0, t_shift: int = 0):
    """One AdamW step (the defaults, as torch.optim.AdamW) or a common wrong version.

    ``decay``: "decoupled" (w * (1 - lr wd) before the step), "l2" (wd * w added to g),
    "after" (w * (1 - lr wd) after the step), "no_lr" (w * (1 - wd)), "none".
    """
    w = np.asarray(w, dtype=float)
    g = np.asarray(g, dtype=float)
    if decay == "l2":
        g = g + wd * w
    base = {"decoupled": w * (1 - lr * wd), "no_lr": w * (1 - wd)}.get(decay, w)
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    te = t + t_shift
    k1, k2 = (1 - b1**te, 1 - b2**te) if correct else (1.0, 1.0)
    m_hat, v_hat = m / k1, v / k2
    denom = np.sqrt(v_hat + eps) if eps_inside else np.sqrt(v_hat) + eps
    new_w = base + sign * lr * m_hat / denom
    if decay == "after":
        new_w = new_w * (1 - lr * wd)
    return (new_w, m_hat, v_hat) if return_hat else (new_w, m, v)


ADAMW_WRONGS = {
    "l2": ({"decay": "l2"},
           ("the weight decay is mixed into the gradient as a penalty, not decoupled",
            "adding weight_decay * w to g sends the decay through Adam's division by "
            "sqrt(v_hat); AdamW first multiplies w by (1 - lr * weight_decay), then takes "
            "the Adam step with g alone")),
    "after": ({"decay": "after"},
              ("the decay is applied after the Adam step instead of before it",
               "torch shrinks the old weights, w * (1 - lr * weight_decay), then subtracts "
               "the Adam step")),
    "no_lr": ({"decay": "no_lr"},
              ("the decay factor does not scale with the learning rate",
               "AdamW multiplies w by (1 - lr * weight_decay), not (1 - weight_decay)")),
    "none": ({"decay": "none"},
             ("the weights are not decayed at all",
              "multiply w by (1 - lr * weight_decay) before the Adam step")),
    "no_correction": ({"correct": False},
                      ("the moving averages are not bias-corrected",
                       "divide m by 1 - beta1**t and v by 1 - beta2**t before the step")),
    "eps_inside": ({"eps_inside": True},
                   ("eps is added inside the square root",
                    "torch adds eps outside: sqrt(v_hat) + eps")),
    "return_hat": ({"return_hat": True},
                   ("the state carried to the next step is the bias-corrected average",
                    "return the raw m and v; correct them only to compute the step")),
    "uphill": ({"sign": 1.0},
               ("the step moves uphill",
                "subtract lr * m_hat / (sqrt(v_hat) + eps)")),
}


def _adamw_sequences(seed: int):
    """(lr, betas, eps, weight_decay, w0, gradients): small and large eps and decay,
    integer arrays, and a coordinate whose gradient is always 0 (only decay moves it)."""
    rng = np.random.default_rng(seed)
    g = [rng.normal(size=3) for _ in range(4)]
    for row in g:
        row[2] = 0.0
    return [
        (0.1, (0.9, 0.999), 1e-8, 0.01, np.array([1.0, -2.0, 0.5]), g),
        (0.05, (0.8, 0.99), 0.1, 0.5, rng.normal(size=2),
         [3 * rng.normal(size=2) for _ in range(4)]),
        (0.5, (0.9, 0.999), 1e-8, 0.1, np.array([1, 2]), [np.array([1, -2]), np.array([3, 0]),
                                                          np.array([-1, 4])]),
        (0.01, (0.9, 0.999), 1e-8, 1.0, rng.normal(size=4), [100 * rng.normal(size=4)
                                                             for _ in range(3)]),
    ]


def _expect_triple(task: str, got, d: int, text: str, t: int) -> tuple[np.ndarray, ...]:
    names = ("new_w", "new_m", "new_v")
    if not isinstance(got, tuple | list) or len(got) != 3:
        raise CheckFailed(task, _("the result is not a tuple of three arrays: the new "
                                  "weights, first moment and second moment"
                                  "\nReturn new_w, new_m, new_v")
                          + f"\n    {text}\n    returned  {fmt(got)}")
    try:
        finite = all(_safe.all(_safe.isfinite(np.asarray(v, dtype=float))) for v in got)
    except (TypeError, ValueError):
        finite = True  # expect_array explains what is wrong with the type
    if not finite and t == 1:
        raise CheckFailed(task, _("the first step's result is not finite")
                          + f"\n    {text}\n    returned  {fmt(got)}"
                          + _("\n    likely cause: a bias correction 1 - beta**(t - 1) is 0 "
                              "at t = 1; t is 1 on the first call, so correct with "
                              "beta1**t and beta2**t"))
    return tuple(expect_array(task, v, (d,), what=n, context=text)
                 for n, v in zip(names, got, strict=True))


def _same_triple(a, b) -> bool:
    return all(close(x, y, rtol=1e-9, atol=1e-12) for x, y in zip(a, b, strict=True))


def _adamw_fallback(got, expected) -> str:
    names = ("new_w", "new_m", "new_v")
    wrong = [n for n, x, y in zip(names, got, expected, strict=True)
             if not close(x, y, rtol=1e-9, atol=1e-12)]
    if len(wrong) == 1:
        return _("{name} differs from what torch.optim.AdamW computes").format(name=wrong[0])
    return _("{names} differ from what torch.optim.AdamW computes").format(
        names=_(" and ").join(wrong))


@task_check("adamw_step")
def check_adamw_step(adamw_step) -> int:
    """Check ``adamw_step(w, g, m, v, t, lr, beta1, beta2, eps, weight_decay)`` step by
    step against torch.optim.AdamW's rule (decoupled decay, bias correction with t from 1),
    each step from the correct state of the previous one. As in exercise 08's Adam check,
    the function may update ``m`` and ``v`` in place and return them (torch does); it must
    not change ``w`` or ``g``."""
    task = "adamw_step"
    rows, preds = [], {key: [] for key in ADAMW_WRONGS}
    for lr, (b1, b2), eps, wd, w0, grads in _adamw_sequences(901):
        w = w0
        m, v = np.zeros(w0.size), np.zeros(w0.size)
        for t, g in enumerate(grads, start=1):
            args = {"w": w, "g": g, "m": m, "v": v, "t": t, "lr": lr, "beta1": b1,
                    "beta2": b2, "eps": eps, "weight_decay": wd}
            text = call_text(task, args)
            got = _expect_triple(task, call(task, adamw_step, args, may_modify=("m", "v")),
                                 w0.size, text, t)
            expected = adamw_variant(w, g, m, v, t, lr, b1, b2, eps, wd)
            rows.append((text, got, expected))
            with np.errstate(all="ignore"):
                for key, (kwargs, _) in ADAMW_WRONGS.items():
                    preds[key].append(adamw_variant(w, g, m, v, t, lr, b1, b2, eps, wd,
                                                    **kwargs))
            w, m, v = expected
    messages = {key: msg for key, (_, msg) in ADAMW_WRONGS.items()}
    _diagnose(task, rows, preds, _same_triple, messages, _adamw_fallback)
    return len(rows)
