"""Checks for ``exercises/05_pytorch.ipynb`` (imports torch).

Tasks: ``make_loader``, ``train_epoch``, ``torch_sgd_trajectory``.
"""

from __future__ import annotations

import copy

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, TensorDataset

from sgdlab.checks._feedback import (
    CheckFailed,
    close,
    expect_array,
    expect_number,
    fmt,
    mismatch,
)
from sgdlab.checks._runner import call, call_text, task_check
from sgdlab.optim import SGD

TASK_L = "make_loader"

# The first torch optimizer a process builds imports torch._dynamo, which takes seconds
# on a busy machine. Build one now, so that it does not count against the time limit of
# the learner's function.
torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)


def _loader_data(n: int, d: int, seed: int, integer: bool = False):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    X[:, 0] = rng.permutation(n) - n / 2 + 0.25  # distinct first entries identify the rows
    if integer:
        X = np.round(X * 2).astype(int)
        X[:, 0] = 2 * rng.permutation(n) - n
    y = rng.normal(size=n)
    return X, y


def _one_epoch(loader, text: str) -> list:
    try:
        return call(TASK_L, lambda: list(loader), {})
    except CheckFailed as failure:
        raise CheckFailed(TASK_L, f"iterating over your loader failed: {failure.message}"
                                  f"\n    {text}") from None


def _order(batches, X, y, batch_size: int, text: str) -> np.ndarray:
    """Check every batch's types and shapes; return the row order of the epoch."""
    n, d = X.shape
    lookup = {float(np.float32(v)): i for i, v in enumerate(X[:, 0])}
    order = []
    for k, batch in enumerate(batches):
        if not isinstance(batch, tuple | list) or len(batch) != 2:
            raise CheckFailed(TASK_L, f"batch {k} is {fmt(batch)}: each batch should be a "
                                      "pair (xb, yb); build the loader on "
                                      f"TensorDataset(X_tensor, y_tensor)\n    {text}")
        xb, yb = batch
        for name, t in (("xb", xb), ("yb", yb)):
            if not isinstance(t, torch.Tensor):
                raise CheckFailed(TASK_L, f"{name} in batch {k} is {fmt(t)}, not a tensor"
                                          f"\n    {text}")
            if t.dtype != torch.float32:
                raise CheckFailed(TASK_L, (
                    f"{name} has dtype {t.dtype}: torch.from_numpy keeps numpy's dtype, but "
                    "the model's weights are float32. Convert with "
                    f"torch.tensor(..., dtype=torch.float32)\n    {text}"))
        m = len(xb)
        if tuple(xb.shape) != (m, d):
            raise CheckFailed(TASK_L, f"xb in batch {k} has shape {tuple(xb.shape)}; "
                                      f"expected ({m}, {d})\n    {text}")
        if tuple(yb.shape) == (m,):
            raise CheckFailed(TASK_L, (
                f"yb has shape ({m},), but the network outputs shape ({m}, 1): MSELoss "
                f"would broadcast the two to ({m}, {m}) (torch warns about it) and train on "
                "the wrong thing. Reshape the targets: y.reshape(-1, 1)"
                f"\n    {text}"))
        if tuple(yb.shape) != (m, 1):
            raise CheckFailed(TASK_L, f"yb in batch {k} has shape {tuple(yb.shape)}; "
                                      f"expected ({m}, 1)\n    {text}")
        for row, target in zip(xb.numpy(), yb.numpy()[:, 0], strict=True):
            i = lookup.get(float(row[0]))
            if i is None or not np.allclose(row, X[i], atol=1e-5):
                raise CheckFailed(TASK_L, f"batch {k} holds a row that is not a row of X: "
                                          f"{fmt(row)}\n    {text}")
            if not np.isclose(target, y[i], atol=1e-5):
                raise CheckFailed(TASK_L, (
                    "a row of X arrived with the wrong target: X and y were shuffled "
                    "separately. Put them in one TensorDataset, which keeps each pair "
                    f"together\n    {text}"))
            order.append(i)
    order = np.array(order, dtype=int)
    sizes = [len(b[0]) for b in batches]
    want = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
    if sizes != want:
        if sizes == want[:-1] and n % batch_size:
            raise CheckFailed(TASK_L, (
                f"your loader drops the last, shorter batch ({n % batch_size} rows): keep "
                f"it, drop_last=False (the default)\n    {text}"))
        raise CheckFailed(TASK_L, f"your batch sizes are {sizes}; expected {want} "
                                  f"(batch_size={batch_size})\n    {text}")
    if np.unique(order).size != n:
        raise CheckFailed(TASK_L, f"some rows appear twice in one epoch and others never: "
                                  f"shuffle without replacement (shuffle=True)\n    {text}")
    return order


@task_check(TASK_L)
def check_make_loader(make_loader) -> int:
    """Check ``make_loader(X, y, batch_size, seed)``: a ``DataLoader`` of float32 pairs
    ``(xb, yb)`` with ``yb`` of shape (B, 1), shuffled every epoch, reproducible from
    ``seed``, keeping the last short batch."""
    cases = [(10, 3, 4, 0, False), (7, 2, 3, 5, False), (8, 2, 8, 1, False),
             (9, 2, 4, 2, True)]
    for n, d, batch_size, seed, integer in cases:
        X, y = _loader_data(n, d, seed + 50, integer)
        args = {"X": X, "y": y, "batch_size": batch_size, "seed": seed}
        text = call_text(TASK_L, args)
        loader = call(TASK_L, make_loader, args)
        if isinstance(loader, Dataset) and not isinstance(loader, DataLoader):
            raise CheckFailed(TASK_L, "you returned the dataset: wrap it in "
                                      "DataLoader(dataset, batch_size=batch_size, "
                                      f"shuffle=True, ...)\n    {text}")
        if not isinstance(loader, DataLoader):
            raise CheckFailed(TASK_L, f"expected a torch DataLoader, got {fmt(loader)}"
                                      f"\n    {text}")
        first = _order(_one_epoch(loader, text), X, y, batch_size, text)
        if n > batch_size:
            second = _order(_one_epoch(loader, text), X, y, batch_size, text)
            if np.array_equal(first, np.arange(n)) and np.array_equal(second, np.arange(n)):
                raise CheckFailed(TASK_L, "your loader returns the rows in their stored "
                                          f"order: pass shuffle=True\n    {text}")
            if np.array_equal(first, second):
                raise CheckFailed(TASK_L, (
                    "every epoch visits the rows in the same order: let the DataLoader "
                    f"shuffle (shuffle=True), which draws a new order each epoch\n    {text}"))
            again = _order(_one_epoch(call(TASK_L, make_loader, args), text), X, y,
                           batch_size, text)
            if not np.array_equal(first, again):
                raise CheckFailed(TASK_L, (
                    "two loaders made with the same seed give different orders: pass "
                    "generator=torch.Generator().manual_seed(seed) to the DataLoader"
                    f"\n    {text}"))
            other = _order(_one_epoch(call(TASK_L, make_loader, {**args, "seed": seed + 1}),
                                      text), X, y, batch_size, text)
            if np.array_equal(first, other):
                raise CheckFailed(TASK_L, (
                    "loaders made with different seeds give the same order: your loader "
                    "ignores seed. Pass generator=torch.Generator().manual_seed(seed)"
                    f"\n    {text}"))
    return len(cases)


def _train_setup(seed: int, n: int, hidden: int | None):
    gen = torch.Generator().manual_seed(seed)
    X = torch.randn(n, 3, generator=gen, dtype=torch.float64)
    Y = X @ torch.tensor([[1.0], [-2.0], [0.5]], dtype=torch.float64) \
        + 0.1 * torch.randn(n, 1, generator=gen, dtype=torch.float64)
    with torch.random.fork_rng(devices=[]):  # leave the learner's global torch RNG alone
        if hidden is None:
            model = nn.Linear(3, 1)
        else:
            model = nn.Sequential(nn.Linear(3, hidden), nn.Tanh(), nn.Linear(hidden, 1))
    model = model.double()
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(0.5 * torch.randn(p.shape, generator=gen, dtype=torch.float64))
    return X, Y, model


def _fresh(X, Y, model0, lr, momentum, batch_size, seed):
    model = copy.deepcopy(model0)
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    loader = DataLoader(TensorDataset(X, Y), batch_size=batch_size, shuffle=True,
                        generator=torch.Generator().manual_seed(seed))
    return model, opt, loader


def _flat(model) -> np.ndarray:
    return torch.cat([p.detach().reshape(-1) for p in model.parameters()]).numpy().copy()


def _reference_epoch(model, opt, loader, loss_fn, *, zero_grad=True):
    losses, sizes = [], []
    for xb, yb in loader:
        if zero_grad:
            opt.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        losses.append(loss.item())
        sizes.append(len(xb))
    return np.array(losses), np.array(sizes)


@task_check("train_epoch")
def check_train_epoch(train_epoch) -> int:
    """Check ``train_epoch(model, loader, optimizer, loss_fn)``: one epoch of
    zero_grad / forward / loss / backward / step, returning the mean loss per example."""
    task = "train_epoch"
    scenarios = [(0, 10, 4, 0.1, 0.9, 4), (1, 7, 3, 0.05, 0.0, None), (2, 9, 9, 0.2, 0.5, 3)]
    cases = 0
    for seed, n, batch_size, lr, momentum, hidden in scenarios:
        X, Y, model0 = _train_setup(seed, n, hidden)
        loss_fn = nn.MSELoss()
        text = (f"train_epoch(model, loader, optimizer, loss_fn) with {n} examples, "
                f"batch_size={batch_size}, SGD(lr={lr}, momentum={momentum}), MSELoss")
        ref_model, ref_opt, ref_loader = _fresh(X, Y, model0, lr, momentum, batch_size, seed)
        losses, sizes = _reference_epoch(ref_model, ref_opt, ref_loader, loss_fn)
        expected_params = _flat(ref_model)
        for epoch in range(2):  # a second epoch continues from the first
            model, opt, loader = _fresh(X, Y, model0, lr, momentum, batch_size, seed)
            if epoch:
                # start the learner where one correct epoch ends: weights, momentum, shuffling
                model.load_state_dict(ref_model.state_dict())
                opt.load_state_dict(copy.deepcopy(ref_opt.state_dict()))  # own buffers
                gen = torch.Generator()
                gen.set_state(ref_loader.generator.get_state())
                loader = DataLoader(TensorDataset(X, Y), batch_size=batch_size, shuffle=True,
                                    generator=gen)
                losses, sizes = _reference_epoch(ref_model, ref_opt, ref_loader, loss_fn)
                expected_params = _flat(ref_model)
            start = _flat(model)
            got = call(task, train_epoch, {"model": model, "loader": loader,
                                           "optimizer": opt, "loss_fn": loss_fn})
            params = _flat(model)
            if not close(params, expected_params, rtol=1e-9, atol=1e-12):
                if close(params, start, rtol=0, atol=0):
                    raise CheckFailed(task, (
                        "your parameters did not change: call optimizer.step() after "
                        "loss.backward() (the order is zero_grad, forward, loss, backward, "
                        f"step)\n    {text}"))
                if epoch == 0:
                    m2, o2, l2 = _fresh(X, Y, model0, lr, momentum, batch_size, seed)
                    _reference_epoch(m2, o2, l2, loss_fn, zero_grad=False)
                    if close(params, _flat(m2), rtol=1e-9, atol=1e-12):
                        raise CheckFailed(task, (
                            "gradients pile up from batch to batch: call optimizer.zero_grad() "
                            f"before loss.backward() in every step\n    {text}"))
                mismatch(task, text, params, expected_params, rtol=1e-9, atol=1e-12)
            value = expect_number(task, got, what="the epoch's mean loss", context=text)
            weighted = float(np.sum(losses * sizes) / np.sum(sizes))
            with torch.no_grad():
                after = float(loss_fn(model(X), Y))
            wrongs = [
                (float(np.mean(losses)), (
                    "you averaged the batch losses: weight each by its batch size (the last "
                    "batch is smaller), total += loss.item() * len(xb), then divide by the "
                    "number of examples")),
                (float(losses[-1]), "you returned only the last batch's loss: add up the "
                                    "losses of all batches"),
                (float(np.sum(losses)), "you returned the sum of the batch losses: weight "
                                        "each by its batch size and divide by the number of "
                                        "examples"),
                (float(np.sum(losses * sizes)), "divide the total by the number of examples"),
                (after, "you returned the loss over all the data after the epoch: return the "
                        "mean of the losses measured during the epoch, batch by batch"),
            ]
            mismatch(task, text, value, weighted, wrongs=wrongs, rtol=1e-9)
            cases += 1
    return cases


def _numpy_path(w0, grads, lr, momentum, dampening, nesterov, *, reset=False):
    p = np.array(w0, dtype=float)
    opt = SGD([p], lr=lr, momentum=momentum, dampening=dampening, nesterov=nesterov)
    rows = [p.copy()]
    for g in grads:
        if reset:
            opt.reset()
        opt.step([g])
        rows.append(p.copy())
    return np.array(rows)


def _float32_path(w0, grads, lr, momentum, dampening, nesterov):
    p = torch.tensor(np.asarray(w0, dtype=np.float32), requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr, momentum=momentum, dampening=dampening,
                          nesterov=nesterov)
    rows = [p.detach().clone().numpy()]
    for g in grads:
        p.grad = torch.tensor(np.asarray(g, dtype=np.float32))
        opt.step()
        rows.append(p.detach().clone().numpy())
    return np.array(rows, dtype=float)


@task_check("torch_sgd_trajectory")
def check_torch_sgd_trajectory(torch_sgd_trajectory) -> int:
    """Check ``torch_sgd_trajectory(w0, grads, lr, momentum, dampening, nesterov)``: the
    weights of ``torch.optim.SGD`` fed the given gradients, shape (k + 1, d), against
    ``sgdlab.optim.SGD`` to 1e-10."""
    task = "torch_sgd_trajectory"
    rng = np.random.default_rng(501)
    cases = [
        (rng.normal(size=3), rng.normal(size=(5, 3)), 0.1, 0.9, 0.0, False),
        (rng.normal(size=2), rng.normal(size=(4, 2)), 0.05, 0.5, 0.3, False),
        (rng.normal(size=3), rng.normal(size=(5, 3)), 0.1, 0.9, 0.0, True),
        (rng.normal(size=2), rng.normal(size=(3, 2)), 0.2, 0.0, 0.0, False),
        (np.array([1, -2]), np.array([[1, 0], [0, 1], [1, 1]]), 0.5, 0.9, 0.0, False),
        (np.array([0.5, 0.5]), np.zeros((0, 2)), 0.1, 0.9, 0.0, False),   # no steps
    ]
    for w0, grads, lr, momentum, dampening, nesterov in cases:
        args = {"w0": w0, "grads": grads, "lr": lr, "momentum": momentum,
                "dampening": dampening, "nesterov": nesterov}
        text = call_text(task, args)
        got = call(task, torch_sgd_trajectory, args)
        rows = len(grads) + 1
        if isinstance(got, np.ndarray) and got.ndim == 2 and got.shape[0] != rows:
            raise CheckFailed(task, f"your trajectory has {got.shape[0]} rows; it should "
                                    f"have len(grads) + 1 = {rows}: w0 first, then one row "
                                    f"after each step\n    {text}")
        got = expect_array(task, got, (rows, w0.size), what="the trajectory", context=text)
        settings = (lr, momentum, dampening, nesterov)
        expected = _numpy_path(w0, grads, *settings)
        aliased = ("every row is the final point: p.detach().numpy() shares memory with the "
                   "parameter, so later steps change the rows you stored. Store a copy: "
                   "p.detach().clone().numpy()")
        wrongs = [
            (np.tile(expected[-1], (rows, 1)) if rows > 1 else None, aliased),
            (np.vstack([expected[:1], np.tile(expected[-1], (rows - 1, 1))])
             if rows > 2 else None, aliased),
            (_numpy_path(w0, grads, *settings, reset=True) if momentum else None, (
                "your momentum has no memory: build torch.optim.SGD once, before the loop "
                "(a new optimizer starts with an empty buffer)")),
            (_numpy_path(w0, np.cumsum(grads, axis=0), *settings) if rows > 2 else None, (
                "the gradients pile up: p.grad accumulates, so set it (p.grad = ...) or call "
                "optimizer.zero_grad() before giving the next gradient")),
            (_numpy_path(w0, -grads, *settings), "your steps move uphill: give torch the "
                                                 "gradient itself, not its negative"),
        ]

        def extra(got=got, w0=w0, grads=grads, settings=settings):
            if close(got, _float32_path(w0, grads, *settings), rtol=1e-5, atol=1e-6):
                return ("your trajectory is off by float32 rounding: make the parameter "
                        "float64, torch.tensor(w0, dtype=torch.float64, requires_grad=True)")
            return None

        mismatch(task, text, got, expected, wrongs=wrongs, rtol=1e-10, atol=1e-12,
                 extra=extra)
    return len(cases)
