"""Checks for ``exercises/05_pytorch.ipynb`` (imports torch).

Tasks: ``make_loader``, ``train_epoch``, ``torch_sgd_trajectory``.
"""

from __future__ import annotations

import copy

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, TensorDataset

from sgdlab.checks import _safe
from sgdlab.checks._diagnose import Case, Mistake, catalog, verdict
from sgdlab.checks._feedback import (
    CheckFailed,
    close,
    describe,
    expect_array,
    expect_number,
    fmt,
)
from sgdlab.checks._runner import call, call_text, task_check
from sgdlab.optim import SGD

TASK_L = "make_loader"

# The first torch optimizer a process builds imports torch._dynamo, which takes seconds
# on a busy machine. Build one now, so that it does not count against the time limit of
# the learner's function.
torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)

LOADER = catalog(
    Mistake("dataset", "the result is a dataset, not a loader",
            "Wrap it in DataLoader(dataset, batch_size=batch_size, shuffle=True, ...)."),
    Mistake("not_loader", "the result is not a torch DataLoader",
            "Return the DataLoader itself, not its batches or another object: "
            "DataLoader(TensorDataset(X_t, y_t), batch_size=..., shuffle=True, generator=...)."),
    Mistake("iteration", "iterating over the loader fails",
            "Build the loader on a TensorDataset of tensors."),
    Mistake("not_pair", "a batch is not a pair of inputs and targets",
            "Build the loader on TensorDataset(X_tensor, y_tensor), which yields (xb, yb)."),
    Mistake("not_tensor", "a batch holds something other than tensors",
            "Convert X and y to tensors before building the TensorDataset."),
    Mistake("dtype", "the tensors are not float32",
            "torch.from_numpy keeps numpy's dtype (float64 here, or an integer type), but the "
            "model's weights are float32. Convert with torch.tensor(..., dtype=torch.float32)."),
    Mistake("y_flat", "the targets are a flat vector, not a column",
            "The network outputs shape (B, 1); targets of shape (B,) would be broadcast by "
            "MSELoss to (B, B) and train on the wrong thing. Reshape: y.reshape(-1, 1)."),
    Mistake("shape", "a batch has the wrong shape",
            "xb should have shape (B, d) and yb shape (B, 1)."),
    Mistake("foreign_row", "a batch holds a row that is not a row of X",
            "Keep the rows of X intact: convert them, do not transform them."),
    Mistake("unpaired", "a row of X arrives with the wrong target",
            "X and y were shuffled separately: put them in one TensorDataset, which keeps "
            "each pair together, and let the loader shuffle."),
    Mistake("drop_last", "the last, shorter batch is missing",
            "Keep it: drop_last=False (the default)."),
    Mistake("sizes", "the batch sizes are wrong",
            "Pass batch_size=batch_size; every batch has that size except the last."),
    Mistake("replacement", "some rows appear twice in an epoch and others never",
            "Shuffle without replacement: shuffle=True (not a sampler with replacement)."),
    Mistake("no_shuffle", "the loader returns the rows in their stored order",
            "Pass shuffle=True."),
    Mistake("same_order", "every epoch visits the rows in the same order",
            "Let the DataLoader shuffle (shuffle=True), which draws a new order each epoch."),
    Mistake("not_reproducible", "two loaders made with the same seed give different orders",
            "Pass generator=torch.Generator().manual_seed(seed) to the DataLoader."),
    Mistake("ignores_seed", "loaders made with different seeds give the same order",
            "Seed the generator with the seed argument: torch.Generator().manual_seed(seed)."),
)


GENERIC = {
    # make_loader has no fallback: each of its checks states the property it observed
    TASK_L: Mistake("generic", "the loader does not behave as expected",
                    "Build it as DataLoader(TensorDataset(X_t, y_t), batch_size=batch_size, "
                    "shuffle=True, generator=torch.Generator().manual_seed(seed))."),
    "train_epoch": Mistake(
        "generic", "the parameters after the epoch differ from one correct epoch",
        "None of the usual mistakes explains these results: for each batch, zero_grad, "
        "forward, loss_fn(model(xb), yb), backward, step."),
    "train_epoch_value": Mistake(
        "generic_value", "the returned loss is not the epoch's mean loss per example",
        "None of the usual mistakes explains these results: add loss.item() * len(xb) over "
        "the batches and divide by the number of examples."),
    "torch_sgd_trajectory": Mistake(
        "generic", "the trajectory is not the one torch.optim.SGD takes",
        "None of the usual mistakes explains these results: one optimizer built before the "
        "loop; for each gradient set p.grad, then optimizer.step(); store a copy of p."),
}

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
        raise LOADER["iteration"].fail(TASK_L, f"\n    {failure.message.splitlines()[0]}"
                                               f"\n    {text}") from None


def _order(batches, X, y, batch_size: int, text: str) -> np.ndarray:
    """Check every batch's types and shapes; return the row order of the epoch."""
    n, d = X.shape
    lookup = {float(np.float32(v)): i for i, v in enumerate(X[:, 0])}
    order = []
    for k, batch in enumerate(batches):
        where = f"\n    batch {k}\n    {text}"
        if not isinstance(batch, tuple | list) or len(batch) != 2:
            raise LOADER["not_pair"].fail(TASK_L, f"\n    batch {k} is {describe(batch)}"
                                                  f"\n    {text}")
        xb, yb = batch
        for name, t in (("xb", xb), ("yb", yb)):
            if not isinstance(t, torch.Tensor):
                raise LOADER["not_tensor"].fail(TASK_L, f"\n    {name} is {describe(t)}"
                                                        + where)
            if t.dtype != torch.float32:
                raise LOADER["dtype"].fail(TASK_L, f"\n    {name} has dtype {t.dtype}" + where)
        m = len(xb)
        if tuple(xb.shape) != (m, d):
            raise LOADER["shape"].fail(TASK_L, f"\n    xb has shape {tuple(xb.shape)}; "
                                               f"expected ({m}, {d})" + where)
        if tuple(yb.shape) == (m,):
            raise LOADER["y_flat"].fail(TASK_L, f"\n    yb has shape ({m},), expected "
                                                f"({m}, 1)" + where)
        if tuple(yb.shape) != (m, 1):
            raise LOADER["shape"].fail(TASK_L, f"\n    yb has shape {tuple(yb.shape)}; "
                                               f"expected ({m}, 1)" + where)
        for row, target in zip(xb.numpy(), yb.numpy()[:, 0], strict=True):
            i = lookup.get(float(row[0]))
            if i is None or not _safe.allclose(row, X[i], atol=1e-5):
                raise LOADER["foreign_row"].fail(TASK_L, f"\n    row {fmt(row)}" + where)
            if not _safe.isclose(target, y[i], atol=1e-5):
                raise LOADER["unpaired"].fail(TASK_L, where)
            order.append(i)
    order = np.array(order, dtype=int)
    sizes = [len(b[0]) for b in batches]
    want = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
    shown = f"\n    batch sizes {sizes}, expected {want}\n    {text}"
    if sizes != want:
        if sizes == want[:-1] and n % batch_size:
            raise LOADER["drop_last"].fail(TASK_L, shown)
        raise LOADER["sizes"].fail(TASK_L, shown)
    if _safe.unique(order).size != n:
        raise LOADER["replacement"].fail(TASK_L, f"\n    {text}")
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
            raise LOADER["dataset"].fail(TASK_L, f"\n    {text}")
        if not isinstance(loader, DataLoader):
            raise LOADER["not_loader"].fail(TASK_L, f"\n    returned {describe(loader)}"
                                                    f"\n    {text}")
        first = _order(_one_epoch(loader, text), X, y, batch_size, text)
        if n > batch_size:
            second = _order(_one_epoch(loader, text), X, y, batch_size, text)
            if _safe.array_equal(first, np.arange(n)) and _safe.array_equal(second, np.arange(n)):
                raise LOADER["no_shuffle"].fail(TASK_L, f"\n    {text}")
            if _safe.array_equal(first, second):
                raise LOADER["same_order"].fail(TASK_L, f"\n    {text}")
            again = _order(_one_epoch(call(TASK_L, make_loader, args), text), X, y,
                           batch_size, text)
            if not _safe.array_equal(first, again):
                raise LOADER["not_reproducible"].fail(TASK_L, f"\n    {text}")
            other = _order(_one_epoch(call(TASK_L, make_loader, {**args, "seed": seed + 1}),
                                      text), X, y, batch_size, text)
            if _safe.array_equal(first, other):
                raise LOADER["ignores_seed"].fail(TASK_L, f"\n    {text}")
    return len(cases)


def _train_setup(seed: int, n: int, hidden: int | None, classify: bool = False):
    gen = torch.Generator().manual_seed(seed)
    X = torch.randn(n, 3, generator=gen, dtype=torch.float64)
    Y = X @ torch.tensor([[1.0], [-2.0], [0.5]], dtype=torch.float64) \
        + 0.1 * torch.randn(n, 1, generator=gen, dtype=torch.float64)
    if classify:
        Y = (Y > 0).double()  # labels 0 / 1 for BCEWithLogitsLoss
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


def _reference_epoch(model, opt, loader, loss_fn, *, variant: str = "right"):
    """One epoch, right or in one of the common wrong ways; (losses, batch sizes)."""
    losses, sizes = [], []
    for xb, yb in loader:
        if variant != "no_zero_grad":
            opt.zero_grad()
        out = model(xb)
        loss = loss_fn(yb, out) if variant == "swapped" else loss_fn(out, yb)
        loss.backward()
        opt.step()
        losses.append(loss.item())
        sizes.append(len(xb))
    return np.array(losses), np.array(sizes)


EPOCH_PARAMS = catalog(
    Mistake("never_steps", "the parameters do not change",
            "Call optimizer.step() after loss.backward(): not before it (the gradients were "
            "just zeroed), not with zero_grad() in between, and not left out. The order is "
            "zero_grad, forward, loss, backward, step."),
    Mistake("no_zero_grad", "gradients pile up from batch to batch",
            "Call optimizer.zero_grad() before loss.backward() in every step."),
    Mistake("swapped", "the loss compares the targets with the outputs the wrong way round",
            "loss_fn(prediction, target): the model's output first, then yb. MSELoss does not "
            "mind the order, BCEWithLogitsLoss (used here) does: it treats its first argument "
            "as logits and its second as labels."),
)
EPOCH_VALUE = catalog(
    Mistake("batch_mean", "the mean loss gives the short last batch as much weight as a "
                          "full one",
            "You averaged the batch losses: weight each by its batch size, total += "
            "loss.item() * len(xb), then divide by the number of examples."),
    Mistake("last", "the result is only the last batch's loss",
            "Add up the losses of all batches, each weighted by its size."),
    Mistake("sum", "the result is the sum of the batch losses, not a mean per example",
            "Weight each by its batch size and divide by the number of examples."),
    Mistake("weighted_sum", "the result is a total, not a mean per example",
            "Divide the total by the number of examples."),
    Mistake("after", "the result is the loss after the epoch, not during it",
            "Return the mean of the losses measured during the epoch, batch by batch."),
)
# the fallback for the returned loss is listed too (never fitted: it predicts nothing)
MISTAKES_EPOCH = {**EPOCH_PARAMS, **EPOCH_VALUE, "generic_value": GENERIC["train_epoch_value"]}


@task_check("train_epoch")
def check_train_epoch(train_epoch) -> int:
    """Check ``train_epoch(model, loader, optimizer, loss_fn)``: one epoch of
    zero_grad / forward / loss / backward / step, returning the mean loss per example.
    One scenario uses ``BCEWithLogitsLoss``, which (unlike ``MSELoss``) is not symmetric
    in its two arguments."""
    task = "train_epoch"
    scenarios = [(0, 10, 4, 0.1, 0.9, 4, False), (1, 7, 3, 0.05, 0.0, None, False),
                 (2, 9, 9, 0.2, 0.5, 3, False), (3, 10, 3, 0.5, 0.0, None, True)]
    params_cases, value_cases = [], []
    for seed, n, batch_size, lr, momentum, hidden, classify in scenarios:
        X, Y, model0 = _train_setup(seed, n, hidden, classify)
        loss_fn = nn.BCEWithLogitsLoss() if classify else nn.MSELoss()
        text = (f"train_epoch(model, loader, optimizer, loss_fn) with {n} examples, "
                f"batch_size={batch_size}, SGD(lr={lr}, momentum={momentum}), "
                f"{type(loss_fn).__name__}")
        ref_model, ref_opt, ref_loader = _fresh(X, Y, model0, lr, momentum, batch_size, seed)
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
            predictions = {}
            state = loader.generator.get_state()
            for variant in ("no_zero_grad", "swapped"):
                m2 = copy.deepcopy(model)
                o2 = torch.optim.SGD(m2.parameters(), lr=lr, momentum=momentum)
                o2.load_state_dict(copy.deepcopy(opt.state_dict()))
                g2 = torch.Generator()
                g2.set_state(state)
                l2 = DataLoader(TensorDataset(X, Y), batch_size=batch_size, shuffle=True,
                                generator=g2)
                _reference_epoch(m2, o2, l2, loss_fn, variant=variant)
                predictions[variant] = _flat(m2)
            start = _flat(model)
            predictions["never_steps"] = start
            losses, sizes = _reference_epoch(ref_model, ref_opt, ref_loader, loss_fn)
            got = call(task, train_epoch, {"model": model, "loader": loader,
                                           "optimizer": opt, "loss_fn": loss_fn})
            params_cases.append(Case(text + f", epoch {epoch + 1}", _flat(model),
                                     _flat(ref_model), predictions))
            value = expect_number(task, got, what="the epoch's mean loss", context=text)
            with torch.no_grad():
                after = float(loss_fn(model(X), Y))
            value_cases.append(Case(text + f", epoch {epoch + 1}", value,
                                    float(np.sum(losses * sizes) / np.sum(sizes)), {
                                        "batch_mean": float(np.mean(losses)),
                                        "last": float(losses[-1]),
                                        "sum": float(np.sum(losses)),
                                        "weighted_sum": float(np.sum(losses * sizes)),
                                        "after": after}))
    verdict(task, params_cases, MISTAKES_EPOCH, generic=GENERIC[task], rtol=1e-9, atol=1e-12)
    verdict(task, value_cases, MISTAKES_EPOCH, generic=GENERIC["train_epoch_value"],
            rtol=1e-9, atol=1e-12)
    return len(value_cases)


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


TRAJECTORY = catalog(
    Mistake("aliased", "every row is the final point",
            "p.detach().numpy() shares memory with the parameter, so later steps change the "
            "rows you stored. Store a copy: p.detach().clone().numpy()."),
    Mistake("aliased_after_start", "every row after the first is the final point",
            "p.detach().numpy() shares memory with the parameter: store a copy, "
            "p.detach().clone().numpy()."),
    Mistake("reset", "the momentum has no memory from step to step",
            "Build torch.optim.SGD once, before the loop (a new optimizer starts with an "
            "empty buffer)."),
    Mistake("accumulate", "the gradients pile up from step to step",
            "p.grad accumulates: set it (p.grad = ...) or call optimizer.zero_grad() before "
            "giving the next gradient."),
    Mistake("uphill", "the steps move uphill",
            "Give torch the gradient itself, not its negative."),
    Mistake("no_momentum", "the steps ignore the momentum",
            "Pass momentum=momentum to torch.optim.SGD."),
    Mistake("no_dampening", "the steps ignore the dampening",
            "Pass dampening=dampening to torch.optim.SGD."),
    Mistake("no_nesterov", "the steps ignore the Nesterov flag",
            "Pass nesterov=nesterov to torch.optim.SGD."),
    Mistake("float32", "the trajectory is off by float32 rounding",
            "Make the parameter float64: torch.tensor(w0, dtype=torch.float64, "
            "requires_grad=True)."),
    Mistake("rows", "the trajectory has the wrong number of rows",
            "It should have len(grads) + 1 rows: w0 first, then one row after each step."),
)
MISTAKES = {TASK_L: LOADER, "train_epoch": MISTAKES_EPOCH, "torch_sgd_trajectory": TRAJECTORY}


@task_check("torch_sgd_trajectory")
def check_torch_sgd_trajectory(torch_sgd_trajectory) -> int:
    """Check ``torch_sgd_trajectory(w0, grads, lr, momentum, dampening, nesterov)``: the
    weights of ``torch.optim.SGD`` fed the given gradients, shape (k + 1, d), against
    ``sgdlab.optim.SGD`` to 1e-10."""
    task = "torch_sgd_trajectory"
    rng = np.random.default_rng(501)
    inputs = [
        (rng.normal(size=3), rng.normal(size=(5, 3)), 0.1, 0.9, 0.0, False),
        (rng.normal(size=2), rng.normal(size=(4, 2)), 0.05, 0.5, 0.3, False),
        (rng.normal(size=3), rng.normal(size=(5, 3)), 0.1, 0.9, 0.0, True),
        (rng.normal(size=2), rng.normal(size=(3, 2)), 0.2, 0.0, 0.0, False),
        (np.array([1, -2]), np.array([[1, 0], [0, 1], [1, 1]]), 0.5, 0.9, 0.0, False),
        (np.array([0.5, 0.5]), np.zeros((0, 2)), 0.1, 0.9, 0.0, False),   # no steps
        (rng.normal(size=2), rng.normal(size=(4, 2)), 0.1, 0.8, 0.5, False),
        (rng.normal(size=2), rng.normal(size=(4, 2)), 0.05, 0.6, 0.0, True),
    ]
    cases = []
    for w0, grads, lr, momentum, dampening, nesterov in inputs:
        args = {"w0": w0, "grads": grads, "lr": lr, "momentum": momentum,
                "dampening": dampening, "nesterov": nesterov}
        text = call_text(task, args)
        got = call(task, torch_sgd_trajectory, args)
        rows = len(grads) + 1
        if isinstance(got, np.ndarray) and got.ndim == 2 and got.shape[0] != rows:
            raise TRAJECTORY["rows"].fail(task, f"\n    returned {got.shape[0]} rows, "
                                                f"expected {rows}\n    {text}")
        got = expect_array(task, got, (rows, w0.size), what="the trajectory", context=text,
                           finite=False)
        settings = (lr, momentum, dampening, nesterov)
        expected = _numpy_path(w0, grads, *settings)
        with np.errstate(all="ignore"):
            predictions = {
                "aliased": np.tile(expected[-1], (rows, 1)),
                "aliased_after_start": np.vstack([expected[:1],
                                                  np.tile(expected[-1], (rows - 1, 1))]),
                "reset": _numpy_path(w0, grads, *settings, reset=True),
                "accumulate": _numpy_path(w0, np.cumsum(grads, axis=0), *settings),
                "uphill": _numpy_path(w0, -grads, *settings),
                "no_momentum": _numpy_path(w0, grads, lr, 0.0, 0.0, False),
                "no_dampening": _numpy_path(w0, grads, lr, momentum, 0.0, nesterov),
                "no_nesterov": _numpy_path(w0, grads, lr, momentum, dampening, False),
            }
        cases.append(Case(text, got, expected, predictions))

    def float32():
        """Off by float32 rounding on every case (a looser tolerance than the check's)."""
        return "float32" if all(
            close(c.got, _float32_path(w0, grads, *settings), rtol=1e-5, atol=1e-6)
            for c, (w0, grads, *settings) in zip(cases, inputs, strict=True)) else None

    verdict(task, cases, TRAJECTORY, generic=GENERIC[task], rtol=1e-10, atol=1e-12,
            probes=[float32])
    return len(cases)
