"""References the checks take at import, and a guard against learner code that patches
libraries.

A learner's function runs inside the check's own process, so it can reassign
``np.allclose``, ``sgdlab.train.run`` or ``torch.Tensor.backward``. Two defences:

* **Safe references.** The names below are bound when ``sgdlab.checks`` is imported; a
  check that compares with ``_safe.allclose`` instead of ``np.allclose`` gets the real
  function even if a notebook cell patched numpy before the check ran.
* **The module guard.** :class:`ModuleGuard` records the attributes of the modules (and a
  few classes) a check relies on before the learner's function runs and, afterwards, puts
  back every attribute the function replaced or deleted and names it, so that a patch
  cannot change this check's verdict or any later one.

Neither defends against code that ran before ``sgdlab.checks`` was imported or that uses
``ctypes``: a grade that must be trusted is computed in a fresh process.
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any

import numpy as _np

# --- numpy, bound at import ------------------------------------------------------------
allclose = _np.allclose
isclose = _np.isclose
array_equal = _np.array_equal
array = _np.array
asarray = _np.asarray
isfinite = _np.isfinite
iscomplexobj = _np.iscomplexobj
issubdtype = _np.issubdtype
all = _np.all  # noqa: A001 - the numpy function, on purpose
any = _np.any  # noqa: A001
abs = _np.abs  # noqa: A001
max = _np.max  # noqa: A001
min = _np.min  # noqa: A001
argmax = _np.argmax
unique = _np.unique
bincount = _np.bincount
shares_memory = _np.shares_memory
prod = _np.prod
zeros = _np.zeros
sqrt = _np.sqrt
eigvalsh = _np.linalg.eigvalsh
default_rng = _np.random.default_rng
printoptions = _np.printoptions
array2string = _np.array2string
errstate = _np.errstate

#: The names above, with the numpy object each must still be (see :func:`patched_numpy`).
NUMPY_NAMES = {name: getattr(_np, name) for name in (
    "allclose", "isclose", "array_equal", "array", "asarray", "isfinite", "iscomplexobj",
    "issubdtype", "all", "any", "abs", "max", "min", "argmax", "unique", "bincount",
    "shares_memory", "prod", "zeros", "sqrt", "printoptions", "array2string", "errstate")}


def patched_numpy() -> list[str]:
    """Names of :data:`NUMPY_NAMES` that numpy no longer holds (a cell replaced them);
    each is put back."""
    changed = []
    for name, original in NUMPY_NAMES.items():
        if getattr(_np, name, None) is not original:
            setattr(_np, name, original)
            changed.append(f"numpy.{name}")
    if _np.linalg.eigvalsh is not eigvalsh:
        _np.linalg.eigvalsh = eigvalsh
        changed.append("numpy.linalg.eigvalsh")
    return changed


# --- the module guard ------------------------------------------------------------------
#: Modules whose attributes the guard watches, when they are imported; every ``sgdlab``
#: module is watched too.
WATCHED_MODULES = (
    "builtins", "math", "copy",
    "numpy", "numpy.linalg", "numpy.random", "numpy.testing",
    "torch", "torch.nn", "torch.nn.functional", "torch.optim", "torch.utils.data",
    "torch.autograd", "torch.nn.init",
    "sklearn", "sklearn.linear_model", "sklearn.metrics",
)

#: Classes whose attributes the guard watches (``module:qualified name``); every class
#: defined in an ``sgdlab`` module is watched too.
WATCHED_CLASSES = (
    "torch:Tensor", "torch.nn:Module", "torch.nn:Linear", "torch.nn:MSELoss",
    "torch.nn:BCEWithLogitsLoss", "torch.optim:Optimizer", "torch.optim:SGD",
    "torch.utils.data:DataLoader", "torch.utils.data:TensorDataset",
    "sklearn.linear_model:SGDRegressor",
)


_cache: dict[str, Any] = {"modules": -1, "found": []}


def _watched() -> list[tuple[str, Any]]:
    """(name, namespace object) for every watched module and class now imported (found
    again only when modules were imported since the last call)."""
    if _cache["modules"] != len(sys.modules):
        _cache["found"] = _find_watched()
        _cache["modules"] = len(sys.modules)
    return _cache["found"]


def _find_watched() -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    for name in WATCHED_MODULES:
        module = sys.modules.get(name)
        if isinstance(module, ModuleType):
            found.append((name, module))
    for name, module in list(sys.modules.items()):
        if (name == "sgdlab" or name.startswith("sgdlab.")) and isinstance(module, ModuleType):
            found.append((name, module))
            for attr, value in list(vars(module).items()):
                if isinstance(value, type) and value.__module__ == name:
                    found.append((f"{name}.{attr}", value))
    for spec in WATCHED_CLASSES:
        module_name, _, cls_name = spec.partition(":")
        cls = getattr(sys.modules.get(module_name), cls_name, None)
        if isinstance(cls, type):
            found.append((f"{module_name}.{cls_name}", cls))
    return found


def _is_dunder(name: str) -> bool:
    return name.startswith("__") and name.endswith("__")


class ModuleGuard:
    """Remembers the watched attributes now; :meth:`restore` puts back what changed.

    Only names that existed at the snapshot count: an attribute that a library adds
    later (a lazily imported submodule) is not a patch. Dunder names (``__doc__``,
    ``__warningregistry__``, ...) and ``builtins._`` (the last result in a REPL) are
    ignored. In third-party modules only functions, classes and modules count, since a
    library may reassign its own flags and caches as it runs; in ``sgdlab`` every
    attribute counts.
    """

    def __init__(self, *, functions_only: bool = False,
                 only: tuple[str, ...] | None = None) -> None:
        self.functions_only = functions_only
        self.only = only  # name prefixes to watch (None: all of WATCHED_*)
        self._spaces = []
        self._known: set[int] = set()
        self.add_new()

    def add_new(self) -> None:
        """Also watch the modules and classes imported since the snapshot, as they are
        now."""
        for name, space in _watched():
            if self.only is not None and not name.startswith(self.only):
                continue
            if id(space) not in self._known:
                self._known.add(id(space))
                values = dict(vars(space))
                self._spaces.append((name, space, values, tuple(map(id, values.values()))))

    def restore(self) -> list[str]:
        """Put back every watched attribute that was replaced or deleted since the
        snapshot; return their dotted names (empty when nothing was touched).

        torch wraps some of its own functions as it runs (importing ``torch._dynamo``
        wraps ``torch.manual_seed``; the first optimizer of a class wraps its ``step``):
        in torch and scikit-learn a new value whose ``__wrapped__`` chain leads to the
        old one is taken as the library's own doing and kept.
        """
        changed: list[str] = []
        for index, (name, space, values, ids) in enumerate(self._spaces):
            current = vars(space)
            if len(current) == len(values) and tuple(map(id, current.values())) == ids:
                continue  # the common case: nothing touched
            ours = name.startswith("sgdlab") or isinstance(space, type) and (
                space.__module__.startswith("sgdlab"))
            strict = ours or name.startswith(("numpy", "builtins", "math", "copy"))
            for attr, original in list(values.items()):
                if _is_dunder(attr) or (name == "builtins" and attr == "_"):
                    continue
                now = current.get(attr, _MISSING)
                if now is original:
                    continue
                if ((not ours or self.functions_only) and not callable(original)
                        and not isinstance(original, ModuleType)):
                    continue
                if not strict and _wraps(now, original):
                    values[attr] = now  # the library wrapped its own function
                    continue
                try:
                    setattr(space, attr, original)
                except (AttributeError, TypeError):
                    continue
                changed.append(f"{name}.{attr}")
            self._spaces[index] = (name, space, values, tuple(map(id, values.values())))
        return changed


def _wraps(value: Any, original: Any) -> bool:
    """True if ``value`` is ``original`` behind one or more ``functools.wraps`` layers."""
    for _ in range(10):
        value = getattr(value, "__wrapped__", None)
        if value is None:
            return False
        if value is original:
            return True
    return False


_MISSING = object()


#: The functions and classes of numpy and ``sgdlab`` (not torch's, which change as torch
#: runs) as they were when ``sgdlab.checks`` was imported, and of modules imported later
#: as they were when a check first ran: a check starts by putting back any that a
#: notebook cell replaced (see :func:`pristine`).
_PRISTINE = ModuleGuard(functions_only=True, only=("numpy", "sgdlab"))


def pristine() -> list[str]:
    """Put back the watched functions and classes that code outside a check replaced
    since ``sgdlab.checks`` was imported; return their dotted names."""
    changed = patched_numpy() + [name for name in _PRISTINE.restore()
                                 if name.removeprefix("numpy.") not in NUMPY_NAMES]
    _PRISTINE.add_new()
    return sorted(set(changed))
