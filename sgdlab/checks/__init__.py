"""Instant feedback for the exercise notebooks in ``exercises/``.

One module per exercise notebook, one ``check_<task>(func)`` per graded task::

    from sgdlab.checks import ex01
    ex01.check_gd_step(gd_step)      # prints "✓ gd_step passed 9 cases" or explains

A check calls the learner's function on fixed, random (seeded) and edge cases and
compares with a reference. A wrong answer raises an ``AssertionError`` that names the
likely mistake (it computes what the common wrong implementations would return and
matches). A message's first line states the property that failed, in words, without
numbers or code; the detail follows below it, and graded mode
(``SGDLAB_FEEDBACK=graded``) shows the first line only. An untouched stub reads as "not
attempted yet"; an exception quotes the learner's line; a function that runs too long is
stopped.

Modules: ``ex01`` gradient descent, ``ex02`` stochastic GD, ``ex03`` minibatch SGD,
``ex04`` momentum, ``ex05`` PyTorch (imports torch), ``ex06`` scikit-learn (imports
scikit-learn), ``ex07`` learning-rate schedules, ``ex08`` adaptive methods, ``ex09``
beyond convex.
"""

from sgdlab.checks._feedback import CheckFailed, NotAttempted, StudentCodeError, TimedOut

__all__ = ["CheckFailed", "NotAttempted", "StudentCodeError", "TimedOut"]
