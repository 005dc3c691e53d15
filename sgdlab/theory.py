"""What theory predicts, as functions the notebooks and tests can check.

``L`` and ``mu`` are the largest and smallest Hessian eigenvalues of a quadratic
(``0 < mu <= L``); ``kappa = L / mu`` is its condition number.
"""

from __future__ import annotations

import math

import numpy as np

from sgdlab import _validate as check


def _L_mu(L: float, mu: float) -> tuple[float, float]:
    L = check.positive("L", L)
    mu = check.positive("mu", mu)
    if mu > L:
        raise ValueError(f"mu must be <= L ({L}); got {mu}")
    return L, mu


def gd_stability_threshold(L: float) -> float:
    """GD on a quadratic converges for every start iff ``0 < lr < 2 / L``."""
    return 2.0 / check.positive("L", L)


def gd_rate(lr: float, L: float, mu: float) -> float:
    """Worst-case factor by which GD shrinks the distance to the minimum per step:
    ``max(|1 - lr mu|, |1 - lr L|)`` (above 1 means divergence)."""
    L, mu = _L_mu(L, mu)
    lr = check.positive("lr", lr)
    return max(abs(1 - lr * mu), abs(1 - lr * L))


def gd_best_step(L: float, mu: float) -> float:
    """The constant step that minimises :func:`gd_rate`: ``2 / (L + mu)``."""
    L, mu = _L_mu(L, mu)
    return 2.0 / (L + mu)


def gd_best_rate(L: float, mu: float) -> float:
    """The rate at the best step: ``(kappa - 1) / (kappa + 1)``."""
    L, mu = _L_mu(L, mu)
    kappa = L / mu
    return (kappa - 1) / (kappa + 1)


def heavy_ball_best(L: float, mu: float) -> tuple[float, float]:
    """Best heavy-ball (torch-style momentum) ``(lr, momentum)`` on a quadratic:
    ``lr = (2 / (sqrt L + sqrt mu))^2``, ``momentum = ((sqrt kappa - 1) / (sqrt kappa + 1))^2``."""
    L, mu = _L_mu(L, mu)
    lr = (2.0 / (math.sqrt(L) + math.sqrt(mu))) ** 2
    root = math.sqrt(L / mu)
    return lr, ((root - 1) / (root + 1)) ** 2


def heavy_ball_best_rate(L: float, mu: float) -> float:
    """The rate at the best heavy-ball parameters: ``(sqrt kappa - 1) / (sqrt kappa + 1)``."""
    L, mu = _L_mu(L, mu)
    root = math.sqrt(L / mu)
    return (root - 1) / (root + 1)


def heavy_ball_rate(lr: float, momentum: float, eigenvalues) -> float:
    """Asymptotic rate of heavy ball on a quadratic with these Hessian eigenvalues:
    the largest spectral radius of the 2x2 iteration matrices
    ``[[1 + momentum - lr h, -momentum], [1, 0]]`` over the eigenvalues ``h``."""
    lr = check.positive("lr", lr)
    momentum = check.in_range("momentum", momentum, 0.0, 1.0)
    eigenvalues = np.atleast_1d(check.float_array("eigenvalues", eigenvalues))
    if eigenvalues.ndim != 1 or eigenvalues.size == 0:
        raise ValueError("eigenvalues must be a number or a non-empty 1-D array; "
                         f"got shape {eigenvalues.shape}")
    worst = 0.0
    for h in eigenvalues:
        T = np.array([[1 + momentum - lr * h, -momentum], [1.0, 0.0]])
        worst = max(worst, float(np.max(np.abs(np.linalg.eigvals(T)))))
    return worst


def heavy_ball_stability_threshold(momentum: float, L: float) -> float:
    """Heavy ball (torch-style momentum) on a quadratic with largest Hessian eigenvalue
    ``L`` converges for every start iff ``0 <= momentum < 1`` and
    ``0 < lr < 2 (1 + momentum) / L``; this returns that bound on ``lr``.

    Example:
        >>> heavy_ball_stability_threshold(0.5, L=1.0)
        3.0
    """
    momentum = check.in_range("momentum", momentum, 0.0, 1.0)
    return 2.0 * (1.0 + momentum) / check.positive("L", L)


def momentum_window(momentum: float) -> float:
    """Momentum averages roughly the last ``1 / (1 - momentum)`` gradients."""
    momentum = check.in_range("momentum", momentum, 0.0, 1.0)
    return 1.0 / (1.0 - momentum)


def gradient_noise(per_example_grads) -> float:
    """Total variance of one example's gradient around the mean gradient:
    ``sigma^2 = 1/n sum_i |g_i - g_bar|^2``, from per-example gradients of shape (n, d)."""
    G = check.float_array("per_example_grads", per_example_grads, ndim=2)
    if G.shape[0] == 0:
        raise ValueError("per_example_grads must have at least one row; got shape "
                         f"{G.shape}")
    return float(np.mean(np.sum((G - G.mean(axis=0)) ** 2, axis=1)))


def minibatch_variance(sigma2: float, batch_size: int, n: int, *,
                       replacement: bool = True) -> float:
    """Expected ``E|g_B - g_bar|^2`` of a minibatch mean gradient over ``batch_size`` rows.

    With replacement it is ``sigma2 / B``; without replacement it is smaller by the
    finite-population factor ``(n - B) / (n - 1)``, and 0 at ``B = n``.
    """
    sigma2 = check.positive("sigma2", sigma2, allow_zero=True)
    replacement = check.boolean("replacement", replacement)
    n = check.integer("n", n)
    batch_size = check.integer("batch_size", batch_size, low=1, high=None if replacement else n)
    var = sigma2 / batch_size
    if not replacement:
        var *= (n - batch_size) / (n - 1) if n > 1 else 0.0
    return var
