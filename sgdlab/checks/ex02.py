"""Checks for ``exercises/02_stochastic_gradient_descent.ipynb``.

Tasks: ``per_example_gradients``, ``sgd_epoch``, ``run_sgd``, ``inverse_time_lr``.
Everything is least squares, ``L(w) = 1/(2n) sum_i (x_i . w - y_i)^2``. Each check runs
all its cases, then names a mistake only if it reproduces every result (``_diagnose``).
"""

from __future__ import annotations

import numpy as np

from sgdlab.checks._diagnose import Case, Mistake, catalog, same, verdict
from sgdlab.checks._feedback import close, expect_array, expect_number
from sgdlab.checks._runner import call, call_text, task_check
from sgdlab.checks._variants import sgd_variant
from sgdlab.losses import LeastSquares
from sgdlab.train import run

GENERIC = {
    "per_example_gradients": Mistake(
        "generic", "the rows are not the per-example gradients",
        "None of the usual mistakes explains these results: row i is x_i * (x_i . w - y_i)."),
    "sgd_epoch": Mistake(
        "generic", "the weights after the epoch are not those of plain SGD",
        "None of the usual mistakes explains these results: visit the samples in the order "
        "rng.permutation(n), one step w = w - lr * x_i (x_i . w - y_i) per sample."),
    "run_sgd": Mistake(
        "generic", "the weights per epoch are not those of plain SGD",
        "None of the usual mistakes explains these results: row 0 is w0, row k + 1 is the "
        "weights after epoch k + 1, each epoch shuffled with rng.permutation(n)."),
    "inverse_time_lr": Mistake(
        "generic", "the rate does not follow the inverse-time schedule",
        "None of the usual mistakes explains these results: lr0 / (1 + decay * t)."),
}

UPHILL = Mistake("uphill", "the steps move uphill instead of downhill",
                 "You added the gradient instead of subtracting it.")
NO_SHUFFLE = Mistake("no_shuffle", "the samples are visited in their stored order",
                     "Shuffle first: order = rng.permutation(n), then visit X[order[k]].")
REPLACEMENT = Mistake(
    "replacement", "some samples are used twice in an epoch and others never",
    "You drew the samples with replacement (rng.integers): an epoch visits every sample "
    "once, in the order rng.permutation(n).")
CHOICE = Mistake(
    "choice", "the order differs from the one rng.permutation gives",
    "rng.choice(n, n, replace=False) gives a valid order, but a different one from "
    "rng.permutation(n), which this check (and sgdlab) uses: order = rng.permutation(n).")
IGNORES_RNG = Mistake(
    "ignores_rng", "the result is the same whatever rng is passed",
    "The order of the samples must come from the rng argument (order = rng.permutation(n)), "
    "not from a generator of your own or a fixed order.")
UNPAIRED = Mistake(
    "unpaired", "each sample is paired with the wrong target",
    "You shuffled the rows of X but read y in its stored order: index both with the same "
    "order, X[i] and y[i].")
ALIASED = Mistake(
    "aliased", "every row is the final weights",
    "You stored the same array each epoch and then changed it in place. Store a copy "
    "(rows.append(w.copy())) or update with w = sgd_epoch(...), which returns a new array.")
NEVER_MOVES = Mistake("never_moves", "the weights never move",
                      "Assign the result of each step (or epoch) back to w.")

MISTAKES = {
    "per_example_gradients": catalog(
        Mistake("sign", "the gradients point the wrong way",
                "The residual is prediction minus target, x_i . w - y_i."),
        Mistake("twice", "the gradients are twice too large",
                "The loss 1/2 (x . w - y)^2 has a factor 1/2, so its gradient has no factor 2."),
        Mistake("over_n", "the gradients are scaled down by the number of examples",
                "You divided by n: each row is one example's own gradient, with no averaging."),
        Mistake("ignores_y", "the gradients do not depend on the targets",
                "The residual is x_i . w - y_i: you left out y_i."),
        Mistake("tiled_mean", "every row holds the same, average gradient",
                "Each row is one example's own gradient: x_i * (x_i . w - y_i)."),
        Mistake("mean", "the result is the average gradient, not one row per example",
                "Return one row per example, shape (n, d): do not average over the rows."),
        Mistake("losses", "the result is one number per example, not one gradient per example",
                "You returned the residuals or losses: multiply each residual by its row x_i, "
                "giving shape (n, d)."),
    ),
    "sgd_epoch": catalog(
        NO_SHUFFLE, REPLACEMENT, CHOICE, UNPAIRED,
        Mistake("stale", "every gradient of the epoch is taken at its starting weights",
                "SGD updates w after every sample: compute each gradient at the current w."),
        Mistake("full_batch", "the epoch is one full-batch step, not one step per sample",
                "SGD takes n small steps, one per sample, each from the current w."),
        Mistake("full_gradient", "every step uses the gradient over all the samples",
                "Each SGD step uses one sample's gradient, x_i (x_i . w - y_i), for the "
                "sample i the order gives."),
        Mistake("one_step", "only the first sample of the epoch is used",
                "Is the `return` inside the loop? Return after all n steps."),
        NEVER_MOVES, UPHILL, IGNORES_RNG,
    ),
    "run_sgd": catalog(
        Mistake("same_order", "every epoch visits the samples in the same order",
                "Shuffle with rng at the start of each epoch, not once before the loop."),
        NO_SHUFFLE, REPLACEMENT, CHOICE, ALIASED,
        Mistake("aliased_after_start", "every row after the first is the final weights",
                "You stored the same array each epoch and changed it in place: store a copy "
                "(rows.append(w.copy())) or update with w = sgd_epoch(...)."),
        NEVER_MOVES, UPHILL,
        Mistake("shifted", "the rows start after the first epoch",
                "Row 0 is w0 itself; row k is the weights after k epochs."),
        Mistake("rows", "the result has the wrong number of rows",
                "It should have epochs + 1 rows: w0 first, then the weights after each epoch."),
        Mistake("final_only", "the result is only the final weights, not one row per epoch",
                "Return shape (epochs + 1, d): w0 first, then the weights after each epoch."),
        IGNORES_RNG,
    ),
    "inverse_time_lr": catalog(
        Mistake("late", "the schedule starts one step late",
                "At t = 0 the rate must be lr0: lr0 / (1 + decay * t), with t as given."),
        Mistake("no_decay", "the rate does not depend on decay",
                "Multiply t by decay: lr0 / (1 + decay * t)."),
        Mistake("exponential", "the rate decays exponentially, not as one over t",
                "lr0 / (1 + decay) ** t is exponential decay: the inverse-time schedule "
                "divides by 1 + decay * t."),
        Mistake("exp_e", "the rate decays exponentially, not as one over t",
                "lr0 * exp(-decay * t) is exponential decay: divide lr0 by 1 + decay * t."),
        Mistake("squared", "the rate falls as one over t squared",
                "You squared the denominator: lr0 / (1 + decay * t)."),
        Mistake("grows", "the rate grows with t",
                "Divide lr0 by (1 + decay * t), do not multiply."),
        Mistake("brackets", "the rate grows in proportion to t",
                "Mind the brackets: lr0 / (1 + decay * t), not lr0 / (1 + decay) * t."),
        Mistake("linear", "the rate falls linearly and turns negative",
                "lr0 - decay * t is a linear decay: divide lr0 by (1 + decay * t)."),
        Mistake("floor", "the rate is rounded down to a whole number",
                "`//` is floor division: use `/`."),
    ),
}


def _data(n: int, d: int, seed: int):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = X @ rng.normal(size=d) + 0.5 * rng.normal(size=n)
    return X, y


@task_check("per_example_gradients")
def check_per_example_gradients(per_example_gradients) -> int:
    """Check ``per_example_gradients(w, X, y)``: row i is ``x_i (x_i . w - y_i)``."""
    task = "per_example_gradients"
    mistakes = MISTAKES[task]
    rng = np.random.default_rng(201)
    X7, y7 = _data(7, 3, 1)
    X5, y5 = _data(5, 2, 2)
    inputs = [
        (np.array([0.5, -1.0]), np.array([[1.0, 2.0], [0.0, 1.0], [-1.0, 3.0]]),
         np.array([1.0, 0.0, 2.0])),
        (rng.normal(size=3), X7, y7),
        (rng.normal(size=2), X5, y5),
        (np.array([1.0, 2.0]), np.array([[3.0, -1.0]]), np.array([0.5])),  # one example
        (np.array([0.5, 0.25]), np.array([[1, 2], [3, 4], [0, -1]]), np.array([1, 0, 2])),
    ]
    cases = []
    for w, X, y in inputs:
        args = {"w": w, "X": X, "y": y}
        text = call_text(task, args)
        got = call(task, per_example_gradients, args)
        problem = LeastSquares(X, y)
        expected = problem.per_example_grads(w)
        n, d = X.shape
        if isinstance(got, np.ndarray) and got.shape == (d,) and n > 1 and close(
                got, expected.mean(axis=0)):
            raise mistakes["mean"].fail(task, f"\n    {text}")
        if isinstance(got, np.ndarray) and got.shape == (n,) and n != d:
            raise mistakes["losses"].fail(task, f"\n    {text}")
        got = expect_array(task, got, (n, d), what="the gradients", context=text)
        Xf = X.astype(float)
        predictions = {"sign": -expected, "twice": 2 * expected, "over_n": expected / n,
                       "ignores_y": Xf * (Xf @ w)[:, None],
                       "tiled_mean": np.tile(expected.mean(axis=0), (n, 1))}
        cases.append(Case(text, got, expected, predictions))
    verdict(task, cases, mistakes, generic=GENERIC[task])
    return len(cases)


def _ignores_rng(task, func, args, seeds, key="ignores_rng") -> str | None:
    """``key`` if ``func`` returns the same thing for two different rngs."""
    first = call(task, func, {**args, "rng": np.random.default_rng(seeds[0])})
    second = call(task, func, {**args, "rng": np.random.default_rng(seeds[1])})
    try:
        return key if same(first, second, rtol=0, atol=0) else None
    except (TypeError, ValueError):
        return None


@task_check("sgd_epoch")
def check_sgd_epoch(sgd_epoch) -> int:
    """Check ``sgd_epoch(w, X, y, lr, rng)``: one pass of plain SGD in the order
    ``rng.permutation(n)``."""
    task = "sgd_epoch"
    X12, y12 = _data(12, 2, 3)
    X30, y30 = _data(30, 3, 4)
    inputs = [
        (np.array([0.0, 0.0]), X12, y12, 0.05, 11),
        (np.array([1.0, -1.0, 0.5]), X30, y30, 0.02, 12),
        (np.array([0.5, 0.5]), X12[:1], y12[:1], 0.1, 13),           # a single sample
        (np.array([0.0, 0.0]), np.round(X12 * 2), y12, 0.01, 14),    # integer-valued X
        (np.array([0, 0]), X12, y12, 0.05, 15),                      # integer w
    ]
    cases = []
    for w, X, y, lr, seed in inputs:
        args = {"w": w, "X": X, "y": y, "lr": lr, "rng": np.random.default_rng(seed)}
        text = call_text(task, args, {"rng": f"np.random.default_rng({seed})"})
        got = expect_array(task, call(task, sgd_epoch, args), w.shape,
                           what="the new weights", context=text, finite=False)
        expected = run(LeastSquares(X, y), w, lr, epochs=1, batch_size=1,
                       rng=np.random.default_rng(seed), full_loss_every=10**6).final

        def variant(seed=seed, w=w, X=X, y=y, lr=lr, **options):
            with np.errstate(all="ignore"):
                return sgd_variant(w, X, y, lr, 1, 1, np.random.default_rng(seed),
                                   **options)[-1]

        predictions = {
            "no_shuffle": variant(order="none"), "replacement": variant(order="replacement"),
            "choice": variant(order="choice"), "unpaired": variant(unpaired=True),
            "stale": variant(stale=True),
            "full_batch": w - lr * LeastSquares(X, y).grad(w),
            "full_gradient": variant(full_gradient=True), "one_step": variant(max_steps=1),
            "never_moves": np.asarray(w, dtype=float), "uphill": variant(sign=+1.0),
        }
        cases.append(Case(text, got, expected, predictions))
    extra_args = {k: v for k, v in args.items() if k != "rng"}  # the last case, n > 1
    verdict(task, cases, MISTAKES[task], generic=GENERIC[task],
            probes=[lambda: _ignores_rng(task, sgd_epoch, extra_args, (21, 22))])
    return len(cases)


@task_check("run_sgd")
def check_run_sgd(run_sgd) -> int:
    """Check ``run_sgd(w0, X, y, lr, epochs, rng)``: the weights at the start and after
    each epoch, shape (epochs + 1, d), reshuffling every epoch."""
    task = "run_sgd"
    mistakes = MISTAKES[task]
    X10, y10 = _data(10, 2, 5)
    X16, y16 = _data(16, 3, 6)
    inputs = [
        (np.array([0.0, 0.0]), X10, y10, 0.05, 4, 31),
        (np.array([1.0, 0.0, -1.0]), X16, y16, 0.03, 3, 32),
        (np.array([0.5, -0.5]), X10, y10, 0.05, 1, 33),
        (np.array([0.0, 0.0]), X10, y10, 0.05, 0, 34),   # no epochs: just w0
        (np.array([1, 1]), X10, y10, 0.05, 2, 35),       # integer w0
    ]
    cases = []
    for w0, X, y, lr, epochs, seed in inputs:
        args = {"w0": w0, "X": X, "y": y, "lr": lr, "epochs": epochs,
                "rng": np.random.default_rng(seed)}
        text = call_text(task, args, {"rng": f"np.random.default_rng({seed})"})
        got = call(task, run_sgd, args)
        rows = epochs + 1

        def variant(seed=seed, w0=w0, X=X, y=y, lr=lr, epochs=epochs, **options):
            with np.errstate(all="ignore"):
                return sgd_variant(w0, X, y, lr, 1, epochs, np.random.default_rng(seed),
                                   **options)

        expected = variant()
        if isinstance(got, np.ndarray) and got.ndim == 2 and got.shape[0] != rows:
            raise mistakes["rows"].fail(task, f"\n    {text}\n    returned {got.shape[0]} "
                                              f"rows, expected {rows}")
        if (isinstance(got, np.ndarray) and got.shape == (w0.size,) and epochs
                and close(got, expected[-1])):
            raise mistakes["final_only"].fail(task, f"\n    {text}")
        got = expect_array(task, got, (rows, w0.size), what="the weights per epoch",
                           context=text, finite=False)
        predictions = {
            "same_order": variant(order="once"), "no_shuffle": variant(order="none"),
            "replacement": variant(order="replacement"), "choice": variant(order="choice"),
            "aliased": np.tile(expected[-1], (rows, 1)),
            "aliased_after_start": np.vstack([expected[:1],
                                              np.tile(expected[-1], (rows - 1, 1))]),
            "never_moves": np.tile(np.asarray(w0, dtype=float), (rows, 1)),
            "uphill": variant(sign=+1.0), "shifted": variant(epochs=epochs + 1)[1:],
        }
        cases.append(Case(text, got, expected, predictions))
    extra_args = {k: v for k, v in args.items() if k != "rng"}  # the last case, epochs > 0
    verdict(task, cases, mistakes, generic=GENERIC[task],
            probes=[lambda: _ignores_rng(task, run_sgd, extra_args, (41, 42))])
    return len(cases)


@task_check("inverse_time_lr")
def check_inverse_time_lr(inverse_time_lr) -> int:
    """Check ``inverse_time_lr(t, lr0, decay)``: ``lr0 / (1 + decay * t)``."""
    task = "inverse_time_lr"
    inputs = [(0, 0.5, 0.1), (10, 0.5, 0.1), (3, 1, 1), (np.int64(100), 0.2, 0.01),
              (7, 0.3, 0.0), (1000, 1.0, 0.5), (1, 2.0, 3.0), (0, 3.0, 0.5), (4, 2.5, 0.25)]
    cases = []
    for t, lr0, decay in inputs:
        args = {"t": t, "lr0": lr0, "decay": decay}
        text = call_text(task, args)
        got = expect_number(task, call(task, inverse_time_lr, args),
                            what="the learning rate", context=text)
        predictions = {
            "late": lr0 / (1 + decay * (t + 1)), "no_decay": lr0 / (1 + t),
            "exponential": lr0 / (1 + decay) ** t, "exp_e": lr0 * np.exp(-decay * t),
            "squared": lr0 / (1 + decay * t) ** 2, "grows": lr0 * (1 + decay * t),
            "brackets": lr0 / (1 + decay) * t, "linear": lr0 - decay * t,
            "floor": lr0 // (1 + decay * t),
        }
        cases.append(Case(text, got, lr0 / (1 + decay * t), predictions))
    verdict(task, cases, MISTAKES[task], generic=GENERIC[task])
    return len(cases)
