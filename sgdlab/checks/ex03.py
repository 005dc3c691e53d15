"""Checks for ``exercises/03_minibatch_sgd.ipynb``.

Tasks: ``minibatch_indices``, ``minibatch_gradient``, ``minibatch_sgd``.
"""

from __future__ import annotations

import types

import numpy as np

from sgdlab.batches import epoch_batches
from sgdlab.checks._feedback import CheckFailed, close, expect_array, fmt, mismatch
from sgdlab.checks._runner import call, call_text, task_check
from sgdlab.checks._variants import sgd_variant
from sgdlab.losses import LeastSquares
from sgdlab.train import run

TASK_I = "minibatch_indices"


def _as_batches(got, text: str) -> list[np.ndarray]:
    """Check the shape of a returned epoch: a list of 1-D integer arrays."""
    if got is None:
        raise CheckFailed(TASK_I, f"got None: did you forget to `return` the list of "
                                  f"batches?\n    {text}")
    if isinstance(got, types.GeneratorType):
        raise CheckFailed(TASK_I, "you returned a generator (did you use `yield`?): return "
                                  f"a list, e.g. wrap it in list(...)\n    {text}")
    if isinstance(got, np.ndarray):
        raise CheckFailed(TASK_I, (
            f"expected a list of index arrays, got an array of shape {got.shape}: a single "
            "array cannot hold a shorter last batch. Return a list, e.g. "
            f"[order[i:i + batch_size] for i in range(0, n, batch_size)]\n    {text}"))
    if not isinstance(got, list | tuple):
        raise CheckFailed(TASK_I, f"expected a list of index arrays, got a "
                                  f"{type(got).__name__}\n    {text}")
    batches = []
    for k, b in enumerate(got):
        if isinstance(b, list | tuple):
            b = np.asarray(b)
        if not isinstance(b, np.ndarray) or b.ndim != 1:
            raise CheckFailed(TASK_I, f"batch {k} should be a 1-D array of row indices; got "
                                      f"{fmt(b)}\n    {text}")
        if not np.issubdtype(b.dtype, np.integer):
            raise CheckFailed(TASK_I, f"batch {k} holds {b.dtype} values: indices must be "
                                      "integers (rng.permutation(n) gives integers)"
                                      f"\n    {text}")
        batches.append(b)
    return batches


def _diagnose_batches(batches: list[np.ndarray], expected: list[np.ndarray], n: int,
                      batch_size: int) -> str:
    sizes = [len(b) for b in batches]
    flat = np.concatenate(batches) if batches else np.array([], dtype=int)
    leftover = n % batch_size
    if flat.size and (flat.min() < 0 or flat.max() >= n):
        return f"some indices are outside 0 .. {n - 1}"
    unique = np.unique(flat)
    rows = f"{leftover} row" + ("s" if leftover != 1 else "")
    if flat.size == n - leftover and unique.size == flat.size and leftover and all(
            s == batch_size for s in sizes):
        return (f"your batches cover only {flat.size} of the {n} rows: the last, shorter "
                f"batch of {rows} is missing. Keep it: cut the order at "
                "range(0, n, batch_size), which ends with the short batch")
    if (leftover and len(batches) == len(expected) and all(s == batch_size for s in sizes)
            and np.unique(flat[:n]).size == n):
        return ("your last batch is padded to full size with rows used before: keep it "
                f"shorter ({rows}), so every row appears exactly once")
    if unique.size < flat.size or unique.size < n:
        return ("some rows appear more than once and others never: within an epoch every "
                "row is used exactly once. Shuffle a permutation (rng.permutation(n)) and "
                "cut it into consecutive pieces; do not draw rows with rng.integers or "
                "rng.choice")
    want = [len(b) for b in expected]
    if sizes != want:
        return (f"your batch sizes are {sizes}; they should be {want}: every batch has "
                "batch_size rows except the last, which keeps the left-over rows "
                "(np.array_split spreads the rows evenly instead)")
    if np.array_equal(flat, np.arange(n)):
        return ("your batches take the rows in order 0, 1, 2, ...: shuffle first with "
                "order = rng.permutation(n)")
    return ("your batches cover every row once, but not in the order rng.permutation(n) "
            "gives, which this check (and sgdlab) uses: shuffle once per call with "
            "order = rng.permutation(n) and cut that order into consecutive pieces")


@task_check(TASK_I)
def check_minibatch_indices(minibatch_indices) -> int:
    """Check ``minibatch_indices(n, batch_size, rng)``: ``rng.permutation(n)`` cut into
    batches of ``batch_size`` rows, the last one keeping the left-over rows."""
    cases = [(10, 3, 1), (10, 5, 2), (7, 7, 3), (5, 1, 4), (100, 32, 5),
             (np.int64(9), np.int64(4), 6)]
    for n, batch_size, seed in cases:
        args = {"n": n, "batch_size": batch_size, "rng": np.random.default_rng(seed)}
        text = call_text(TASK_I, args, {"rng": f"np.random.default_rng({seed})"})
        batches = _as_batches(call(TASK_I, minibatch_indices, args), text)
        expected = epoch_batches(int(n), int(batch_size), rng=np.random.default_rng(seed))
        if len(batches) == len(expected) and all(
                np.array_equal(b, e) for b, e in zip(batches, expected, strict=True)):
            continue
        message = _diagnose_batches(batches, expected, int(n), int(batch_size))
        shown = fmt(batches) if int(n) <= 12 else f"{len(batches)} batches of sizes " \
            f"{[len(b) for b in batches]}"
        raise CheckFailed(TASK_I, f"{message}\n    {text}\n    returned  {shown}")
    return len(cases)


@task_check("minibatch_gradient")
def check_minibatch_gradient(minibatch_gradient) -> int:
    """Check ``minibatch_gradient(w, X, y, idx)``: the mean gradient over the rows idx."""
    rng = np.random.default_rng(301)
    X = rng.normal(size=(100, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.3 * rng.normal(size=100)
    Xi = np.round(2 * X[:20]).astype(int)
    cases = [
        (np.array([0.5, 0.0, -1.0]), X, y, rng.permutation(100)[:32]),
        (rng.normal(size=3), X, y, np.array([7])),                   # a single row
        (np.array([0.0, 1.0, 0.0]), X, y, np.array([3, 3, 5, 8])),  # a repeated row
        (rng.normal(size=3), X, y, np.arange(100)),                  # every row
        (np.array([0.5, 0.5, 0.5]), Xi, y[:20], np.array([0, 4, 9, 19, 2])),  # integer X
    ]
    for w, Xc, yc, idx in cases:
        args = {"w": w, "X": Xc, "y": yc, "idx": idx}
        text = call_text("minibatch_gradient", args)
        got = call("minibatch_gradient", minibatch_gradient, args)
        problem = LeastSquares(Xc, yc)
        expected = problem.grad(w, idx)
        B, n, d = len(idx), Xc.shape[0], Xc.shape[1]
        if isinstance(got, np.ndarray) and got.shape == (B, d) and B > 1:
            raise CheckFailed("minibatch_gradient", (
                f"you returned one gradient per row, shape {got.shape}: average them into "
                f"one gradient of shape ({d},) (mean over axis 0)\n    {text}"))
        got = expect_array("minibatch_gradient", got, (d,), what="the gradient", context=text)
        wrongs = [
            (expected * B, f"the update is {B} times too large: average the gradient over "
                           "the batch (divide by len(idx)) instead of summing it"),
            (expected * B / n, f"your gradient is {n / B:g} times too small: divide by the "
                               "batch size len(idx), not by the number of rows n"),
            (problem.grad(w), "your gradient ignores idx: it averages over all the rows "
                              "instead of the rows X[idx]"),
            (problem.grad(w, np.unique(idx)), (
                "rows listed twice in idx must count twice (sampling with replacement "
                "repeats rows): index with X[idx] directly, without np.unique or a mask")),
            (-expected, "the sign is flipped: the residual is prediction minus target, "
                        "X[idx] @ w - y[idx]"),
            (2 * expected, "your gradient is twice too large: the loss has a factor 1/2, so "
                           "its gradient has no factor 2"),
        ]
        mismatch("minibatch_gradient", text, got, expected, wrongs=wrongs)
    return len(cases)


@task_check("minibatch_sgd")
def check_minibatch_sgd(minibatch_sgd) -> int:
    """Check ``minibatch_sgd(w0, X, y, lr, batch_size, epochs, rng)``: the final weights,
    against ``sgdlab.train.run``."""
    rng = np.random.default_rng(302)
    X = rng.normal(size=(50, 3))
    y = X @ np.array([2.0, -1.0, 0.5]) + 0.5 * rng.normal(size=50)
    cases = [
        (np.zeros(3), 0.05, 8, 3, 11),    # 50 = 6 * 8 + 2: a short last batch
        (np.ones(3), 0.02, 1, 2, 12),     # plain SGD
        (np.zeros(3), 0.3, 50, 4, 13),    # full batch: gradient descent
        (np.zeros(3), 0.1, 10, 2, 14),    # batch size divides n
        (np.array([1, 0, -1]), 0.05, 16, 2, 15),  # integer w0
    ]
    for w0, lr, batch_size, epochs, seed in cases:
        args = {"w0": w0, "X": X, "y": y, "lr": lr, "batch_size": batch_size,
                "epochs": epochs, "rng": np.random.default_rng(seed)}
        text = call_text("minibatch_sgd", args, {"rng": f"np.random.default_rng({seed})"})
        got = expect_array("minibatch_sgd", call("minibatch_sgd", minibatch_sgd, args),
                           w0.shape, what="the final weights", context=text)
        expected = run(LeastSquares(X, y), w0, lr, epochs=epochs, batch_size=batch_size,
                       rng=np.random.default_rng(seed), full_loss_every=10**6).final

        def variant(seed=seed, w0=w0, lr=lr, batch_size=batch_size, epochs=epochs,
                    **options):
            with np.errstate(all="ignore"):
                return sgd_variant(w0, X, y, lr, batch_size, epochs,
                                   np.random.default_rng(seed), **options)[-1]

        n = X.shape[0]
        wrongs = [
            (variant(reduce="sum"), (
                f"the updates are {batch_size} times too large: average the gradient over "
                "the batch instead of summing it")),
            (variant(reduce="n"), (
                f"the updates are {n / batch_size:g} times too small: divide the batch's "
                "gradient by the batch size, not by n")),
            (variant(drop_last=True), (
                f"you dropped the last, shorter batch of each epoch ({n % batch_size} rows): "
                "keep it, so every row is used once per epoch")),
            (variant(order="once"), (
                "every epoch visits the batches in the same order: shuffle with rng at the "
                "start of each epoch, not once before the loop")),
            (variant(order="none"), "you never shuffle: start each epoch with "
                                    "order = rng.permutation(n)"),
            (variant(order="replacement"), (
                "you drew rows with replacement: each epoch should use every row once, in "
                "the order rng.permutation(n)")),
            (variant(sign=+1.0), "your steps move uphill: subtract the gradient"),
        ]

        def extra(args=args, batch_size=batch_size, n=n):
            a = call("minibatch_sgd", minibatch_sgd, {**args, "rng": np.random.default_rng(1)})
            b = call("minibatch_sgd", minibatch_sgd, {**args, "rng": np.random.default_rng(2)})
            if batch_size < n and isinstance(a, np.ndarray) and close(a, b, rtol=0, atol=0):
                return ("your result is the same whatever rng you pass: shuffle with the rng "
                        "argument, not with a generator of your own")
            return None

        mismatch("minibatch_sgd", text, got, expected, wrongs=wrongs, extra=extra)
    return len(cases)
