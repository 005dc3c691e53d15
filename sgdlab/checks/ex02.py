"""Checks for ``exercises/02_stochastic_gradient_descent.ipynb``.

Tasks: ``per_example_gradients``, ``sgd_epoch``, ``run_sgd``, ``inverse_time_lr``.
Everything is least squares, ``L(w) = 1/(2n) sum_i (x_i . w - y_i)^2``.
"""

from __future__ import annotations

import numpy as np

from sgdlab.checks._feedback import CheckFailed, close, expect_array, expect_number, mismatch
from sgdlab.checks._runner import call, call_text, task_check
from sgdlab.checks._variants import sgd_variant
from sgdlab.losses import LeastSquares
from sgdlab.train import run

UPHILL = "your steps move uphill: did you add the gradient instead of subtracting it?"
NO_SHUFFLE = ("you visited the samples in their stored order 0, 1, 2, ...: shuffle first, "
              "order = rng.permutation(n)")
REPLACEMENT = ("you drew the samples with replacement (rng.integers or rng.choice), so some "
               "are used twice and others never: an epoch visits every sample once, in the "
               "order rng.permutation(n)")
CHOICE = ("rng.choice(n, n, replace=False) gives a valid order, but a different one from "
          "rng.permutation(n), which this check (and sgdlab) uses: shuffle with "
          "order = rng.permutation(n)")
ALIASED_ROWS = ("every row is the final weights: you stored the same array each epoch and "
                "then changed it in place. Store a copy (rows.append(w.copy())) or update "
                "with w = sgd_epoch(...), which returns a new array")
SAME_ORDER = ("every epoch visits the samples in the same order: shuffle with rng at the "
              "start of each epoch, not once before the loop")


def _data(n: int, d: int, seed: int):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = X @ rng.normal(size=d) + 0.5 * rng.normal(size=n)
    return X, y


@task_check("per_example_gradients")
def check_per_example_gradients(per_example_gradients) -> int:
    """Check ``per_example_gradients(w, X, y)``: row i is ``x_i (x_i . w - y_i)``."""
    rng = np.random.default_rng(201)
    X7, y7 = _data(7, 3, 1)
    X5, y5 = _data(5, 2, 2)
    cases = [
        (np.array([0.5, -1.0]), np.array([[1.0, 2.0], [0.0, 1.0], [-1.0, 3.0]]),
         np.array([1.0, 0.0, 2.0])),
        (rng.normal(size=3), X7, y7),
        (rng.normal(size=2), X5, y5),
        (np.array([1.0, 2.0]), np.array([[3.0, -1.0]]), np.array([0.5])),  # one example
        (np.array([0.5, 0.25]), np.array([[1, 2], [3, 4], [0, -1]]), np.array([1, 0, 2])),
    ]
    for w, X, y in cases:
        args = {"w": w, "X": X, "y": y}
        text = call_text("per_example_gradients", args)
        got = call("per_example_gradients", per_example_gradients, args)
        expected = LeastSquares(X, y).per_example_grads(w)
        n, d = X.shape
        if isinstance(got, np.ndarray) and got.shape == (d,) and n > 1 and close(
                got, expected.mean(axis=0)):
            raise CheckFailed("per_example_gradients", (
                "you returned the average gradient, shape (d,): return one row per example, "
                f"shape (n, d) = {(n, d)}\n    {text}"))
        got = expect_array("per_example_gradients", got, (n, d), what="the gradients",
                           context=text)
        wrongs = [
            (-expected, "the sign is flipped: the residual is prediction minus target, "
                        "x_i . w - y_i"),
            (2 * expected, "your gradients are twice too large: the loss 1/2 (x . w - y)^2 "
                           "has a factor 1/2, so its gradient has no factor 2"),
            (expected / n, "you divided by n: each row is one example's own gradient, with "
                           "no averaging"),
        ]
        mismatch("per_example_gradients", text, got, expected, wrongs=wrongs)
    return len(cases)


def _ignores_rng(task, func, args, seeds) -> str | None:
    """A diagnosis if ``func`` returns the same thing for two different rngs."""
    first = call(task, func, {**args, "rng": np.random.default_rng(seeds[0])})
    second = call(task, func, {**args, "rng": np.random.default_rng(seeds[1])})
    try:
        same = close(first, second, rtol=0, atol=0)
    except (TypeError, ValueError):
        return None
    if same:
        return ("your result is the same whatever rng you pass: shuffle with the rng "
                "argument (order = rng.permutation(n)), not with a generator of your own")
    return None


@task_check("sgd_epoch")
def check_sgd_epoch(sgd_epoch) -> int:
    """Check ``sgd_epoch(w, X, y, lr, rng)``: one pass of plain SGD in the order
    ``rng.permutation(n)``."""
    X12, y12 = _data(12, 2, 3)
    X30, y30 = _data(30, 3, 4)
    cases = [
        (np.array([0.0, 0.0]), X12, y12, 0.05, 11),
        (np.array([1.0, -1.0, 0.5]), X30, y30, 0.02, 12),
        (np.array([0.5, 0.5]), X12[:1], y12[:1], 0.1, 13),           # a single sample
        (np.array([0.0, 0.0]), np.round(X12 * 2), y12, 0.01, 14),    # integer-valued X
        (np.array([0, 0]), X12, y12, 0.05, 15),                      # integer w
    ]
    for w, X, y, lr, seed in cases:
        args = {"w": w, "X": X, "y": y, "lr": lr, "rng": np.random.default_rng(seed)}
        text = call_text("sgd_epoch", args, {"rng": f"np.random.default_rng({seed})"})
        got = expect_array("sgd_epoch", call("sgd_epoch", sgd_epoch, args), w.shape,
                           what="the new weights", context=text)
        expected = run(LeastSquares(X, y), w, lr, epochs=1, batch_size=1,
                       rng=np.random.default_rng(seed), full_loss_every=10**6).final

        def variant(seed=seed, w=w, X=X, y=y, lr=lr, **options):
            return sgd_variant(w, X, y, lr, 1, 1, np.random.default_rng(seed), **options)[-1]

        n = X.shape[0]
        mean_grad = LeastSquares(X, y).grad(w)
        wrongs = [
            (variant(order="none"), NO_SHUFFLE),
            (variant(order="replacement"), REPLACEMENT),
            (variant(order="choice"), CHOICE),
            (variant(stale=True), (
                "all your per-sample gradients are taken at the weights the epoch started "
                "from: SGD updates w after every sample, so compute each gradient at the "
                "current w")),
            (w - lr * mean_grad, (
                "that is one full-batch gradient descent step: SGD takes n small steps, one "
                "per sample, each from the current w")),
            (variant(sign=+1.0), UPHILL),
        ]
        if n > 1:
            extra_args = {k: v for k, v in args.items() if k != "rng"}

            def extra(extra_args=extra_args):
                return _ignores_rng("sgd_epoch", sgd_epoch, extra_args, (21, 22))
        else:
            extra = None
        mismatch("sgd_epoch", text, got, expected, wrongs=wrongs, extra=extra)
    return len(cases)


@task_check("run_sgd")
def check_run_sgd(run_sgd) -> int:
    """Check ``run_sgd(w0, X, y, lr, epochs, rng)``: the weights at the start and after
    each epoch, shape (epochs + 1, d), reshuffling every epoch."""
    X10, y10 = _data(10, 2, 5)
    X16, y16 = _data(16, 3, 6)
    cases = [
        (np.array([0.0, 0.0]), X10, y10, 0.05, 4, 31),
        (np.array([1.0, 0.0, -1.0]), X16, y16, 0.03, 3, 32),
        (np.array([0.5, -0.5]), X10, y10, 0.05, 1, 33),
        (np.array([0.0, 0.0]), X10, y10, 0.05, 0, 34),   # no epochs: just w0
        (np.array([1, 1]), X10, y10, 0.05, 2, 35),       # integer w0
    ]
    for w0, X, y, lr, epochs, seed in cases:
        args = {"w0": w0, "X": X, "y": y, "lr": lr, "epochs": epochs,
                "rng": np.random.default_rng(seed)}
        text = call_text("run_sgd", args, {"rng": f"np.random.default_rng({seed})"})
        got = call("run_sgd", run_sgd, args)
        rows = epochs + 1
        if isinstance(got, np.ndarray) and got.ndim == 2 and got.shape[0] != rows:
            raise CheckFailed("run_sgd", (
                f"your result has {got.shape[0]} rows; it should have epochs + 1 = {rows}: "
                f"w0 first, then the weights after each epoch\n    {text}"))
        got = expect_array("run_sgd", got, (rows, w0.size), what="the weights per epoch",
                           context=text)
        n = X.shape[0]
        history = run(LeastSquares(X, y), w0, lr, epochs=epochs, batch_size=1,
                      rng=np.random.default_rng(seed), full_loss_every=10**6) if epochs else None
        expected = history.params[::n] if history is not None else np.array([w0], dtype=float)

        def variant(seed=seed, w0=w0, X=X, y=y, lr=lr, epochs=epochs, **options):
            return sgd_variant(w0, X, y, lr, 1, epochs, np.random.default_rng(seed), **options)

        wrongs = [
            (variant(order="once"), SAME_ORDER),
            (variant(order="none"), NO_SHUFFLE),
            (variant(order="replacement"), REPLACEMENT),
            (np.tile(expected[-1], (rows, 1)), ALIASED_ROWS),
            (np.vstack([expected[:1], np.tile(expected[-1], (rows - 1, 1))]), ALIASED_ROWS),
            (np.tile(w0, (rows, 1)), "your weights never move: assign the result of each "
                                     "epoch back to w"),
            (variant(sign=+1.0), UPHILL),
        ]
        extra_args = {k: v for k, v in args.items() if k != "rng"}
        mismatch("run_sgd", text, got, expected, wrongs=wrongs,
                 extra=(lambda a=extra_args: _ignores_rng("run_sgd", run_sgd, a, (41, 42)))
                 if epochs else None)
    return len(cases)


@task_check("inverse_time_lr")
def check_inverse_time_lr(inverse_time_lr) -> int:
    """Check ``inverse_time_lr(t, lr0, decay)``: ``lr0 / (1 + decay * t)``."""
    cases = [(0, 0.5, 0.1), (10, 0.5, 0.1), (3, 1, 1), (np.int64(100), 0.2, 0.01),
             (7, 0.3, 0.0), (1000, 1.0, 0.5), (1, 2.0, 3.0)]
    for t, lr0, decay in cases:
        args = {"t": t, "lr0": lr0, "decay": decay}
        text = call_text("inverse_time_lr", args)
        got = expect_number("inverse_time_lr", call("inverse_time_lr", inverse_time_lr, args),
                            what="the learning rate", context=text)
        expected = lr0 / (1 + decay * t)
        wrongs = [
            (lr0 / (1 + decay * (t + 1)), "your schedule starts one step late: at t = 0 the "
                                          "rate must be lr0"),
            (lr0 / (1 + t), "your schedule ignores decay: lr0 / (1 + decay * t)"),
            (lr0 / (1 + decay) ** t, "that is exponential decay, lr0 / (1 + decay) ** t: the "
                                     "inverse-time schedule divides by 1 + decay * t"),
            (lr0 / (1 + decay * t) ** 2, "you squared the denominator: lr0 / (1 + decay * t)"),
            (lr0 * (1 + decay * t), "your rate grows with t: divide lr0 by (1 + decay * t)"),
            (lr0 / (1 + decay) * t, "mind the brackets: lr0 / (1 + decay * t), not "
                                    "lr0 / (1 + decay) * t"),
            (lr0 - decay * t, "that is a linear decay, which turns negative: divide lr0 by "
                              "(1 + decay * t)"),
        ]
        mismatch("inverse_time_lr", text, got, expected, wrongs=wrongs)
    return len(cases)
