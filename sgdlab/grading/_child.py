"""The grading process: run a submission's cells, then the trusted checks, in a fresh
interpreter.

Started by :func:`sgdlab.grading.runner.grade_cells` as
``python -P -s -m sgdlab.grading._child`` in an empty folder, with only the installed
``sgdlab`` on the path and ``SGDLAB_FEEDBACK=graded``. It reads one JSON request on
stdin: ``{"nonce", "exercise", "hidden", "cells": [{"task", "source"}, ...]}``, where
``task`` is null for the set-up cell.

In this order, so that nothing the submission does can reach the checks:

1. import the exercise's checks and hidden cases (the submission has not run yet, so
   they bind the real numpy and sgdlab functions), and keep the check functions;
2. audit each cell's code (:func:`audit`): a cell that uses what graded code may not
   (frames, ctypes, the interpreter's hooks) is not run, and its tasks score zero; run
   the others in the submission's own namespace, recording errors instead of raising;
3. put back every numpy and sgdlab function the cells replaced (``_safe.pristine``);
4. per task: the public check, then the hidden cases, against the function the
   submission defined, with :class:`Tripwire` watching for a call of the task's
   reference implementation while the learner's function runs.

The verdicts go back as one line on a private copy of stdout, prefixed by the nonce the
parent sent (so output the submission prints cannot pose as a verdict).
"""

from __future__ import annotations

import ast
import contextlib
import functools
import importlib
import io
import json
import linecache
import os
import sys
import types
from collections.abc import Callable
from typing import Any

#: Modules a graded cell may not import, and names it may not use: they reach into the
#: grading process itself (frames, the garbage collector, raw memory, the interpreter's
#: hooks), which no task of the course needs.
FORBIDDEN_MODULES = {"ctypes", "gc", "inspect", "sys", "os", "builtins", "importlib",
                     "subprocess", "threading", "multiprocessing", "signal", "atexit",
                     "marshal", "_thread", "faulthandler", "sysconfig", "runpy", "pty"}
FORBIDDEN_NAMES = {"__import__", "exec", "eval", "compile", "globals", "breakpoint",
                   "__builtins__", "__code__", "__globals__", "__closure__", "f_back",
                   "f_globals", "f_locals", "f_code", "gi_frame", "tb_frame", "_getframe",
                   "settrace", "setprofile", "__subclasses__", "__reduce__"}


def audit(source: str) -> list[str]:
    """The forbidden modules and names ``source`` uses (empty when none; a cell that does
    not parse is left to the interpreter to report)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names
                         if a.name.split(".")[0] in FORBIDDEN_MODULES)
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module.split(".")[0] in FORBIDDEN_MODULES:
                found.add(node.module)
        elif isinstance(node, ast.Name) and node.id in FORBIDDEN_NAMES:
            found.add(node.id)
        elif isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_NAMES:
            found.add(node.attr)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and (
                node.value in FORBIDDEN_NAMES):
            found.add(node.value)  # getattr(f, "__code__")
    return sorted(found)


def _codes(obj: Any) -> set[types.CodeType]:
    """Every code object of a function (with those nested in it) or of a class's
    methods (with its sgdlab base classes')."""
    found: set[types.CodeType] = set()

    def add(code: types.CodeType) -> None:
        if code in found:
            return
        found.add(code)
        for const in code.co_consts:
            if isinstance(const, types.CodeType):
                add(const)

    if isinstance(obj, type):
        for klass in obj.__mro__:
            if not klass.__module__.startswith("sgdlab"):
                continue
            for value in vars(klass).values():
                value = getattr(value, "__func__", value)
                if isinstance(value, property):
                    value = value.fget
                if isinstance(value, types.FunctionType):
                    add(value.__code__)
    else:
        add(getattr(obj, "__func__", obj).__code__)
    return found


def reference_codes(references: tuple[str, ...]) -> dict[types.CodeType, str]:
    """code object -> the dotted name of the reference it belongs to."""
    out: dict[types.CodeType, str] = {}
    for ref in references:
        module_name, _, qualname = ref.partition(":")
        obj: Any = importlib.import_module(module_name)
        for part in qualname.split("."):
            obj = getattr(obj, part)
        for code in _codes(obj):
            out[code] = f"{module_name}.{qualname}"
    return out


class Tripwire:
    """Wraps a learner's function; records, while it runs, every call of a reference
    (a code object in ``codes``, or any code in the checks' and grader's folders).

    It watches with a profile function in the thread that runs the learner's function
    (``sys.setprofile`` sees every Python function entered, however it was reached), so
    nothing is replaced and the checks' own use of the references is not affected.
    """

    def __init__(self, codes: dict[types.CodeType, str], folders: tuple[str, ...]):
        self.codes, self.folders = codes, folders
        self.hits: list[str] = []
        self.switched_off = False
        self.profile = self._profile  # one bound method, to compare with sys.getprofile()

    def _profile(self, frame, event, arg) -> None:
        if event != "call":
            return
        code = frame.f_code
        name = self.codes.get(code)
        if name is None and code.co_filename.startswith(self.folders):
            name = f"{frame.f_globals.get('__name__', '?')}.{code.co_name}"
        if name is not None and name not in self.hits:
            self.hits.append(name)

    def wrap(self, func: Callable) -> Callable:
        @functools.wraps(func)
        def watched(*args, **kwargs):
            previous = sys.getprofile()
            sys.setprofile(self.profile)
            try:
                return func(*args, **kwargs)
            finally:
                if sys.getprofile() is not self.profile:
                    self.switched_off = True
                sys.setprofile(previous)
        return watched


def _exec_cell(index: int, cell: dict, namespace: dict) -> str | None:
    """Execute one submitted cell; the error's type and line, or None."""
    filename = f"<submission cell {index}>"
    source = cell["source"]
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    try:
        code = compile(source, filename, "exec")
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            exec(code, namespace)  # noqa: S102 - this process exists to run it
    except BaseException as exc:  # SystemExit and KeyboardInterrupt included
        line = getattr(exc, "lineno", None)
        tb = exc.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == filename:
                line = tb.tb_lineno
            tb = tb.tb_next
        return f"{type(exc).__name__}" + (f" (line {line})" if line else "")
    return None


def _first_line(exc: BaseException) -> str:
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return message.splitlines()[0]


def grade(request: dict) -> dict:
    """Run the request's cells and grade its tasks; the verdicts, task -> dict."""
    exercise = request["exercise"]
    from sgdlab.checks import _feedback, _safe
    from sgdlab.grading.tasks import ALWAYS, REFERENCES

    checks_module = importlib.import_module(f"sgdlab.checks.ex{exercise}")
    hidden_module = importlib.import_module(f"sgdlab.grading.hidden.ex{exercise}")
    tasks = list(REFERENCES[exercise])
    checks = {t: getattr(checks_module, f"check_{t}") for t in tasks}
    hidden = {t: getattr(hidden_module, f"hidden_{t}", None) for t in tasks}
    references = {t: reference_codes(REFERENCES[exercise][t]) for t in tasks}
    folders = tuple(os.path.dirname(importlib.import_module(m).__file__) + os.sep
                    for m in ALWAYS)
    not_attempted, failed = _feedback.NotAttempted, _feedback.CheckFailed

    namespace: dict = {"__name__": "__main__", "__builtins__": __builtins__}
    cell_errors: dict[str | None, str] = {}
    audits: dict[str | None, list[str]] = {}
    for index, cell in enumerate(request["cells"]):
        used = audit(cell["source"])
        if used:  # not run at all: it would reach into this process
            audits.setdefault(cell["task"], []).extend(used)
            continue
        error = _exec_cell(index, cell, namespace)
        if error:
            cell_errors[cell["task"]] = error
    replaced = _safe.pristine()

    verdicts: dict[str, dict] = {}
    for task in tasks:
        verdicts[task] = _grade_task(task, namespace.get(task), checks[task], hidden[task],
                                     references[task], folders, request.get("hidden", True),
                                     cell_errors, audits, not_attempted, failed)
    return {"verdicts": verdicts, "replaced": replaced,
            "setup_error": cell_errors.get(None)}


def _grade_task(task, func, check, hidden, codes, folders, run_hidden, cell_errors, audits,
                not_attempted, failed) -> dict:
    used = audits.get(task, []) + audits.get(None, [])
    if used:
        return {"passed": False, "status": "forbidden",
                "message": (f"the code uses {', '.join(sorted(set(used)))}, which graded "
                            "code may not use; this task scores zero (the instructor can "
                            "review it by hand)")}
    if func is None or not callable(func):
        error = cell_errors.get(task)
        why = f"its cell raised {error}" if error else "no cell defines it"
        return {"passed": False, "status": "missing",
                "message": f"the function {task} is not defined: {why}"}
    tripwire = Tripwire(codes, folders)
    watched = tripwire.wrap(func)
    status, message = "passed", ""
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            check(watched)
            if run_hidden and hidden is not None:
                hidden(watched)
    except not_attempted:
        status, message = "not attempted", "not attempted yet"
    except failed as exc:
        status, message = "failed", _first_line(exc)
    except BaseException as exc:  # a check that could not run counts as failed
        status, message = "failed", f"the check stopped with {type(exc).__name__}"
    if tripwire.hits:
        status = "reference"
        message = ("calls sgdlab's own implementation of this task "
                   f"({', '.join(tripwire.hits)}), so it scores zero: write it yourself")
    elif tripwire.switched_off:
        status, message = "forbidden", "the function switched off the grader's watch"
    return {"passed": status == "passed", "status": status, "message": message}


def main() -> None:
    out = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    request = json.loads(sys.stdin.read())
    nonce = request.pop("nonce")
    result = grade(request)
    out.write(nonce + json.dumps(result, ensure_ascii=False) + "\n")
    out.flush()
    os._exit(0)  # no atexit handler or thread the submission left behind runs


if __name__ == "__main__":
    main()
