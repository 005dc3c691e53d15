"""sgdlab.compare.race: several optimizers in one vectorised pass give, number for number,
what run_optimizer gives each of them alone, with one gradient call per step for all
rows (and one value call for all steps).

Why the numbers can be compared exactly: race applies each optimizer's update in the
same order of operations as its ``_update`` (extra terms are x * 1, x + 0, x / 1, which
are exact), every operation is an element-wise IEEE one, correctly rounded, and the
objectives compute a point alone or inside a stack with the same element-wise steps (no
BLAS product, no scalar pow). Only the gradient norm goes through a dot product in
``run`` (BLAS's, which may fuse a multiply-add), so it is compared to 1e-12.
"""

import math
import warnings

import numpy as np
import pytest

from sgdlab import schedules
from sgdlab.compare import OPTIMIZERS, race, run_optimizer
from sgdlab.losses import LeastSquares
from sgdlab.objectives import Quadratic, Rosenbrock
from sgdlab.widgets.adaptive import PROBLEMS, AdaptiveExplorer

LRS = np.logspace(-4, 1, 11)  # 1e-4 .. 10, half a decade apart: the explorer's lr range
BETAS = (0.0, 0.5, 0.9, 0.99)


@pytest.fixture(scope="module")
def problems():
    """The explorer's own problems: name -> (objective, start, steps)."""
    explorer = AdaptiveExplorer()
    return {name: (*explorer.problems[name], explorer.steps[name]) for name in PROBLEMS}


def assert_same(raced, alone, where):
    """Everything the explorer and History's users read, equal."""
    assert raced.diverged == alone.diverged and raced.diverged_at == alone.diverged_at, where
    for field in ("params", "full_loss", "full_loss_steps", "loss", "lr", "final",
                  "samples_seen"):
        np.testing.assert_array_equal(getattr(raced, field), getattr(alone, field),
                                      err_msg=f"{field} at {where}")
    np.testing.assert_allclose(raced.grad_norm, alone.grad_norm, rtol=1e-12,
                               err_msg=f"grad_norm at {where}")
    assert raced.time.shape == alone.time.shape and np.all(np.diff(raced.time) >= 0)
    assert (raced.n_samples, raced.batch_size) == (alone.n_samples, alone.batch_size)


@pytest.mark.parametrize("problem", PROBLEMS)
def test_race_matches_run_optimizer_over_the_explorers_settings(problems, problem):
    objective, w0, steps = problems[problem]
    diverged = set()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for lr in LRS:
            for beta in BETAS:
                raced = race(objective, w0, float(lr), steps=steps, momentum=beta,
                             betas=(beta, 0.999))
                assert tuple(raced) == OPTIMIZERS
                for name in OPTIMIZERS:
                    alone = run_optimizer(objective, w0, name, float(lr), momentum=beta,
                                          betas=(beta, 0.999), steps=steps)
                    assert_same(raced[name], alone, (problem, lr, beta, name))
                    # raced alone too: race leaves out the terms no chosen optimizer uses
                    single = race(objective, w0, float(lr), steps=steps, names=[name],
                                  momentum=beta, betas=(beta, 0.999))
                    assert_same(single[name], alone, (problem, lr, beta, name, "alone"))
                    if alone.diverged:
                        diverged.add(name)
    # the grid reaches the runs that blow up, and their stopping step is checked too
    expected = set(OPTIMIZERS) if problem == "Rosenbrock" else {"SGD", "momentum"}
    assert diverged == expected


@pytest.mark.parametrize("objective, w0, lr, how", [
    (Quadratic(25.0), [1.0, 1.5], 1e5, "weights"),      # beyond 1e154: w . w overflows
    (Rosenbrock(), [-1.5, 2.0], 1e3, "gradient"),       # it overflows: the weights NaN
    (Quadratic(25.0, angle=0.7), [1.0, 1.5], 1e8, "limit"),  # full loss above the limit
    (Rosenbrock(), [-1.5, 2.0], 10.0, "inf"),           # the full loss overflows
])
def test_every_way_of_blowing_up_stops_where_run_stops(objective, w0, lr, how):
    """With divergence_factor=1e300 the runs go on until numbers overflow: each of
    run's stopping rules is met by one of these settings."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        raced = race(objective, w0, lr, steps=200, divergence_factor=1e300)
        for name in OPTIMIZERS:
            alone = run_optimizer(objective, w0, name, lr, steps=200, divergence_factor=1e300)
            assert_same(raced[name], alone, (type(objective).__name__, lr, name))
    h = raced["SGD"]
    assert h.diverged and np.all(np.isfinite(h.final))
    if how in ("weights", "gradient"):  # stopped before the full loss of the last step
        assert len(h.full_loss) == h.diverged_at
        assert np.isnan(h.params[-1]).all() == (how == "gradient")
    else:
        assert len(h.full_loss) == h.diverged_at + 1
        assert np.isfinite(h.full_loss[-1]) == (how == "limit")


def test_a_subset_of_names_in_its_own_order():
    q = Quadratic(10.0, angle=0.3)
    raced = race(q, [1.0, -1.0], 0.05, steps=60, names=["Adam", "SGD"], momentum=0.7,
                 betas=(0.8, 0.99))
    assert list(raced) == ["Adam", "SGD"]
    for name in raced:
        alone = run_optimizer(q, [1.0, -1.0], name, 0.05, steps=60, momentum=0.7,
                              betas=(0.8, 0.99))
        assert_same(raced[name], alone, name)


class Counting(Rosenbrock):
    """Rosenbrock's function that notes the shape of every point stack it is asked about."""

    def __init__(self):
        super().__init__()
        self.grad_calls: list[tuple[int, ...]] = []
        self.value_calls: list[tuple[int, ...]] = []

    def grad(self, w, idx=None):
        self.grad_calls.append(np.shape(w))
        return super().grad(w, idx)

    def value(self, w):
        self.value_calls.append(np.shape(w))
        return super().value(w)


def test_one_gradient_call_per_step_for_all_rows_and_one_value_call_in_all():
    f = Counting()
    raced = race(f, [-1.5, 2.0], 1e-3, steps=300)
    assert not any(h.diverged for h in raced.values())
    assert f.grad_calls == [(5, 2)] * 300
    # the start's loss, then the full losses of all steps and rows at once
    assert f.value_calls == [(2,), (300, 5, 2)]
    # run_optimizer, one optimizer at a time, asks for a gradient per step per optimizer
    alone = Counting()
    for name in OPTIMIZERS:
        run_optimizer(alone, [-1.5, 2.0], name, 1e-3, steps=300)
    assert len(alone.grad_calls) == 5 * 300


def test_a_blown_up_run_leaves_the_stack():
    """At lr = 0.3 on Rosenbrock SGD and momentum blow up within a few steps. A run goes
    on (its records dropped) until its weights are no longer finite; then it leaves, and
    the calls carry only the three adaptive rows."""
    f = Counting()
    raced = race(f, [-1.5, 2.0], 0.3, steps=300)
    stopped = {name: h.diverged_at for name, h in raced.items() if h.diverged}
    assert set(stopped) == {"SGD", "momentum"} and max(stopped.values()) < 20
    rows = [shape[0] for shape in f.grad_calls]
    assert len(rows) == 300 and rows[0] == 5 and rows == sorted(rows, reverse=True)
    assert rows.index(3) < 50 and rows[-1] == 3
    for t, n in enumerate(rows):  # every run still going at step t is in the call
        assert n >= sum(h.steps > t for h in raced.values())


class OwnLoss(Quadratic):
    def loss(self, w, idx=None):
        return 2.0 * super().loss(w, idx)


@pytest.mark.parametrize("kwargs, name", [
    ({"objective": LeastSquares(np.eye(2), np.ones(2))}, "objective"),
    ({"objective": np.ones(2)}, "objective"),
    ({"objective": Quadratic}, "objective"),
    ({"objective": OwnLoss()}, "objective"),
    ({"w0": [1.0, 2.0, 3.0]}, "w0"),
    ({"w0": [math.nan, 1.0]}, "w0"),
    ({"w0": [1e200, 1.0]}, "w0"),  # the loss there is inf
    ({"lr": 0.0}, "lr"),
    ({"lr": -0.1}, "lr"),
    ({"lr": "0.1"}, "lr"),
    ({"lr": schedules.constant(0.1)}, "lr"),
    ({"steps": 0}, "steps"),
    ({"steps": 2.5}, "steps"),
    ({"names": "SGD"}, "names"),
    ({"names": []}, "names"),
    ({"names": ["SGD", "SGD"]}, "names"),
    ({"names": ["SGD", "LBFGS"]}, "names"),
    ({"names": {"SGD": 1}}, "names"),
    ({"momentum": 1.0}, "momentum"),
    ({"betas": (0.9, 1.0)}, "betas"),
    ({"betas": 0.9}, "betas"),
    ({"divergence_factor": 0.0}, "divergence_factor"),
])
def test_bad_inputs_name_themselves(kwargs, name):
    args = {"objective": Quadratic(10.0), "w0": [1.0, 1.0], "lr": 0.1, "steps": 5,
            **kwargs}
    with pytest.raises(ValueError, match=name):
        race(**args)
