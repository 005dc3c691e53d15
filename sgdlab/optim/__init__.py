"""Numpy mirrors of ``torch.optim``: the same update rules, defaults and argument checks.

``params`` is a list of float numpy arrays that ``step(grads)`` updates in place;
hyperparameters are attributes that can change between steps (``opt.lr = 0.01``).
"""

from sgdlab.optim.adaptive import Adagrad, Adam, RMSprop
from sgdlab.optim.sgd import SGD

__all__ = ["SGD", "Adagrad", "RMSprop", "Adam"]
