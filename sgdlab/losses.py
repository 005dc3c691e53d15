"""Data-fitting problems: the loss is an average over examples.

``loss(w, idx)`` and ``grad(w, idx)`` average over the rows ``idx`` (a minibatch) or
over all rows when ``idx`` is None; ``per_example_grads`` gives one gradient per row.
"""

from __future__ import annotations

import numpy as np

from sgdlab import _validate as check


class DataProblem:
    """Base class of an average loss ``L(w) = 1/n sum_i l_i(w)`` over rows of ``X``."""

    name = "problem"

    def __init__(self, X, y):
        self.X, self.y = check.data(X, y)

    @property
    def n_samples(self) -> int:
        """Number of examples n."""
        return self.X.shape[0]

    @property
    def dim(self) -> int:
        """Number of weights d."""
        return self.X.shape[1]

    def _rows(self, idx) -> tuple[np.ndarray, np.ndarray]:
        idx = check.indices(idx, self.n_samples)
        if idx is None:
            return self.X, self.y
        return self.X[idx], self.y[idx]

    def _weights(self, w) -> np.ndarray:
        if type(w) is not np.ndarray or w.dtype != np.float64:
            w = check.float_array("w", w)
        if w.shape != (self.dim,):
            raise ValueError(f"w must have shape ({self.dim},) for this problem; got {w.shape}")
        if not np.isfinite(w).all():
            raise ValueError("w must contain only finite numbers (no NaN or inf)")
        return w

    def _points(self, w) -> np.ndarray:
        w = check.float_array("w", w)
        if w.shape[-1:] != (self.dim,):
            raise ValueError(f"w must have shape ({self.dim},) or (..., {self.dim}) for this "
                             f"problem; got {w.shape}")
        return w

    def rows_loss_and_grad(self, w: np.ndarray, X: np.ndarray,
                           y: np.ndarray) -> tuple[float, np.ndarray]:
        """Loss and mean gradient over given rows ``X`` (m, d), ``y`` (m,) at ``w`` (d,).

        Nothing is checked: this is the training loop's fast path, which hands over
        slices of a shuffled copy of the data. Same arithmetic as ``loss`` and ``grad``.
        """
        raise NotImplementedError

    def value(self, w) -> np.ndarray:
        """The full loss at one point (shape (d,)) or a stack of points (shape (..., d))."""
        w = self._points(w)
        flat = w.reshape(-1, self.dim)
        return np.array([self.loss(p) for p in flat]).reshape(w.shape[:-1])


class LeastSquares(DataProblem):
    """``L(w) = 1/(2m) sum_i (x_i . w - y_i)^2`` over the m rows of a minibatch.

    The factor 1/2 makes the Hessian ``X^T X / n`` and the gradient
    ``X^T (X w - y) / m``.

    Args:
        X: features, shape (n, d); y: targets, shape (n,).
    """

    name = "least squares"

    def loss(self, w, idx=None) -> float:
        X, y = self._rows(idx)
        r = X @ self._weights(w) - y
        return 0.5 * float(r @ r) / len(r)

    def grad(self, w, idx=None) -> np.ndarray:
        """Mean gradient over the rows ``idx`` (all rows when None), shape (d,)."""
        X, y = self._rows(idx)
        return X.T @ (X @ self._weights(w) - y) / X.shape[0]

    def rows_loss_and_grad(self, w, X, y):
        r = X @ w - y
        return 0.5 * float(r @ r) / len(r), X.T @ r / len(r)

    def per_example_grads(self, w, idx=None) -> np.ndarray:
        """One gradient per row, shape (m, d)."""
        X, y = self._rows(idx)
        return X * (X @ self._weights(w) - y)[:, None]

    def hessian(self, w=None) -> np.ndarray:
        """``X^T X / n``, shape (d, d); the same at every point (``w`` may be None)."""
        if w is not None:
            self._weights(w)
        return self.X.T @ self.X / self.n_samples

    def hessian_eigenvalues(self, w=None) -> np.ndarray:
        """Eigenvalues of the Hessian, ascending: ``mu`` first, ``L`` last."""
        if w is not None:
            self._weights(w)
        return np.linalg.eigvalsh(self.hessian())

    def solve(self) -> np.ndarray:
        """The closed-form least-squares solution, shape (d,)."""
        return np.linalg.lstsq(self.X, self.y, rcond=None)[0]

    def value(self, w) -> np.ndarray:
        # Quadratic form, so that a whole contour grid costs no more than a few rows.
        w = self._points(w)
        A, b = self.hessian(), self.X.T @ self.y / self.n_samples
        c = 0.5 * float(self.y @ self.y) / self.n_samples
        with np.errstate(over="ignore", invalid="ignore"):
            return 0.5 * np.einsum("...i,ij,...j->...", w, A, w) - w @ b + c

    def minimizers(self) -> list[np.ndarray]:
        return [self.solve()]

    def default_view(self) -> tuple[tuple[float, float], tuple[float, float]]:
        cx, cy = self.solve()[:2]
        return (cx - 3, cx + 3), (cy - 3, cy + 3)


class LogisticRegression(DataProblem):
    """Mean cross-entropy of ``sigmoid(x_i . w)`` against labels ``y_i`` in {0, 1},
    plus ``alpha / 2 * |w|^2``.

    Args:
        X: features, shape (n, d); y: labels 0 or 1, shape (n,).
        alpha: L2 penalty, >= 0.
    """

    name = "logistic regression"

    def __init__(self, X, y, *, alpha: float = 0.0):
        super().__init__(X, y)
        if not np.all((self.y == 0) | (self.y == 1)):
            raise ValueError("y must hold class labels 0 and 1 only")
        self.alpha = check.positive("alpha", alpha, allow_zero=True)

    def loss(self, w, idx=None) -> float:
        X, y = self._rows(idx)
        w = self._weights(w)
        z = X @ w
        # log(1 + exp(-z)) for y = 1 and log(1 + exp(z)) for y = 0, computed stably
        data = np.mean(np.logaddexp(0.0, np.where(y == 1, -z, z)))
        return float(data + 0.5 * self.alpha * (w @ w))

    def grad(self, w, idx=None) -> np.ndarray:
        """Mean gradient over the rows ``idx`` (all rows when None), shape (d,)."""
        X, y = self._rows(idx)
        w = self._weights(w)
        return X.T @ (_sigmoid(X @ w) - y) / X.shape[0] + self.alpha * w

    def rows_loss_and_grad(self, w, X, y):
        z = X @ w
        data = np.mean(np.logaddexp(0.0, np.where(y == 1, -z, z)))
        loss = float(data + 0.5 * self.alpha * (w @ w))
        return loss, X.T @ (_sigmoid(z) - y) / X.shape[0] + self.alpha * w

    def per_example_grads(self, w, idx=None) -> np.ndarray:
        """One gradient per row (penalty included), shape (m, d)."""
        X, y = self._rows(idx)
        w = self._weights(w)
        return X * (_sigmoid(X @ w) - y)[:, None] + self.alpha * w

    def predict_proba(self, w, X=None) -> np.ndarray:
        """P(y = 1) for each row of ``X`` (default: the training rows), shape (m,)."""
        X = self.X if X is None else check.float_array("X", X, ndim=2)
        if X.shape[1] != self.dim:
            raise ValueError(f"X must have {self.dim} columns, like the training data; "
                             f"got {X.shape[1]}")
        with np.errstate(over="ignore", invalid="ignore"):
            z = X @ self._weights(w)
        if np.isnan(z).any():
            raise ValueError("w and X must be small enough for X @ w to be a number; "
                             "it overflowed to inf - inf = NaN")
        return _sigmoid(z)

    def accuracy(self, w, X=None, y=None) -> float:
        """Share of rows whose predicted class (probability > 1/2) equals the label."""
        if (X is None) != (y is None):
            raise ValueError("give both X and y (rows and their labels), or neither for the "
                             f"training data; got {'X' if y is None else 'y'} alone")
        X, y = (self.X, self.y) if X is None else check.data(X, y)
        return float(np.mean((self.predict_proba(w, X) > 0.5) == (y == 1)))


def sigmoid(z) -> np.ndarray:
    """The logistic function ``1 / (1 + exp(-z))``, without overflow for large ``|z|``;
    ``z`` is a number or an array of finite numbers (any shape)."""
    return _sigmoid(check.float_array("z", z))


def _sigmoid(z) -> np.ndarray:
    """:func:`sigmoid` without the argument check, for the losses' own arrays."""
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out
