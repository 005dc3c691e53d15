"""Checks for ``exercises/06_scikit_learn.ipynb``.

Tasks: ``optimal_lr``, ``sgd_epoch_l2``, ``averaged_weights``. The references are
scikit-learn's own ``SGDRegressor`` runs (and ``sgdlab.sklearn_sgd``).
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.linear_model import SGDRegressor

from sgdlab import sklearn_sgd as sk
from sgdlab.checks._feedback import CheckFailed, expect_array, expect_number, fmt, mismatch
from sgdlab.checks._runner import call, call_text, task_check


# --- optimal_lr ---------------------------------------------------------------------------
@task_check("optimal_lr")
def check_optimal_lr(optimal_lr) -> int:
    """Check ``optimal_lr(t, alpha)``: scikit-learn's ``learning_rate="optimal"`` at its
    step counter ``t = 1, 2, ...``: ``1 / (alpha (t0 + t - 1))``, ``t0 = alpha ** -0.75``."""
    cases = [(1, 1e-4), (2, 1e-4), (10, 0.01), (1000, 1.0), (1, 3.0), (57, 0.2),
             (np.int64(5), np.float64(0.05)), (3, 1)]
    for t, alpha in cases:
        args = {"t": t, "alpha": alpha}
        text = call_text("optimal_lr", args)
        got = expect_number("optimal_lr", call("optimal_lr", optimal_lr, args),
                            what="the learning rate", context=text)
        a = float(alpha)
        t0 = sk.optimal_t0(a)
        expected = sk.optimal(a)(int(t) - 1)
        typw = a ** -0.25
        wrongs = [
            (1 / (a * (t0 + t)), "one step late: scikit-learn's counter starts at t = 1, and "
                                 "the first rate must be 1 / (alpha * t0), so use t0 + t - 1"),
            (1 / (a * (t0 + t - 2)), "one step early: use t0 + t - 1 (t starts at 1)"),
            (1 / (a * t), "you left out the offset t0: without it the first step is 1/alpha, "
                          "huge for a small alpha"),
            (1 / (a * (a ** -0.5 + t - 1)), (
                "your t0 uses typw = 1/sqrt(alpha); scikit-learn's typw is "
                "sqrt(1/sqrt(alpha)) = alpha ** -0.25, so t0 = 1/(alpha * typw)")),
            (1 / (a * (1 / a + t - 1)), (
                "your t0 is 1/alpha (typw = 1): scikit-learn uses typw = sqrt(1/sqrt(alpha)) "
                "and t0 = 1/(alpha * typw)")),
            (1 / (a * (typw + t - 1)), "t0 is 1/(alpha * typw), not typw itself"),
            (1 / (a * t0 + t - 1), "a bracket is missing: alpha multiplies the whole "
                                   "(t0 + t - 1)"),
            (a * (t0 + t - 1), "you multiplied by alpha (t0 + t - 1) instead of dividing"),
        ]
        mismatch("optimal_lr", text, got, expected, wrongs=wrongs, rtol=1e-9, atol=0.0)
    return len(cases)


# --- sgd_epoch_l2 -------------------------------------------------------------------------
def _epoch_variant(w, b, X, y, eta, alpha, *, decay_sign=-1.0, decay_b=False, update_b=True,
                   use_b=True, predict_after=False, factor=1.0, sign=-1.0,
                   full_batch=False) -> np.ndarray:
    """One epoch in the stored order, with the common mistakes as options; returns
    ``[w..., b]``."""
    w = np.array(w, dtype=float)
    b = float(b)
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    decay = max(0.0, 1.0 + decay_sign * eta * alpha) if decay_sign < 0 else 1 + eta * alpha
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
        raise CheckFailed(task, f"got None: did you forget to `return w, b`?\n    {text}")
    if isinstance(got, np.ndarray):
        raise CheckFailed(task, f"expected a tuple (w, b), got one array of shape {got.shape}: "
                                f"return both, `return w, b`\n    {text}")
    if not isinstance(got, tuple | list) or len(got) != 2:
        raise CheckFailed(task, f"expected a tuple (w, b), got {fmt(got)}\n    {text}")
    w = expect_array(task, got[0], (d,), what="w", context=text)
    b = expect_number(task, got[1], what="b (the intercept)", context=text)
    return np.append(w, b)


@task_check("sgd_epoch_l2")
def check_sgd_epoch_l2(sgd_epoch_l2) -> int:
    """Check ``sgd_epoch_l2(w, b, X, y, eta, alpha)``: one epoch of scikit-learn's
    ``SGDRegressor`` step (squared error, L2 penalty, constant rate) over the rows in
    their stored order, against ``SGDRegressor.fit(..., coef_init=w, intercept_init=b)``
    with ``max_iter=1, shuffle=False``."""
    rng = np.random.default_rng(601)
    X = rng.normal(size=(40, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 1.5 + 0.3 * rng.normal(size=40)
    Xi = np.round(2 * rng.normal(size=(12, 2))).astype(int)
    yi = Xi @ np.array([0.5, -1.0]) + 0.25
    cases = [
        (np.zeros(3), 0.0, X, y, 0.05, 0.1),
        (rng.normal(size=3), 0.7, X, y, 0.02, 0.5),
        (np.array([1.0, -1.0, 2.0]), -1.0, X[:1], y[:1], 0.1, 0.3),   # one example
        (np.zeros(3), 0.0, X, y, 0.03, 0.0),                          # no penalty
        (np.array([1, 0]), 1, Xi, yi, 0.02, 0.2),                      # integers
    ]
    for w, b, Xc, yc, eta, alpha in cases:
        args = {"w": w, "b": b, "X": Xc, "y": yc, "eta": eta, "alpha": alpha}
        text = call_text("sgd_epoch_l2", args)
        got = _expect_w_b(call("sgd_epoch_l2", sgd_epoch_l2, args), Xc.shape[1], text)
        expected = _sklearn_epoch(w, b, Xc, yc, eta, alpha)

        def variant(w=w, b=b, Xc=Xc, yc=yc, eta=eta, alpha=alpha, **options):
            return _epoch_variant(w, b, Xc, yc, eta, alpha, **options)

        wrongs = [
            (variant(decay_sign=+1.0), (
                "the penalty pushes the weights away from zero: weight decay multiplies w by "
                "(1 - eta * alpha), the gradient of + alpha |w|^2 / 2 is + alpha * w")),
            (variant(decay_b=True), "scikit-learn does not penalise the intercept: decay w "
                                    "only, and update b with the loss gradient alone"),
            (variant(update_b=False), "your intercept never moves: b <- b - eta * (p - y) "
                                      "after each example"),
            (variant(use_b=False), "your prediction leaves out the intercept: p = x . w + b"),
            (variant(predict_after=True), (
                "you predicted with the already decayed weights: compute p = x . w + b with "
                "the weights before the step, then decay and step")),
            (variant(factor=2.0), "your steps are twice too large: the loss (p - y)^2 / 2 has "
                                  "the derivative (p - y), with no factor 2"),
            (variant(sign=+1.0), "your steps move uphill: subtract eta * (p - y) * x"),
            (variant(full_batch=True), (
                "you took one full-batch gradient step: an epoch of SGD is one step per "
                "example, in the order of the rows")),
        ]
        mismatch("sgd_epoch_l2", text, got, expected, wrongs=wrongs, rtol=1e-9, atol=1e-10)
    return len(cases)


# --- averaged_weights ---------------------------------------------------------------------
@task_check("averaged_weights")
def check_averaged_weights(averaged_weights) -> int:
    """Check ``averaged_weights(path, start)``: scikit-learn's ``average=start`` from a
    path of weights (``path[t]`` after ``t`` steps), i.e. ``path[start:].mean(axis=0)``;
    one case against a real ``SGDRegressor(average=start)`` run."""
    rng = np.random.default_rng(602)
    X = rng.normal(size=(30, 2))
    y = X @ np.array([1.0, -1.0]) + 0.5 * rng.normal(size=30)
    orders = [rng.permutation(30) for _ in range(2)]
    real = sk.plain_sgd(X, y, orders, sk.constant(0.05), alpha=0.01, fit_intercept=False)
    est = SGDRegressor(learning_rate="constant", eta0=0.05, alpha=0.01, fit_intercept=False,
                       shuffle=False, average=7)
    for order in orders:
        est.partial_fit(X[order], y[order])
    cases = [
        (real.params, 7, est.coef_.copy()),       # scikit-learn's own answer
        (rng.normal(size=(11, 3)), 4, None),
        (rng.normal(size=(6, 2)), 1, None),        # average=True: every step
        (rng.normal(size=(6, 2)), 5, None),        # only the last iterate
        (np.arange(12).reshape(6, 2), 2, None),    # integers
    ]
    for path, start, reference in cases:
        args = {"path": path, "start": start}
        text = call_text("averaged_weights", args)
        d = path.shape[1]
        got = expect_array("averaged_weights", call("averaged_weights", averaged_weights, args),
                           (d,), what="the averaged weights", context=text)
        path_f = np.asarray(path, dtype=float)
        expected = path_f[start:].mean(axis=0) if reference is None else reference
        wrongs = [
            (path_f[start - 1:].mean(axis=0), (
                "you started one step early: average=start averages the weights after steps "
                "start, start + 1, ..., which are path[start:] (path[0] is the start w0)")),
            (path_f[start + 1:].mean(axis=0) if start + 1 < len(path_f) else None,
             "you started one step late: the average includes path[start]"),
            (path_f.mean(axis=0), "you averaged the whole path: start averaging at path[start]"),
            (path_f[1:].mean(axis=0) if start > 1 else None,
             "you averaged from the first step: start averaging at path[start]"),
            (path_f[-1], "you returned the last iterate, not the average"),
            (path_f[:start].mean(axis=0), "you averaged the steps before start: take "
                                          "path[start:], the ones from start on"),
            (path_f[start:].sum(axis=0), "you summed the iterates: divide by their number"),
        ]
        mismatch("averaged_weights", text, got, expected, wrongs=wrongs, rtol=1e-9, atol=1e-12)
    return len(cases)
