"""The training loop: correctness against closed forms, bookkeeping, divergence, seeds."""

import warnings

import numpy as np
import pytest

from sgdlab.data import load_diabetes, make_linear_regression
from sgdlab.losses import LeastSquares, LogisticRegression
from sgdlab.objectives import Quadratic, Rosenbrock
from sgdlab.schedules import inverse_time
from sgdlab.train import run


@pytest.fixture
def regression():
    data = make_linear_regression(120, 3, noise=0.3, rng=np.random.default_rng(3))
    return LeastSquares(data.X, data.y)


def test_full_batch_gd_reaches_closed_form(regression):
    L = regression.hessian_eigenvalues()[-1]
    h = run(regression, np.zeros(3), lr=1.0 / L, steps=500)
    np.testing.assert_allclose(h.final, regression.solve(), atol=1e-8)
    assert not h.diverged


def test_gd_on_real_data_reaches_closed_form():
    split = load_diabetes()
    problem = LeastSquares(split.X_train, split.y_train)
    mu, L = problem.hessian_eigenvalues()[[0, -1]]
    h = run(problem, np.zeros(problem.dim), lr=2 / (L + mu), steps=20000, full_loss_every=1000,
            record_params=False)
    assert h.full_loss[-1] - problem.loss(problem.solve()) < 1e-8


def test_history_matches_a_hand_written_loop(regression):
    w = np.zeros(3)
    path = [w.copy()]
    for _ in range(20):
        w = w - 0.1 * regression.grad(w)
        path.append(w.copy())
    h = run(regression, np.zeros(3), lr=0.1, steps=20)
    np.testing.assert_allclose(h.params, np.array(path), rtol=1e-14, atol=1e-15)


def test_bookkeeping_of_an_epoch_run(regression):
    h = run(regression, np.zeros(3), lr=0.05, epochs=3, batch_size=50, rng=0)
    assert h.steps == 3 * 3  # ceil(120 / 50) = 3 batches of 50, 50, 20 per epoch
    assert h.samples_seen[-1] == 3 * 120
    np.testing.assert_array_equal(np.diff(h.samples_seen)[:3], [50, 50, 20])
    assert h.epochs[-1] == pytest.approx(3.0)
    assert h.params.shape == (10, 3) and h.loss.shape == (9,) and h.lr.shape == (9,)
    assert np.all(np.diff(h.time) >= 0)
    np.testing.assert_array_equal(h.full_loss_steps, np.arange(10))
    assert h.full_loss[0] == pytest.approx(regression.loss(np.zeros(3)))
    assert h.full_loss[-1] == pytest.approx(regression.loss(h.final))


def test_shuffle_visits_every_row_once_per_epoch(regression):
    seen = []

    class Spy(LeastSquares):
        def grad(self, w, idx=None):
            seen.append(idx)
            return super().grad(w, idx)

    spy = Spy(regression.X, regression.y)
    run(spy, np.zeros(3), lr=0.01, epochs=2, batch_size=7, rng=1)
    first = np.concatenate(seen[:18])  # ceil(120 / 7) = 18 batches per epoch
    second = np.concatenate(seen[18:])
    assert sorted(first) == list(range(120)) and sorted(second) == list(range(120))
    assert not np.array_equal(first, second), "each epoch must be reshuffled"


def test_replacement_sampling_repeats_rows(regression):
    seen = []

    class Spy(LeastSquares):
        def grad(self, w, idx=None):
            seen.append(idx)
            return super().grad(w, idx)

    run(Spy(regression.X, regression.y), np.zeros(3), lr=0.01, steps=120, batch_size=1,
        sampling="replacement", rng=2)
    distinct = len(set(np.concatenate(seen)))
    # about (1 - 1/e) of 120 rows = 76 are seen in one epoch's worth of draws
    assert 60 < distinct < 95


def test_schedule_is_followed(regression):
    sched = inverse_time(0.2, decay=0.5)
    h = run(regression, np.zeros(3), lr=sched, steps=10)
    np.testing.assert_allclose(h.lr, [sched(t) for t in range(10)])


def test_same_seed_same_history_bit_for_bit(regression):
    kw = dict(lr=0.05, epochs=4, batch_size=8, momentum=0.9, rng=None)
    a = run(regression, np.ones(3), **{**kw, "rng": np.random.default_rng(7)})
    b = run(regression, np.ones(3), **{**kw, "rng": np.random.default_rng(7)})
    c = run(regression, np.ones(3), **{**kw, "rng": np.random.default_rng(8)})
    for field in ("params", "loss", "full_loss", "lr", "grad_norm", "samples_seen"):
        assert np.array_equal(getattr(a, field), getattr(b, field)), field
    assert not np.array_equal(a.params, c.params)


def test_divergence_is_flagged_without_warnings():
    q = Quadratic(10)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        h = run(q, [1.0, 1.0], lr=10.0, steps=10_000)
        r = run(Rosenbrock(), [-1.5, 2.0], lr=0.1, steps=1000)
    for hist in (h, r):
        assert hist.diverged and hist.diverged_at is not None
        assert hist.steps == hist.diverged_at < 1000
        assert np.all(np.isfinite(hist.final))


def test_overflow_to_inf_is_caught_quietly():
    # huge features make the loss overflow to inf within a few steps
    X = np.full((4, 1), 1e100)
    p = LeastSquares(X, np.ones(4))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        h = run(p, [1.0], lr=1.0, steps=50, divergence_factor=1e300)
    assert h.diverged and h.steps < 50


def test_stable_run_is_not_flagged():
    h = run(Quadratic(10), [1.0, 1.0], lr=1.9, steps=500)
    assert not h.diverged and h.full_loss[-1] < 1e-6


def test_logistic_regression_learns():
    from sgdlab.data import load_breast_cancer

    s = load_breast_cancer()
    p = LogisticRegression(s.X_train, s.y_train, alpha=1e-3)
    h = run(p, np.zeros(p.dim), lr=0.5, epochs=20, batch_size=32, rng=0, full_loss_every=50)
    assert p.accuracy(h.final, s.X_test, s.y_test) > 0.93


def test_momentum_run_uses_torch_convention(regression):
    from sgdlab.optim import SGD

    w = np.zeros(3)
    opt = SGD([w], lr=0.05, momentum=0.8, nesterov=True)
    for _ in range(30):
        opt.step([regression.grad(w)])
    h = run(regression, np.zeros(3), lr=0.05, steps=30, momentum=0.8, nesterov=True)
    np.testing.assert_allclose(h.final, w, rtol=1e-14)


def test_other_optimizers_plug_into_the_same_loop(regression):
    from sgdlab.optim import Adam

    w = np.zeros(3)
    opt = Adam([w], lr=0.05)
    for _ in range(25):
        opt.step([regression.grad(w)])
    h = run(regression, np.zeros(3), lr=0.05, steps=25,
            optimizer=lambda params: Adam(params, lr=1.0))  # run sets lr every step
    np.testing.assert_allclose(h.final, w, rtol=1e-14)
    with pytest.raises(ValueError, match="give them to that optimizer"):
        run(regression, np.zeros(3), lr=0.05, steps=5, momentum=0.9,
            optimizer=lambda params: Adam(params))


@pytest.mark.parametrize("sampling", ["shuffle", "replacement"])
@pytest.mark.parametrize("batch_size", [1, 7, 120])
def test_fast_row_path_matches_the_plain_loss_and_grad_calls(regression, sampling,
                                                             batch_size):
    """run() hands LeastSquares slices of a shuffled copy of the data; a subclass that
    overrides grad is called through loss(w, idx) and grad(w, idx). Same run, same numbers."""

    class Plain(LeastSquares):
        def grad(self, w, idx=None):
            return super().grad(w, idx)

    fast = run(regression, np.zeros(3), lr=0.05, epochs=3, batch_size=batch_size, rng=4,
               sampling=sampling, momentum=0.5)
    plain = run(Plain(regression.X, regression.y), np.zeros(3), lr=0.05, epochs=3,
                batch_size=batch_size, rng=4, sampling=sampling, momentum=0.5)
    np.testing.assert_allclose(fast.params, plain.params, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(fast.loss, plain.loss, rtol=1e-12)
    np.testing.assert_array_equal(fast.samples_seen, plain.samples_seen)


class _PlainCalls(LeastSquares):
    """LeastSquares whose gradient goes through grad(w, idx): run() takes its general loop."""

    def grad(self, w, idx=None):
        return super().grad(w, idx)


@pytest.mark.parametrize("options", [
    {},
    {"momentum": 0.9, "nesterov": True},
    {"momentum": 0.5, "dampening": 0.3, "weight_decay": 0.01},
    {"lr": inverse_time(0.05, decay=0.01)},
], ids=["plain", "nesterov", "damped-decay", "schedule"])
@pytest.mark.parametrize("sampling", ["shuffle", "replacement"])
@pytest.mark.parametrize("batch_size", [1, 7, 120])
def test_least_squares_fast_loop_takes_the_same_steps_as_the_general_loop(
        regression, options, sampling, batch_size):
    """run() trains plain LeastSquares with SGD in a loop of its own; every record must
    be the one the general loop (loss and grad calls, SGD.step) makes, and the random
    generator must be left where the general loop leaves it (the same draws)."""
    kw = {"lr": 0.05, "epochs": 3, "batch_size": batch_size, "sampling": sampling,
          "full_loss_every": 2, **options}
    rngs = np.random.default_rng(11), np.random.default_rng(11)
    fast = run(regression, np.ones(3), rng=rngs[0], **kw)
    general = run(_PlainCalls(regression.X, regression.y), np.ones(3), rng=rngs[1], **kw)
    for field in ("params", "loss", "full_loss", "grad_norm", "final"):
        np.testing.assert_allclose(getattr(fast, field), getattr(general, field),
                                   rtol=1e-12, atol=1e-14, err_msg=field)
    for field in ("lr", "samples_seen", "full_loss_steps"):
        np.testing.assert_array_equal(getattr(fast, field), getattr(general, field), field)
    assert fast.diverged is general.diverged is False
    assert np.all(np.diff(fast.time) >= 0) and fast.time.shape == general.time.shape
    assert rngs[0].integers(10**9) == rngs[1].integers(10**9)


@pytest.mark.parametrize("batch_size", [1, 7, 120])
@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_least_squares_fast_loop_stops_at_the_same_step_when_it_diverges(
        regression, batch_size, momentum):
    kw = {"lr": 8.0, "steps": 200, "batch_size": batch_size, "rng": 5, "momentum": momentum,
          "full_loss_every": 10}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fast = run(regression, np.ones(3), **kw)
        general = run(_PlainCalls(regression.X, regression.y), np.ones(3), **kw)
    assert fast.diverged and general.diverged
    assert fast.diverged_at == general.diverged_at < 200
    np.testing.assert_allclose(fast.final, general.final, rtol=1e-12)
    np.testing.assert_allclose(fast.loss, general.loss, rtol=1e-12)
    np.testing.assert_array_equal(fast.samples_seen, general.samples_seen)
