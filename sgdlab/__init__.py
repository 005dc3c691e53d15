"""sgdlab: the small, tested library behind the SGD Lab course.

Modules, one idea each:

- ``data``: synthetic and real (scikit-learn) data sets
- ``objectives``: 2-D test functions (quadratic, Rosenbrock, double well)
- ``losses``: least squares and logistic regression, with minibatch gradients
- ``optim``: ``SGD``, a numpy mirror of ``torch.optim.SGD``
- ``schedules``: learning-rate schedules
- ``batches``: minibatch index generation
- ``train``: the training loop and its ``History``
- ``theory``: step-size, momentum and variance formulas
- ``plots``: contours, paths and loss curves
"""

from sgdlab import batches, data, losses, objectives, optim, plots, schedules, theory, train

__all__ = ["batches", "data", "losses", "objectives", "optim", "plots", "schedules", "theory",
           "train"]
__version__ = "0.1.0"
