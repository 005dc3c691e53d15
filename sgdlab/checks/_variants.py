"""Least-squares SGD written the right way and the common wrong ways.

The checks of notebooks 02 and 03 compare a learner's answer with
``sgdlab.train.run`` and, when it differs, with these variants to name the mistake.
With the default options :func:`sgd_variant` is exactly ``run`` (a test checks that).
"""

from __future__ import annotations

import numpy as np

ORDERS = ("epoch", "once", "none", "replacement", "choice")
REDUCTIONS = ("mean", "sum", "n")


def sgd_variant(w0, X, y, lr: float, batch_size: int, epochs: int,
                rng: np.random.Generator, *, order: str = "epoch", reduce: str = "mean",
                drop_last: bool = False, stale: bool = False, sign: float = -1.0,
                unpaired: bool = False, max_steps: int | None = None,
                full_gradient: bool = False) -> np.ndarray:
    """Minibatch SGD on ``1/(2m) |X w - y|^2``; returns the weights at the start and after
    each epoch, shape (epochs + 1, d).

    Args:
        order: "epoch" (``rng.permutation(n)`` at the start of every epoch, correct),
            "once" (one permutation reused by every epoch), "none" (stored order),
            "replacement" (``rng.integers(0, n, n)``), "choice"
            (``rng.choice(n, n, replace=False)``).
        reduce: "mean" over the batch (correct), "sum", or "n" (divide by all n rows).
        drop_last: skip the last, shorter batch of each epoch.
        stale: take every gradient of an epoch at the epoch's starting weights.
        sign: -1 descends (correct), +1 climbs.
        unpaired: read the rows of X in the shuffled order but y in the stored order.
        max_steps: stop each epoch after this many steps (a ``return`` inside the loop).
        full_gradient: every step uses the gradient over all n rows (ignores the batch).
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    w = np.array(w0, dtype=float)
    n = X.shape[0]
    fixed = None
    rows = [w.copy()]
    for _ in range(epochs):
        if order == "epoch":
            perm = rng.permutation(n)
        elif order == "once":
            fixed = rng.permutation(n) if fixed is None else fixed
            perm = fixed
        elif order == "none":
            perm = np.arange(n)
        elif order == "replacement":
            perm = rng.integers(0, n, size=n)
        elif order == "choice":
            perm = rng.choice(n, size=n, replace=False)
        else:
            raise ValueError(f"order must be one of {ORDERS}; got {order!r}")
        stop = n - n % batch_size if drop_last else n
        start_w = w.copy()
        for k, s in enumerate(range(0, stop, batch_size)):
            if max_steps is not None and k >= max_steps:
                break
            idx = np.arange(n) if full_gradient else perm[s:s + batch_size]
            at = start_w if stale else w
            targets = y[np.arange(s, s + len(idx))] if unpaired else y[idx]
            g = X[idx].T @ (X[idx] @ at - targets)
            if reduce == "mean":
                g = g / len(idx)
            elif reduce == "n":
                g = g / n
            elif reduce != "sum":
                raise ValueError(f"reduce must be one of {REDUCTIONS}; got {reduce!r}")
            w = w + sign * lr * g
        rows.append(w.copy())
    return np.array(rows)
