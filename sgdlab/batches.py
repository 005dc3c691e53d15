"""Minibatch index generation: which rows each step of SGD looks at."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from sgdlab import _validate as check

SAMPLING = ("shuffle", "replacement")


def epoch_batches(n: int, batch_size: int, *, rng: np.random.Generator | int | None,
                  shuffle: bool = True) -> list[np.ndarray]:
    """Split the rows ``0..n-1`` into minibatches for one epoch.

    Every row appears exactly once. The rows are shuffled with ``rng`` first
    (unless ``shuffle=False``), and the last batch keeps the ``n % batch_size``
    left-over rows instead of dropping them. ``rng`` is a numpy Generator or an int
    seed (it may be None when ``shuffle=False``).

    Returns:
        ``ceil(n / batch_size)`` integer arrays of shape (batch_size,), the last
        one possibly shorter.
    """
    n = check.integer("n", n)
    batch_size = check.integer("batch_size", batch_size, low=1, high=n)
    shuffle = check.boolean("shuffle", shuffle)
    rng = check.rng(rng, required=shuffle)
    order = rng.permutation(n) if shuffle else np.arange(n)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


def minibatch_stream(n: int, batch_size: int, *, rng: np.random.Generator | int,
                     sampling: str = "shuffle") -> Iterator[np.ndarray]:
    """An endless stream of minibatch index arrays.

    ``sampling="shuffle"`` reshuffles at the start of every epoch and visits each row
    once per epoch (the last batch of an epoch may be shorter). ``"replacement"``
    draws every batch independently: ``batch_size`` rows uniformly at random with
    replacement, so a row can appear twice in a batch and some rows are missed.
    ``rng`` is a numpy Generator or an int seed. The arguments are checked at the call,
    not at the first ``next()``.
    """
    n = check.integer("n", n)
    batch_size = check.integer("batch_size", batch_size, low=1, high=n)
    check.choice("sampling", sampling, SAMPLING)
    return _stream(n, batch_size, check.rng(rng), sampling)


def _stream(n: int, batch_size: int, rng: np.random.Generator,
            sampling: str) -> Iterator[np.ndarray]:
    if sampling == "replacement":
        while True:
            yield rng.integers(0, n, size=batch_size)
    while True:
        yield from epoch_batches(n, batch_size, rng=rng)
