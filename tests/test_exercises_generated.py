"""The student versions in exercises/ are generated from exercises/solutions/ and up to date;
they keep every signature and docstring, hide every solution, and their checks report
"not attempted"."""

import importlib.util
import inspect
import json
import re
import shutil
from pathlib import Path

import pytest

from sgdlab import checks
from sgdlab.checks import NotAttempted

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("make_student_versions",
                                               ROOT / "scripts" / "make_student_versions.py")
gen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gen)

NAMES = ["01_gradient_descent", "02_stochastic_gradient_descent", "03_minibatch_sgd",
         "04_momentum", "05_pytorch", "06_scikit_learn", "07_learning_rate_schedules",
         "08_adaptive_methods", "09_beyond_convex"]
SOLUTIONS = [ROOT / "exercises" / "solutions" / f"{name}.ipynb" for name in NAMES]
STUDENTS = [ROOT / "exercises" / f"{name}.ipynb" for name in NAMES]


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def task_cells(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if c["cell_type"] == "code" and gen.grading(c).get("solution")
            and "open-question" not in gen.tags(c)]


def task_names(nb: dict) -> list[str]:
    return [re.search(r"^def (\w+)\(", gen.source(c), re.MULTILINE).group(1)
            for c in task_cells(nb)]


def test_the_solution_notebooks_are_the_expected_ones():
    assert gen.solution_notebooks() == SOLUTIONS


def test_student_versions_are_up_to_date():
    stale = gen.stale()
    assert not stale, ("student versions are stale: run `python scripts/make_student_versions.py`"
                       f" ({[p.name for p in stale]})")


def test_generation_is_deterministic():
    for path in SOLUTIONS:
        assert gen.render(path) == gen.render(path)


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_each_notebook_has_graded_tasks_with_checks_and_an_open_question(path):
    nb = load(path)
    names = task_names(nb)
    assert len(names) >= 3, f"{path.name}: at least three graded tasks"
    module = getattr(checks, f"ex{path.name[:2]}", None) or __import__(
        f"sgdlab.checks.ex{path.name[:2]}", fromlist=["x"])
    cells = nb["cells"]
    for cell in task_cells(nb):
        name = task_names({"cells": [cell]})[0]
        check = cells[cells.index(cell) + 1]
        assert gen.is_check_cell(check), f"{name}: the cell after the task must be its check"
        assert gen.source(check).strip() == f"ex{path.name[:2]}.check_{name}({name})"
        assert callable(getattr(module, f"check_{name}"))
        assert f"{name}(" in gen.source(cells[cells.index(cell) - 1]), (
            f"{name}: the markdown before the task states the signature")
    answers = [c for c in cells if c["cell_type"] == "markdown"
               and "open-question" in gen.tags(c) and gen.MD_BEGIN in gen.source(c)]
    assert len(answers) == 1, f"{path.name}: one open question with a model answer"


def test_there_are_at_least_fifteen_graded_tasks():
    assert sum(len(task_names(load(p))) for p in SOLUTIONS) >= 15


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_markers_suit_nbgrader_and_otter(path):
    """nbgrader finds a region by the words BEGIN/END SOLUTION in a line and needs
    solution metadata on the cell; otter needs the line to be exactly `# BEGIN SOLUTION`
    (code) or `<!-- BEGIN SOLUTION -->` (markdown)."""
    for cell in load(path)["cells"]:
        lines = [line.strip() for line in gen.source(cell).splitlines()
                 if "SOLUTION" in line and ("BEGIN" in line or "END" in line)]
        if not lines:
            continue
        if cell["cell_type"] == "code":
            assert set(lines) == {gen.BEGIN, gen.END}
        else:
            assert set(lines) == {gen.MD_BEGIN, gen.MD_END}
        assert gen.grading(cell).get("solution") is True


@pytest.mark.parametrize("solution,student", list(zip(SOLUTIONS, STUDENTS, strict=True)),
                         ids=NAMES)
def test_stubs_keep_signature_and_docstring_and_raise(solution, student):
    solved, stubs = gen.task_namespace(solution), gen.task_namespace(student)
    for name in task_names(load(solution)):
        assert inspect.signature(stubs[name]) == inspect.signature(solved[name])
        assert stubs[name].__doc__ and stubs[name].__doc__ == solved[name].__doc__
        args = [None] * len(inspect.signature(stubs[name]).parameters)
        with pytest.raises(NotImplementedError, match=r"^Student exercise: \w"):
            stubs[name](*args)


@pytest.mark.parametrize("student", STUDENTS, ids=NAMES)
def test_every_check_says_not_attempted_for_a_stub(student):
    namespace = gen.task_namespace(student)
    module = __import__(f"sgdlab.checks.ex{student.name[:2]}", fromlist=["x"])
    for name in task_names(load(student.parent / "solutions" / student.name)):
        with pytest.raises(NotAttempted, match=f"{name}: not attempted yet"):
            getattr(module, f"check_{name}")(namespace[name])


@pytest.mark.parametrize("solution,student", list(zip(SOLUTIONS, STUDENTS, strict=True)),
                         ids=NAMES)
def test_no_solution_leaks_into_the_student_version(solution, student):
    text = student.read_text(encoding="utf-8")
    assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text
    region = re.compile(r"BEGIN SOLUTION[^\n]*\n(.*?)\n[^\n]*END SOLUTION", re.S)
    sources = [gen.source(c) for c in load(solution)["cells"]]
    outside = "\n".join(region.sub("", src) for src in sources)  # prompts, docstrings, ...
    for src in sources:
        for body in region.findall(src):
            for line in body.splitlines():
                line = line.strip()
                if len(line) > 12 and line not in outside and not line.startswith("# Student"):
                    assert json.dumps(line)[1:-1] not in text, f"{student.name} shows: {line}"


@pytest.mark.parametrize("solution,student", list(zip(SOLUTIONS, STUDENTS, strict=True)),
                         ids=NAMES)
def test_only_stub_and_check_cells_may_raise(solution, student):
    assert not any("raises-exception" in gen.tags(c) for c in load(solution)["cells"]), (
        "the solution versions must run clean")
    solved, stub = load(solution)["cells"], load(student)["cells"]
    assert [c["id"] for c in solved] == [c["id"] for c in stub]
    for before, after in zip(solved, stub, strict=True):
        expected = gen.grading(before).get("solution") and "open-question" not in gen.tags(
            before) and before["cell_type"] == "code"
        expected = expected or gen.is_check_cell(before)
        assert ("raises-exception" in gen.tags(after)) == bool(expected), after["id"]
        assert "nbgrader" not in after["metadata"]


@pytest.mark.parametrize("student", STUDENTS, ids=NAMES)
def test_open_questions_have_a_placeholder(student):
    answers = [c for c in load(student)["cells"] if "open-question" in gen.tags(c)]
    markdown = [c for c in answers if c["cell_type"] == "markdown"]
    assert markdown and all(gen.ANSWER_PLACEHOLDER in gen.source(c) for c in markdown)
    for cell in answers:
        if cell["cell_type"] == "code":
            assert gen.source(cell).strip().startswith("# YOUR CODE HERE")


@pytest.mark.parametrize("path", SOLUTIONS + STUDENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_notebook_frame(path):
    nb = load(path)
    assert nb["metadata"]["kernelspec"] == {"name": "python3",
                                            "display_name": "Python 3 (ipykernel)",
                                            "language": "python"}
    markdown = [gen.source(c) for c in nb["cells"] if c["cell_type"] == "markdown"]
    assert "What you will learn" in "\n".join(markdown[:3])
    assert "Summary" in markdown[-1]
    assert "np.random.default_rng(0)" in gen.source(
        next(c for c in nb["cells"] if c["cell_type"] == "code"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None


def test_readme_lists_every_task_with_its_signature():
    readme = (ROOT / "exercises" / "README.md").read_text(encoding="utf-8")
    for path in SOLUTIONS:
        nb = load(path)
        for cell in task_cells(nb):
            signature = re.search(r"^def (\w+\(.*?\)):", gen.source(cell), re.MULTILINE).group(1)
            assert f"`{signature}`" in readme, f"README.md lacks `{signature}`"
    assert "python scripts/make_student_versions.py" in readme


# --- the generator itself -------------------------------------------------------------------
def _mini(task_source: str, *, metadata=True, check=True) -> dict:
    meta = {"nbgrader": {"solution": True, "grade": False}} if metadata else {}
    cells = [{"cell_type": "code", "id": "setup", "metadata": {}, "outputs": [],
              "execution_count": None, "source": ["import numpy as np"]},
             {"cell_type": "code", "id": "task", "metadata": meta, "outputs": [],
              "execution_count": 3, "source": task_source.splitlines(keepends=True)}]
    if check:
        cells.append({"cell_type": "code", "id": "check", "outputs": [], "execution_count": None,
                      "metadata": {"nbgrader": {"grade": True, "solution": False}},
                      "source": ["check(f)"]})
    return {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


GOOD = '''def f(x):
    """Doc."""
    # BEGIN SOLUTION
    # Student exercise: return twice x,
    #   as a float
    y = 2 * x
    return float(y)
    # END SOLUTION
'''


def test_the_generator_replaces_the_region_and_keeps_the_rest():
    nb = gen.student_version(_mini(GOOD))
    task = gen.source(nb["cells"][1])
    assert task.splitlines() == [
        "def f(x):", '    """Doc."""',
        '    raise NotImplementedError("Student exercise: return twice x, as a float")']
    assert nb["cells"][1]["execution_count"] is None
    assert gen.tags(nb["cells"][1]) == ["raises-exception"] == gen.tags(nb["cells"][2])


@pytest.mark.parametrize("source,kwargs,problem", [
    (GOOD.replace("# BEGIN SOLUTION", "### BEGIN SOLUTION"), {}, "exactly as '# BEGIN SOLUTION'"),
    (GOOD.replace("    # END SOLUTION\n", ""), {}, "without a matching"),
    (GOOD, {"metadata": False}, "needs nbgrader metadata"),
    (GOOD, {"check": False}, "no check cell after it"),
    ("def f(x):\n    return x\n", {}, "no task cells"),
])
def test_the_generator_rejects_broken_solution_notebooks(source, kwargs, problem):
    with pytest.raises(gen.SolutionFormatError, match=problem):
        gen.student_version(_mini(source, **kwargs))


def test_check_mode_reports_stale_and_missing_versions(tmp_path, monkeypatch, capsys):
    (tmp_path / "solutions").mkdir()
    shutil.copy(SOLUTIONS[0], tmp_path / "solutions" / SOLUTIONS[0].name)
    monkeypatch.setattr(gen, "ROOT", tmp_path)
    monkeypatch.setattr(gen, "EXERCISES", tmp_path)
    monkeypatch.setattr(gen, "SOLUTIONS", tmp_path / "solutions")
    assert gen.main(["--check"]) == 1  # missing
    assert gen.main([]) == 0
    generated = (tmp_path / SOLUTIONS[0].name).read_text(encoding="utf-8")
    assert generated == STUDENTS[0].read_text(encoding="utf-8")
    assert gen.main(["--check"]) == 0
    source = tmp_path / "solutions" / SOLUTIONS[0].name
    text = source.read_text(encoding="utf-8")
    source.write_text(text.replace("Gradient descent", "Gradient  descent", 1),
                      encoding="utf-8")
    assert gen.main(["--check"]) == 1
    assert "stale student version" in capsys.readouterr().out


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_the_otter_version_wraps_every_task_in_a_question(path):
    nb = load(path)
    otter = gen.otter_version(nb)
    raw = [gen.source(c) for c in otter["cells"] if c["cell_type"] == "raw"]
    assert raw[0].startswith("# ASSIGNMENT CONFIG")
    for name in task_names(nb):
        assert any(r.startswith(f"# BEGIN QUESTION\nname: {name}\n") for r in raw)
    cells = otter["cells"]
    for k, cell in enumerate(cells):
        if gen.source(cell) == "# BEGIN TESTS":
            assert gen.source(cells[k + 1]).startswith(f"ex{path.name[:2]}.check_")
            assert gen.source(cells[k + 2]) == "# END TESTS"
    assert sum(r.startswith("# BEGIN QUESTION") for r in raw) == sum(
        r == "# END QUESTION" for r in raw)
    assert any("manual: true" in r for r in raw)
    assert all("id" not in c and "nbgrader" not in c["metadata"] for c in cells)
