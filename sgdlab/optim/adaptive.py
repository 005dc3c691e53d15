"""Adaptive methods: numpy mirrors of ``torch.optim.Adagrad``, ``RMSprop`` and ``Adam``.

Each divides the step, coordinate by coordinate, by a running measure of how large
that coordinate's gradients have been, so steep and flat directions move at similar
speeds. Same defaults, update rules and argument checks as torch; all arithmetic is
element-wise.
"""

from __future__ import annotations

import math

import numpy as np

from sgdlab.optim._base import Optimizer, beta, flag, fraction, hyper


class Adagrad(Optimizer):
    """``torch.optim.Adagrad``: divide by the root of the *sum* of squared gradients.

    ``s += g^2;  p -= lr_t * g / (sqrt(s) + eps)`` with ``lr_t = lr / (1 + (t - 1) lr_decay)``
    at step ``t = 1, 2, ...``.

    Args:
        params: list of float numpy arrays, updated in place.
        lr: learning rate, >= 0. lr_decay: >= 0. weight_decay: >= 0.
        initial_accumulator_value: starting value of ``s``, >= 0.
        eps: > 0 (torch allows 0, which turns a zero gradient into 0 / 0 = NaN).
        maximize: ascend instead of descend.
    """

    def __init__(self, params, lr: float = 1e-2, lr_decay: float = 0.0,
                 weight_decay: float = 0.0, initial_accumulator_value: float = 0.0,
                 eps: float = 1e-10, maximize: bool = False):
        super().__init__(params, lr, weight_decay, maximize)
        self.lr_decay = hyper("lr_decay", lr_decay)
        start = hyper("initial_accumulator_value", initial_accumulator_value,
                      label="initial_accumulator_value")
        self.eps = hyper("eps", eps, label="epsilon value", positive=True)
        self.sums = [np.full_like(p, start) for p in self.params]

    def _update(self, i: int, p: np.ndarray, g: np.ndarray) -> None:
        clr = self.lr / (1 + (self.steps_taken - 1) * self.lr_decay)
        self.sums[i] += g * g
        p -= clr * (g / (np.sqrt(self.sums[i]) + self.eps))


class RMSprop(Optimizer):
    """``torch.optim.RMSprop``: divide by the root of a *moving average* of squared gradients.

    ``v = alpha v + (1 - alpha) g^2;  p -= lr * g / (sqrt(v) + eps)``; with ``centered``
    the running mean of ``g`` is subtracted (``sqrt(v - m^2)``); with ``momentum`` the
    scaled step goes through a momentum buffer ``b = momentum b + g / (sqrt(v) + eps)``.

    Args:
        params: list of float numpy arrays, updated in place.
        lr: >= 0. alpha: smoothing constant, in [0, 1] (torch checks only >= 0; above 1
            the average of squares turns negative and its root NaN). eps: > 0 (torch
            allows 0: 0 / 0 = NaN on a zero gradient). weight_decay: >= 0.
        momentum: >= 0. centered: normalise by the variance instead of the second moment.
        maximize: ascend instead of descend.
    """

    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum: float = 0.0, centered: bool = False,
                 maximize: bool = False):
        super().__init__(params, lr, weight_decay, maximize)
        self.alpha = fraction("alpha", alpha, label="alpha value")
        self.eps = hyper("eps", eps, label="epsilon value", positive=True)
        self.momentum = hyper("momentum", momentum)
        self.centered = flag("centered", centered)
        self.square_avgs = [np.zeros_like(p) for p in self.params]
        self.grad_avgs = [np.zeros_like(p) for p in self.params]
        self.momentum_buffers = [np.zeros_like(p) for p in self.params]

    def _update(self, i: int, p: np.ndarray, g: np.ndarray) -> None:
        sq = self.square_avgs[i]
        sq *= self.alpha
        sq += (1 - self.alpha) * g * g
        if self.centered:
            ga = self.grad_avgs[i]
            ga += (1 - self.alpha) * (g - ga)
            avg = np.sqrt(sq - ga * ga) + self.eps
        else:
            avg = np.sqrt(sq) + self.eps
        if self.momentum > 0:
            buf = self.momentum_buffers[i]
            buf *= self.momentum
            buf += g / avg
            p -= self.lr * buf
        else:
            p -= self.lr * (g / avg)


class Adam(Optimizer):
    """``torch.optim.Adam``: momentum on the gradient, RMSprop-style scaling, and a
    bias correction for both averages starting at zero.

    At step ``t = 1, 2, ...``: ``m = b1 m + (1 - b1) g``, ``v = b2 v + (1 - b2) g^2``,
    ``p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)``; with ``amsgrad`` the
    largest ``v`` so far is used instead of ``v``.

    Args:
        params: list of float numpy arrays, updated in place.
        lr: >= 0. betas: ``(b1, b2)``, each in [0, 1). eps: > 0 (torch allows 0: 0 / 0 =
            NaN on a zero gradient). weight_decay: >= 0
            (added to the gradient, as torch's Adam; not AdamW's decoupled decay).
        amsgrad: use the running maximum of ``v``. maximize: ascend instead of descend.
    """

    def __init__(self, params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, amsgrad: bool = False,
                 maximize: bool = False):
        super().__init__(params, lr, weight_decay, maximize)
        self.betas = betas_pair(betas)
        self.eps = hyper("eps", eps, label="epsilon value", positive=True)
        self.amsgrad = flag("amsgrad", amsgrad)
        self.exp_avgs = [np.zeros_like(p) for p in self.params]
        self.exp_avg_sqs = [np.zeros_like(p) for p in self.params]
        self.max_exp_avg_sqs = [np.zeros_like(p) for p in self.params]

    def _update(self, i: int, p: np.ndarray, g: np.ndarray) -> None:
        b1, b2 = self.betas
        t = self.steps_taken
        m, v = self.exp_avgs[i], self.exp_avg_sqs[i]
        m += (1 - b1) * (g - m)
        v *= b2
        v += (1 - b2) * g * g
        if self.amsgrad:
            np.maximum(self.max_exp_avg_sqs[i], v, out=self.max_exp_avg_sqs[i])
            v = self.max_exp_avg_sqs[i]
        step_size = self.lr / (1 - b1**t)
        denom = np.sqrt(v) / math.sqrt(1 - b2**t) + self.eps
        p -= step_size * (m / denom)


def betas_pair(betas) -> tuple[float, float]:
    """Check Adam's ``betas``: a pair of numbers, each in [0, 1), with torch's wording."""
    if isinstance(betas, str | bytes | dict) or not hasattr(betas, "__len__") or len(betas) != 2:
        raise ValueError(f"betas must be a pair (beta1, beta2); got {betas!r}")
    return (beta("beta parameter at index 0", betas[0], arg="betas[0]"),
            beta("beta parameter at index 1", betas[1], arg="betas[1]"))
