"""``SGD``: a numpy mirror of ``torch.optim.SGD``, update rule and argument checks alike.

For each parameter ``p`` with gradient ``g``::

    if maximize:        g = -g
    if weight_decay:    g = g + weight_decay * p
    if momentum:        b = g                                   (first step)
                        b = momentum * b + (1 - dampening) * g  (later steps)
                        g = g + momentum * b if nesterov else b
    p = p - lr * g

The first momentum step copies the gradient into the buffer, with no
``(1 - dampening)`` factor: that is torch's rule, and it is why
``v = beta v + (1 - beta) g`` is *not* torch's ``dampening = beta``.
"""

from __future__ import annotations

import numpy as np

from sgdlab.optim._base import Optimizer, flag, fraction, hyper


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum, as ``torch.optim.SGD``.

    Args:
        params: list of float numpy arrays (any shapes); ``step`` updates them in place.
        lr: learning rate, >= 0 (torch allows 0: no step).
        momentum: momentum factor, >= 0.
        dampening: dampening for momentum, in [0, 1] (torch accepts any number, NaN
            included; outside [0, 1] the new gradient gets a negative or growing weight).
        weight_decay: L2 penalty added to the gradient, >= 0.
        nesterov: Nesterov momentum; needs ``momentum > 0`` and ``dampening == 0``.
        maximize: ascend instead of descend.

    The hyperparameters are plain attributes: change ``opt.lr`` between steps for a
    schedule, as torch's ``param_groups[0]["lr"]``.

    Example:
        >>> w = np.array([1.0, -2.0])
        >>> opt = SGD([w], lr=0.1, momentum=0.9)
        >>> opt.step([2 * w])        # gradient of |w|^2
        >>> w
        array([ 0.8, -1.6])
    """

    def __init__(self, params, lr: float = 1e-3, momentum: float = 0.0,
                 dampening: float = 0.0, weight_decay: float = 0.0,
                 nesterov: bool = False, maximize: bool = False):
        super().__init__(params, lr, weight_decay, maximize)
        self.momentum = hyper("momentum", momentum)
        self.dampening = fraction("dampening", dampening)
        self.nesterov = flag("nesterov", nesterov)
        self._check_nesterov()
        self.momentum_buffers: list[np.ndarray | None] = [None] * len(self.params)

    def _check_nesterov(self) -> None:
        if self.nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum > 0 and zero dampening "
                             f"(got nesterov=True, momentum={self.momentum}, "
                             f"dampening={self.dampening})")

    def _check_options(self) -> None:
        self._check_nesterov()

    def _update(self, i: int, p: np.ndarray, g: np.ndarray) -> None:
        if self.momentum != 0:
            buf = self.momentum_buffers[i]
            if buf is None:
                buf = self.momentum_buffers[i] = np.array(g, copy=True)
            else:
                buf *= self.momentum
                buf += (1 - self.dampening) * g
            g = g + self.momentum * buf if self.nesterov else buf
        p -= self.lr * g

    def reset(self) -> None:
        """Forget the momentum buffers, as a freshly built optimizer."""
        self.momentum_buffers = [None] * len(self.params)
