"""Interactive explorers for the notebooks, one module per notebook.

Each explorer is an :class:`~sgdlab.widgets.base.Explorer`: display it in a cell,
or drive it from code with ``explorer.set(lr=0.1)`` and read ``explorer.result``.
"""

from sgdlab.widgets.base import Explorer

__all__ = ["Explorer"]
