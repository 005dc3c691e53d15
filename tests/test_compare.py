"""sgdlab.compare: the optimizers it builds are sgdlab.optim's (checked against torch in
test_optim_adaptive.py), and its lr search, step counts and argument checks."""

import math

import numpy as np
import pytest

from sgdlab import compare, theory
from sgdlab.objectives import Quadratic
from sgdlab.optim import SGD, Adagrad, Adam, RMSprop
from sgdlab.train import run


@pytest.mark.parametrize("name, cls, settings", [
    ("SGD", SGD, {}), ("momentum", SGD, {"momentum": 0.7}), ("Adagrad", Adagrad, {}),
    ("RMSprop", RMSprop, {}), ("Adam", Adam, {"betas": (0.8, 0.99)}),
])
def test_run_optimizer_is_run_with_that_optimizer(name, cls, settings):
    q = Quadratic(condition=10, angle=0.4)
    h = compare.run_optimizer(q, [1.0, -0.5], name, 0.05, steps=40, momentum=0.7,
                              betas=(0.8, 0.99))
    expected = run(q, [1.0, -0.5], 0.05, steps=40,
                   optimizer=lambda p: cls(p, lr=0.05, **settings))
    assert np.array_equal(h.params, expected.params)


def test_momentum_at_theorys_best_pair_reaches_its_rate():
    q = Quadratic(condition=100, angle=0.7)
    lr, beta = theory.heavy_ball_best(q.L, q.mu)
    h = compare.run_optimizer(q, [1.0, 1.0], "momentum", lr, momentum=beta, steps=300)
    rate = theory.heavy_ball_best_rate(q.L, q.mu)
    # the loss is quadratic in the error: per step it shrinks by rate^2 (up to a factor
    # t^2 from the double eigenvalue at the best pair, which changes little over 100 steps)
    measured = (h.full_loss[300] / h.full_loss[200]) ** (1 / 200)
    assert measured == pytest.approx(rate, rel=0.01)


def test_tune_lr_picks_the_best_of_the_grid():
    q = Quadratic(condition=10)
    lrs = [0.01, 0.1, 1.0, 1.9, 2.5]
    best, h, scores = compare.tune_lr(q, [1.0, 1.0], "SGD", lrs, steps=30)
    assert scores.shape == (5,) and math.isinf(scores[-1])  # 2.5 > 2/L diverges
    assert best == lrs[int(np.argmin(scores))] == 1.0
    assert h.lr[0] == 1.0
    # by the number of steps to a 1e-8 fraction instead: GD's best step 2/(L + mu)
    lrs = [0.5, 2 / 1.1, 1.0]
    best, _, scores = compare.tune_lr(q, [1.0, 1.0], "SGD", lrs, steps=300,
                                      score=compare.steps_to_reach)
    assert best == pytest.approx(2 / 1.1)


def test_tune_lr_gives_every_lr_the_same_minibatches():
    from sgdlab import data, losses

    ds = data.make_linear_regression(60, 3, rng=np.random.default_rng(3))
    problem = losses.LeastSquares(ds.X, ds.y)
    _, h, scores = compare.tune_lr(problem, np.zeros(3), "Adam", [0.05, 0.05], epochs=2,
                                   batch_size=8, rng=5)
    assert scores[0] == scores[1]
    with pytest.raises(ValueError, match="rng"):
        compare.tune_lr(problem, np.zeros(3), "Adam", [0.05], epochs=1, batch_size=8,
                        rng=np.random.default_rng(0))


def test_steps_to_reach_and_final_gap():
    q = Quadratic(condition=1)
    h = run(q, [1.0, 0.0], 0.5, steps=20)  # loss 0.5 * 0.25^t
    assert compare.steps_to_reach(h, 1e-6) == 10  # 0.25^10 < 1e-6 < 0.25^9
    assert compare.final_gap(h) == pytest.approx(0.5 * 0.25**20)
    assert math.isinf(compare.steps_to_reach(h, 1e-30))
    blown = run(q, [1.0, 0.0], 5.0, steps=50)
    assert blown.diverged and math.isinf(compare.final_gap(blown))


@pytest.mark.parametrize("call, name", [
    (lambda: compare.make_optimizer("LBFGS"), "name"),
    (lambda: compare.make_optimizer("momentum", momentum=1.0), "momentum"),
    (lambda: compare.tune_lr(Quadratic(), [1.0, 1.0], "SGD", [], steps=5), "lrs"),
    (lambda: compare.tune_lr(Quadratic(), [1.0, 1.0], "SGD", [0.1, -1.0], steps=5), "lrs"),
    (lambda: compare.steps_to_reach(run(Quadratic(), [1.0, 1.0], 0.1, steps=2), 0.0),
     "fraction"),
])
def test_bad_inputs_name_themselves(call, name):
    with pytest.raises(ValueError, match=name):
        call()
