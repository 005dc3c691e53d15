"""sgdlab.nets: the torch losses and torch_run, against sgdlab's numpy versions."""

import numpy as np
import pytest
import torch

from sgdlab import data, nets, schedules, train
from sgdlab.losses import LeastSquares, LogisticRegression
from sgdlab.objectives import Quadratic


def _problems():
    rng = np.random.default_rng(3)
    reg = data.make_linear_regression(60, 4, rng=rng)
    cls = data.make_classification(80, 3, rng=rng)
    return {
        "least squares": LeastSquares(reg.X, reg.y),
        "logistic": LogisticRegression(cls.X, cls.y),
        "logistic, alpha": LogisticRegression(cls.X, cls.y, alpha=0.3),
    }


PROBLEMS = _problems()


@pytest.mark.parametrize("name", PROBLEMS)
@pytest.mark.parametrize("batch", [None, 7])
def test_torch_loss_and_autograd_match_the_hand_written_ones(name, batch):
    problem = PROBLEMS[name]
    rng = np.random.default_rng(1)
    idx = None if batch is None else rng.choice(problem.n_samples, batch, replace=False)
    for _ in range(5):
        w_np = 2 * rng.standard_normal(problem.dim)
        w = torch.tensor(w_np, requires_grad=True)
        loss = nets.torch_loss(problem, w, idx)
        loss.backward()
        assert loss.dtype == torch.float64
        assert loss.item() == pytest.approx(problem.loss(w_np, idx), rel=1e-12)
        np.testing.assert_allclose(w.grad.numpy(), problem.grad(w_np, idx), rtol=1e-10,
                                   atol=1e-12)


def test_torch_loss_rejects_what_it_cannot_mirror():
    problem = PROBLEMS["least squares"]
    with pytest.raises(ValueError, match="problem must be"):
        nets.torch_loss(Quadratic(10), torch.zeros(2, dtype=torch.float64))
    with pytest.raises(ValueError, match=r"w must be a torch tensor of shape \(4,\)"):
        nets.torch_loss(problem, torch.zeros(3, dtype=torch.float64))
    with pytest.raises(ValueError, match="w must be a torch tensor"):
        nets.torch_loss(problem, np.zeros(4))
    with pytest.raises(ValueError, match="w must be a float64 tensor"):
        nets.torch_loss(problem, torch.zeros(4))
    with pytest.raises(ValueError, match="idx"):
        nets.torch_loss(problem, torch.zeros(4, dtype=torch.float64), np.array([0, 99]))


SETTINGS = [
    dict(lr=0.1, epochs=3, batch_size=8, momentum=0.9),
    dict(lr=0.05, epochs=2, batch_size=5, momentum=0.9, nesterov=True, weight_decay=0.01),
    dict(lr=0.2, steps=25, batch_size=None, momentum=0.5, dampening=0.3),
    dict(lr=0.1, steps=40, batch_size=6, sampling="replacement"),
    dict(lr=schedules.step_decay(0.3, drop=0.3, every=10), steps=35, batch_size=9,
         momentum=0.9),
    dict(lr=0.05, epochs=2, batch_size=1, full_loss_every=7),
]


@pytest.mark.parametrize("name", PROBLEMS)
@pytest.mark.parametrize("setting", range(len(SETTINGS)))
def test_torch_run_follows_train_run_step_by_step(name, setting):
    problem = PROBLEMS[name]
    kw = dict(SETTINGS[setting])
    lr = kw.pop("lr")
    w0 = np.linspace(-1, 1, problem.dim)
    w0_copy = w0.copy()
    ours = train.run(problem, w0, lr, rng=5, **kw)
    theirs = nets.torch_run(problem, w0, lr, rng=5, **kw)
    np.testing.assert_array_equal(w0, w0_copy)  # not modified
    assert theirs.steps == ours.steps > 0
    assert theirs.diverged is ours.diverged is False
    np.testing.assert_allclose(theirs.params, ours.params, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(theirs.loss, ours.loss, rtol=1e-10)
    np.testing.assert_allclose(theirs.full_loss, ours.full_loss, rtol=1e-10)
    np.testing.assert_array_equal(theirs.full_loss_steps, ours.full_loss_steps)
    np.testing.assert_allclose(theirs.grad_norm, ours.grad_norm, rtol=1e-10)
    np.testing.assert_array_equal(theirs.lr, ours.lr)
    np.testing.assert_array_equal(theirs.samples_seen, ours.samples_seen)
    assert np.all(np.diff(theirs.time) >= 0)
    assert theirs.batch_size == ours.batch_size and theirs.n_samples == ours.n_samples


def test_torch_run_moves_the_weights_downhill():
    problem = PROBLEMS["least squares"]
    h = nets.torch_run(problem, np.zeros(problem.dim), 0.1, steps=200)
    np.testing.assert_allclose(h.final, problem.solve(), atol=1e-6)
    assert h.full_loss[-1] < h.full_loss[0]


def test_torch_run_flags_divergence_where_train_run_does():
    problem = PROBLEMS["least squares"]
    L = problem.hessian_eigenvalues()[-1]
    kw = dict(steps=200, batch_size=None)
    ours = train.run(problem, np.zeros(problem.dim), 2.5 / L, **kw)
    theirs = nets.torch_run(problem, np.zeros(problem.dim), 2.5 / L, **kw)
    assert ours.diverged and theirs.diverged
    assert theirs.diverged_at == ours.diverged_at < 200
    assert np.all(np.isfinite(theirs.final))
    np.testing.assert_allclose(theirs.params, ours.params, rtol=1e-10)
    safe = nets.torch_run(problem, np.zeros(problem.dim), 1.9 / L, **kw)
    assert not safe.diverged


def test_torch_run_rejects_bad_arguments():
    problem = PROBLEMS["logistic"]
    w0 = np.zeros(problem.dim)
    with pytest.raises(ValueError, match="rng must be given"):
        nets.torch_run(problem, w0, 0.1, steps=5, batch_size=4)
    with pytest.raises(ValueError, match="exactly one of steps and epochs"):
        nets.torch_run(problem, w0, 0.1, steps=5, epochs=1)
    with pytest.raises(ValueError, match="batch_size must be >= 1 and <= 80"):
        nets.torch_run(problem, w0, 0.1, steps=5, batch_size=81, rng=0)
    with pytest.raises(ValueError, match="w0 must have shape"):
        nets.torch_run(problem, np.zeros(2), 0.1, steps=5)
    with pytest.raises(ValueError, match="sampling must be one of"):
        nets.torch_run(problem, w0, 0.1, steps=5, sampling="sometimes")
    with pytest.raises(ValueError, match="lr must be a finite number > 0"):
        nets.torch_run(problem, w0, -0.1, steps=5)
    with pytest.raises(ValueError, match="Nesterov momentum requires a momentum"):
        nets.torch_run(problem, w0, 0.1, steps=5, nesterov=True)
    with pytest.raises(ValueError, match="problem must be"):
        nets.torch_run(Quadratic(10), np.zeros(2), 0.1, steps=5)


def test_torch_run_records_torchs_own_minibatch_loss_of_each_step():
    """The minibatch loss a torch run records is the one torch computed for that step's
    gradient: equal, to rounding, to numpy's loss of the same rows at the same weights,
    step by step (a stale value from another step would be far off)."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(60, 4))
    y = (X @ np.array([1.0, -2.0, 0.5, 0.0]) + rng.normal(size=60) > 0).astype(float)
    problem = LogisticRegression(X, y)
    kwargs = dict(epochs=3, batch_size=8, rng=0)
    h_torch = nets.torch_run(problem, np.zeros(4), 0.5, **kwargs)
    h_numpy = train.run(problem, np.zeros(4), 0.5, **kwargs)
    np.testing.assert_allclose(h_torch.loss, h_numpy.loss, rtol=1e-12)
    assert len(set(np.round(h_torch.loss, 12))) > len(h_torch.loss) // 2  # they do change
