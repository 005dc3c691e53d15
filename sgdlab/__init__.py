"""sgdlab: the small, tested library behind the SGD Lab course.

Modules, one idea each:

- ``data``: synthetic and real (scikit-learn) data sets
- ``objectives``: 2-D test functions (quadratic, Rosenbrock, double well)
- ``losses``: least squares and logistic regression, with minibatch gradients
- ``optim``: ``SGD``, ``Adagrad``, ``RMSprop`` and ``Adam``, numpy mirrors of their
  ``torch.optim`` namesakes
- ``schedules``: learning-rate schedules
- ``batches``: minibatch index generation
- ``train``: the training loop and its ``History``
- ``theory``: step-size, momentum and variance formulas
- ``plots``: contours, paths and loss curves
- ``plot_key``: a legend for the markers ``plots`` draws (start, end, minimum, saddle)
- ``sklearn_sgd``: scikit-learn's ``SGDRegressor`` / ``SGDClassifier`` step by step, its
  learning-rate schedules, and streaming with ``partial_fit``
- ``averaging``: iterate averaging (Polyak-Ruppert)
- ``lr_range``: a learning-rate range test, and the exact full-batch curve it follows
- ``torch_fit``: the PyTorch minibatch loop of notebook 05, and equal-budget scored runs
- ``compare``: several optimizers on one problem, raced side by side on a 2-D function,
  learning rates tuned on a grid

``sklearn_sgd``, ``averaging``, ``lr_range``, ``compare``, ``plot_key`` and
``torch_fit`` are not imported here (this
keeps ``import sgdlab`` light); import them by name, e.g. ``from sgdlab import compare``.
"""

from sgdlab import batches, data, losses, objectives, optim, plots, schedules, theory, train

__all__ = ["batches", "data", "losses", "objectives", "optim", "plots", "schedules", "theory",
           "train"]
__version__ = "0.1.0"
