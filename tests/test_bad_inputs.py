"""Bad input to the public API raises a ValueError naming the argument and what is allowed."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from sgdlab import batches, data, losses, objectives, plots, schedules, theory, train  # noqa: E402
from sgdlab.optim import SGD, Adagrad, Adam, RMSprop  # noqa: E402

RNG = np.random.default_rng(0)
X = RNG.standard_normal((10, 2))
Y = RNG.standard_normal(10)
LS = losses.LeastSquares(X, Y)

CASES = [
    # (what, call, words the message must contain)
    ("X is 1-D", lambda: losses.LeastSquares(np.ones(5), np.ones(5)), ["X", "2-D"]),
    ("X and y rows differ", lambda: losses.LeastSquares(X, Y[:7]), ["X and y", "same number"]),
    ("NaN in X", lambda: losses.LeastSquares(np.where(X > 1, np.nan, X), Y), ["X", "NaN"]),
    ("inf in y", lambda: losses.LeastSquares(X, np.full(10, np.inf)), ["y", "finite"]),
    ("labels not 0/1", lambda: losses.LogisticRegression(X, Y), ["y", "0 and 1"]),
    ("w of wrong shape", lambda: LS.grad(np.zeros(3)), ["w", "(2,)"]),
    ("idx out of range", lambda: LS.grad(np.zeros(2), np.array([0, 10])), ["idx", "[0, 9]"]),
    ("idx of floats", lambda: LS.loss(np.zeros(2), np.array([0.5])), ["idx", "integers"]),
    ("lr = 0 in run", lambda: train.run(LS, np.zeros(2), lr=0.0, steps=5), ["lr", "> 0"]),
    ("lr < 0 in run", lambda: train.run(LS, np.zeros(2), lr=-0.1, steps=5), ["lr", "> 0"]),
    ("batch size 0", lambda: train.run(LS, np.zeros(2), lr=0.1, steps=5, batch_size=0, rng=0),
     ["batch_size", ">= 1", "<= 10"]),
    ("batch size > n", lambda: train.run(LS, np.zeros(2), lr=0.1, steps=5, batch_size=11, rng=0),
     ["batch_size", "<= 10"]),
    ("w0 wrong shape", lambda: train.run(LS, np.zeros(3), lr=0.1, steps=5), ["w0", "(2,)"]),
    ("steps and epochs", lambda: train.run(LS, np.zeros(2), lr=0.1, steps=5, epochs=1),
     ["steps", "epochs"]),
    ("no rng for SGD", lambda: train.run(LS, np.zeros(2), lr=0.1, steps=5, batch_size=2),
     ["rng", "default_rng"]),
    ("unknown sampling", lambda: train.run(LS, np.zeros(2), lr=0.1, steps=5, sampling="random"),
     ["sampling", "'shuffle'", "'replacement'"]),
    ("batch size on a 2-D function",
     lambda: train.run(objectives.Quadratic(), np.zeros(2), lr=0.1, steps=5, batch_size=1),
     ["batch_size", "None"]),
    ("nesterov without momentum", lambda: SGD([np.zeros(2)], lr=0.1, nesterov=True),
     ["Nesterov", "momentum > 0"]),
    ("negative momentum", lambda: SGD([np.zeros(2)], lr=0.1, momentum=-0.1),
     ["momentum", ">= 0"]),
    ("unknown schedule", lambda: schedules.make("linear", 0.1), ["name", "'cosine'"]),
    ("schedule lr = 0", lambda: schedules.inverse_time(0.0), ["lr", "> 0"]),
    ("exponential gamma > 1", lambda: schedules.exponential(0.1, gamma=1.5),
     ["gamma", "[0.0, 1.0]"]),
    ("negative step in a schedule", lambda: schedules.constant(0.1)(-1), ["t", ">= 0"]),
    ("condition < 1", lambda: objectives.Quadratic(condition=0.5), ["condition", ">= 1"]),
    ("n = 0 rows", lambda: data.make_linear_regression(0, 2, rng=RNG), ["n", ">= 1"]),
    ("negative noise", lambda: data.make_linear_regression(5, 2, noise=-1, rng=RNG),
     ["noise", ">= 0"]),
    ("test_fraction = 1", lambda: data.train_test_split(X, Y, test_fraction=1.0, rng=RNG),
     ["test_fraction", "[0.0, 1.0)"]),
    ("batch size larger than n for batches",
     lambda: batches.epoch_batches(5, 6, rng=RNG), ["batch_size", "<= 5"]),
    ("mu > L", lambda: theory.gd_best_step(1.0, 2.0), ["mu", "<= L"]),
    ("momentum = 1 for the window", lambda: theory.momentum_window(1.0),
     ["momentum", "[0.0, 1.0)"]),
    ("float batch size",
     lambda: train.run(LS, np.zeros(2), lr=0.1, steps=5, batch_size=2.5, rng=0),
     ["batch_size", "whole number"]),
    # everyday mix-ups (issue 11)
    ("data.X where a problem goes", lambda: train.run(X, np.zeros(2), lr=0.1, steps=5),
     ["problem", "LeastSquares(X, y)"]),
    ("a Dataset where a problem goes",
     lambda: train.run(data.make_linear_regression(10, 2, rng=0), np.zeros(2), lr=0.1, steps=5),
     ["problem", "LeastSquares(data.X, data.y)"]),
    ("a list of histories to loss_curve",
     lambda: plots.loss_curve([train.run(LS, np.zeros(2), lr=0.1, steps=2)] * 2, ax=AX),
     ["runs", "History", "dict"]),
    ("an empty path", lambda: plots.path(np.empty((0, 2)), ax=AX), ["run", "at least one"]),
    ("a string rng", lambda: data.make_linear_regression(10, 2, rng="0"), ["rng", "int seed"]),
    ("a negative seed", lambda: batches.epoch_batches(10, 3, rng=-1), ["rng", ">= 0"]),
    ("rng None where it is needed", lambda: data.make_linear_regression(10, 2, rng=None), None),
    # where torch gives a silent NaN
    ("NaN lr", lambda: SGD([np.zeros(2)], lr=float("nan")), ["lr", "finite"]),
    ("inf lr in run", lambda: train.run(LS, np.zeros(2), lr=float("inf"), steps=5),
     ["lr", "finite"]),
    ("NaN dampening", lambda: SGD([np.zeros(2)], lr=0.1, momentum=0.9, dampening=float("nan")),
     ["dampening", "[0, 1]"]),
    ("RMSprop alpha > 1", lambda: RMSprop([np.zeros(2)], alpha=1.5), ["alpha", "[0, 1]"]),
    ("Adam eps = 0", lambda: Adam([np.zeros(2)], eps=0.0), ["eps", "> 0"]),
    ("Adagrad eps = 0", lambda: Adagrad([np.zeros(2)], eps=0.0), ["eps", "> 0"]),
    ("NaN angle", lambda: objectives.Quadratic(angle=float("nan")), ["angle", "finite"]),
    ("complex data", lambda: losses.LeastSquares(X + 1j, Y), ["X", "complex"]),
    ("complex w0", lambda: train.run(LS, np.zeros(2) + 1j, lr=0.1, steps=5), ["w0", "complex"]),
    ("strings as data", lambda: losses.LeastSquares(X.astype(str), Y), ["X", "real numbers"]),
    ("NaN gradient", lambda: SGD([np.zeros(2)], lr=0.1).step([np.array([np.nan, 0.0])]),
     ["grads[0]", "finite"]),
]
AX = plt.figure().add_subplot()


@pytest.mark.parametrize("what,call,words", CASES, ids=[c[0] for c in CASES])
def test_bad_input_names_the_argument(what, call, words):
    with pytest.raises(ValueError) as err:
        call()
    message = str(err.value)
    for word in words or ["rng", "must be given"]:
        assert word in message, f"{what}: {word!r} missing from {message!r}"


def test_type_mix_ups_are_type_errors_too():
    # a value of the wrong kind is a TypeError, and stays a ValueError for older code
    for call in (lambda: train.run(X, np.zeros(2), lr=0.1, steps=5),
                 lambda: plots.loss_curve([], ax=AX),
                 lambda: data.make_linear_regression(10, 2, rng=1.5),
                 lambda: schedules.constant("0.1")):
        with pytest.raises(TypeError) as err:
            call()
        assert isinstance(err.value, ValueError)


def test_an_int_seed_is_the_generator_it_names():
    a = data.make_classification(20, 3, rng=5)
    b = data.make_classification(20, 3, rng=np.random.default_rng(5))
    np.testing.assert_array_equal(a.X, b.X)
    split = data.train_test_split(X, Y, rng=3)
    again = data.train_test_split(X, Y, rng=np.random.default_rng(3))
    for u, v in zip(split, again, strict=True):
        np.testing.assert_array_equal(u, v)


def test_there_are_at_least_fifteen_cases():
    assert len(CASES) >= 15
