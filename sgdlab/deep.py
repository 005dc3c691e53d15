"""Small PyTorch networks on scikit-learn's bundled 8x8 digits, for notebook 09.

- :func:`load_digits_tensors`: the 1,797 digits (no download), pixels scaled to [0, 1],
  split into train and validation sets with a seed.
- :func:`mlp` and :func:`small_cnn`: a one-hidden-layer network and a small
  convolutional one, both initialised from a seed.
- :func:`fit`: the usual minibatch loop (shuffle, ``zero_grad``, loss, ``backward``,
  ``step``), with an optional scheduler stepped once per epoch, recording the training
  and validation loss and accuracy after every epoch and counting the steps taken.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits
from torch import nn

from sgdlab import _validate as check


@dataclass
class DigitsSplit:
    """Train and validation tensors: ``X_*`` float32 of shape (m, 1, 8, 8), ``y_*`` int64
    of shape (m,)."""

    X_train: torch.Tensor
    y_train: torch.Tensor
    X_val: torch.Tensor
    y_val: torch.Tensor


def load_digits_tensors(n_train: int = 1000, *, seed: int = 0) -> DigitsSplit:
    """scikit-learn's 8x8 digits (1,797 images, bundled: nothing is downloaded), pixels
    divided by 16 so that they lie in [0, 1], shuffled with ``seed``; the first
    ``n_train`` images train, the rest validate.

    Args:
        n_train: training images, 10..1787.
        seed: seed of the shuffle.
    """
    n_train = check.integer("n_train", n_train, low=10, high=1787)
    seed = check.seed("seed", seed)
    digits = load_digits()
    order = np.random.default_rng(seed).permutation(len(digits.target))
    X = torch.tensor(digits.images[order] / 16.0, dtype=torch.float32).unsqueeze(1)
    y = torch.tensor(digits.target[order], dtype=torch.int64)
    return DigitsSplit(X[:n_train], y[:n_train], X[n_train:], y[n_train:])


def mlp(hidden: int = 32, *, seed: int = 0) -> nn.Sequential:
    """``Flatten -> Linear(64, hidden) -> ReLU -> Linear(hidden, 10)``, initialised with
    ``torch.manual_seed(seed)``."""
    hidden = check.integer("hidden", hidden)
    seed = check.seed("seed", seed)
    torch.manual_seed(seed)
    return nn.Sequential(nn.Flatten(), nn.Linear(64, hidden), nn.ReLU(), nn.Linear(hidden, 10))


def small_cnn(channels: int = 8, *, seed: int = 0) -> nn.Sequential:
    """Two 3x3 convolutions with ReLU and 2x2 max-pooling (8x8 -> 4x4 -> 2x2), then a
    linear layer to the 10 classes; initialised with ``torch.manual_seed(seed)``."""
    channels = check.integer("channels", channels)
    seed = check.seed("seed", seed)
    torch.manual_seed(seed)
    c = channels
    return nn.Sequential(
        nn.Conv2d(1, c, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(c, 2 * c, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(2 * c * 2 * 2, 10))


def n_parameters(model: nn.Module) -> int:
    """The number of trainable numbers in ``model``."""
    check.instance("model", model, nn.Module, "a torch.nn.Module")
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


@dataclass
class FitHistory:
    """Per-epoch records of :func:`fit` (index 0 is before training), and the step count.

    ``diverged`` is True when a loss became NaN or infinite; training stopped there.
    """

    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    val_acc: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    steps: int = 0
    diverged: bool = False


def _images(x_name: str, X, y_name: str, y, *, arg: str | None = None) -> None:
    """Check images ``X`` (m, 1, 8, 8) float32 and labels ``y`` (m,) int64 in 0..9, m >= 1;
    errors name ``arg`` (default: both names)."""
    where = f"{arg}: " if arg else ""
    for name, t in ((x_name, X), (y_name, y)):
        if not isinstance(t, torch.Tensor):
            raise check.ArgumentTypeError(f"{where}{name} must be a torch tensor; "
                                          f"got {check._kind(t)}")
    if X.dtype != torch.float32 or X.ndim != 4 or tuple(X.shape[1:]) != (1, 8, 8) \
            or len(X) == 0:
        raise ValueError(f"{where}{x_name} must be float32 images of shape (m, 1, 8, 8), "
                         f"m >= 1; got {X.dtype} of shape {tuple(X.shape)}")
    if not torch.isfinite(X).all():
        raise ValueError(f"{where}{x_name} must hold only finite numbers")
    if y.dtype != torch.int64 or y.ndim != 1:
        raise ValueError(f"{where}{y_name} must be int64 labels of shape (m,); "
                         f"got {y.dtype} of shape {tuple(y.shape)}")
    if len(y) != len(X):
        raise ValueError(f"{where}{x_name} and {y_name} must have the same number of rows; "
                         f"got {len(X)} images and {len(y)} labels")
    if len(y) and (int(y.min()) < 0 or int(y.max()) > 9):
        raise ValueError(f"{where}{y_name} must hold class labels 0..9")


@torch.no_grad()
def evaluate(model: nn.Module, X: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    """Mean cross-entropy and accuracy of ``model`` on ``X`` (m, 1, 8, 8), ``y`` (m,)."""
    check.instance("model", model, nn.Module, "a torch.nn.Module")
    _images("X", X, "y", y)
    logits = model(X)
    return float(F.cross_entropy(logits, y)), float((logits.argmax(1) == y).float().mean())


def fit(model: nn.Module, optimizer: torch.optim.Optimizer, split: DigitsSplit, *,
        epochs: int, batch_size: int = 32, seed: int = 0, scheduler=None) -> FitHistory:
    """Train ``model`` with minibatch ``optimizer`` steps on ``split.X_train``.

    Each epoch visits the training images once in an order drawn from a generator
    seeded with ``seed`` (the same minibatches for every run with the same seed), then
    steps ``scheduler`` (if any) and records losses and accuracies.

    Args:
        epochs: passes over the training set, >= 1.
        batch_size: images per step, >= 1.
        scheduler: a ``torch.optim.lr_scheduler`` object, stepped once per epoch.
    """
    check.instance("model", model, nn.Module, "a torch.nn.Module")
    check.instance("optimizer", optimizer, torch.optim.Optimizer,
                   "a torch optimizer, e.g. torch.optim.SGD(model.parameters(), lr=0.1)")
    check.instance("split", split, DigitsSplit, "a DigitsSplit (from load_digits_tensors)")
    _images("split.X_train", split.X_train, "split.y_train", split.y_train, arg="split")
    _images("split.X_val", split.X_val, "split.y_val", split.y_val, arg="split")
    epochs = check.integer("epochs", epochs)
    batch_size = check.integer("batch_size", batch_size)
    seed = check.seed("seed", seed)
    if scheduler is not None and (isinstance(scheduler, type)
                                  or not callable(getattr(scheduler, "step", None))):
        raise check.ArgumentTypeError("scheduler must be a torch.optim.lr_scheduler object "
                                      f"(with a step() method) or None; got "
                                      f"{check._kind(scheduler)}")
    gen = torch.Generator().manual_seed(seed)
    hist = FitHistory()

    def record() -> bool:
        for (loss, acc), name in [(evaluate(model, split.X_train, split.y_train), "train"),
                                  (evaluate(model, split.X_val, split.y_val), "val")]:
            getattr(hist, f"{name}_loss").append(loss)
            getattr(hist, f"{name}_acc").append(acc)
        hist.lr.append(optimizer.param_groups[0]["lr"])
        return bool(np.isfinite(hist.train_loss[-1]))

    record()
    n = len(split.y_train)
    for _ in range(epochs):
        order = torch.randperm(n, generator=gen)
        for i in range(0, n, batch_size):
            idx = order[i:i + batch_size]
            optimizer.zero_grad()
            loss = F.cross_entropy(model(split.X_train[idx]), split.y_train[idx])
            loss.backward()
            optimizer.step()
            hist.steps += 1
        if scheduler is not None:
            scheduler.step()
        if not record():
            hist.diverged = True
            break
    return hist
