"""Adagrad, RMSprop and Adam against their torch.optim counterparts, step for step."""

import itertools

import numpy as np
import pytest
import torch

from sgdlab import optim

SHAPES = [(4, 5), (3,), (2, 3, 2)]
STEPS = 60


def _grid(**options):
    keys = list(options)
    return [dict(zip(keys, values, strict=True)) for values in itertools.product(*options.values())]


CASES = (
    [("Adagrad", kw) for kw in _grid(lr_decay=[0.0, 0.01], weight_decay=[0.0, 1e-2],
                                     initial_accumulator_value=[0.0, 0.1], maximize=[False, True])]
    + [("RMSprop", kw) for kw in _grid(momentum=[0.0, 0.9], centered=[False, True],
                                       weight_decay=[0.0, 1e-2], maximize=[False, True])]
    + [("Adam", kw) for kw in _grid(amsgrad=[False, True], weight_decay=[0.0, 1e-2],
                                    maximize=[False, True], betas=[(0.9, 0.999), (0.5, 0.9)])]
)


def _gradient(p, k, i):
    return np.cos(p * (1 + i) + 0.1 * k) + 0.3 * np.tanh(p)


@pytest.mark.parametrize("name,kw", CASES, ids=[f"{n}-{kw}" for n, kw in CASES])
def test_matches_torch(name, kw):
    rng = np.random.default_rng(5)
    params = [rng.standard_normal(s) for s in SHAPES]
    start = [p.copy() for p in params]
    tparams = [torch.tensor(p.copy(), requires_grad=True) for p in params]
    ours = getattr(optim, name)(params, lr=0.05, **kw)
    theirs = getattr(torch.optim, name)(tparams, lr=0.05, **kw)
    for k in range(STEPS):
        if k == STEPS // 2:
            ours.lr = 0.02
            theirs.param_groups[0]["lr"] = 0.02
        grads = [_gradient(p, k, i) for i, p in enumerate(params)]
        for tp, g in zip(tparams, grads, strict=True):
            tp.grad = torch.tensor(g)
        ours.step(grads)
        theirs.step()
        for p, tp in zip(params, tparams, strict=True):
            np.testing.assert_allclose(p, tp.detach().numpy(), rtol=1e-12, atol=1e-14,
                                       err_msg=f"{name} step {k}")
    assert max(np.abs(p - s).max() for p, s in zip(params, start, strict=True)) > 0.1


@pytest.mark.parametrize("name,kw,match", [
    ("Adagrad", dict(lr=-1.0), "learning rate"),
    ("Adagrad", dict(lr_decay=-0.1), "lr_decay"),
    ("Adagrad", dict(initial_accumulator_value=-1.0), "initial_accumulator_value"),
    ("RMSprop", dict(alpha=-0.5), "alpha"),
    ("RMSprop", dict(eps=-1e-8), "epsilon"),
    ("RMSprop", dict(momentum=-0.1), "momentum"),
    ("Adam", dict(betas=(1.0, 0.999)), "beta parameter at index 0"),
    ("Adam", dict(betas=(0.9, -0.1)), "beta parameter at index 1"),
    ("Adam", dict(weight_decay=-1.0), "weight_decay"),
])
def test_rejects_what_torch_rejects(name, kw, match):
    kw = {"lr": 0.1, **kw}
    with pytest.raises(ValueError):
        getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], **kw)
    with pytest.raises(ValueError, match=match):
        getattr(optim, name)([np.zeros(2)], **kw)


def test_adam_first_step_moves_every_coordinate_by_about_lr():
    # bias correction: after one step m/sqrt(v) = g/|g|, so each coordinate moves by ~lr
    w = np.array([1.0, -1.0, 3.0])
    optim.Adam([w], lr=0.01).step([np.array([1e-3, -50.0, 2.0])])
    np.testing.assert_allclose(w, [0.99, -0.99, 2.99], atol=1e-6)
