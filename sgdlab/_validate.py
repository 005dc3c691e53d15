"""Argument checks shared by the public API.

Every check raises a ``ValueError`` whose message names the argument and the
allowed values, so a learner who passes something odd reads what to change.
"""

from __future__ import annotations

import numbers

import numpy as np


def positive(name: str, value: float, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a float after checking it is finite and > 0 (or >= 0)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number; got {value!r}")
    value = float(value)
    low_ok = value >= 0 if allow_zero else value > 0
    if not (np.isfinite(value) and low_ok):
        allowed = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be a finite number {allowed}; got {value!r}")
    return value


def in_range(name: str, value: float, low: float, high: float, *, high_open: bool = True) -> float:
    """Return ``value`` as a float after checking ``low <= value < high`` (or ``<= high``)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number; got {value!r}")
    value = float(value)
    ok = low <= value < high if high_open else low <= value <= high
    if not ok:
        bracket = ")" if high_open else "]"
        raise ValueError(f"{name} must be in [{low}, {high}{bracket}; got {value!r}")
    return value


def integer(name: str, value: int, *, low: int = 1, high: int | None = None) -> int:
    """Return ``value`` after checking it is an int with ``low <= value <= high``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be a whole number; got {value!r}")
    value = int(value)
    if value < low or (high is not None and value > high):
        upper = f" and <= {high}" if high is not None else ""
        raise ValueError(f"{name} must be >= {low}{upper}; got {value}")
    return value


def choice(name: str, value: str, allowed: tuple[str, ...]) -> str:
    """Return ``value`` after checking it is one of ``allowed``."""
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}; got {value!r}")
    return value


def float_array(name: str, value, *, ndim: int | None = None, shape=None) -> np.ndarray:
    """Return ``value`` as a finite float64 array of the given ``ndim`` or ``shape``."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        kind = type(value).__name__
        raise ValueError(f"{name} must be an array of numbers; got {kind}") from None
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must be a {ndim}-D array; got shape {arr.shape}")
    if shape is not None and arr.shape != tuple(shape):
        raise ValueError(f"{name} must have shape {tuple(shape)}; got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must contain only finite numbers (no NaN or inf)")
    return arr


def data(X, y) -> tuple[np.ndarray, np.ndarray]:
    """Check a design matrix ``X`` of shape (n, d) and targets ``y`` of shape (n,)."""
    X = float_array("X", X, ndim=2)
    y = float_array("y", y, ndim=1)
    if X.shape[0] != y.shape[0]:
        raise ValueError(
            f"X and y must have the same number of rows; got X with {X.shape[0]} "
            f"and y with {y.shape[0]}"
        )
    if X.shape[0] == 0:
        raise ValueError("X must have at least one row; got 0")
    return X, y


def indices(idx, n: int, *, name: str = "idx") -> np.ndarray | None:
    """Check an optional minibatch index array: integers in ``[0, n)``, at least one."""
    if idx is None:
        return None
    idx = np.asarray(idx)
    if idx.ndim != 1 or idx.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array of row indices; "
                         f"got shape {idx.shape}")
    if not np.issubdtype(idx.dtype, np.integer):
        raise ValueError(f"{name} must hold integers; got dtype {idx.dtype}")
    if idx.min() < 0 or idx.max() >= n:
        raise ValueError(f"{name} must hold row indices in [0, {n - 1}]; got values outside")
    return idx
