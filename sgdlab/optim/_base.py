"""What every numpy optimizer here shares with ``torch.optim``: a list of parameters
updated in place, gradients checked against them, and torch's argument checks."""

from __future__ import annotations

import numbers
from collections.abc import Iterator

import numpy as np


def hyper(name: str, value: float, *, label: str | None = None) -> float:
    """Check a hyperparameter is a finite number >= 0, with torch's wording."""
    label = label or f"{name} value"
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise ValueError(f"{name} must be a finite number; got {value!r}")
    if value < 0.0:
        raise ValueError(f"Invalid {label}: {value} ({name} must be >= 0)")
    return float(value)


def beta(name: str, value: float) -> float:
    """Check an averaging factor is in [0, 1)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0.0 <= value < 1.0:
        raise ValueError(f"Invalid {name}: {value!r} ({name} must be in [0, 1))")
    return float(value)


class Optimizer:
    """Base class: holds ``params`` and pairs each with its gradient in :meth:`_pairs`.

    Args:
        params: list of float numpy arrays (any shapes); ``step`` updates them in place.
        lr: learning rate, >= 0.
        weight_decay: L2 penalty added to the gradient, >= 0.
        maximize: ascend instead of descend.
    """

    def __init__(self, params, lr: float, weight_decay: float = 0.0, maximize: bool = False):
        self.lr = hyper("lr", lr, label="learning rate")
        self.weight_decay = hyper("weight_decay", weight_decay)
        self.maximize = bool(maximize)
        if isinstance(params, np.ndarray):
            raise ValueError("params must be a list of numpy arrays, not a single array: "
                             f"write {type(self).__name__}([w], ...)")
        self.params = list(params)
        if not self.params:
            raise ValueError("params must be a non-empty list of numpy arrays; got an empty list")
        for i, p in enumerate(self.params):
            if not isinstance(p, np.ndarray) or not np.issubdtype(p.dtype, np.floating):
                kind = p.dtype if isinstance(p, np.ndarray) else type(p).__name__
                raise ValueError(f"params[{i}] must be a floating-point numpy array "
                                 f"(updated in place); got {kind}")
        self.steps_taken = 0

    def _pairs(self, grads) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
        """Yield ``(i, param, effective gradient)``: sign flipped for ``maximize`` and
        ``weight_decay * param`` added, as torch does before its own update."""
        grads = list(grads)
        if len(grads) != len(self.params):
            raise ValueError(f"grads must hold one array per parameter: expected "
                             f"{len(self.params)}, got {len(grads)}")
        checked = []
        for i, (p, g) in enumerate(zip(self.params, grads, strict=True)):
            if type(g) is not np.ndarray or g.dtype != p.dtype:
                g = np.asarray(g, dtype=p.dtype)
            if g.shape != p.shape:
                raise ValueError(f"grads[{i}] must have the shape of params[{i}], "
                                 f"{p.shape}; got {g.shape}")
            checked.append(g)
        self.steps_taken += 1
        for i, (p, g) in enumerate(zip(self.params, checked, strict=True)):
            if self.maximize:
                g = -g
            if self.weight_decay != 0:
                g = g + self.weight_decay * p
            yield i, p, g

    def step(self, grads) -> None:
        """Update every parameter in place; ``grads`` holds one array per parameter,
        each of the parameter's shape."""
        raise NotImplementedError
