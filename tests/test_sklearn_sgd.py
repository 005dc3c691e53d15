"""sgdlab.sklearn_sgd against scikit-learn itself: the schedules, the penalty, the loop,
averaging, the closed form, the stopping rule; and the streaming / memory helpers."""

import math
import warnings

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression as SkLogistic
from sklearn.linear_model import Ridge, SGDClassifier, SGDRegressor

from sgdlab import sklearn_sgd as sk
from sgdlab.data import add_bias_column, load_breast_cancer, load_diabetes
from sgdlab.losses import LeastSquares, LogisticRegression
from sgdlab.train import run


@pytest.fixture(scope="module")
def diabetes():
    split = load_diabetes()
    return split.X_train, split.y_train


def sklearn_epochs(est, X, y, seed, epochs):
    """Feed ``est`` one epoch per partial_fit, in the orders sgdlab's run draws from
    ``default_rng(seed)``; returns the orders."""
    rng = np.random.default_rng(seed)
    orders = []
    for _ in range(epochs):
        order = rng.permutation(len(y))
        est.partial_fit(X[order], y[order])
        orders.append(order)
    return orders


@pytest.mark.parametrize("rule, kwargs", [
    ("constant", {"eta0": 0.02}),
    ("invscaling", {"eta0": 0.05, "power_t": 0.25}),
    ("invscaling", {"eta0": 0.05, "power_t": 0.5}),
    ("optimal", {"alpha": 1.0}),
    ("optimal", {"alpha": 3.0}),
])
def test_schedules_and_penalty_reproduce_sgdregressor(diabetes, rule, kwargs):
    X, y = diabetes
    alpha = kwargs.get("alpha", 1e-2)
    sched = sk.schedule(rule, alpha=alpha, **{k: v for k, v in kwargs.items() if k != "alpha"})
    h = run(LeastSquares(X, y), np.zeros(X.shape[1]), sched, epochs=3, batch_size=1,
            weight_decay=alpha, rng=np.random.default_rng(7))
    est = SGDRegressor(learning_rate=rule, alpha=alpha, fit_intercept=False, shuffle=False,
                       **{k: v for k, v in kwargs.items() if k != "alpha"})
    sklearn_epochs(est, X, y, 7, 3)
    assert not h.diverged
    assert np.allclose(est.coef_, h.final, rtol=1e-10, atol=1e-12)
    assert est.t_ == h.steps + 1, "scikit-learn's counter t starts at 1"


def test_optimal_schedule_reproduces_sgdclassifier_with_log_loss():
    split = load_breast_cancer()
    X, y = split.X_train, split.y_train
    alpha = 1e-2
    h = run(LogisticRegression(X, y), np.zeros(X.shape[1]), sk.optimal(alpha), epochs=2,
            batch_size=1, weight_decay=alpha, rng=np.random.default_rng(3))
    est = SGDClassifier(loss="log_loss", learning_rate="optimal", alpha=alpha,
                        fit_intercept=False, shuffle=False)
    rng = np.random.default_rng(3)
    for _ in range(2):
        order = rng.permutation(len(y))
        est.partial_fit(X[order], y[order], classes=[0.0, 1.0])
    assert np.allclose(est.coef_.ravel(), h.final, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("alpha", [1e-4, 1e-2, 1.0, 5.0])
def test_optimal_first_rate_is_sklearns(alpha):
    # one example from w = 0: w_1 = eta_1 * y * x, so eta_1 = w_1 / (y x)
    x, target = np.array([[0.5, -1.0]]), np.array([0.25])
    est = SGDRegressor(learning_rate="optimal", alpha=alpha, fit_intercept=False)
    est.partial_fit(x, target)
    eta1 = est.coef_[0] / (target[0] * x[0, 0])
    assert eta1 == pytest.approx(sk.optimal(alpha)(0), rel=1e-12)
    assert sk.optimal(alpha)(0) == pytest.approx(alpha ** -0.25)
    assert sk.optimal_t0(alpha) == pytest.approx(alpha ** -0.75)
    assert sk.optimal(alpha)(9) == pytest.approx(1 / (alpha * (sk.optimal_t0(alpha) + 9)))


def test_invscaling_counts_from_one():
    sched = sk.invscaling(0.1, power_t=0.5)
    assert sched(0) == 0.1 and sched(3) == pytest.approx(0.1 / 2)


@pytest.mark.parametrize("fit_intercept, alpha, average", [
    (True, 0.0, False), (True, 1e-2, False), (False, 1e-2, 10), (True, 1e-3, 1),
])
def test_plain_sgd_reproduces_sgdregressor(diabetes, fit_intercept, alpha, average):
    X, y = diabetes
    est = SGDRegressor(learning_rate="invscaling", eta0=0.02, alpha=alpha,
                       penalty="l2" if alpha else None, fit_intercept=fit_intercept,
                       shuffle=False, average=average)
    orders = sklearn_epochs(est, X, y, 11, 3)
    path = sk.plain_sgd(X, y, orders, sk.invscaling(0.02), alpha=alpha,
                        fit_intercept=fit_intercept)
    if average:
        w, b = path.params[average:].mean(axis=0), path.intercepts[average:].mean()
        assert not np.allclose(w, path.params[-1], atol=1e-3)
    else:
        w, b = path.params[-1], path.intercepts[-1]
    assert np.allclose(est.coef_, w, rtol=1e-10, atol=1e-12)
    assert np.allclose(est.intercept_, b, rtol=1e-10, atol=1e-12)


def test_plain_sgd_with_a_bias_column_is_run_when_alpha_is_zero(diabetes):
    X, y = diabetes
    Xb = add_bias_column(X)
    h = run(LeastSquares(Xb, y + 1.0), np.zeros(Xb.shape[1]), 0.01, epochs=2, batch_size=1,
            rng=np.random.default_rng(5))
    rng = np.random.default_rng(5)
    orders = [rng.permutation(len(y)) for _ in range(2)]
    path = sk.plain_sgd(X, y + 1.0, orders, sk.constant(0.01))
    assert np.allclose(h.params[:, :-1], path.params, atol=1e-12)
    assert np.allclose(h.params[:, -1], path.intercepts, atol=1e-12)
    assert np.allclose(h.loss, path.loss, atol=1e-12)


@pytest.mark.parametrize("alpha", [0.0, 1e-3, 0.1])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_ridge_solution_is_sklearns_ridge(diabetes, alpha, fit_intercept):
    X, y = diabetes
    y = y + 2.0  # a non-zero intercept
    w, b = sk.ridge_solution(X, y, alpha, fit_intercept=fit_intercept)
    ridge = Ridge(alpha=len(y) * alpha, fit_intercept=fit_intercept).fit(X, y)
    assert np.allclose(w, ridge.coef_, atol=1e-10)
    assert b == pytest.approx(float(ridge.intercept_), abs=1e-10)
    # and it is the minimum of the objective
    f = sk.objective(X, y, w, b, alpha)
    for delta in np.eye(X.shape[1])[:3] * 1e-3:
        assert sk.objective(X, y, w + delta, b, alpha) > f


@pytest.mark.parametrize("eta0, tol, n_iter_no_change", [
    (0.01, 1e-3, 5), (0.002, 1e-4, 3), (0.05, 1e-2, 5), (0.01, 1e-6, 2)])
def test_stopping_rule_is_sklearns(diabetes, eta0, tol, n_iter_no_change):
    X, y = diabetes
    alpha, max_iter = 1e-3, 60
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = SGDRegressor(learning_rate="constant", eta0=eta0, alpha=alpha, shuffle=False,
                           tol=tol, n_iter_no_change=n_iter_no_change,
                           max_iter=max_iter).fit(X, y)
    path = sk.plain_sgd(X, y, [np.arange(len(y))] * max_iter, sk.constant(eta0), alpha=alpha)
    objectives = sk.epoch_objectives(path.loss, path.params, len(y), alpha)
    stop = sk.stopping_epoch(objectives, tol=tol, n_iter_no_change=n_iter_no_change)
    assert stop == est.n_iter_ < max_iter
    assert np.allclose(path.params[stop * len(y)], est.coef_, atol=1e-10)


def test_stopping_rule_by_hand():
    assert sk.stopping_epoch([5, 4, 3.9995, 3.9994, 3.9993, 3.9992, 3.9991], tol=1e-3,
                             n_iter_no_change=5) == 7
    assert sk.stopping_epoch([5, 4, 3, 2, 1], tol=1e-3) is None
    assert sk.stopping_epoch([1, 1, 1], tol=None) is None
    # a rise counts as no improvement too
    assert sk.stopping_epoch([1.0, 2.0, 3.0], tol=0.0, n_iter_no_change=2) == 3


def test_logistic_objective_convention():
    """alpha in SGDClassifier is C = 1 / (n alpha) in LogisticRegression."""
    split = load_breast_cancer()
    X, y = split.X_train, split.y_train
    alpha = 1e-2
    ref = SkLogistic(C=1 / (len(y) * alpha), fit_intercept=False, tol=1e-10,
                     max_iter=10_000).fit(X, y)
    problem = LogisticRegression(X, y, alpha=alpha)
    assert np.linalg.norm(problem.grad(ref.coef_.ravel())) < 1e-6


def test_stream_is_seeded_and_linear():
    w = np.array([1.0, -2.0, 0.5])
    a = list(sk.stream_linear_regression(3, 50, w, noise=0.0, rng=np.random.default_rng(1)))
    b = list(sk.stream_linear_regression(3, 50, w, noise=0.0, rng=np.random.default_rng(1)))
    assert all(np.array_equal(p[0], q[0]) for p, q in zip(a, b, strict=True))
    assert all(np.allclose(Xc @ w, yc) for Xc, yc in a)
    assert not np.array_equal(a[0][0], a[1][0])


def test_peak_memory_sees_a_temporary_array():
    def make(n):
        big = np.ones(n)
        return float(big.sum())

    result, peak = sk.peak_memory(make, 1_000_000)
    assert result == 1e6
    assert 8e6 <= peak < 9e6
    _, small = sk.peak_memory(make, 1000)
    assert small < 1e5


@pytest.mark.parametrize("call, name", [
    (lambda: sk.invscaling(0.0), "eta0"),
    (lambda: sk.invscaling(0.1, power_t=-1.0), "power_t"),
    (lambda: sk.optimal(0.0), "alpha"),
    (lambda: sk.schedule("adaptive"), "learning_rate"),
    (lambda: sk.schedule("cosine"), "learning_rate"),
    (lambda: sk.ridge_solution(np.ones((3, 2)), np.ones(3), -1.0), "alpha"),
    (lambda: list(sk.stream_linear_regression(2, 0, [1.0], rng=np.random.default_rng(0))),
     "chunk_rows"),
    (lambda: sk.stopping_epoch([1.0, 2.0], n_iter_no_change=0), "n_iter_no_change"),
    (lambda: sk.epoch_objectives(np.ones(5), np.ones((5, 2)), 2), "loss"),
    (lambda: sk.plain_sgd(np.ones((3, 2)), np.ones(3), [np.array([0, 5])], sk.constant(0.1)),
     "orders\\[0\\]"),
])
def test_bad_inputs_name_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_docstring_example():
    sched = sk.invscaling(0.01, power_t=0.25)
    assert math.isclose(sched(15), 0.005)
