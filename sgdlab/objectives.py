"""Two-dimensional test functions with known minimisers, for contour plots.

Each objective has ``value(w)`` and ``grad(w)`` for ``w`` of shape (2,) or a stack of
points of shape (..., 2), ``hessian(w)`` of shape (2, 2), and the list of its
minimisers. They have no data, so ``loss(w, idx)`` and ``grad(w, idx)`` accept only
``idx=None``: the training loop runs full-batch gradient descent on them.
"""

from __future__ import annotations

import numpy as np

from sgdlab import _validate as check


class Objective2D:
    """Base class: a smooth function of two variables."""

    n_samples = None  # no data: only full-batch steps make sense
    dim = 2
    name = "objective"

    def value(self, w) -> np.ndarray:
        """f(w): shape (...) for ``w`` of shape (..., 2)."""
        raise NotImplementedError

    def grad(self, w, idx=None) -> np.ndarray:
        """The gradient, shape (..., 2) for ``w`` of shape (..., 2)."""
        raise NotImplementedError

    def hessian(self, w) -> np.ndarray:
        """The Hessian at a single point ``w`` (shape (2,)), shape (2, 2)."""
        raise NotImplementedError

    def loss(self, w, idx=None) -> float:
        """``value(w)`` as a float for one point ``w`` (shape (2,)), with the data-problem
        signature of the training loop."""
        _no_data(idx)
        return float(self.value(_single(w)))

    def minimizers(self) -> list[np.ndarray]:
        """The local minimisers, the global one(s) first, each of shape (2,)."""
        raise NotImplementedError

    def saddles(self) -> list[np.ndarray]:
        """The saddle points, each of shape (2,) (empty for a convex function)."""
        return []

    def hessian_eigenvalues(self, w=None) -> np.ndarray:
        """Eigenvalues of the Hessian at ``w`` (default: the global minimiser), ascending."""
        point = self.minimizers()[0] if w is None else _single(w)
        return np.linalg.eigvalsh(self.hessian(point))

    def default_view(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """Axis limits ``(xlim, ylim)`` that show the interesting part."""
        return (-2.0, 2.0), (-2.0, 2.0)


def _no_data(idx) -> None:
    if idx is not None:
        raise ValueError(
            "idx must be None: a 2-D test function has no data to sample a minibatch from"
        )


def _point(w) -> np.ndarray:
    """``w`` as a finite float array of shape (..., 2). Computed values may overflow to
    inf far from the minimum; the callers ignore numpy's warning about that."""
    if type(w) is np.ndarray and w.dtype == np.float64:
        arr = w
        # logical_and.reduce: what .all() does, without its Python-level wrapper
        if not np.logical_and.reduce(np.isfinite(arr), axis=None):
            raise ValueError("w must contain only finite numbers (no NaN or inf)")
    else:
        arr = check.float_array("w", w)
    if arr.shape[-1:] != (2,):
        raise ValueError(f"w must have shape (2,) or (..., 2); got {arr.shape}")
    return arr


def _single(w) -> np.ndarray:
    """``w`` as one finite point of shape (2,)."""
    if (type(w) is np.ndarray and w.dtype == np.float64 and w.shape == (2,)
            and np.isfinite(w).all()):
        return w  # what float_array would return, without its conversions
    return check.float_array("w", w, shape=(2,))


def _rotation(angle: float) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[c, -s], [s, c]])


class Quadratic(Objective2D):
    """``f(w) = 1/2 (w - w*)^T A (w - w*)`` with eigenvalues ``L`` and ``L / condition``.

    Args:
        condition: the condition number kappa = L / mu, >= 1.
        L: the largest eigenvalue (the smoothness constant), > 0.
        angle: rotation of the eigenvectors from the axes, in radians.
        center: the minimiser ``w*``, shape (2,).
    """

    name = "quadratic"

    def __init__(self, condition: float = 10.0, *, L: float = 1.0, angle: float = 0.0,
                 center=(0.0, 0.0)):
        self.condition = check.positive("condition", condition)
        if self.condition < 1:
            raise ValueError(f"condition must be >= 1 (it is L / mu); got {condition!r}")
        self.L = check.positive("L", L)
        self.mu = self.L / self.condition
        if self.mu == 0.0:
            raise ValueError(f"condition must be small enough for mu = L / condition to be > 0; "
                             f"got L={self.L!r}, condition={self.condition!r}")
        self.angle = check.real("angle", angle)
        self.center = check.float_array("center", center, shape=(2,))
        R = _rotation(self.angle)
        self.A = R @ np.diag([self.L, self.mu]) @ R.T

    # z A for z = w - w* is written out element by element instead of z @ A (which numpy
    # hands to BLAS, whose kernels round a single point and a stack of points
    # differently): one point and the same point inside a stack give the same bits,
    # which sgdlab.compare.race relies on to match sgdlab.train.run exactly.
    def value(self, w):
        z = _point(w) - self.center
        A = self.A
        with np.errstate(over="ignore", invalid="ignore"):
            zAz = z * (z[..., :1] * A[0] + z[..., 1:] * A[1])
            return 0.5 * (zAz[..., 0] + zAz[..., 1])

    def grad(self, w, idx=None):
        _no_data(idx)
        z = _point(w) - self.center
        A = self.A
        with np.errstate(over="ignore", invalid="ignore"):
            return z[..., :1] * A[0] + z[..., 1:] * A[1]

    def hessian(self, w=None):
        """``A``, shape (2, 2): the same at every point, so ``w`` may be None."""
        if w is not None:
            _single(w)
        return self.A.copy()

    def minimizers(self):
        return [self.center.copy()]

    def default_view(self):
        r = 2.0
        return (self.center[0] - r, self.center[0] + r), (self.center[1] - r, self.center[1] + r)


class Rosenbrock(Objective2D):
    """``f(x, y) = (a - x)^2 + b (y - x^2)^2``: a curved valley, minimum at ``(a, a^2)``."""

    name = "rosenbrock"

    def __init__(self, a: float = 1.0, b: float = 100.0):
        self.a = check.real("a", a)
        self.b = check.positive("b", b)

    def value(self, w):
        w = _point(w)
        x, y = w[..., 0], w[..., 1]
        # squares as products: on a single point numpy's scalar ``** 2`` calls pow(),
        # which can round differently from ``x * x`` (what ``** 2`` does on an array)
        with np.errstate(over="ignore", invalid="ignore"):
            d, e = self.a - x, y - x * x
            return d * d + self.b * (e * e)

    def grad(self, w, idx=None):
        _no_data(idx)
        w = _point(w)
        x, y = w[..., 0], w[..., 1]
        with np.errstate(over="ignore", invalid="ignore"):
            e = y - x * x
            out = np.empty(w.shape)  # cheaper than np.stack([dx, dy], axis=-1)
            out[..., 0] = -2 * (self.a - x) - 4 * self.b * x * e
            out[..., 1] = 2 * self.b * e
        return out

    def hessian(self, w):
        x, y = _single(w)
        with np.errstate(over="ignore", invalid="ignore"):
            return np.array([[2 - 4 * self.b * (y - 3 * x**2), -4 * self.b * x],
                             [-4 * self.b * x, 2 * self.b]])

    def minimizers(self):
        return [np.array([self.a, self.a**2])]

    def default_view(self):
        return (-2.0, 2.0), (-1.0, 3.0)


class DoubleWell(Objective2D):
    """``f(x, y) = (x^2 - 1)^2 + tilt * x + y^2``: two valleys and a saddle between.

    With ``tilt > 0`` the left valley is deeper, so the right one is a local minimum
    that is not global. Needs ``|tilt| < 8 / (3 sqrt 3) ~ 1.54`` for two minima.
    """

    name = "double well"

    def __init__(self, tilt: float = 0.3):
        limit = 8 / (3 * np.sqrt(3))
        self.tilt = check.real("tilt", tilt)
        if not abs(self.tilt) < limit:
            raise ValueError(f"tilt must be in (-{limit:.3f}, {limit:.3f}) for two minima; "
                             f"got {tilt!r}")

    def value(self, w):
        w = _point(w)
        x, y = w[..., 0], w[..., 1]
        with np.errstate(over="ignore", invalid="ignore"):
            return (x**2 - 1) ** 2 + self.tilt * x + y**2

    def grad(self, w, idx=None):
        _no_data(idx)
        w = _point(w)
        x, y = w[..., 0], w[..., 1]
        with np.errstate(over="ignore", invalid="ignore"):
            return np.stack([4 * x**3 - 4 * x + self.tilt, 2 * y], axis=-1)

    def hessian(self, w):
        x, _ = _single(w)
        with np.errstate(over="ignore", invalid="ignore"):
            return np.array([[12 * x**2 - 4, 0.0], [0.0, 2.0]])

    def _stationary_x(self) -> np.ndarray:
        roots = np.roots([4.0, 0.0, -4.0, self.tilt])
        return np.sort(roots.real[np.abs(roots.imag) < 1e-9])

    def minimizers(self):
        xs = [x for x in self._stationary_x() if 12 * x**2 - 4 > 0]
        points = [np.array([x, 0.0]) for x in xs]
        return sorted(points, key=lambda p: float(self.value(p)))

    def saddles(self):
        return [np.array([x, 0.0]) for x in self._stationary_x() if 12 * x**2 - 4 < 0]

    def default_view(self):
        return (-2.0, 2.0), (-1.5, 1.5)
