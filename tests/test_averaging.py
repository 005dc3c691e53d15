"""sgdlab.averaging against the cumulative-sum formula, torch's AveragedModel and
scikit-learn's SGDRegressor(average=True)."""

import numpy as np
import pytest
import torch
from sklearn.linear_model import SGDRegressor
from torch.optim.swa_utils import AveragedModel

from sgdlab.averaging import polyak_average


def test_running_average_equals_the_cumsum_formula():
    rng = np.random.default_rng(0)
    ws = rng.normal(size=(30, 4))
    for start in (0, 1, 7, 29):
        want = np.cumsum(ws[start:], axis=0) / np.arange(1, 31 - start)[:, None]
        assert np.allclose(polyak_average(ws, start=start), want)
        assert np.allclose(polyak_average(ws, start=start)[-1], ws[start:].mean(axis=0))
    assert polyak_average(ws[:, 0]).shape == (30, 1)


def test_matches_torch_averaged_model_after_each_update():
    rng = np.random.default_rng(1)
    ws = rng.normal(size=(12, 3))           # w0, then the weights after 11 updates
    model = torch.nn.Linear(3, 1, bias=False).double()
    avg = AveragedModel(model)
    out = []
    for w in ws[1:]:
        with torch.no_grad():
            model.weight.copy_(torch.from_numpy(w[None]))
        avg.update_parameters(model)
        out.append(avg.module.weight.detach().numpy()[0].copy())
    assert np.allclose(polyak_average(ws, start=1), out, rtol=1e-12)


def sgd_by_hand(X, y, eta, epochs):
    """scikit-learn's plain SGD for squared loss (no shuffle, no penalty, no intercept),
    returning the weights after every update."""
    w = np.zeros(X.shape[1])
    rows = [w.copy()]
    for _ in range(epochs):
        for x, t in zip(X, y, strict=True):
            w = w - eta * (x @ w - t) * x
            rows.append(w.copy())
    return np.array(rows)


def test_matches_scikit_learn_average():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(40, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.3 * rng.normal(size=40)
    kwargs = dict(loss="squared_error", penalty=None, learning_rate="constant", eta0=0.01,
                  fit_intercept=False, shuffle=False, max_iter=3, tol=None)
    plain = SGDRegressor(**kwargs).fit(X, y)
    averaged = SGDRegressor(average=True, **kwargs).fit(X, y)
    ws = sgd_by_hand(X, y, 0.01, 3)
    assert np.allclose(plain.coef_, ws[-1], rtol=1e-10)
    assert np.allclose(averaged.coef_, polyak_average(ws, start=1)[-1], rtol=1e-10)
    # average=10: scikit-learn starts averaging once 10 samples have been seen
    late = SGDRegressor(average=10, **kwargs).fit(X, y)
    assert np.allclose(late.coef_, polyak_average(ws, start=10)[-1], rtol=1e-10)


@pytest.mark.parametrize("call,words", [
    (lambda: polyak_average(np.ones((3, 2)), start=3), ["start", "<= 2"]),
    (lambda: polyak_average(np.ones((3, 2, 2))), ["params", "2-D"]),
    (lambda: polyak_average([[1.0, np.nan]]), ["params", "finite"]),
])
def test_bad_inputs(call, words):
    with pytest.raises(ValueError) as info:
        call()
    assert all(w in str(info.value) for w in words), str(info.value)
