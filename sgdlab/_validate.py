"""Argument checks shared by the public API.

Every check raises a ``ValueError`` (or, for a value of the wrong kind, an
:class:`ArgumentTypeError`, which is both a ``TypeError`` and a ``ValueError``) whose
message names the argument and the allowed values, so a learner who passes something
odd reads what to change.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable

import numpy as np


class ArgumentTypeError(TypeError, ValueError):
    """An argument of the wrong kind (a string where a number goes, an array where a
    problem goes). A ``TypeError``, and also a ``ValueError`` so that code written when
    every check raised ``ValueError`` still catches it (as numpy's ``AxisError`` is both
    a ``ValueError`` and an ``IndexError``)."""


def _kind(value) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    return type(value).__name__


def real(name: str, value: float) -> float:
    """Return ``value`` as a float after checking it is a finite real number."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ArgumentTypeError(f"{name} must be a real number; got {_kind(value)} {value!r}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be a finite number; got {value!r}")
    return value


def positive(name: str, value: float, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a float after checking it is finite and > 0 (or >= 0)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ArgumentTypeError(f"{name} must be a real number; got {_kind(value)} {value!r}")
    value = float(value)
    low_ok = value >= 0 if allow_zero else value > 0
    if not (np.isfinite(value) and low_ok):
        allowed = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be a finite number {allowed}; got {value!r}")
    return value


def in_range(name: str, value: float, low: float, high: float, *, high_open: bool = True) -> float:
    """Return ``value`` as a float after checking ``low <= value < high`` (or ``<= high``)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ArgumentTypeError(f"{name} must be a real number; got {_kind(value)} {value!r}")
    value = float(value)
    ok = low <= value < high if high_open else low <= value <= high
    if not ok:
        bracket = ")" if high_open else "]"
        raise ValueError(f"{name} must be in [{low}, {high}{bracket}; got {value!r}")
    return value


def integer(name: str, value: int, *, low: int = 1, high: int | None = None) -> int:
    """Return ``value`` after checking it is an int with ``low <= value <= high``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        error = ValueError if isinstance(value, numbers.Real) else ArgumentTypeError
        raise error(f"{name} must be a whole number; got {_kind(value)} {value!r}")
    value = int(value)
    if value < low or (high is not None and value > high):
        upper = f" and <= {high}" if high is not None else ""
        raise ValueError(f"{name} must be >= {low}{upper}; got {value}")
    return value


def choice(name: str, value: str, allowed: tuple[str, ...]) -> str:
    """Return ``value`` after checking it is one of ``allowed``."""
    if not isinstance(value, str):
        raise ArgumentTypeError(f"{name} must be one of {', '.join(map(repr, allowed))}; "
                                f"got {_kind(value)} {value!r}")
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}; got {value!r}")
    return value


def float_array(name: str, value, *, ndim: int | None = None, shape=None) -> np.ndarray:
    """Return ``value`` as a finite float64 array of the given ``ndim`` or ``shape``.

    Real numbers only: complex numbers, strings, ``None`` and ragged lists are refused
    (numpy would drop an imaginary part, or parse ``"1"`` as 1.0)."""
    if value is None or isinstance(value, str | bytes):
        raise ArgumentTypeError(f"{name} must be an array of real numbers; got {_kind(value)}")
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError):
        raise ArgumentTypeError(f"{name} must be an array of real numbers (a ragged list "
                                f"cannot be one); got {_kind(value)}") from None
    if raw.dtype.kind == "c":
        raise ArgumentTypeError(f"{name} must hold real numbers; got complex numbers "
                                "(take .real or abs() first)")
    if raw.dtype.kind not in "biuf":
        if raw.dtype.kind != "O" or not all(
                isinstance(v, numbers.Real) and not isinstance(v, bool) for v in raw.flat):
            raise ArgumentTypeError(f"{name} must be an array of real numbers; got "
                                    f"{_kind(value)} of dtype {raw.dtype}")
    try:
        arr = raw.astype(float, copy=False)
    except (TypeError, ValueError, OverflowError):
        raise ArgumentTypeError(f"{name} must be an array of real numbers; "
                                f"got {_kind(value)}") from None
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
    if isinstance(idx, str | bytes):
        raise ArgumentTypeError(f"{name} must be a 1-D array of row indices; got a string")
    try:
        idx = np.asarray(idx)
    except (TypeError, ValueError):
        raise ArgumentTypeError(f"{name} must be a 1-D array of row indices; "
                                f"got {_kind(idx)}") from None
    if idx.ndim != 1 or idx.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array of row indices; "
                         f"got shape {idx.shape}")
    if not np.issubdtype(idx.dtype, np.integer):
        raise ArgumentTypeError(f"{name} must hold integers; got dtype {idx.dtype}")
    if idx.min() < 0 or idx.max() >= n:
        raise ValueError(f"{name} must hold row indices in [0, {n - 1}]; got values outside")
    return idx


def boolean(name: str, value) -> bool:
    """Return ``value`` after checking it is True or False (numpy's bool too)."""
    if not isinstance(value, bool | np.bool_):
        raise ArgumentTypeError(f"{name} must be True or False; got {_kind(value)} {value!r}")
    return bool(value)


def optional_str(name: str, value) -> str | None:
    """Return ``value`` after checking it is a string or None."""
    if value is not None and not isinstance(value, str):
        raise ArgumentTypeError(f"{name} must be a string or None; got {_kind(value)} {value!r}")
    return value


def function(name: str, value) -> Callable:
    """Return ``value`` after checking it can be called."""
    if not callable(value):
        raise ArgumentTypeError(f"{name} must be a function (something callable); "
                                f"got {_kind(value)} {value!r}")
    return value


def rng(value, *, name: str = "rng", required: bool = True) -> np.random.Generator | None:
    """The one place where an ``rng`` argument is read: a ``numpy.random.Generator`` is
    used as it is, an int seed >= 0 becomes ``np.random.default_rng(seed)``, and ``None``
    is returned as None when ``required`` is False (the caller needs no randomness yet).
    """
    if isinstance(value, np.random.Generator):
        return value
    if value is None:
        if required:
            raise ValueError(f"{name} must be given: an int seed or a numpy Generator, "
                             "e.g. np.random.default_rng(0)")
        return None
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        if value < 0:
            raise ValueError(f"{name} must be an int seed >= 0 or a numpy Generator; "
                             f"got {int(value)}")
        return np.random.default_rng(int(value))
    raise ArgumentTypeError(f"{name} must be a numpy Generator (np.random.default_rng(seed)) "
                            f"or an int seed; got {_kind(value)}")


def problem(value, *, name: str = "problem", need=("loss", "grad")) -> object:
    """Check ``value`` looks like a problem: a data problem (``sgdlab.losses``) or a 2-D
    test function (``sgdlab.objectives``), with ``n_samples``, ``dim`` and the methods
    named in ``need``. An array (``data.X``) or a ``Dataset`` gets a hint."""
    if isinstance(value, type):
        raise ArgumentTypeError(f"{name} must be a problem object, not the class "
                                f"{value.__name__}: build one, e.g. {value.__name__}(...)")
    missing = [m for m in ("n_samples", "dim", *need) if not hasattr(value, m)]
    if not missing:
        dim, n = value.dim, value.n_samples
        if (isinstance(dim, numbers.Integral) and dim >= 1
                and (n is None or isinstance(n, numbers.Integral) and n >= 1)):
            return value
    hint = ""
    if isinstance(value, np.ndarray | list | tuple):
        hint = (" (an array is data, not a problem: build one with "
                "sgdlab.losses.LeastSquares(X, y))")
    elif hasattr(value, "X") and hasattr(value, "y"):
        hint = " (wrap the data in a problem: sgdlab.losses.LeastSquares(data.X, data.y))"
    raise ArgumentTypeError(f"{name} must be a data problem (sgdlab.losses) or a 2-D test "
                            f"function (sgdlab.objectives); got {_kind(value)}{hint}")


def limits(name: str, value) -> tuple[float, float]:
    """Check axis limits: a pair ``(low, high)`` of finite numbers with ``low < high``."""
    pair = float_array(name, value, shape=(2,))
    if not pair[0] < pair[1]:
        raise ValueError(f"{name} must be a pair (low, high) with low < high; "
                         f"got {tuple(pair.tolist())}")
    return float(pair[0]), float(pair[1])


def seed(name: str, value) -> int:
    """Return ``value`` after checking it is a whole-number seed in [0, 2**63)."""
    return integer(name, value, low=0, high=2**63 - 1)


def instance(name: str, value, cls: type | tuple[type, ...], what: str):
    """Return ``value`` after checking it is an instance of ``cls`` (``what`` says it in
    words, e.g. "a torch.nn.Module")."""
    if isinstance(value, type) or not isinstance(value, cls):
        raise ArgumentTypeError(f"{name} must be {what}; got {_kind(value)}")
    return value


def device(name: str, value):
    """Return ``value`` after checking it is a torch device (or its name) this machine
    has ("cpu", or "cuda" / "mps" where available). Imports torch only when called."""
    import torch

    if not isinstance(value, str | torch.device):
        raise ArgumentTypeError(f"{name} must be a device name such as 'cpu'; "
                                f"got {_kind(value)} {value!r}")
    try:
        kind = torch.device(value).type
    except (RuntimeError, ValueError, TypeError):
        raise ValueError(f"{name} must be a device name such as 'cpu' or 'cuda'; "
                         f"got {value!r}") from None
    mps = getattr(torch.backends, "mps", None)
    available = {"cpu": True, "cuda": torch.cuda.is_available(),
                 "mps": bool(mps is not None and mps.is_available())}
    if not available.get(kind, False):
        have = [k for k, ok in available.items() if ok]
        raise ValueError(f"{name} must be a device this machine has ({', '.join(have)}); "
                         f"got {value!r}")
    return value
