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
    epochs = check.integer("epochs", epochs, low=1)
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
    if "train" not in data_sets:
        raise ValueError(f"data_sets must have a 'train' entry; got {list(data_sets)}")
    lr = check.positive("lr", lr)
    momentum = check.in_range("momentum", momentum, 0.0, 1.0)
    x, y = data_sets["train"]
    batch_size = check.integer("batch_size", batch_size, low=1, high=len(x))
    model = network()
    model.load_state_dict(start)
    model = model.to(device)
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
