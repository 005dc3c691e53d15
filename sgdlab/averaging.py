"""Iterate averaging (Polyak-Ruppert): report the mean of the SGD iterates, not the last.

With a constant learning rate the iterates of SGD hover around the minimum; their
average cancels much of that jitter. scikit-learn's ``SGDRegressor(average=...)`` and
``torch.optim.swa_utils.AveragedModel`` do the same, averaging the weights after each
update.

>>> ws = np.array([[0.0], [2.0], [4.0], [6.0]])   # w0, then the weights after 3 steps
>>> polyak_average(ws, start=1)[:, 0]
array([2., 3., 4.])
"""

from __future__ import annotations

import numpy as np

from sgdlab import _validate as check


def _iterates(params) -> np.ndarray:
    params = check.float_array("params", params)
    if params.ndim == 1:
        params = params[:, None]
    if params.ndim != 2 or params.shape[0] == 0:
        raise ValueError("params must be a 2-D array of iterates, shape (k + 1, d) (or "
                         f"(k + 1,)), with at least one row; got shape {params.shape}")
    return params


def polyak_average(params, start: int = 0) -> np.ndarray:
    """Running average of the iterates from row ``start`` on.

    Args:
        params: iterates, shape (k + 1, d) (or (k + 1,) for one weight), e.g.
            ``History.params``: row 0 is the start ``w0``, row j the weights after step j.
        start: first row averaged, 0..k. ``start=1`` leaves out ``w0`` and averages the
            weights after each update, as scikit-learn and torch do; a larger ``start``
            skips a burn-in.

    Returns:
        Shape (k + 1 - start, d): row j is the mean of ``params[start : start + j + 1]``.
    """
    params = _iterates(params)
    start = check.integer("start", start, low=0, high=params.shape[0] - 1)
    tail = params[start:]
    return np.cumsum(tail, axis=0) / np.arange(1, tail.shape[0] + 1)[:, None]
