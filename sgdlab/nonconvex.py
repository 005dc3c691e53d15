"""Non-convex losses with known stationary points, for notebook 09.

- :class:`NoisySaddle`: ``f(x, y) = x^2/2 + y^4/4 - y^2/2``, a saddle at the origin and
  two minima at ``(0, +-1)``, written as an average of per-example losses so that
  minibatch SGD has real sampling noise.
- :class:`TanhUnit`: the squared error of the smallest one-hidden-layer network,
  ``v * tanh(w x)``, on data made by ``tanh(2 x)``: two equally good minima
  ``(2, 1)`` and ``(-2, -1)`` (the network is symmetric under ``(w, v) -> (-w, -v)``)
  and a saddle at the origin.
- :func:`gd_escape_steps`: how many gradient steps leave a saddle along its
  negative-curvature direction, from the linearised dynamics.

Both classes follow :mod:`sgdlab.objectives` (``value``, ``grad``, ``hessian``,
``minimizers``, ``saddles``, ``default_view``) so that :mod:`sgdlab.plots` and
:mod:`sgdlab.animate` draw them, and :class:`NoisySaddle` also has ``loss(w, idx)`` and
``grad(w, idx)`` over its ``n_samples`` examples so that :func:`sgdlab.train.run` can
run minibatch SGD on it.
"""

from __future__ import annotations

import math

import numpy as np

from sgdlab import _validate as check
from sgdlab.objectives import Objective2D, _point, _single


class NoisySaddle(Objective2D):
    """``f(w) = 1/n sum_i l_i(w)`` with ``l_i(x, y) = x^2/2 - a_i x + y^4/4 - y^2/2 + b_i y``.

    The offsets ``(a_i, b_i)`` have standard deviation ``noise`` and are centred, so they
    cancel in the mean: the full loss is ``x^2/2 + y^4/4 - y^2/2``, computed in closed
    form (the full gradient at ``y = 0`` is exactly 0). A minibatch gradient is the full
    one plus the minibatch's mean offset ``(-mean a, mean b)``.

    Args:
        n: number of examples, >= 2.
        noise: standard deviation of the offsets, >= 0.
        rng: a ``numpy.random.Generator`` (or an int seed) for the offsets.
    """

    name = "noisy saddle"

    def __init__(self, n: int = 64, noise: float = 1.0, *, rng: np.random.Generator):
        n = check.integer("n", n, low=2)
        self.noise = check.positive("noise", noise, allow_zero=True)
        offsets = check.rng(rng).normal(size=(n, 2))
        offsets -= offsets.mean(axis=0)
        offsets /= offsets.std(axis=0)
        self.offsets = self.noise * offsets

    @property
    def offsets(self) -> np.ndarray:
        """The offsets ``(a_i, b_i)``, shape (n, 2), read-only: assign a new array to
        change them (a minibatch's mean offset is kept between the gradient and the loss
        of the same step)."""
        return self._offsets

    @offsets.setter
    def offsets(self, value) -> None:
        value = check.float_array("offsets", value, ndim=2)
        if value.shape[1:] != (2,) or value.shape[0] < 2:
            raise ValueError(f"offsets must have shape (n, 2) with n >= 2; got {value.shape}")
        value = value.copy()
        value.setflags(write=False)
        self._offsets = value

    @property
    def n_samples(self) -> int:
        """Number of examples n."""
        return self.offsets.shape[0]

    def value(self, w) -> np.ndarray:
        w = _point(w)
        x, y = w[..., 0], w[..., 1]
        with np.errstate(over="ignore", invalid="ignore"):  # far out: inf, as objectives
            return 0.5 * x**2 + 0.25 * y**4 - 0.5 * y**2

    def _full_grad(self, w) -> np.ndarray:
        w = _point(w)
        x, y = w[..., 0], w[..., 1]
        with np.errstate(over="ignore", invalid="ignore"):
            return np.stack([x, y**3 - y], axis=-1)

    def _shift(self, idx) -> np.ndarray:
        # The training loop asks for the gradient, then the loss, of the same minibatch:
        # its mean offset is computed once (same rows, same offsets: same numbers).
        last = self.__dict__.get("_last_shift")
        if (last is not None and last[0] is idx and last[1] is self._offsets
                and np.array_equal(last[2], idx)):
            return last[3], last[4]
        checked = check.indices(idx, self.n_samples)
        a, b = self.offsets[checked].mean(axis=0)
        shift = np.array([-a, b])
        if isinstance(idx, np.ndarray):
            self._last_shift = (idx, self._offsets, idx.copy(), checked, shift)
        return checked, shift

    def loss(self, w, idx=None) -> float:
        """Mean of ``l_i`` over the examples ``idx`` (all of them when None)."""
        w = _single(w)
        if idx is None:
            return float(self.value(w))
        idx, shift = self._shift(idx)
        with np.errstate(over="ignore", invalid="ignore"):
            return float(self.value(w) + w @ shift)

    def grad(self, w, idx=None) -> np.ndarray:
        """Mean gradient of ``l_i`` over ``idx`` (all: the closed form), shape (2,)."""
        if idx is None:
            return self._full_grad(w)
        idx, shift = self._shift(idx)
        return self._full_grad(w) + shift

    def hessian(self, w) -> np.ndarray:
        _, y = _single(w)
        with np.errstate(over="ignore"):
            return np.array([[1.0, 0.0], [0.0, 3 * y**2 - 1]])

    def minimizers(self) -> list[np.ndarray]:
        return [np.array([0.0, 1.0]), np.array([0.0, -1.0])]

    def saddles(self) -> list[np.ndarray]:
        return [np.zeros(2)]

    def default_view(self):
        return (-1.6, 1.6), (-1.6, 1.6)


class TanhUnit(Objective2D):
    """Mean squared error ``1/(2n) sum_j (v tanh(w x_j) - t_j)^2`` of the network
    ``x -> v tanh(w x)`` (one hidden unit with weight ``w``, output weight ``v``) on
    inputs ``x`` and targets ``t = tanh(2 x)``.

    Args:
        x: the inputs, shape (n,); default 41 points evenly spread on [-2, 2].
    """

    name = "one tanh unit"

    def __init__(self, x=None):
        x = np.linspace(-2.0, 2.0, 41) if x is None else x
        self.x = check.float_array("x", x, ndim=1)
        if not np.any(self.x != 0):
            raise ValueError("x must hold at least one non-zero input")
        self.t = np.tanh(2.0 * self.x)

    def _parts(self, w):
        w = _point(w)
        a, v = w[..., 0, None], w[..., 1, None]  # shape (..., 1) against x of shape (n,)
        with np.errstate(over="ignore", invalid="ignore"):
            h = np.tanh(a * self.x)
            return v, h, v * h - self.t

    def value(self, w) -> np.ndarray:
        _, _, r = self._parts(w)
        with np.errstate(over="ignore", invalid="ignore"):
            return 0.5 * np.mean(r**2, axis=-1)

    def grad(self, w, idx=None) -> np.ndarray:
        if idx is not None:
            raise ValueError("idx must be None: this network is trained full-batch here")
        v, h, r = self._parts(w)
        with np.errstate(over="ignore", invalid="ignore"):
            dw = np.mean(r * v * (1 - h**2) * self.x, axis=-1)
            dv = np.mean(r * h, axis=-1)
        return np.stack([dw, dv], axis=-1)

    def hessian(self, w) -> np.ndarray:
        """Central differences of the exact gradient (step 1e-5), shape (2, 2)."""
        w = _single(w)
        eye = 1e-5 * np.eye(2)
        cols = [(self.grad(w + e) - self.grad(w - e)) / 2e-5 for e in eye]
        H = np.array(cols).T
        return (H + H.T) / 2

    def minimizers(self) -> list[np.ndarray]:
        return [np.array([2.0, 1.0]), np.array([-2.0, -1.0])]

    def saddles(self) -> list[np.ndarray]:
        return [np.zeros(2)]

    def default_view(self):
        return (-3.5, 3.5), (-2.0, 2.0)


def gd_escape_steps(lr: float, curvature: float, offset: float, radius: float) -> int:
    """Gradient-descent steps needed to move from ``offset`` to ``radius`` along a
    direction of negative curvature ``curvature < 0`` at a saddle, in the linearised
    dynamics ``y <- (1 - lr * curvature) y``: the smallest ``k`` with
    ``offset * (1 + lr |curvature|)^k >= radius`` (0 if ``offset >= radius``).

    Args:
        lr: the learning rate, > 0.
        curvature: the negative Hessian eigenvalue, < 0.
        offset: the starting distance from the saddle along that direction, > 0.
        radius: the distance that counts as "left", > 0.
    """
    lr = check.positive("lr", lr)
    curvature = check.real("curvature", curvature)
    if not curvature < 0:
        raise ValueError(f"curvature must be a finite number < 0; got {curvature!r}")
    offset = check.positive("offset", offset)
    radius = check.positive("radius", radius)
    if offset >= radius:
        return 0
    # in logs, so that a tiny offset or a huge radius cannot overflow
    span = math.log(radius) - math.log(offset)
    per_step = math.log1p(lr * abs(curvature))  # log of the growth factor per step
    if per_step == 0.0 or not math.isfinite(span / per_step):
        raise ValueError(f"lr * |curvature| is too small to ever leave the saddle in a "
                         f"countable number of steps; got lr={lr!r}, curvature={curvature!r}")
    k = max(1, math.ceil(span / per_step))
    growth = np.float64(1.0 + lr * abs(curvature))
    if growth == 1.0 or k > 10**6:  # growth rounds to 1, or too many steps for the product
        while k > 1 and (k - 1) * per_step >= span:
            k -= 1
        while k * per_step < span:
            k += 1
        return k
    with np.errstate(over="ignore"):  # guard the rounding of the logs with the product
        while k > 1 and offset * growth ** float(k - 1) >= radius:
            k -= 1
        while offset * growth ** float(k) < radius:
            k += 1
    return k
