"""The checks of exercises 05 (PyTorch) accept correct answers (the solution notebook's
and one written differently) and name the typical mistakes."""

import numpy as np
import pytest
from exercise_support import solution

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


@pytest.mark.parametrize("func", [SOLUTION["make_loader"], loader_other],
                         ids=["solution", "other"])
def test_make_loader_accepts_correct_answers(func, capsys):
    ex05.check_make_loader(func)
    assert "✓ make_loader passed" in capsys.readouterr().out


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


@pytest.mark.parametrize("func,diagnosis", [
    (_loader(dtype=torch.float64), "xb has dtype torch.float64"),
    (_loader(y_column=False), "yb has shape \\(4,\\), but the network outputs shape \\(4, 1\\)"),
    (_loader(drop_last=True), "your loader drops the last, shorter batch"),
    (_loader(seeded=False), "two loaders made with the same seed give different orders"),
    (_loader(shuffle=False), "your loader returns the rows in their stored order"),
    (_shuffled_once, "every epoch visits the rows in the same order"),
    (_shuffled_apart, "X and y were shuffled separately"),
    (lambda X, y, b, seed: TensorDataset(torch.tensor(X), torch.tensor(y)),
     "you returned the dataset"),
])
def test_make_loader_names_the_mistake(func, diagnosis):
    with pytest.raises(AssertionError, match=diagnosis):
        ex05.check_make_loader(func)


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


@pytest.mark.parametrize("func", [SOLUTION["train_epoch"], train_epoch_other],
                         ids=["solution", "other"])
def test_train_epoch_accepts_correct_answers(func, capsys):
    ex05.check_train_epoch(func)
    assert "✓ train_epoch passed" in capsys.readouterr().out


def _epoch(zero_grad=True, step=True, report="weighted"):
    def train_epoch(model, loader, optimizer, loss_fn):
        losses, sizes = [], []
        for xb, yb in loader:
            if zero_grad:
                optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            if step:
                optimizer.step()
            losses.append(loss.item())
            sizes.append(len(xb))
        if report == "batches":
            return sum(losses) / len(losses)
        if report == "last":
            return losses[-1]
        if report == "tensor":
            return torch.tensor(np.average(losses, weights=sizes))
        return float(np.average(losses, weights=sizes))
    return train_epoch


@pytest.mark.parametrize("func,diagnosis", [
    (_epoch(zero_grad=False), "gradients pile up from batch to batch: call "
                              "optimizer.zero_grad\\(\\)"),
    (_epoch(step=False), "your parameters did not change: call optimizer.step\\(\\)"),
    (_epoch(report="batches"), "you averaged the batch losses: weight each by its batch size"),
    (_epoch(report="last"), "you returned only the last batch's loss"),
    (_epoch(report="tensor"), "got a torch.Tensor of shape \\(\\): use .item\\(\\)"),
])
def test_train_epoch_names_the_mistake(func, diagnosis):
    with pytest.raises(AssertionError, match=diagnosis):
        ex05.check_train_epoch(func)


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


@pytest.mark.parametrize("func", [SOLUTION["torch_sgd_trajectory"], trajectory_other],
                         ids=["solution", "other"])
def test_torch_sgd_trajectory_accepts_correct_answers(func, capsys):
    ex05.check_torch_sgd_trajectory(func)
    assert "✓ torch_sgd_trajectory passed" in capsys.readouterr().out


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


@pytest.mark.parametrize("func,diagnosis", [
    (_trajectory(copy=False), "every row is the final point: p.detach\\(\\).numpy\\(\\) shares "
                              "memory"),
    (_trajectory(new_optimizer=True), "your momentum has no memory: build torch.optim.SGD once"),
    (_trajectory(dtype=torch.float32), "off by float32 rounding"),
    (_trajectory(accumulate=True), "the gradients pile up"),
])
def test_torch_sgd_trajectory_names_the_mistake(func, diagnosis):
    with pytest.raises(AssertionError, match=diagnosis):
        ex05.check_torch_sgd_trajectory(func)
