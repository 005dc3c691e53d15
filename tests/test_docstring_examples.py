"""The examples in ``sgdlab``'s docstrings run and print what they say.

Learners read them in ``help()`` and JupyterLab's contextual help and paste them into
cells, so a stale example teaches something false (one printed 0.1 for a learning rate
that came out 1.0). Every module of the package is imported and its examples run as
doctests; a module with ``>>>`` lines must pass all of them.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import sgdlab

MODULES = sorted(m.name for m in pkgutil.walk_packages(sgdlab.__path__, "sgdlab."))


def examples(module) -> list[doctest.DocTest]:
    return [t for t in doctest.DocTestFinder().find(module) if t.examples]


@pytest.mark.parametrize("name", MODULES)
def test_the_docstring_examples_run_as_written(name):
    module = importlib.import_module(name)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in examples(module):
        runner.run(test)  # a failure's report goes to stdout, shown by pytest
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {name} failed"


def test_the_package_has_examples_to_check():
    """Many public entry points carry an example; losing them all would pass silently."""
    with_examples = [n for n in MODULES if examples(importlib.import_module(n))]
    assert len(with_examples) >= 15, with_examples
