#!/usr/bin/env python3
"""Generate the student versions of the exercise notebooks from the solution versions.

    python scripts/make_student_versions.py           # write exercises/NN_*.ipynb
    python scripts/make_student_versions.py --check   # exit 1 if any student version is stale
    python scripts/make_student_versions.py --otter DIR  # otter-grader master notebooks
    python scripts/make_student_versions.py --force   # also replace edited ones (kept aside)

It also writes ``sgdlab/grading/rubric.py``, the points of every task and open question
as the solution notebooks' nbgrader metadata give them: the solution notebooks are the
rubric's one source, and the trusted grader, the nbgrader release and the otter
questions all take their points from there.

The source is ``exercises/solutions/NN_*.ipynb``; each student version has the same
name one folder up. In a student version:

- a task cell (a code cell with a solution region and no ``open-question`` tag) keeps its
  ``def`` line and docstring; the lines from ``# BEGIN SOLUTION`` to ``# END SOLUTION``
  become ``raise NotImplementedError("Student exercise: ...")`` at the indentation of
  the BEGIN line. The message is taken from the comment lines ``# Student exercise: ...``
  right after BEGIN SOLUTION (or names the function when there are none);
- the check cell after each task cell (nbgrader metadata ``grade`` without
  ``solution``) and the task cell itself get the cell tag ``raises-exception``, so that
  ``pytest --nbval-lax`` accepts the ``NotImplementedError`` and "not attempted" errors;
- an ``open-question`` cell keeps its prompt: a code region becomes a ``# YOUR CODE
  HERE`` comment (nothing to raise), and a markdown region between
  ``<!-- BEGIN SOLUTION -->`` and ``<!-- END SOLUTION -->`` becomes a placeholder;
- nbgrader metadata is dropped, outputs and execution counts are cleared.

The markers are the ones nbgrader (which looks for "BEGIN SOLUTION" in a line) and
otter-grader (which needs a line ``# BEGIN SOLUTION``) both accept; other spellings
such as ``### BEGIN SOLUTION`` are rejected here because otter would not see them.
Output is deterministic: the same solution notebook always gives the same bytes.

A student version records, in its metadata, the SHA-256 of what was generated. A file
whose content no longer matches it was changed after generation (someone edited or ran
and saved it): this script never overwrites it. It says so and exits 1; ``--force``
first moves it aside as ``NN_name (kept YYYY-MM-DD HHMM).ipynb``.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXERCISES = ROOT / "exercises"
SOLUTIONS = EXERCISES / "solutions"

BEGIN, END = "# BEGIN SOLUTION", "# END SOLUTION"
MD_BEGIN, MD_END = "<!-- BEGIN SOLUTION -->", "<!-- END SOLUTION -->"
HINT = re.compile(r"^\s*#\s*Student exercise:\s*(.*)$")
HINT_MORE = re.compile(r"^\s*#\s{2,}(.*)$")  # an indented continuation of the hint
ANSWER_PLACEHOLDER = ("*YOUR ANSWER HERE — replace this line with your answer: a few "
                      "sentences, and a figure if it helps.*")
CODE_PLACEHOLDER = "# YOUR CODE HERE (optional): {hint}"
RAISES = "raises-exception"
OPEN = "open-question"


class SolutionFormatError(ValueError):
    """A solution notebook breaks the conventions this script relies on."""


def source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def tags(cell: dict) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def grading(cell: dict) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def is_check_cell(cell: dict) -> bool:
    g = grading(cell)
    return cell["cell_type"] == "code" and bool(g.get("grade")) and not g.get("solution")


def _task_name(text: str) -> str:
    match = re.search(r"^def (\w+)\(", text, flags=re.MULTILINE)
    return match.group(1) if match else "this cell"


def strip_regions(text: str, *, where: str, markdown: bool = False,
                  open_question: bool = False) -> tuple[str, int]:
    """Replace every solution region of a cell's ``text``; return the new text and the
    number of regions replaced."""
    begin, end = (MD_BEGIN, MD_END) if markdown else (BEGIN, END)
    lines = text.split("\n")
    out: list[str] = []
    regions = 0
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if "BEGIN SOLUTION" in line and stripped != begin:
            raise SolutionFormatError(f"{where}: write the marker exactly as {begin!r}; "
                                      f"got {stripped!r}")
        if "END SOLUTION" in line and stripped != end:
            raise SolutionFormatError(f"{where}: write the marker exactly as {end!r}; "
                                      f"got {stripped!r}")
        if stripped == end:
            raise SolutionFormatError(f"{where}: {end!r} without a {begin!r} before it")
        if stripped != begin:
            out.append(line)
            i += 1
            continue
        indent = line[: len(line) - len(line.lstrip())]
        j = i + 1
        hint_parts: list[str] = []
        if not markdown and j < len(lines) and HINT.match(lines[j]):
            hint_parts.append(HINT.match(lines[j]).group(1).strip())
            j += 1
            while j < len(lines) and HINT_MORE.match(lines[j]):
                hint_parts.append(HINT_MORE.match(lines[j]).group(1).strip())
                j += 1
        while j < len(lines) and lines[j].strip() != end:
            if lines[j].strip() == begin:
                raise SolutionFormatError(f"{where}: nested {begin!r}")
            j += 1
        if j == len(lines):
            raise SolutionFormatError(f"{where}: {begin!r} without a matching {end!r}")
        hint = " ".join(hint_parts)
        if markdown:
            out.append(ANSWER_PLACEHOLDER)
        elif open_question:
            out.append(indent + CODE_PLACEHOLDER.format(hint=hint or "explore and plot"))
        else:
            message = json.dumps("Student exercise: " + (hint or f"write {_task_name(text)}"),
                                 ensure_ascii=False)
            out.append(f"{indent}raise NotImplementedError({message})")
        regions += 1
        i = j + 1
    return "\n".join(out), regions


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _add_tag(cell: dict, tag: str) -> None:
    current = tags(cell)
    if tag not in current:
        cell.setdefault("metadata", {})["tags"] = [*current, tag]


def student_version(nb: dict, *, name: str = "notebook") -> dict:
    """The student version of the solution notebook ``nb`` (which is not modified)."""
    nb = copy.deepcopy(nb)
    previous_was_task = False
    tasks = 0
    for k, cell in enumerate(nb["cells"]):
        where = f"{name}, cell {k}"
        text = source(cell)
        is_open = OPEN in tags(cell)
        is_check = is_check_cell(cell)
        if cell["cell_type"] == "code":
            new, regions = strip_regions(text, where=where, open_question=is_open)
            if regions and is_check:
                raise SolutionFormatError(f"{where}: a check cell holds a solution region")
            is_task = bool(regions) and not is_open
            if is_task and not grading(cell).get("solution"):
                raise SolutionFormatError(f"{where}: a cell with a solution region needs "
                                          "nbgrader metadata with solution: true")
            if previous_was_task and not is_check:
                raise SolutionFormatError(f"{where}: a task cell must be followed by its "
                                          "check cell (nbgrader grade: true)")
            if is_task or (is_check and previous_was_task):
                _add_tag(cell, RAISES)
            tasks += is_task
            previous_was_task = is_task
            cell["outputs"] = []
            cell["execution_count"] = None
        else:
            if previous_was_task:
                raise SolutionFormatError(f"{where}: a task cell must be followed by its "
                                          "check cell")
            new, regions = strip_regions(text, where=where, markdown=True)
            if regions and not is_open:
                raise SolutionFormatError(f"{where}: markdown answers belong in cells tagged "
                                          f"{OPEN!r}")
            cell.pop("attachments", None)
        cell["source"] = _lines(new)
        cell.get("metadata", {}).pop("nbgrader", None)
    if previous_was_task:
        raise SolutionFormatError(f"{name}: the last task cell has no check cell after it")
    if not tasks:
        raise SolutionFormatError(f"{name}: no task cells (code cells with solution regions)")
    nb.get("metadata", {}).pop("celltoolbar", None)
    return nb


def _raw(text: str) -> dict:
    return {"cell_type": "raw", "metadata": {}, "source": _lines(text)}


#: Where the autograder finds sgdlab: the wheel that ``otter assign`` packs into the
#: autograder zip (``autograder_files``) lands in /autograder/source/files/.
OTTER_PLUGIN = "sgdlab.grading.otter_plugin.TrustedGrades"
OTTER_PYTHON = "3.11"


def wheel_name() -> str:
    """The file name of the sgdlab wheel that ``pip wheel --no-deps .`` builds."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return f"{project['name']}-{project['version']}-py3-none-any.whl"


def otter_requirements() -> str:
    """requirements.txt for the otter autograder: sgdlab from the packed wheel, and
    torch's CPU build (the course never uses a GPU)."""
    return ("--extra-index-url https://download.pytorch.org/whl/cpu\n"
            f"/autograder/source/files/{wheel_name()}\n")


def otter_task_source(text: str, *, where: str) -> str:
    """A task cell for otter: each solution region becomes ``# BEGIN SOLUTION NO PROMPT``
    and is followed by a prompt block (otter's ``# BEGIN PROMPT`` lines, a string in the
    solution) holding the course's stub, ``raise NotImplementedError("Student exercise:
    ...")``, so that an untouched task reads "not attempted yet", not otter's ``...``."""
    stub, _ = strip_regions(text, where=where)
    stubs = [line for line in stub.split("\n") if "raise NotImplementedError(" in line]
    out: list[str] = []
    k = 0
    for line in text.split("\n"):
        stripped = line.strip()
        indent = line[: len(line) - len(line.lstrip())]
        if stripped == BEGIN:
            out.append(f"{indent}{BEGIN} NO PROMPT")
        elif stripped == END:
            out += [line, f'{indent}""" # BEGIN PROMPT', stubs[k], f'{indent}""" # END PROMPT']
            k += 1
        else:
            out.append(line)
    return "\n".join(out)


def otter_version(nb: dict, *, name: str = "notebook") -> dict:
    """The solution notebook ``nb`` in otter-grader's notebook format (v1): every task
    cell and its check cell become a question (the check cell is the test; the task cell,
    with its markdown prompt, the solution), the open-question cells one manually graded
    question. Our ``# BEGIN SOLUTION`` regions are left for otter to replace, each
    followed by the course's stub as a prompt.

    The assignment config asks for Python 3.11 in the autograder, installs sgdlab there
    (``requirements.txt`` and the wheel, see :func:`otter_requirements`) and lets the
    trusted grader decide the scores (the plugin :data:`OTTER_PLUGIN`).

    Run the result once (so that the check cells' "✓ ... passed" lines are stored as
    the expected output) before ``otter assign``.
    """
    nb = copy.deepcopy(nb)
    cells = nb["cells"]
    config = (f"# ASSIGNMENT CONFIG\nname: {name}\ninit_cell: true\nrun_tests: false\n"
              f'python_version: "{OTTER_PYTHON}"\nrequirements: requirements.txt\n'
              f"autograder_files:\n  - {wheel_name()}\n"
              f"plugins:\n  - {OTTER_PLUGIN}\n")
    out = [_raw(config)]
    k = 0
    while k < len(cells):
        cell = cells[k]
        is_task = (cell["cell_type"] == "code" and grading(cell).get("solution")
                   and OPEN not in tags(cell))
        if is_task:
            task = _task_name(source(cell))
            points = grading(cells[k + 1]).get("points", 1)
            prompt = out.pop() if out and out[-1]["cell_type"] == "markdown" else None
            cell = copy.deepcopy(cell)
            cell["source"] = _lines(otter_task_source(source(cell), where=f"{name}, {task}"))
            out += [_raw(f"# BEGIN QUESTION\nname: {task}\npoints: {points}"),
                    *([prompt] if prompt else []), _raw("# BEGIN SOLUTION"), cell,
                    _raw("# END SOLUTION"), _raw("# BEGIN TESTS"), cells[k + 1],
                    _raw("# END TESTS"), _raw("# END QUESTION")]
            k += 2
            continue
        if OPEN in tags(cell) and cell["cell_type"] == "markdown":
            points = grading(cell).get("points", 1)
            out += [_raw(f"# BEGIN QUESTION\nname: open_question\nmanual: true\n"
                         f"points: {points}"), _raw("# BEGIN SOLUTION"), cell,
                    _raw("# END SOLUTION"), _raw("# END QUESTION")]
        elif OPEN in tags(cell):  # optional exploration code: otter shows `...`
            out += [_raw("# BEGIN QUESTION\nname: open_question_code\nmanual: true\n"
                         "points: 0"), _raw("# BEGIN SOLUTION"), cell,
                    _raw("# END SOLUTION"), _raw("# END QUESTION")]
        else:
            out.append(cell)
        k += 1
    for cell in out:
        cell.get("metadata", {}).pop("nbgrader", None)
        cell.pop("id", None)  # otter writes nbformat 4.4 notebooks, which have no cell ids
    nb["cells"] = out
    nb["nbformat_minor"] = 4
    return nb


def dump(nb: dict) -> str:
    """Serialise a notebook the way every generated notebook in the project is written."""
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def solution_notebooks() -> list[Path]:
    return sorted(SOLUTIONS.glob("[0-9][0-9]_*.ipynb"))


MARK = "sgdlab_generated_sha256"


def _stamped(text: str) -> str:
    """``text`` (a dumped notebook) with the SHA-256 of itself in its metadata."""
    nb = json.loads(text)
    nb.setdefault("metadata", {})[MARK] = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return dump(nb)


def unchanged_since_generated(path: Path) -> bool:
    """Whether ``path`` is exactly as this script wrote it (not edited, run or saved)."""
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
        recorded = nb.get("metadata", {}).pop(MARK, None)
    except (OSError, ValueError, AttributeError):
        return False
    text = dump(nb)
    return recorded == hashlib.sha256(text.encode("utf-8")).hexdigest()


def render(solution: Path, *, stamped: bool = True) -> str:
    """The text of the student version generated from ``solution`` (``stamped=False``:
    as versions before the stamp were written)."""
    nb = json.loads(solution.read_text(encoding="utf-8"))
    text = dump(student_version(nb, name=solution.name))
    return _stamped(text) if stamped else text


def keep_aside(path: Path) -> Path:
    """Move ``path`` to a new name beside it that no file has yet; returns that name."""
    stamp = time.strftime("%Y-%m-%d %H%M")
    n, kept = 1, path.with_name(f"{path.stem} (kept {stamp}){path.suffix}")
    while kept.exists():
        n += 1
        kept = path.with_name(f"{path.stem} (kept {stamp} {n}){path.suffix}")
    os.replace(path, kept)
    return kept


def student_path(solution: Path) -> Path:
    return EXERCISES / solution.name


def rubric_path() -> Path:
    """``sgdlab/grading/rubric.py`` (under ``ROOT``, read at each call)."""
    return ROOT / "sgdlab" / "grading" / "rubric.py"


def rubric_data() -> dict:
    """exercise -> its notebook, and per task and open question: points, cell ids and
    nbgrader grade ids, read from the solution notebooks' nbgrader metadata."""
    out: dict = {}
    for solution in solution_notebooks():
        nb = json.loads(solution.read_text(encoding="utf-8"))
        cells = nb["cells"]
        tasks: dict = {}
        manual: dict = {}
        setup = next((c for c in cells if c["cell_type"] == "code"), None)
        for k, cell in enumerate(cells):
            g = grading(cell)
            if cell["cell_type"] == "code" and g.get("solution") and OPEN not in tags(cell):
                check = cells[k + 1]
                tasks[_task_name(source(cell))] = {
                    "points": grading(check).get("points", 0),
                    "task_cell": cell.get("id"), "task_grade_id": g.get("grade_id"),
                    "check_cell": check.get("id"),
                    "check_grade_id": grading(check).get("grade_id")}
            elif g.get("grade") and g.get("solution"):
                manual[g.get("grade_id")] = {"points": g.get("points", 0),
                                             "cell": cell.get("id")}
        out[solution.name[:2]] = {"notebook": solution.stem,
                                  "setup_cell": setup.get("id") if setup else None,
                                  "tasks": tasks, "manual": manual}
    return out


def render_rubric() -> str:
    """The text of ``sgdlab/grading/rubric.py``."""
    body = json.dumps(rubric_data(), indent=4, ensure_ascii=False)
    return ('"""The points of every graded task and open question, per exercise.\n\n'
            "GENERATED by scripts/make_student_versions.py from the nbgrader metadata of\n"
            "exercises/solutions/NN_*.ipynb (the rubric's one source): do not edit.\n"
            '"""\n\n'
            f"RUBRIC = {body}\n")


def stale() -> list[Path]:
    """Student versions (and the rubric) that are missing or differ from what would be
    generated."""
    out = []
    rubric = rubric_path()
    if not rubric.exists() or rubric.read_text(encoding="utf-8") != render_rubric():
        out.append(rubric)
    for solution in solution_notebooks():
        target = student_path(solution)
        if not target.exists() or target.read_text(encoding="utf-8") != render(solution):
            out.append(target)
    return out


def task_namespace(path: Path) -> dict:
    """Run a notebook's first code cell (imports) and its task cells in a fresh namespace
    and return it: the exercise functions, as the notebook defines them. For tests."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    namespace: dict = {"__name__": f"exercise_{Path(path).stem}"}
    exec(compile(source(code[0]), f"{path}:setup", "exec"), namespace)
    for k, cell in enumerate(code[1:], start=1):
        text = source(cell)
        solved = grading(cell).get("solution") and not is_check_cell(cell)
        stub = RAISES in tags(cell) and re.search(r"^def ", text, flags=re.MULTILINE)
        if (solved or stub) and OPEN not in tags(cell):
            exec(compile(text, f"{path}:cell{k}", "exec"), namespace)
    return namespace


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="only report stale student versions; exit 1 if there are any")
    parser.add_argument("--otter", metavar="DIR", type=Path,
                        help="instead, write otter-grader master notebooks into DIR")
    parser.add_argument("--force", action="store_true",
                        help="replace student versions changed since generation, after "
                             "moving each aside under a new name")
    args = parser.parse_args(argv)
    if not solution_notebooks():
        print(f"no solution notebooks in {SOLUTIONS.relative_to(ROOT)}")
        return 1
    if args.otter:
        args.otter.mkdir(parents=True, exist_ok=True)
        for solution in solution_notebooks():
            nb = otter_version(json.loads(solution.read_text(encoding="utf-8")),
                               name=solution.stem)
            (args.otter / solution.name).write_text(dump(nb), encoding="utf-8")
            print(f"wrote {args.otter / solution.name}")
        (args.otter / "requirements.txt").write_text(otter_requirements(), encoding="utf-8")
        print(f"wrote {args.otter / 'requirements.txt'} (build the wheel it names with: "
              f"python -m pip wheel --no-deps -w {args.otter} .)")
        return 0
    if args.check:
        paths = stale()
        for p in paths:
            print(f"{'stale student version' if p.suffix == '.ipynb' else 'stale rubric'}: "
                  f"{p.relative_to(ROOT)} "
                  "(run python scripts/make_student_versions.py)")
        return 1 if paths else 0
    refused = []
    rubric = rubric_path()
    if not rubric.exists() or rubric.read_text(encoding="utf-8") != render_rubric():
        rubric.parent.mkdir(parents=True, exist_ok=True)
        rubric.write_text(render_rubric(), encoding="utf-8")
        print(f"wrote {rubric.relative_to(ROOT)}")
    for solution in solution_notebooks():
        target = student_path(solution)
        text = render(solution)
        if target.exists():
            if target.read_text(encoding="utf-8") == text:
                continue
            current = target.read_text(encoding="utf-8")
            if not (unchanged_since_generated(target)
                    or current == render(solution, stamped=False)):
                if not args.force:
                    refused.append(target)
                    continue
                kept = keep_aside(target)
                print(f"kept the changed {target.name} as {kept.name}")
        target.write_text(text, encoding="utf-8")
        print(f"wrote {target.relative_to(ROOT)}")
    for target in refused:
        print(f"not overwritten: {target.relative_to(ROOT)} was changed after it was "
              "generated (edited, or run and saved). Learners work on their own copies "
              "in my-work/ (python3 course.py lab). Move it away, or pass --force to keep "
              "it under a new name and regenerate.", file=sys.stderr)
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
