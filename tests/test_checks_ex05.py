"""The checks of exercises 05 (PyTorch) accept correct answers (the solution notebook's
and others written differently) and name each mistake of the catalog below exactly."""

import numpy as np
import pytest
from exercise_support import (
    assert_diagnosis,
    assert_passes,
    catalog_params,
    correct_params,
    outcome,
    solution,
)

torch = pytest.importorskip("torch")
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402

from sgdlab.checks import ex05  # noqa: E402

SOLUTION = solution("05_pytorch")


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Tiny networks: one thread avoids thread start-up costs on a busy machine."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


# --- make_loader --------------------------------------------------------------------------
def loader_other(X, y, batch_size, seed):
    torch.manual_seed(seed)  # the global generator instead of a private one
    data = TensorDataset(torch.from_numpy(np.asarray(X, dtype=np.float32)),
                         torch.from_numpy(np.asarray(y, dtype=np.float32)[:, None]))
    return DataLoader(data, batch_size=batch_size, shuffle=True)


def _loader(dtype=torch.float32, y_column=True, shuffle=True, drop_last=False, seeded=True):
    def make_loader(X, y, batch_size, seed):
        X_t = torch.tensor(np.asarray(X, dtype=float), dtype=dtype)
        y_t = torch.tensor(np.asarray(y, dtype=float), dtype=dtype)
        data = TensorDataset(X_t, y_t.reshape(-1, 1) if y_column else y_t)
        generator = torch.Generator().manual_seed(seed) if seeded else None
        return DataLoader(data, batch_size=batch_size, shuffle=shuffle, drop_last=drop_last,
                          generator=generator)
    return make_loader


def _shuffled_once(X, y, batch_size, seed):
    order = np.random.default_rng(seed).permutation(len(y))
    return _loader(shuffle=False)(X[order], y[order], batch_size, seed)


def _shuffled_apart(X, y, batch_size, seed):
    rng = np.random.default_rng(seed)
    return _loader(shuffle=False)(X[rng.permutation(len(y))], y[rng.permutation(len(y))],
                                  batch_size, seed)


# --- train_epoch --------------------------------------------------------------------------
def train_epoch_other(model, loader, optimizer, loss_fn):
    losses, sizes = [], []
    model.train()
    for xb, yb in loader:
        optimizer.zero_grad(set_to_none=False)
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
        losses.append(float(loss.detach()))
        sizes.append(xb.shape[0])
    return float(np.average(losses, weights=sizes))


def _epoch(zero_grad=True, step=True, report="weighted", swapped=False, step_first=False):
    def train_epoch(model, loader, optimizer, loss_fn):
        losses, sizes = [], []
        for xb, yb in loader:
            if zero_grad:
                optimizer.zero_grad()
            loss = loss_fn(yb, model(xb)) if swapped else loss_fn(model(xb), yb)
            if step_first:
                optimizer.step()
            loss.backward()
            if step and not step_first:
                optimizer.step()
            losses.append(loss.item())
            sizes.append(len(xb))
        if report == "batches":
            return sum(losses) / len(losses)
        if report == "last":
            return losses[-1]
        if report == "tensor":
            return torch.tensor(np.average(losses, weights=sizes))
        if report == "sum":
            return sum(losses)
        if report == "half":
            return float(np.average(losses, weights=sizes)) / 2
        if report == "weighted sum":
            return float(np.dot(losses, sizes))
        return float(np.average(losses, weights=sizes))
    return train_epoch


# --- torch_sgd_trajectory -----------------------------------------------------------------
def trajectory_other(w0, grads, lr, momentum=0.0, dampening=0.0, nesterov=False):
    p = torch.nn.Parameter(torch.as_tensor(np.array(w0, dtype=np.float64)))
    optimizer = torch.optim.SGD([p], lr=lr, momentum=momentum, dampening=dampening,
                                nesterov=nesterov)
    rows = [p.detach().numpy().copy()]
    for g in np.asarray(grads, dtype=np.float64):
        optimizer.zero_grad()
        p.grad = torch.from_numpy(g.copy())
        optimizer.step()
        rows.append(p.detach().numpy().copy())
    return np.stack(rows)


def _trajectory(dtype=torch.float64, new_optimizer=False, accumulate=False, copy=True):
    def torch_sgd_trajectory(w0, grads, lr, momentum=0.0, dampening=0.0, nesterov=False):
        p = torch.tensor(np.asarray(w0, dtype=float), dtype=dtype, requires_grad=True)

        def make():
            return torch.optim.SGD([p], lr=lr, momentum=momentum, dampening=dampening,
                                   nesterov=nesterov)

        optimizer = make()
        rows = [p.detach().clone().numpy() if copy else p.detach().numpy()]
        for g in grads:
            if new_optimizer:
                optimizer = make()
            g_t = torch.tensor(np.asarray(g, dtype=float), dtype=dtype)
            if accumulate and p.grad is not None:
                p.grad += g_t
            else:
                p.grad = g_t
            optimizer.step()
            rows.append(p.detach().clone().numpy() if copy else p.detach().numpy())
        return np.array([np.asarray(r, dtype=float) for r in rows]) if copy else np.stack(rows)
    return torch_sgd_trajectory





def _zero_grad_between(model, loader, optimizer, loss_fn):
    total = 0.0
    for xb, yb in loader:
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.zero_grad()
        optimizer.step()
        total += loss.item() * len(xb)
    return total / len(loader.dataset)


def _list_of_batches(X, y, batch_size, seed):
    return list(_loader()(X, y, batch_size, seed))


def _from_numpy(X, y, batch_size, seed):
    data = TensorDataset(torch.from_numpy(X), torch.from_numpy(y).reshape(-1, 1))
    return DataLoader(data, batch_size=batch_size, shuffle=True,
                      generator=torch.Generator().manual_seed(seed))


def _fixed_seed(X, y, batch_size, seed):
    return _loader()(X, y, batch_size, 0)


def _with_replacement(X, y, batch_size, seed):
    data = TensorDataset(torch.tensor(X, dtype=torch.float32),
                         torch.tensor(y, dtype=torch.float32).reshape(-1, 1))
    generator = torch.Generator().manual_seed(seed)
    sampler = torch.utils.data.RandomSampler(data, replacement=True, generator=generator)
    return DataLoader(data, batch_size=batch_size, sampler=sampler)


def _batch_size_one(X, y, batch_size, seed):
    return _loader()(X, y, 1, seed)


CORRECT = {
    "make_loader": [SOLUTION["make_loader"], loader_other],
    "train_epoch": [SOLUTION["train_epoch"], train_epoch_other],
    "torch_sgd_trajectory": [SOLUTION["torch_sgd_trajectory"], trajectory_other],
}

CATALOG = {
    "make_loader": [
        ("dtype", _loader(dtype=torch.float64)),
        ("dtype", _from_numpy),
        ("y_flat", _loader(y_column=False)),
        ("drop_last", _loader(drop_last=True)),
        ("not_reproducible", _loader(seeded=False)),
        ("no_shuffle", _loader(shuffle=False)),
        ("same_order", _shuffled_once),
        ("unpaired", _shuffled_apart),
        ("dataset", lambda X, y, b, seed: TensorDataset(torch.tensor(X), torch.tensor(y))),
        ("not_loader", _list_of_batches),
        ("ignores_seed", _fixed_seed),
        ("replacement", _with_replacement),
        ("sizes", _batch_size_one),
    ],
    "train_epoch": [
        ("no_zero_grad", _epoch(zero_grad=False)),
        ("never_steps", _epoch(step=False)),
        ("swapped", _epoch(swapped=True)),
        ("never_steps", _epoch(step_first=True)),
        ("never_steps", _zero_grad_between),
        ("batch_mean", _epoch(report="batches")),
        ("last", _epoch(report="last")),
        ("sum", _epoch(report="sum")),
        ("weighted_sum", _epoch(report="weighted sum")),
        ("~got a torch.Tensor of shape \\(\\): use .item\\(\\)", _epoch(report="tensor")),
    ],
    "torch_sgd_trajectory": [
        ("aliased", _trajectory(copy=False)),
        ("reset", _trajectory(new_optimizer=True)),
        ("float32", _trajectory(dtype=torch.float32)),
        ("accumulate", _trajectory(accumulate=True)),
        ("uphill", lambda w0, grads, lr, momentum=0.0, dampening=0.0, nesterov=False:
            trajectory_other(w0, -np.asarray(grads, dtype=float), lr, momentum, dampening,
                             nesterov)),
        ("no_momentum", lambda w0, grads, lr, momentum=0.0, dampening=0.0, nesterov=False:
            trajectory_other(w0, grads, lr)),
        ("no_dampening", lambda w0, grads, lr, momentum=0.0, dampening=0.0, nesterov=False:
            trajectory_other(w0, grads, lr, momentum, 0.0, nesterov)),
        ("no_nesterov", lambda w0, grads, lr, momentum=0.0, dampening=0.0, nesterov=False:
            trajectory_other(w0, grads, lr, momentum, dampening)),
        ("rows", lambda w0, grads, lr, momentum=0.0, dampening=0.0, nesterov=False:
            trajectory_other(w0, grads, lr, momentum, dampening, nesterov)[1:]),
    ],
}


@pytest.mark.parametrize("task,func", correct_params(CORRECT))
def test_correct_answers_pass(task, func):
    assert_passes(ex05, task, func)


@pytest.mark.parametrize("task,expected,func", catalog_params(CATALOG))
def test_each_mistake_gets_its_own_diagnosis(task, expected, func):
    assert_diagnosis(ex05, task, expected, func)


def test_a_list_of_batches_is_described_not_dumped():
    with pytest.raises(AssertionError) as info:
        ex05.check_make_loader(_list_of_batches)
    assert len(str(info.value)) < 600 and "tensor(" not in str(info.value)


def test_a_loss_that_fits_no_mistake_gets_the_generic_message():
    conclusion, message = outcome(ex05, "train_epoch", _epoch(report="half"))
    assert conclusion == "generic" and message.startswith("the returned loss is not")
