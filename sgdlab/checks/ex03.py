"""Checks for ``exercises/03_minibatch_sgd.ipynb``.

Tasks: ``minibatch_indices``, ``minibatch_gradient``, ``minibatch_sgd``. Each check runs
all its cases, then names a mistake only if it reproduces every result (``_diagnose``);
for batches that match no known mistake it states the property they break (rows
missing, rows repeated, sizes, order), which it observed rather than guessed.
"""

from __future__ import annotations

import types

import numpy as np

from sgdlab.batches import epoch_batches
from sgdlab.checks import _safe
from sgdlab.checks._diagnose import Case, Mistake, catalog, same, verdict
from sgdlab.checks._feedback import CheckFailed, describe, expect_array
from sgdlab.checks._runner import call, call_text, task_check
from sgdlab.checks._variants import sgd_variant
from sgdlab.i18n import _
from sgdlab.losses import LeastSquares
from sgdlab.train import run

TASK_I = "minibatch_indices"


def _as_batches(got, text: str) -> list[np.ndarray]:
    """Check the shape of a returned epoch: a list of 1-D integer arrays."""
    if got is None:
        raise CheckFailed(TASK_I, _("the function returns nothing\nDid you forget to "
                                    "`return` the list of batches?") + f"\n    {text}")
    if isinstance(got, types.GeneratorType):
        raise CheckFailed(TASK_I, _("the result is a generator, not a list\nDid you use "
                                    "`yield`? Return a list, e.g. wrap it in list(...).")
                          + f"\n    {text}")
    if isinstance(got, np.ndarray):
        raise CheckFailed(TASK_I, _(
            "the result is one array, not a list of batches\nGot an array of shape "
            "{shape}: a single array cannot hold a shorter last batch. Return a list, "
            "e.g. [order[i:i + batch_size] for i in range(0, n, batch_size)]").format(
                shape=got.shape) + f"\n    {text}")
    if not isinstance(got, list | tuple):
        raise CheckFailed(TASK_I, _("the result is not a list of index arrays\nGot "
                                    "{got}.").format(got=describe(got)) + f"\n    {text}")
    batches = []
    for k, b in enumerate(got):
        if isinstance(b, list | tuple):
            b = np.asarray(b)
        if not isinstance(b, np.ndarray) or b.ndim != 1:
            raise CheckFailed(TASK_I, _("a batch is not a one-dimensional array of row "
                                        "indices\nBatch {k} is {got}.").format(
                                            k=k, got=describe(b)) + f"\n    {text}")
        if not _safe.issubdtype(b.dtype, np.integer):
            raise CheckFailed(TASK_I, _("a batch holds indices that are not integers\n"
                                        "Batch {k} holds {dtype} values: indices must be "
                                        "integers (rng.permutation(n) gives integers).").format(
                                            k=k, dtype=b.dtype) + f"\n    {text}")
        batches.append(b)
    return batches


def _cut(order: np.ndarray, batch_size: int, stop: int | None = None) -> tuple:
    stop = len(order) if stop is None else stop
    return tuple(order[i:i + batch_size] for i in range(0, stop, batch_size))


def _predictions(n: int, batch_size: int, seed: int) -> dict[str, tuple]:
    """What the common wrong versions of ``minibatch_indices`` return."""
    def rng():
        return np.random.default_rng(seed)

    perm = rng().permutation(n)
    k = -(-n // batch_size)
    sizes = [min(batch_size, n - i) for i in range(0, n, batch_size)]
    fresh = rng()
    out = {
        "no_shuffle": _cut(np.arange(n), batch_size),
        "replacement": _cut(rng().integers(0, n, size=n), batch_size),
        "choice": _cut(rng().choice(n, n, replace=False), batch_size),
        "drop_last": _cut(perm, batch_size, n - n % batch_size) if n % batch_size else None,
        "padded": tuple(np.concatenate([perm, perm])[i:i + batch_size]
                        for i in range(0, n, batch_size)) if n % batch_size else None,
        "array_split": tuple(np.array_split(perm, k)),
        "sliding": tuple(perm[i:i + batch_size] for i in range(n)),
        "per_batch_draw": tuple(fresh.permutation(n)[:size] for size in sizes),
    }
    return {key: value for key, value in out.items() if value is not None}


def _property(batches: list[np.ndarray], n: int, batch_size: int) -> str:
    """The property the batches break, observed (not guessed), for the fallback."""
    flat = np.concatenate(batches) if batches else np.array([], dtype=int)
    if flat.size and (flat.min() < 0 or flat.max() >= n):
        return "out_of_range"
    counts = _safe.bincount(flat, minlength=n) if flat.size else np.zeros(n, dtype=int)
    if _safe.any(counts > 1):
        return "repeated"
    if _safe.any(counts == 0):
        return "missing"
    want = [min(batch_size, n - i) for i in range(0, n, batch_size)]
    if [len(b) for b in batches] != want:
        return "sizes"
    return "order"


GENERIC = {
    TASK_I: Mistake("generic", "the batches are not the shuffled rows cut into consecutive "
                               "pieces",
                    "Shuffle once per call with order = rng.permutation(n), then cut that "
                    "order at range(0, n, batch_size)."),
    "minibatch_gradient": Mistake(
        "generic", "the result is not the mean gradient over the rows of the batch",
        "None of the usual mistakes explains these results: "
        "X[idx].T @ (X[idx] @ w - y[idx]) / len(idx)."),
    "minibatch_sgd": Mistake(
        "generic", "the final weights are not those of minibatch SGD",
        "None of the usual mistakes explains these results: each epoch shuffles with "
        "rng.permutation(n), cuts the order into batches (the last may be shorter) and "
        "steps with each batch's mean gradient."),
}

IGNORES_RNG = Mistake("ignores_rng", "the result is the same whatever rng is passed",
                      "Shuffle with the rng argument (rng.permutation(n)), not with a "
                      "generator of your own or a fixed order.")

MISTAKES = {
    TASK_I: catalog(
        Mistake("no_shuffle", "the batches take the rows in their stored order",
                "Shuffle first: order = rng.permutation(n), then cut it into pieces."),
        Mistake("replacement", "some rows appear more than once in the epoch and others never",
                "The rows were drawn with replacement (rng.integers): shuffle a permutation, "
                "rng.permutation(n), and cut it into consecutive pieces."),
        Mistake("choice", "the order differs from the one rng.permutation gives",
                "rng.choice(n, n, replace=False) is a valid order but a different one from "
                "rng.permutation(n), which this check (and sgdlab) uses."),
        Mistake("drop_last", "the rows of the last, shorter batch are missing",
                "Keep the short batch: cut the order at range(0, n, batch_size), which ends "
                "with it."),
        Mistake("padded", "the last batch reuses rows from the start of the epoch",
                "Keep the last batch shorter, so that every row appears exactly once."),
        Mistake("array_split", "the batch sizes are spread evenly",
                "np.array_split evens out the sizes; here every batch has batch_size rows "
                "except the last, which keeps the left-over rows: "
                "[order[i:i + batch_size] for i in range(0, n, batch_size)]."),
        Mistake("sliding", "the batches overlap: there is one batch per row",
                "Step the start by batch_size: range(0, n, batch_size), not range(n)."),
        Mistake("per_batch_draw", "each batch is drawn from a fresh shuffle, so rows repeat "
                                  "across batches",
                "Shuffle once per call and cut that one order into pieces."),
        IGNORES_RNG,
        Mistake("out_of_range", "some indices are outside the rows of the data",
                "Indices run from 0 to n - 1."),
        Mistake("repeated", "some rows appear more than once in the epoch",
                "Within an epoch every row is used exactly once."),
        Mistake("missing", "some rows never appear in the epoch",
                "Within an epoch every row is used exactly once: check where your pieces "
                "start and stop."),
        Mistake("sizes", "the batch sizes are wrong",
                "Every batch has batch_size rows except the last, which keeps the left-over "
                "rows."),
        Mistake("order", "every row appears once, but not in the expected order",
                "Shuffle once per call with order = rng.permutation(n) and cut that order "
                "into consecutive pieces."),
    ),
}
OBSERVED = ("out_of_range", "repeated", "missing", "sizes", "order")


@task_check(TASK_I)
def check_minibatch_indices(minibatch_indices) -> int:
    """Check ``minibatch_indices(n, batch_size, rng)``: ``rng.permutation(n)`` cut into
    batches of ``batch_size`` rows, the last one keeping the left-over rows."""
    inputs = [(10, 3, 1), (10, 5, 2), (7, 7, 3), (5, 1, 4), (100, 32, 5),
              (np.int64(9), np.int64(4), 6)]
    mistakes = MISTAKES[TASK_I]
    cases, observed = [], []
    for n, batch_size, seed in inputs:
        args = {"n": n, "batch_size": batch_size, "rng": np.random.default_rng(seed)}
        text = call_text(TASK_I, args, {"rng": f"np.random.default_rng({seed})"})
        batches = _as_batches(call(TASK_I, minibatch_indices, args), text)
        expected = tuple(epoch_batches(int(n), int(batch_size),
                                       rng=np.random.default_rng(seed)))
        got = tuple(batches)
        if not same(got, expected, rtol=0, atol=0):
            observed.append((_property(batches, int(n), int(batch_size)), text, got, expected))
        cases.append(Case(text, got, expected, _predictions(int(n), int(batch_size), seed)))

    def ignores_rng():
        first = call(TASK_I, minibatch_indices,
                     {"n": 10, "batch_size": 3, "rng": np.random.default_rng(21)})
        second = call(TASK_I, minibatch_indices,
                      {"n": 10, "batch_size": 3, "rng": np.random.default_rng(22)})
        try:
            return "ignores_rng" if same(tuple(first), tuple(second), rtol=0, atol=0) else None
        except TypeError:
            return None

    def observed_property():
        return observed[0][0] if observed else None

    verdict(TASK_I, cases, {k: m for k, m in mistakes.items()}, generic=GENERIC[TASK_I],
            rtol=0, atol=0, probes=[ignores_rng, observed_property])
    return len(cases)


MISTAKES["minibatch_gradient"] = catalog(
    Mistake("sum", "the gradient is summed over the batch, not averaged",
            "Divide the batch's summed gradient by the batch size, len(idx)."),
    Mistake("over_n", "the gradient is divided by the number of rows of the data",
            "Divide by the batch size len(idx), not by n."),
    Mistake("all_rows", "the gradient does not depend on idx",
            "It averages over all the rows: use only the rows X[idx] and y[idx]."),
    Mistake("unique", "a row listed twice in idx counts only once",
            "Rows listed twice must count twice (sampling with replacement repeats rows): "
            "index with X[idx] directly, without np.unique or a mask."),
    Mistake("sign", "the gradient points the wrong way",
            "The residual is prediction minus target, X[idx] @ w - y[idx]."),
    Mistake("twice", "the gradient is twice too large",
            "The loss has a factor 1/2, so its gradient has no factor 2."),
    Mistake("first_rows", "the gradient uses the first rows of the data, not the rows idx",
            "You used X[:len(idx)] (or X[i] for i in range(len(idx))): index with the "
            "entries of idx, X[idx]."),
    Mistake("per_row", "the result is one gradient per row, not their mean",
            "Average them into one gradient of shape (d,): mean over axis 0."),
)
MISTAKES["minibatch_sgd"] = catalog(
    Mistake("sum", "the updates are too large by the batch size",
            "Average the gradient over the batch instead of summing it."),
    Mistake("over_n", "the updates are too small: divided by all the rows",
            "Divide the batch's gradient by the batch size, not by n."),
    Mistake("drop_last", "the last, shorter batch of each epoch is missing",
            "Keep it, so every row is used once per epoch."),
    Mistake("same_order", "every epoch visits the batches in the same order",
            "Shuffle with rng at the start of each epoch, not once before the loop."),
    Mistake("no_shuffle", "the rows are never shuffled",
            "Start each epoch with order = rng.permutation(n)."),
    Mistake("replacement", "some rows are used twice in an epoch and others never",
            "You drew rows with replacement: each epoch uses every row once, in the order "
            "rng.permutation(n)."),
    Mistake("choice", "the order differs from the one rng.permutation gives",
            "rng.choice(n, n, replace=False) is a valid order but a different one from "
            "rng.permutation(n), which this check (and sgdlab) uses."),
    Mistake("uphill", "the steps move uphill instead of downhill",
            "Subtract lr times the gradient."),
    Mistake("stale", "every gradient of an epoch is taken at the epoch's starting weights",
            "Update w after every batch and take the next gradient at the new w."),
    Mistake("one_batch", "only the first batch of each epoch is used",
            "Is the `return` (or a `break`) inside the loop over batches?"),
    Mistake("full_gradient", "every step uses the gradient over all the rows",
            "Each step uses the mean gradient over its own batch, X[idx] and y[idx]."),
    Mistake("one_epoch", "only one epoch is run",
            "Loop over range(epochs), reshuffling at the start of each."),
    Mistake("never_moves", "the weights never move",
            "Assign each step back: w = w - lr * g."),
    IGNORES_RNG,
)


@task_check("minibatch_gradient")
def check_minibatch_gradient(minibatch_gradient) -> int:
    """Check ``minibatch_gradient(w, X, y, idx)``: the mean gradient over the rows idx."""
    task = "minibatch_gradient"
    rng = np.random.default_rng(301)
    X = rng.normal(size=(100, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.3 * rng.normal(size=100)
    Xi = np.round(2 * X[:20]).astype(int)
    inputs = [
        (np.array([0.5, 0.0, -1.0]), X, y, rng.permutation(100)[:32]),
        (rng.normal(size=3), X, y, np.array([7])),                   # a single row
        (np.array([0.0, 1.0, 0.0]), X, y, np.array([3, 3, 5, 8])),  # a repeated row
        (rng.normal(size=3), X, y, np.arange(100)),                  # every row
        (np.array([0.5, 0.5, 0.5]), Xi, y[:20], np.array([0, 4, 9, 19, 2])),  # integer X
        (np.array([1.0, -1.0, 0.0]), X, y, np.array([50, 12, 50, 50, 99, 12])),  # repeats
    ]
    cases = []
    for w, Xc, yc, idx in inputs:
        args = {"w": w, "X": Xc, "y": yc, "idx": idx}
        text = call_text(task, args)
        got = call(task, minibatch_gradient, args)
        problem = LeastSquares(Xc, yc)
        expected = problem.grad(w, idx)
        B, n, d = len(idx), Xc.shape[0], Xc.shape[1]
        if isinstance(got, np.ndarray) and got.shape == (B, d) and B > 1:
            raise MISTAKES[task]["per_row"].fail(task, f"\n    {text}")
        got = expect_array(task, got, (d,), what="the gradient", context=text)
        predictions = {
            "sum": expected * B, "over_n": expected * B / n, "all_rows": problem.grad(w),
            "unique": problem.grad(w, _safe.unique(idx)), "sign": -expected,
            "twice": 2 * expected, "first_rows": problem.grad(w, np.arange(B)),
        }
        cases.append(Case(text, got, expected, predictions))
    verdict(task, cases, MISTAKES[task], generic=GENERIC[task])
    return len(cases)


@task_check("minibatch_sgd")
def check_minibatch_sgd(minibatch_sgd) -> int:
    """Check ``minibatch_sgd(w0, X, y, lr, batch_size, epochs, rng)``: the final weights,
    against ``sgdlab.train.run``."""
    task = "minibatch_sgd"
    rng = np.random.default_rng(302)
    X = rng.normal(size=(50, 3))
    y = X @ np.array([2.0, -1.0, 0.5]) + 0.5 * rng.normal(size=50)
    inputs = [
        (np.zeros(3), 0.05, 8, 3, 11),    # 50 = 6 * 8 + 2: a short last batch
        (np.ones(3), 0.02, 1, 2, 12),     # plain SGD
        (np.zeros(3), 0.3, 50, 4, 13),    # full batch: gradient descent
        (np.zeros(3), 0.1, 10, 2, 14),    # batch size divides n
        (np.array([1, 0, -1]), 0.05, 16, 2, 15),  # integer w0
        (np.zeros(3), 0.05, 12, 2, 16),   # 50 = 4 * 12 + 2
    ]
    cases = []
    for w0, lr, batch_size, epochs, seed in inputs:
        args = {"w0": w0, "X": X, "y": y, "lr": lr, "batch_size": batch_size,
                "epochs": epochs, "rng": np.random.default_rng(seed)}
        text = call_text(task, args, {"rng": f"np.random.default_rng({seed})"})
        got = expect_array(task, call(task, minibatch_sgd, args), w0.shape,
                           what="the final weights", context=text, finite=False)
        expected = run(LeastSquares(X, y), w0, lr, epochs=epochs, batch_size=batch_size,
                       rng=np.random.default_rng(seed), full_loss_every=10**6).final

        def variant(seed=seed, w0=w0, lr=lr, batch_size=batch_size, epochs=epochs,
                    **options):
            with np.errstate(all="ignore"):
                return sgd_variant(w0, X, y, lr, batch_size, epochs,
                                   np.random.default_rng(seed), **options)[-1]

        predictions = {
            "sum": variant(reduce="sum"), "over_n": variant(reduce="n"),
            "drop_last": variant(drop_last=True), "same_order": variant(order="once"),
            "no_shuffle": variant(order="none"), "replacement": variant(order="replacement"),
            "choice": variant(order="choice"), "uphill": variant(sign=+1.0),
            "stale": variant(stale=True), "one_batch": variant(max_steps=1),
            "full_gradient": variant(full_gradient=True),
            "one_epoch": variant(epochs=min(epochs, 1)),
            "never_moves": np.asarray(w0, dtype=float),
        }
        cases.append(Case(text, got, expected, predictions))

    def ignores_rng(args=args):
        a = call(task, minibatch_sgd, {**args, "rng": np.random.default_rng(1)})
        b = call(task, minibatch_sgd, {**args, "rng": np.random.default_rng(2)})
        return "ignores_rng" if same(a, b, rtol=0, atol=0) else None

    verdict(task, cases, MISTAKES[task], generic=GENERIC[task], probes=[ignores_rng])
    return len(cases)
