"""Checks for ``exercises/06_scikit_learn.ipynb``.

Tasks: ``optimal_lr``, ``sgd_epoch_l2``, ``averaged_weights``. The references are
scikit-learn's own ``SGDRegressor`` runs (and ``sgdlab.sklearn_sgd``).
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.linear_model import SGDRegressor

from sgdlab import sklearn_sgd as sk
from sgdlab.checks import _safe
from sgdlab.checks._diagnose import Case, Mistake, catalog, verdict
from sgdlab.checks._feedback import (
    CheckFailed,
    StudentCodeError,
    describe,
    expect_array,
    expect_number,
)
from sgdlab.checks._runner import call, call_text, task_check
from sgdlab.i18n import _

GENERIC = {
    "optimal_lr": Mistake(
        "generic", "the rate does not follow scikit-learn's optimal schedule",
        "None of the usual mistakes explains these results: 1 / (alpha * (t0 + t - 1)), "
        "t0 = 1 / (alpha * typw), typw = sqrt(1 / sqrt(alpha))."),
    "sgd_epoch_l2": Mistake(
        "generic", "the epoch does not match scikit-learn's SGDRegressor",
        "None of the usual mistakes explains these results: for each row in order, "
        "p = x . w + b; w = (1 - eta * alpha) * w - eta * (p - y) * x; b = b - eta * (p - y)."),
    "averaged_weights": Mistake(
        "generic", "the result is not the average of the iterates from start on",
        "None of the usual mistakes explains these results: path[start:].mean(axis=0)."),
}

MISTAKES = {
    "optimal_lr": catalog(
        Mistake("late", "the schedule is one step late",
                "scikit-learn's counter starts at t = 1, and the first rate must be "
                "1 / (alpha * t0): use t0 + t - 1."),
        Mistake("early", "the schedule is one step early",
                "The first call has t = 1 and must give 1 / (alpha * t0): use t0 + t - 1."),
        Mistake("no_t0", "the offset t zero is missing",
                "Without t0 the first step is 1/alpha, huge for a small alpha: "
                "1 / (alpha * (t0 + t - 1))."),
        Mistake("typw_sqrt", "the offset t zero uses the wrong typical weight",
                "Your typw is 1/sqrt(alpha); scikit-learn's is sqrt(1/sqrt(alpha)) = "
                "alpha ** -0.25, so t0 = 1/(alpha * typw)."),
        Mistake("typw_one", "the offset t zero leaves out the typical weight",
                "Your t0 is 1/alpha (typw = 1): scikit-learn uses typw = sqrt(1/sqrt(alpha)) "
                "and t0 = 1/(alpha * typw)."),
        Mistake("t0_is_typw", "the offset t zero is the typical weight itself",
                "t0 is 1/(alpha * typw), not typw."),
        Mistake("brackets", "alpha multiplies only part of the denominator",
                "A bracket is missing: alpha multiplies the whole (t0 + t - 1)."),
        Mistake("multiplied", "the rate grows with t",
                "You multiplied by alpha (t0 + t - 1) instead of dividing."),
        Mistake("zero_division", "the first step divides by zero",
                "Here t starts at 1, so t - 1 is 0 on the first step: the offset t0 keeps the "
                "denominator alpha * (t0 + t - 1) positive. Did you leave it out?"),
    ),
    "sgd_epoch_l2": catalog(
        Mistake("decay_sign", "the penalty pushes the weights away from zero",
                "Weight decay multiplies w by (1 - eta * alpha): the gradient of "
                "+ alpha |w|^2 / 2 is + alpha * w."),
        Mistake("decay_b", "the intercept is penalised too",
                "scikit-learn does not penalise the intercept: decay w only, and update b "
                "with the loss gradient alone."),
        Mistake("fixed_b", "the intercept never moves",
                "Update it after each example: b <- b - eta * (p - y)."),
        Mistake("no_b", "the prediction leaves out the intercept",
                "p = x . w + b."),
        Mistake("predict_after", "the prediction uses the already decayed weights",
                "Compute p = x . w + b with the weights before the step, then decay and step."),
        Mistake("twice", "the steps are twice too large",
                "The loss (p - y)^2 / 2 has the derivative (p - y), with no factor 2."),
        Mistake("uphill", "the steps move uphill",
                "Subtract eta * (p - y) * x."),
        Mistake("full_batch", "the epoch is one full-batch step, not one step per example",
                "An epoch of SGD is one step per example, in the order of the rows."),
        Mistake("decay_after", "the decay is applied after the gradient step, to the new "
                               "weights",
                "scikit-learn scales the old weights: w = (1 - eta * alpha) * w - eta * "
                "(p - y) * x."),
        Mistake("decay_double", "the penalty is twice as strong as scikit-learn's",
                "scikit-learn's penalty is alpha |w|^2 / 2, whose gradient is alpha * w: the "
                "decay factor is (1 - eta * alpha), not (1 - 2 eta alpha)."),
    ),
    "averaged_weights": catalog(
        Mistake("early", "the average starts one step early",
                "average=start averages the weights after steps start, start + 1, ..., "
                "which are path[start:] (path[0] is the start w0)."),
        Mistake("late", "the average starts one step late",
                "The average includes path[start]."),
        Mistake("whole", "the average covers the whole path",
                "Start averaging at path[start]."),
        Mistake("from_first", "the average starts at the first step, whatever start is",
                "Start averaging at path[start]."),
        Mistake("last", "the result is the last iterate, not an average",
                "Average path[start:] over its rows."),
        Mistake("before", "the average covers the steps before start",
                "Take path[start:], the rows from start on."),
        Mistake("sum", "the iterates are summed, not averaged",
                "Divide by their number."),
        Mistake("truncated", "for integer weights the average is rounded to whole numbers",
                "An array made with np.zeros_like(path[0]) from integer weights holds only "
                "integers. Convert first, np.asarray(path, dtype=float), or return "
                "path[start:].mean(axis=0), which is a float array."),
    ),
}


# --- optimal_lr ---------------------------------------------------------------------------
@task_check("optimal_lr")
def check_optimal_lr(optimal_lr) -> int:
    """Check ``optimal_lr(t, alpha)``: scikit-learn's ``learning_rate="optimal"`` at its
    step counter ``t = 1, 2, ...``: ``1 / (alpha (t0 + t - 1))``, ``t0 = alpha ** -0.75``."""
    task = "optimal_lr"
    inputs = [(1, 1e-4), (2, 1e-4), (10, 0.01), (1000, 1.0), (1, 3.0), (57, 0.2),
              (np.int64(5), np.float64(0.05)), (3, 1)]
    cases = []
    for t, alpha in inputs:
        args = {"t": t, "alpha": alpha}
        text = call_text(task, args)
        try:
            raw = call(task, optimal_lr, args)
        except StudentCodeError as error:
            if "ZeroDivisionError" not in error.message:
                raise
            # the runner's generic hint speaks of t = 0, which does not apply here
            lines = [line for line in error.message.splitlines()
                     if not line.startswith("Something divides by zero")]
            raise MISTAKES[task]["zero_division"].fail(
                task, "\n    " + "\n    ".join(lines)) from None
        got = expect_number(task, raw, what="the learning rate", context=text)
        a = float(alpha)
        t0 = sk.optimal_t0(a)
        typw = a ** -0.25
        with np.errstate(all="ignore"):
            predictions = {
                "late": 1 / (a * (t0 + t)),
                "early": 1 / (a * (t0 + t - 2)),
                "no_t0": 1 / (a * t), "typw_sqrt": 1 / (a * (a ** -0.5 + t - 1)),
                "typw_one": 1 / (a * (1 / a + t - 1)), "t0_is_typw": 1 / (a * (typw + t - 1)),
                "brackets": 1 / (a * t0 + t - 1), "multiplied": a * (t0 + t - 1),
            }
        cases.append(Case(text, got, sk.optimal(a)(int(t) - 1), predictions))
    verdict(task, cases, MISTAKES[task], generic=GENERIC[task], rtol=1e-9, atol=0.0)
    return len(cases)


# --- sgd_epoch_l2 -------------------------------------------------------------------------
def _epoch_variant(w, b, X, y, eta, alpha, *, decay_sign=-1.0, decay_b=False, update_b=True,
                   use_b=True, predict_after=False, factor=1.0, sign=-1.0,
                   full_batch=False, decay_after=False, penalty=1.0) -> np.ndarray:
    """One epoch in the stored order, with the common mistakes as options; returns
    ``[w..., b]``."""
    w = np.array(w, dtype=float)
    b = float(b)
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    decay = (max(0.0, 1.0 - penalty * eta * alpha) if decay_sign < 0
             else 1 + eta * alpha)
    if full_batch:
        r = X @ w + b - y
        w = decay * w + sign * eta * factor * X.T @ r / len(y)
        b = b + sign * eta * factor * r.mean() if update_b else b
        return np.append(w, b)
    for x, target in zip(X, y, strict=True):
        p = x @ w + (b if use_b else 0.0)
        if predict_after:
            w = decay * w
            p = x @ w + (b if use_b else 0.0)
            dloss = factor * (p - target)
            w = w + sign * eta * dloss * x
        elif decay_after:
            dloss = factor * (p - target)
            w = decay * (w + sign * eta * dloss * x)
        else:
            dloss = factor * (p - target)
            w = decay * w + sign * eta * dloss * x
        if update_b:
            b = (decay if decay_b else 1.0) * b + sign * eta * dloss
    return np.append(w, b)


def _sklearn_epoch(w, b, X, y, eta, alpha) -> np.ndarray:
    """The reference: scikit-learn itself, one epoch in the stored order."""
    est = SGDRegressor(learning_rate="constant", eta0=eta, alpha=alpha, max_iter=1,
                       tol=None, shuffle=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "max_iter reached": one epoch is what we want
        est.fit(np.asarray(X, dtype=float), np.asarray(y, dtype=float),
                coef_init=np.array(w, dtype=float), intercept_init=float(b))
    return np.append(est.coef_, est.intercept_[0])


def _expect_w_b(got, d: int, text: str) -> np.ndarray:
    task = "sgd_epoch_l2"
    if got is None:
        raise CheckFailed(task, _("the function returns nothing\nDid you forget to "
                                  "`return {names}`?").format(names="w, b") + f"\n    {text}")
    if isinstance(got, np.ndarray):
        raise CheckFailed(task, _("the result is one array, not the pair of weights and "
                                  "intercept\nGot one array of shape {shape}: return both, "
                                  "`return w, b`").format(shape=got.shape) + f"\n    {text}")
    if not isinstance(got, tuple | list) or len(got) != 2:
        raise CheckFailed(task, _("the result is not the pair of weights and intercept\n"
                                  "Expected a tuple (w, b), got {got}").format(
                                      got=describe(got)) + f"\n    {text}")
    w = expect_array(task, got[0], (d,), what="w", context=text)
    b = expect_number(task, got[1], what="the intercept b", context=text)
    return np.append(w, b)


@task_check("sgd_epoch_l2")
def check_sgd_epoch_l2(sgd_epoch_l2) -> int:
    """Check ``sgd_epoch_l2(w, b, X, y, eta, alpha)``: one epoch of scikit-learn's
    ``SGDRegressor`` step (squared error, L2 penalty, constant rate) over the rows in
    their stored order, against ``SGDRegressor.fit(..., coef_init=w, intercept_init=b)``
    with ``max_iter=1, shuffle=False``."""
    task = "sgd_epoch_l2"
    rng = np.random.default_rng(601)
    X = rng.normal(size=(40, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 1.5 + 0.3 * rng.normal(size=40)
    Xi = np.round(2 * rng.normal(size=(12, 2))).astype(int)
    yi = Xi @ np.array([0.5, -1.0]) + 0.25
    inputs = [
        (np.zeros(3), 0.0, X, y, 0.05, 0.1),
        (rng.normal(size=3), 0.7, X, y, 0.02, 0.5),
        (np.array([1.0, -1.0, 2.0]), -1.0, X[:1], y[:1], 0.1, 0.3),   # one example
        (np.zeros(3), 0.0, X, y, 0.03, 0.0),                          # no penalty
        (np.array([1, 0]), 1, Xi, yi, 0.02, 0.2),                      # integers
    ]
    cases = []
    for w, b, Xc, yc, eta, alpha in inputs:
        args = {"w": w, "b": b, "X": Xc, "y": yc, "eta": eta, "alpha": alpha}
        text = call_text(task, args)
        got = _expect_w_b(call(task, sgd_epoch_l2, args), Xc.shape[1], text)

        def variant(w=w, b=b, Xc=Xc, yc=yc, eta=eta, alpha=alpha, **options):
            return _epoch_variant(w, b, Xc, yc, eta, alpha, **options)

        predictions = {
            "decay_sign": variant(decay_sign=+1.0), "decay_b": variant(decay_b=True),
            "fixed_b": variant(update_b=False), "no_b": variant(use_b=False),
            "predict_after": variant(predict_after=True), "twice": variant(factor=2.0),
            "uphill": variant(sign=+1.0), "full_batch": variant(full_batch=True),
            "decay_after": variant(decay_after=True), "decay_double": variant(penalty=2.0),
        }
        cases.append(Case(text, got, _sklearn_epoch(w, b, Xc, yc, eta, alpha), predictions))
    verdict(task, cases, MISTAKES[task], generic=GENERIC[task], rtol=1e-9, atol=1e-10)
    return len(cases)


# --- averaged_weights ---------------------------------------------------------------------
@task_check("averaged_weights")
def check_averaged_weights(averaged_weights) -> int:
    """Check ``averaged_weights(path, start)``: scikit-learn's ``average=start`` from a
    path of weights (``path[t]`` after ``t`` steps), i.e. ``path[start:].mean(axis=0)``;
    one case against a real ``SGDRegressor(average=start)`` run. ``path`` may hold
    integers: the average is still a float array."""
    task = "averaged_weights"
    rng = np.random.default_rng(602)
    X = rng.normal(size=(30, 2))
    y = X @ np.array([1.0, -1.0]) + 0.5 * rng.normal(size=30)
    orders = [rng.permutation(30) for _ in range(2)]
    real = sk.plain_sgd(X, y, orders, sk.constant(0.05), alpha=0.01, fit_intercept=False)
    est = SGDRegressor(learning_rate="constant", eta0=0.05, alpha=0.01, fit_intercept=False,
                       shuffle=False, average=7)
    for order in orders:
        est.partial_fit(X[order], y[order])
    inputs = [
        (real.params, 7, est.coef_.copy()),       # scikit-learn's own answer
        (rng.normal(size=(11, 3)), 4, None),
        (rng.normal(size=(6, 2)), 1, None),        # average=True: every step
        (rng.normal(size=(6, 2)), 5, None),        # only the last iterate
        (np.arange(12).reshape(6, 2), 2, None),    # integers
        (np.array([[1, 2], [3, 5], [4, 4], [6, 1], [0, -3]]), 1, None),  # fractional means
        (np.array([[0, 0], [-1, 2], [2, -5], [5, 3]]), 2, None),
    ]
    cases = []
    for path, start, reference in inputs:
        args = {"path": path, "start": start}
        text = call_text(task, args)
        d = path.shape[1]
        got = expect_array(task, call(task, averaged_weights, args), (d,),
                           what="the averaged weights", context=text, finite=False)
        path_f = np.asarray(path, dtype=float)
        expected = path_f[start:].mean(axis=0) if reference is None else reference
        late = (path_f[start + 1:].mean(axis=0) if start + 1 < len(path_f)
                else np.full(d, np.nan))  # the mean of no rows
        predictions = {
            "early": path_f[start - 1:].mean(axis=0),
            "late": late,
            "whole": path_f.mean(axis=0),
            "from_first": path_f[1:].mean(axis=0) if start > 1 else None,
            "last": path_f[-1], "before": path_f[:start].mean(axis=0),
            "sum": path_f[start:].sum(axis=0),
        }
        if _safe.issubdtype(path.dtype, np.integer):
            predictions["truncated"] = np.trunc(expected)
        cases.append(Case(text, got, expected, predictions))
    verdict(task, cases, MISTAKES[task], generic=GENERIC[task], rtol=1e-9, atol=1e-12)
    return len(cases)
