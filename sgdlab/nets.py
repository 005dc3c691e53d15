"""PyTorch twins of sgdlab's problems and training loop, to check one against the other.

- ``torch_loss(problem, w, idx)``: a problem's minibatch loss written in torch, so that
  autograd's gradient can be compared with the hand-written ``problem.grad``.
- ``TorchOptimizer``: a ``torch.optim`` optimizer that updates numpy arrays in place.
- ``torch_run(problem, w0, lr, ...)``: ``sgdlab.train.run`` with the gradient from
  autograd and the step from ``torch.optim.SGD``. Given the same ``rng`` seed it visits
  the same minibatches, so its :class:`~sgdlab.train.History` should match
  ``train.run``'s to rounding error, step by step.

Everything here works in float64, the dtype numpy uses.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from sgdlab import _validate as check
from sgdlab.losses import LeastSquares, LogisticRegression
from sgdlab.optim import SGD
from sgdlab.optim.adaptive import betas_pair
from sgdlab.train import History, run


def _tensors(problem) -> tuple[torch.Tensor, torch.Tensor]:
    """The problem's ``X`` (n, d) and ``y`` (n,) as float64 tensors sharing numpy's memory."""
    cache = problem.__dict__.get("_torch_cache")
    if cache is None or cache[0] is not problem.X or cache[1] is not problem.y:
        cache = (problem.X, problem.y, torch.from_numpy(problem.X), torch.from_numpy(problem.y))
        problem.__dict__["_torch_cache"] = cache
    return cache[2], cache[3]


def torch_loss(problem, w: torch.Tensor, idx=None) -> torch.Tensor:
    """The loss of ``problem`` at ``w`` over the rows ``idx`` (all rows when None), in torch.

    Args:
        problem: a ``sgdlab.losses.LeastSquares`` or ``LogisticRegression``.
        w: weights, a float64 tensor of shape (d,) (with ``requires_grad=True`` for a
            gradient).
        idx: row indices, shape (m,), or None.

    Returns:
        A 0-d tensor equal to ``problem.loss(w, idx)``.

    Example:
        >>> from sgdlab.losses import LeastSquares
        >>> p = LeastSquares(np.eye(2), np.array([1.0, 2.0]))
        >>> w = torch.zeros(2, dtype=torch.float64, requires_grad=True)
        >>> torch_loss(p, w).backward()
        >>> w.grad.tolist() == p.grad(np.zeros(2)).tolist()
        True
    """
    if not isinstance(problem, LeastSquares | LogisticRegression):
        raise ValueError("problem must be a sgdlab.losses.LeastSquares or LogisticRegression; "
                         f"got {type(problem).__name__}")
    if not isinstance(w, torch.Tensor) or w.shape != (problem.dim,):
        shape = tuple(w.shape) if isinstance(w, torch.Tensor) else type(w).__name__
        raise ValueError(f"w must be a torch tensor of shape ({problem.dim},); got {shape}")
    if w.dtype != torch.float64:
        raise ValueError(f"w must be a float64 tensor, like the problem's data; got {w.dtype}")
    X, y = _tensors(problem)
    idx = check.indices(idx, problem.n_samples)
    if idx is not None:
        rows = torch.from_numpy(idx)
        X, y = X[rows], y[rows]
    z = X @ w
    if isinstance(problem, LeastSquares):
        return 0.5 * torch.mean((z - y) ** 2)
    loss = F.binary_cross_entropy_with_logits(z, y)
    if problem.alpha:
        loss = loss + 0.5 * problem.alpha * (w @ w)
    return loss


class _AutogradProblem:
    """A problem whose gradient comes from torch's autograd instead of ``problem.grad``.

    The training loop asks for a minibatch's gradient, then for its loss at the same
    weights: the loss is then the one torch computed on the way to the gradient (what a
    torch training loop would record), not a second pass in numpy. The full loss (no
    ``idx``) is the problem's own, so that both runs are scored by the same function.
    """

    def __init__(self, problem):
        self.problem = problem
        self.n_samples, self.dim = problem.n_samples, problem.dim
        self._last: tuple | None = None  # (idx, idx's values, weights, torch's loss)

    def loss(self, w, idx=None) -> float:
        last = self._last
        if (idx is not None and last is not None and last[0] is idx
                and np.array_equal(last[1], idx) and np.array_equal(last[2], w)):
            return last[3]
        return self.problem.loss(w, idx)

    def grad(self, w, idx=None) -> np.ndarray:
        wt = torch.tensor(w, dtype=torch.float64, requires_grad=True)
        loss = torch_loss(self.problem, wt, idx)
        loss.backward()
        self._last = None if idx is None else (idx, np.array(idx), np.array(w), loss.item())
        return wt.grad.numpy()


_FLAGS = {"nesterov", "maximize", "amsgrad", "centered", "foreach", "capturable",
          "differentiable", "fused", "decoupled_weight_decay"}


class TorchOptimizer:
    """A ``torch.optim`` optimizer driving numpy arrays in place, with sgdlab's interface.

    ``torch.from_numpy`` shares memory with the array, so when torch updates its tensor
    the numpy array changes too: ``sgdlab.train.run`` can use it as its ``optimizer``.

    Args:
        params: list of float64 numpy arrays.
        cls: a ``torch.optim`` class, e.g. ``torch.optim.SGD``.
        options: its keyword arguments (``lr`` included).
    """

    def __init__(self, params, cls=torch.optim.SGD, **options):
        if isinstance(params, np.ndarray) or not isinstance(params, list | tuple) or not params:
            raise check.ArgumentTypeError("params must be a non-empty list of float64 numpy "
                                          f"arrays, e.g. [w]; got {type(params).__name__}")
        for i, p in enumerate(params):
            if not isinstance(p, np.ndarray) or p.dtype != np.float64:
                kind = p.dtype if isinstance(p, np.ndarray) else type(p).__name__
                raise check.ArgumentTypeError(f"params[{i}] must be a float64 numpy array "
                                              f"(updated in place); got {kind}")
        if not (isinstance(cls, type) and issubclass(cls, torch.optim.Optimizer)):
            raise check.ArgumentTypeError("cls must be a torch.optim class, e.g. "
                                          f"torch.optim.SGD; got {cls!r}")
        for key, value in options.items():  # torch lets NaN and inf through
            if key == "betas":
                betas_pair(value)
            elif key in _FLAGS:
                check.boolean(key, value)
            else:
                check.real(key, value)
        self.tensors = [torch.from_numpy(p).requires_grad_() for p in params]
        try:
            self.torch = cls(self.tensors, **options)
        except (TypeError, ValueError) as err:
            names = ", ".join(options) or "no options"
            raise type(err)(f"torch.optim.{cls.__name__} refused its options ({names}): "
                            f"{err}") from None

    @property
    def lr(self) -> float:
        return self.torch.param_groups[0]["lr"]

    @lr.setter
    def lr(self, value: float) -> None:
        self.torch.param_groups[0]["lr"] = value

    def step(self, grads) -> None:
        for t, g in zip(self.tensors, grads, strict=True):
            t.grad = torch.as_tensor(np.asarray(g, dtype=np.float64))
        self.torch.step()


def torch_run(problem, w0, lr, *, momentum: float = 0.0, dampening: float = 0.0,
              nesterov: bool = False, weight_decay: float = 0.0, **kwargs) -> History:
    """``sgdlab.train.run`` with the gradient from autograd and the step from
    ``torch.optim.SGD``: everything else (minibatches, schedule, bookkeeping) is the
    same loop, so with the same ``rng`` seed the two histories should agree to
    rounding error, step by step.

    Args:
        problem: a ``LeastSquares`` or ``LogisticRegression`` problem.
        w0: starting weights, shape (d,). Not modified.
        lr: learning rate > 0, or a ``sgdlab.schedules.Schedule``.
        momentum, dampening, nesterov, weight_decay: ``torch.optim.SGD``'s options.
        **kwargs: the other arguments of :func:`sgdlab.train.run` (steps or epochs,
            batch_size, sampling, rng, full_loss_every, divergence_factor).

    Returns:
        A :class:`sgdlab.train.History`.
    """
    if not isinstance(problem, LeastSquares | LogisticRegression):
        raise ValueError("problem must be a sgdlab.losses.LeastSquares or LogisticRegression; "
                         f"got {type(problem).__name__}")
    options = dict(momentum=momentum, dampening=dampening, nesterov=nesterov,
                   weight_decay=weight_decay)
    # torch lets NaN and a dampening outside [0, 1] through: check as sgdlab's SGD does
    SGD([np.zeros(1)], lr=1.0, **options)
    return run(_AutogradProblem(problem), w0, lr, **kwargs,
               optimizer=lambda params: TorchOptimizer(params, torch.optim.SGD, lr=1.0,
                                                       **options))
