"""sgdlab.optim.SGD against torch.optim.SGD, step for step, in float64."""

import itertools

import numpy as np
import pytest
import torch

from sgdlab.optim import SGD

SHAPES = [(4, 5), (3,), (2, 3, 2)]
STEPS = 60
CHANGE_LR_AT = STEPS // 2


def _combos():
    for momentum, dampening, nesterov, weight_decay, maximize in itertools.product(
        [0.0, 0.9], [0.0, 0.5], [False, True], [0.0, 1e-2], [False, True]
    ):
        if nesterov and (momentum == 0 or dampening != 0):
            continue  # torch rejects these; tested separately below
        yield momentum, dampening, nesterov, weight_decay, maximize


COMBOS = list(_combos())


def _gradient(p: np.ndarray, k: int, i: int) -> np.ndarray:
    """A gradient that depends on the parameter (so errors compound) and on the step."""
    return np.cos(p * (1 + i) + 0.1 * k) + 0.3 * np.tanh(p)


@pytest.mark.parametrize("momentum,dampening,nesterov,weight_decay,maximize", COMBOS)
def test_matches_torch(momentum, dampening, nesterov, weight_decay, maximize):
    rng = np.random.default_rng(42)
    params = [rng.standard_normal(s) for s in SHAPES]
    tparams = [torch.tensor(p.copy(), dtype=torch.float64, requires_grad=True) for p in params]
    kw = dict(momentum=momentum, dampening=dampening, nesterov=nesterov,
              weight_decay=weight_decay, maximize=maximize)
    ours = SGD(params, lr=0.05, **kw)
    theirs = torch.optim.SGD(tparams, lr=0.05, **kw)
    for k in range(STEPS):
        if k == CHANGE_LR_AT:
            ours.lr = 0.02
            for group in theirs.param_groups:
                group["lr"] = 0.02
        grads = [_gradient(p, k, i) for i, p in enumerate(params)]
        for tp, g in zip(tparams, grads, strict=True):
            tp.grad = torch.tensor(g, dtype=torch.float64)
        ours.step(grads)
        theirs.step()
        for p, tp in zip(params, tparams, strict=True):
            np.testing.assert_allclose(p, tp.detach().numpy(), rtol=1e-12, atol=1e-14,
                                       err_msg=f"step {k}")
    # the run must actually have moved the parameters, or the comparison proves nothing
    assert all(np.abs(p - q).max() > 0.1 for p, q in zip(
        params, [np.random.default_rng(42).standard_normal(s) for s in SHAPES], strict=True))


def test_combination_count():
    # 2 momentum x 2 dampening x 2 wd x 2 maximize without Nesterov (16),
    # plus Nesterov with momentum 0.9 and dampening 0 (4)
    assert len(COMBOS) == 20


@pytest.mark.parametrize("kw", [
    dict(lr=-0.1), dict(momentum=-0.5), dict(weight_decay=-1e-3),
    dict(nesterov=True), dict(nesterov=True, momentum=0.9, dampening=0.5),
])
def test_rejects_what_torch_rejects(kw):
    kw = {"lr": 0.1, **kw}
    with pytest.raises(ValueError):
        torch.optim.SGD([torch.zeros(2, requires_grad=True)], **kw)
    with pytest.raises(ValueError, match="learning rate|momentum|weight_decay|Nesterov"):
        SGD([np.zeros(2)], **kw)


def test_first_momentum_step_has_no_dampening():
    # torch's rule: the buffer starts as the gradient itself, without (1 - dampening)
    w = np.array([1.0])
    opt = SGD([w], lr=1.0, momentum=0.9, dampening=0.5)
    opt.step([np.array([2.0])])
    assert w[0] == pytest.approx(-1.0)
    opt.step([np.array([2.0])])  # buffer = 0.9 * 2 + 0.5 * 2 = 2.8
    assert w[0] == pytest.approx(-3.8)


def test_anchor_fixture_other_convention():
    """v = mu*v - lr*g; p += v (constant lr) is torch's momentum with the buffer -v/lr."""
    p = np.linspace(-0.4, 0.6, 20).reshape(4, 5)
    g = np.linspace(-0.6, 0.4, 20).reshape(4, 5)
    v = np.linspace(0.6, 0.9, 20).reshape(4, 5)
    lr, mu = 1e-3, 0.9
    v_next = mu * v - lr * g
    p_next = p + v_next
    assert p_next[0, 0] == pytest.approx(0.1406)
    assert v_next[0, 0] == pytest.approx(0.5406)
    ours = p.copy()
    opt = SGD([ours], lr=lr, momentum=mu)
    opt.momentum_buffers = [-v / lr]  # the same state in torch's convention
    opt.step([g])
    np.testing.assert_allclose(ours, p_next, rtol=1e-12)


def test_lr_zero_is_allowed_like_torch():
    w = np.ones(3)
    SGD([w], lr=0.0).step([np.ones(3)])
    np.testing.assert_array_equal(w, np.ones(3))


@pytest.mark.parametrize("params,grads,match", [
    ([np.zeros(3)], [np.zeros(4)], r"grads\[0\] must have the shape"),
    ([np.zeros(3)], [np.zeros(3), np.zeros(3)], "one array per parameter"),
])
def test_step_rejects_bad_grads(params, grads, match):
    with pytest.raises(ValueError, match=match):
        SGD(params, lr=0.1).step(grads)


def test_rejects_integer_params():
    with pytest.raises(ValueError, match=r"params\[0\] must be a floating-point"):
        SGD([np.arange(3)], lr=0.1)
