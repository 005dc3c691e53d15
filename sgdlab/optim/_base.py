"""What every numpy optimizer here shares with ``torch.optim``: a list of parameters
updated in place, gradients checked against them, and torch's argument checks."""

from __future__ import annotations

import numbers
from collections.abc import Iterator

import numpy as np

from sgdlab._validate import ArgumentTypeError, _kind, float_array


def _number(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ArgumentTypeError(f"{name} must be a real number; got {_kind(value)} {value!r}")
    return float(value)


def hyper(name: str, value: float, *, label: str | None = None,
          positive: bool = False) -> float:
    """Check a hyperparameter is a finite number >= 0 (> 0 with ``positive``), with
    torch's wording. torch lets NaN and inf through; they only give NaN later."""
    label = label or f"{name} value"
    value = _number(name, value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be a finite number; got {value!r}")
    if value < 0.0:
        raise ValueError(f"Invalid {label}: {value} ({name} must be >= 0)")
    if positive and value == 0.0:
        raise ValueError(f"Invalid {label}: {value} ({name} must be > 0: with {name} = 0 a "
                         "gradient coordinate of 0 gives 0 / 0 = NaN)")
    return value


def fraction(name: str, value: float, *, label: str | None = None) -> float:
    """Check a factor is in [0, 1]: a weight of an average, where torch accepts anything
    (and a value above 1 turns the average negative, its square root NaN)."""
    label = label or f"{name} value"
    value = _number(name, value)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"Invalid {label}: {value} ({name} must be in [0, 1])")
    return value


def beta(name: str, value: float, *, arg: str | None = None) -> float:
    """Check an averaging factor is in [0, 1); ``arg`` names the argument in the message."""
    arg = arg or name
    value = _number(arg, value)
    if not 0.0 <= value < 1.0:
        raise ValueError(f"Invalid {name}: {value!r} ({arg} must be in [0, 1))")
    return value


def flag(name: str, value) -> bool:
    """Check an on/off option is True or False."""
    if not isinstance(value, bool | np.bool_):
        raise ArgumentTypeError(f"{name} must be True or False; got {_kind(value)} {value!r}")
    return bool(value)


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
        self.maximize = flag("maximize", maximize)
        if isinstance(params, np.ndarray):
            raise ArgumentTypeError("params must be a list of numpy arrays, not a single "
                                    f"array: write {type(self).__name__}([w], ...)")
        if isinstance(params, str | bytes | dict) or not hasattr(params, "__iter__"):
            raise ArgumentTypeError("params must be a list of numpy arrays; "
                                    f"got {_kind(params)}")
        self.params = list(params)
        if not self.params:
            raise ValueError("params must be a non-empty list of numpy arrays; got an empty list")
        for i, p in enumerate(self.params):
            if not isinstance(p, np.ndarray) or not np.issubdtype(p.dtype, np.floating):
                kind = p.dtype if isinstance(p, np.ndarray) else type(p).__name__
                raise ArgumentTypeError(f"params[{i}] must be a floating-point numpy array "
                                        f"(updated in place); got {kind}")
            if not np.all(np.isfinite(p)):
                raise ValueError(f"params[{i}] must contain only finite numbers (no NaN or inf)")
        self.steps_taken = 0

    def _pairs(self, grads) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
        """Yield ``(i, param, effective gradient)``: sign flipped for ``maximize`` and
        ``weight_decay * param`` added, as torch does before its own update."""
        if isinstance(grads, np.ndarray | str | bytes | dict) or not hasattr(grads, "__iter__"):
            raise ArgumentTypeError("grads must be a list of arrays, one per parameter: "
                                    f"write step([g]); got {_kind(grads)}")
        grads = list(grads)
        if len(grads) != len(self.params):
            raise ValueError(f"grads must hold one array per parameter: expected "
                             f"{len(self.params)}, got {len(grads)}")
        checked = []
        for i, (p, g) in enumerate(zip(self.params, grads, strict=True)):
            if type(g) is not np.ndarray or g.dtype != p.dtype:
                if type(g) is not np.ndarray or g.dtype.kind not in "biuf":
                    g = float_array(f"grads[{i}]", g)
                g = np.asarray(g, dtype=p.dtype)
            if g.shape != p.shape:
                raise ValueError(f"grads[{i}] must have the shape of params[{i}], "
                                 f"{p.shape}; got {g.shape}")
            if not np.isfinite(g).all():
                raise ValueError(f"grads[{i}] must contain only finite numbers (no NaN or inf); "
                                 "a training loop should stop and flag divergence instead")
            checked.append(g)
        self.steps_taken += 1
        for i, (p, g) in enumerate(zip(self.params, checked, strict=True)):
            yield i, p, self._direction(p, g)

    def _direction(self, p: np.ndarray, g: np.ndarray) -> np.ndarray:
        """The gradient the rule follows: sign flipped for ``maximize``, plus weight decay."""
        if self.maximize:
            g = -g
        if self.weight_decay != 0:
            g = g + self.weight_decay * p
        return g

    def step(self, grads) -> None:
        """Update every parameter in place; ``grads`` holds one array per parameter,
        each of the parameter's shape."""
        self._check_options()
        for i, p, g in self._pairs(grads):
            self._update(i, p, g)

    def _step_trusted(self, grads: list[np.ndarray]) -> None:
        """:meth:`step` without checking ``grads``, for the training loop, which hands
        over finite float64 arrays of the parameters' shapes: the same arithmetic."""
        self._check_options()
        self.steps_taken += 1
        for i, (p, g) in enumerate(zip(self.params, grads, strict=True)):
            self._update(i, p, self._direction(p, g))

    def _check_options(self) -> None:
        """Check, before every step, options that only make sense together."""

    def _update(self, i: int, p: np.ndarray, g: np.ndarray) -> None:
        """Update parameter ``i``, the array ``p``, in place from its effective gradient
        ``g`` (sign and weight decay already applied)."""
        raise NotImplementedError
