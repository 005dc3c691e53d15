"""The standard PyTorch minibatch loop of notebook 05, and a scored run for comparing
training recipes on equal terms (same start, same number of examples read).

>>> import torch
>>> from torch import nn
>>> x = torch.randn(40, 3, generator=torch.Generator().manual_seed(0))
>>> y = (x[:, :1] > 0).float()
>>> model = nn.Linear(3, 1)
>>> s = train_and_score(lambda: nn.Linear(3, 1), model.state_dict(), {"train": (x, y)},
...                     nn.BCEWithLogitsLoss(), lr=0.5, batch_size=8, epochs=5, seed=0)
>>> s["examples"]
200
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import torch
from torch import nn, optim
from torch.utils.data import DataLoader, TensorDataset

from sgdlab import _validate as check


def fit(model: nn.Module, loader: DataLoader, loss_fn: Callable, optimizer: optim.Optimizer,
        epochs: int, device: str = "cpu") -> list[float]:
    """Minibatch training: every epoch takes one ``optimizer`` step per batch of
    ``loader``. Returns the mean training loss of each epoch, a list of length
    ``epochs``."""
    check.instance("model", model, nn.Module, "a torch.nn.Module")
    check.instance("loader", loader, DataLoader, "a torch DataLoader")
    if len(loader.dataset) == 0:
        raise ValueError("loader must hold at least one example; its dataset is empty")
    check.function("loss_fn", loss_fn)
    check.instance("optimizer", optimizer, optim.Optimizer,
                   "a torch optimizer, e.g. torch.optim.SGD(model.parameters(), lr=0.1)")
    epochs = check.integer("epochs", epochs, low=1)
    device = check.device("device", device)
    history = []
    for _ in range(epochs):
        total = 0.0
        for xb, yb in loader:
            xb, yb = xb.to(device), yb.to(device)
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(xb)
        history.append(total / len(loader.dataset))
    return history


def train_and_score(network: Callable[[], nn.Module], start: Mapping, data_sets: Mapping,
                    loss_fn: Callable, *, lr: float, momentum: float = 0.0,
                    batch_size: int, epochs: int, seed: int,
                    device: str = "cpu") -> dict[str, float]:
    """Build ``network()``, load the weights ``start`` (a state dict), train it with
    ``torch.optim.SGD`` on ``data_sets["train"]`` (inputs (n, d), labels (n, 1)) in
    shuffled batches of ``batch_size`` (seeded by ``seed``) for ``epochs`` epochs.

    The network returns one score per row. When ``loss_fn`` is ``BCEWithLogitsLoss``
    the score is a logit (threshold 0), otherwise a probability (threshold 0.5).

    Returns:
        ``{name: accuracy}`` for every entry of ``data_sets``, and ``"examples"``: the
        number of examples read, ``epochs * n``.
    """
    check.function("network", network)
    if isinstance(network, nn.Module):
        raise check.ArgumentTypeError("network must be a function that builds a fresh model "
                                      "(e.g. lambda: nn.Linear(3, 1)), not a model")
    check.instance("start", start, Mapping, "a state dict (model.state_dict())")
    x, y = _data_sets(data_sets)
    check.function("loss_fn", loss_fn)
    lr = check.positive("lr", lr)
    momentum = check.in_range("momentum", momentum, 0.0, 1.0)
    batch_size = check.integer("batch_size", batch_size, low=1, high=len(x))
    epochs = check.integer("epochs", epochs, low=1)
    seed = check.seed("seed", seed)
    device = check.device("device", device)
    model = check.instance("network", network(), nn.Module,
                           "a function that returns a torch.nn.Module (e.g. a class)")
    try:
        model.load_state_dict(start)
    except (RuntimeError, KeyError, TypeError, AttributeError, ValueError) as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ValueError(f"start must be a state dict that fits network(); {first}") from None
    model = model.to(device)
    training = model.training
    model.eval()  # a probe: no dropout draws, no batch-norm statistics updated
    try:
        with torch.no_grad():
            outs = {name: _probe(model, xs[:1].to(device))
                    for name, (xs, _) in data_sets.items()}
    finally:
        model.train(training)
    for name, (xs, ys) in data_sets.items():
        out = outs[name]
        if not isinstance(out, torch.Tensor) or out.shape[1:] != ys.shape[1:]:
            raise ValueError(f"data_sets[{name!r}]: network() cannot map these inputs "
                             f"of shape {tuple(xs.shape)} to labels of shape "
                             f"{tuple(ys.shape)}: fix data_sets or network")
    loader = DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=True,
                        generator=torch.Generator().manual_seed(seed))
    fit(model, loader, loss_fn, optim.SGD(model.parameters(), lr=lr, momentum=momentum),
        epochs, device)
    threshold = 0.0 if isinstance(loss_fn, nn.BCEWithLogitsLoss) else 0.5
    scores = {}
    with torch.no_grad():
        for name, (xs, ys) in data_sets.items():
            right = (model(xs.to(device)) > threshold).float() == ys.to(device)
            scores[name] = right.float().mean().item()
    scores["examples"] = epochs * len(x)
    return scores


def _probe(model: nn.Module, x: torch.Tensor) -> torch.Tensor | None:
    """``model(x)``, or None if the model cannot take inputs like ``x``."""
    try:
        return model(x)
    except RuntimeError:
        return None


def _data_sets(data_sets) -> tuple[torch.Tensor, torch.Tensor]:
    """Check ``data_sets``: a mapping name -> (inputs (n, d), labels (n, 1)) of float
    tensors with n >= 1, a "train" entry among them; return the training pair."""
    check.instance("data_sets", data_sets, Mapping,
                   'a dict name -> (inputs, labels), e.g. {"train": (x, y)}')
    if "train" not in data_sets:
        raise ValueError(f"data_sets must have a 'train' entry; got {list(data_sets)}")
    for name, pair in data_sets.items():
        if not (isinstance(pair, tuple | list) and len(pair) == 2
                and all(isinstance(t, torch.Tensor) for t in pair)):
            raise check.ArgumentTypeError(f"data_sets[{name!r}] must be a pair (inputs, "
                                          f"labels) of tensors; got {check._kind(pair)}")
        xs, ys = pair
        if not (xs.is_floating_point() and ys.is_floating_point()):
            raise check.ArgumentTypeError(f"data_sets[{name!r}] must hold float tensors; "
                                          f"got {xs.dtype} and {ys.dtype}")
        if xs.ndim != 2 or ys.ndim != 2 or ys.shape[1] != 1 or len(xs) != len(ys) or not len(xs):
            raise ValueError(f"data_sets[{name!r}] must be inputs of shape (n, d) and labels "
                             f"of shape (n, 1), n >= 1; got {tuple(xs.shape)} and "
                             f"{tuple(ys.shape)}")
        if not (torch.isfinite(xs).all() and torch.isfinite(ys).all()):
            raise ValueError(f"data_sets[{name!r}] must hold only finite numbers")
    return data_sets["train"]
