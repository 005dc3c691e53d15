"""Data sets for the course: synthetic ones with a known answer, and two real ones.

Nothing is downloaded: the real data sets ship inside scikit-learn.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sgdlab import _validate as check


@dataclass(frozen=True)
class Dataset:
    """Features and targets, with the truth behind them when it is known.

    Attributes:
        X: features, shape (n, d).
        y: targets, shape (n,): real numbers for regression, 0/1 for classification.
        w_true: the weights that generated ``y``, shape (d,), or None for real data.
        noise: standard deviation of the label noise, or None.
    """

    X: np.ndarray
    y: np.ndarray
    w_true: np.ndarray | None = None
    noise: float | None = None


@dataclass(frozen=True)
class Split:
    """A train/test split of a real data set, standardised with the training statistics.

    Attributes:
        X_train, y_train: shapes (n_train, d) and (n_train,).
        X_test, y_test: shapes (n_test, d) and (n_test,).
        feature_names: d names.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    feature_names: tuple[str, ...]


def make_linear_regression(
    n: int = 200,
    d: int = 2,
    *,
    noise: float = 0.5,
    w_true=None,
    rng: np.random.Generator | int,
) -> Dataset:
    """Draw ``y = X @ w_true + noise * eps`` with standard normal ``X`` and ``eps``.

    Args:
        n: number of examples, >= 1.
        d: number of features, >= 1 (ignored when ``w_true`` is given).
        noise: standard deviation of the label noise, >= 0.
        w_true: true weights, shape (d,); drawn from a standard normal if None.
        rng: the random generator, e.g. ``np.random.default_rng(0)``, or an int seed.

    Returns:
        A :class:`Dataset` with ``X`` of shape (n, d) and ``y`` of shape (n,).

    Example:
        >>> data = make_linear_regression(100, 2, rng=np.random.default_rng(0))
        >>> data.X.shape, data.y.shape
        ((100, 2), (100,))
    """
    n = check.integer("n", n)
    noise = check.positive("noise", noise, allow_zero=True)
    rng = check.rng(rng)
    if w_true is None:
        d = check.integer("d", d)
        w_true = rng.standard_normal(d)
    else:
        w_true = check.float_array("w_true", w_true, ndim=1)
        if w_true.size == 0:
            raise ValueError("w_true must hold at least one weight; got shape (0,)")
    X = rng.standard_normal((n, w_true.size))
    with np.errstate(over="ignore", invalid="ignore"):
        y = X @ w_true + noise * rng.standard_normal(n)
    if not np.all(np.isfinite(y)):
        raise ValueError("noise and w_true must be small enough for y to be finite; "
                         f"got noise={noise!r} and max |w_true| = {np.abs(w_true).max()!r}")
    return Dataset(X, y, w_true, noise)


def make_classification(
    n: int = 200,
    d: int = 2,
    *,
    separation: float = 2.0,
    rng: np.random.Generator | int,
) -> Dataset:
    """Two Gaussian clouds with labels 0 and 1, centred at ``-/+ separation/2`` along a
    random unit direction ``w_true`` (shape (d,)); ``X`` has shape (n, d), ``y`` (n,).

    Args:
        n: number of examples, >= 2.
        d: number of features, >= 1.
        separation: distance between the two class means, >= 0.
        rng: the random generator, or an int seed.
    """
    n = check.integer("n", n, low=2)
    d = check.integer("d", d)
    separation = check.positive("separation", separation, allow_zero=True)
    rng = check.rng(rng)
    direction = rng.standard_normal(d)
    while not np.any(direction):  # a zero vector has no direction (never seen in practice)
        direction = rng.standard_normal(d)
    direction /= np.linalg.norm(direction)
    y = (np.arange(n) % 2).astype(float)
    rng.shuffle(y)
    X = rng.standard_normal((n, d)) + np.outer(y - 0.5, direction) * separation
    return Dataset(X, y, direction, None)


def add_bias_column(X) -> np.ndarray:
    """Append a column of ones to ``X`` (shape (n, d) -> (n, d + 1)), so the last
    weight acts as the intercept."""
    X = check.float_array("X", X, ndim=2)
    return np.hstack([X, np.ones((X.shape[0], 1))])


def train_test_split(
    X, y, *, test_fraction: float = 0.25, rng: np.random.Generator | int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle the rows and split them: returns ``X_train, y_train, X_test, y_test``.

    Args:
        X: shape (n, d); y: shape (n,).
        test_fraction: share of rows for the test set, in (0, 1).
        rng: the random generator, or an int seed.
    """
    X, y = check.data(X, y)
    rng = check.rng(rng)
    test_fraction = check.in_range("test_fraction", test_fraction, 0.0, 1.0)
    if test_fraction == 0.0:
        raise ValueError("test_fraction must be in (0, 1); got 0.0")
    n = X.shape[0]
    n_test = int(round(test_fraction * n))
    if not 1 <= n_test <= n - 1:
        raise ValueError(
            f"test_fraction={test_fraction} leaves {n_test} of {n} rows for testing; "
            "choose it so both parts get at least one row"
        )
    order = rng.permutation(n)
    test, train = order[:n_test], order[n_test:]
    return X[train], y[train], X[test], y[test]


def _standardised_split(bunch, *, test_fraction: float, seed: int, scale_y: bool) -> Split:
    rng = check.rng(seed, name="seed")
    X_tr, y_tr, X_te, y_te = train_test_split(
        bunch.data, bunch.target.astype(float), test_fraction=test_fraction, rng=rng
    )
    mean, std = X_tr.mean(axis=0), X_tr.std(axis=0)
    std[std == 0] = 1.0
    X_tr, X_te = (X_tr - mean) / std, (X_te - mean) / std
    if scale_y:
        y_mean, y_std = y_tr.mean(), y_tr.std()
        y_tr, y_te = (y_tr - y_mean) / y_std, (y_te - y_mean) / y_std
    return Split(X_tr, y_tr, X_te, y_te, tuple(bunch.feature_names))


def load_diabetes(*, test_fraction: float = 0.25, seed: int = 0) -> Split:
    """scikit-learn's diabetes data (442 patients, 10 features, disease progression
    after a year) for regression. Features and target are standardised with the
    training set's mean and standard deviation, so a weight of 0 is a sensible start.
    """
    from sklearn.datasets import load_diabetes as _load

    test_fraction = check.in_range("test_fraction", test_fraction, 0.0, 1.0)
    check.rng(seed, name="seed")
    return _standardised_split(_load(), test_fraction=test_fraction, seed=seed, scale_y=True)


def load_breast_cancer(*, test_fraction: float = 0.25, seed: int = 0) -> Split:
    """scikit-learn's breast cancer data (569 tumours, 30 features, label 1 = benign)
    for binary classification; features standardised with the training statistics."""
    from sklearn.datasets import load_breast_cancer as _load

    test_fraction = check.in_range("test_fraction", test_fraction, 0.0, 1.0)
    check.rng(seed, name="seed")
    return _standardised_split(_load(), test_fraction=test_fraction, seed=seed, scale_y=False)
