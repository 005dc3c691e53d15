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

import numbers

import numpy as np


def _hyper(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise ValueError(f"{name} must be a finite number; got {value!r}")
    if value < 0.0:
        raise ValueError(f"Invalid {name}: {value} ({name} must be >= 0)")
    return float(value)


class SGD:
    """Stochastic gradient descent with optional momentum, as ``torch.optim.SGD``.

    Args:
        params: list of float numpy arrays (any shapes); ``step`` updates them in place.
        lr: learning rate, >= 0 (torch allows 0: no step).
        momentum: momentum factor mu, >= 0.
        dampening: dampening tau for momentum, >= 0.
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
        self.lr = _hyper("learning rate", lr)
        self.momentum = _hyper("momentum value", momentum)
        self.dampening = float(dampening)
        self.weight_decay = _hyper("weight_decay value", weight_decay)
        self.nesterov = bool(nesterov)
        self.maximize = bool(maximize)
        if self.nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum > 0 and zero dampening "
                             f"(got momentum={momentum}, dampening={dampening})")
        if isinstance(params, np.ndarray):
            raise ValueError("params must be a list of numpy arrays, not a single array: "
                             "write SGD([w], ...)")
        self.params = list(params)
        if not self.params:
            raise ValueError("params must be a non-empty list of numpy arrays; got an empty list")
        for i, p in enumerate(self.params):
            if not isinstance(p, np.ndarray) or not np.issubdtype(p.dtype, np.floating):
                kind = p.dtype if isinstance(p, np.ndarray) else type(p).__name__
                raise ValueError(f"params[{i}] must be a floating-point numpy array "
                                 f"(updated in place); got {kind}")
        self.momentum_buffers: list[np.ndarray | None] = [None] * len(self.params)

    def step(self, grads) -> None:
        """Update every parameter in place from its gradient.

        Args:
            grads: list of arrays, one per parameter, each of the parameter's shape.
        """
        grads = list(grads)
        if len(grads) != len(self.params):
            raise ValueError(f"grads must hold one array per parameter: expected "
                             f"{len(self.params)}, got {len(grads)}")
        if self.nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum > 0 and zero dampening")
        for i, (p, g) in enumerate(zip(self.params, grads, strict=True)):
            g = np.asarray(g, dtype=p.dtype)
            if g.shape != p.shape:
                raise ValueError(f"grads[{i}] must have the shape of params[{i}], "
                                 f"{p.shape}; got {g.shape}")
            if self.maximize:
                g = -g
            if self.weight_decay != 0:
                g = g + self.weight_decay * p
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
