"""Five submissions of exercise 02, made from any student notebook (ours, nbgrader's
release or otter's): correct, one task wrong, untouched, and two that cheat.

``submission(nb, kind)`` returns a copy of the notebook ``nb`` whose task cells (found as
the trusted grader finds them) are replaced. EXPECTED gives each kind's points per task.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXERCISE = "02"
NOTEBOOK = "02_stochastic_gradient_descent"

CORRECT = {
    "per_example_gradients": '''def per_example_gradients(w, X, y):
    residuals = X @ w - y
    return X * residuals[:, None]
''',
    "sgd_epoch": '''def sgd_epoch(w, X, y, lr, rng):
    w = np.asarray(w, dtype=float)
    for i in rng.permutation(len(y)):
        w = w - lr * (X[i] @ w - y[i]) * X[i]
    return w
''',
    "run_sgd": '''def run_sgd(w0, X, y, lr, epochs, rng):
    rows = [np.asarray(w0, dtype=float)]
    for _ in range(epochs):
        rows.append(sgd_epoch(rows[-1], X, y, lr, rng))
    return np.array(rows)
''',
    "inverse_time_lr": '''def inverse_time_lr(t, lr0, decay):
    return float(lr0 / (1 + decay * t))
''',
}

#: The partly wrong submission: exponential instead of inverse-time decay.
WRONG_SCHEDULE = '''def inverse_time_lr(t, lr0, decay):
    return lr0 / (1 + decay) ** t
'''

#: Calls sgdlab's own implementation of every task.
REFERENCE_CALLS = {
    "per_example_gradients": '''def per_example_gradients(w, X, y):
    return LeastSquares(X, y).per_example_grads(w)
''',
    "sgd_epoch": '''def sgd_epoch(w, X, y, lr, rng):
    return run(LeastSquares(X, y), w, lr, epochs=1, batch_size=1, rng=rng).final
''',
    "run_sgd": '''def run_sgd(w0, X, y, lr, epochs, rng):
    history = run(LeastSquares(X, y), w0, lr, epochs=epochs, batch_size=1, rng=rng)
    return history.params[::len(y)]
''',
    "inverse_time_lr": '''def inverse_time_lr(t, lr0, decay):
    return schedules.inverse_time(lr0, decay=decay)(t)
''',
}

#: Appended to the set-up cell: every check prints a tick and numpy agrees to anything.
FAKE_CHECKS = '''

def _always_passes(func):
    print(f"✓ {func.__name__} passed 5 cases")

for _name in dir(ex02):
    if _name.startswith("check_"):
        setattr(ex02, _name, _always_passes)
np.allclose = lambda *args, **kwargs: True
'''

KINDS = ("correct", "partly_wrong", "untouched", "fake_checks", "reference_calls")

#: kind -> task -> points (2 per task, from the rubric).
EXPECTED = {
    "correct": {"per_example_gradients": 2, "sgd_epoch": 2, "run_sgd": 2, "inverse_time_lr": 2},
    "partly_wrong": {"per_example_gradients": 2, "sgd_epoch": 2, "run_sgd": 2,
                     "inverse_time_lr": 0},
    "untouched": {"per_example_gradients": 0, "sgd_epoch": 0, "run_sgd": 0, "inverse_time_lr": 0},
    # solves one task itself; the fake checks win it nothing on the other three
    "fake_checks": {"per_example_gradients": 2, "sgd_epoch": 0, "run_sgd": 0,
                    "inverse_time_lr": 0},
    "reference_calls": {"per_example_gradients": 0, "sgd_epoch": 0, "run_sgd": 0,
                        "inverse_time_lr": 0},
}


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _set_source(cell: dict, text: str) -> None:
    cell["source"] = text.splitlines(keepends=True)


def task_cells(nb: dict) -> dict[str, dict]:
    """task -> its code cell in ``nb`` (the cell the trusted grader would run)."""
    from sgdlab.grading.runner import extract_cells

    found = {c["task"]: c["source"] for c in extract_cells(nb, EXERCISE) if c["task"]}
    out = {}
    for cell in nb["cells"]:
        if cell.get("cell_type") != "code":
            continue
        for task, text in found.items():
            if _source(cell) == text and task not in out:
                out[task] = cell
    return out


def setup_cell(nb: dict) -> dict:
    return next(c for c in nb["cells"]
                if c.get("cell_type") == "code" and "sgdlab.checks" in _source(c))


#: The open question's answer, written by the correct and the partly wrong submissions.
ANSWER = ("**Your answer:** one example's gradient is right on average but not at every "
          "step, so near the minimum many steps go uphill.\n")
ANSWER_STUBS = ("YOUR ANSWER HERE", "Type your answer here")


def answer_cell(nb: dict) -> dict:
    """The markdown cell that holds the open question's answer stub."""
    return next(c for c in nb["cells"] if c.get("cell_type") == "markdown"
                and any(stub in _source(c) for stub in ANSWER_STUBS))


def submission(nb: dict, kind: str) -> dict:
    """A copy of the student notebook ``nb`` answered as ``kind`` (one of KINDS)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    nb = copy.deepcopy(nb)
    cells = task_cells(nb)
    answers: dict[str, str] = {}
    if kind in ("correct", "partly_wrong"):
        answers = dict(CORRECT)
    if kind == "partly_wrong":
        answers["inverse_time_lr"] = WRONG_SCHEDULE
    if kind == "reference_calls":
        answers = dict(REFERENCE_CALLS)
    if kind == "fake_checks":
        answers = {"per_example_gradients": CORRECT["per_example_gradients"]}
        setup = setup_cell(nb)
        _set_source(setup, _source(setup) + FAKE_CHECKS)
    for task, text in answers.items():
        _set_source(cells[task], text)
    if kind in ("correct", "partly_wrong"):
        _set_source(answer_cell(nb), ANSWER)
    return nb


def write(nb: dict, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def student_notebook() -> dict:
    """The course's own student version of exercise 02."""
    return json.loads((ROOT / "exercises" / f"{NOTEBOOK}.ipynb").read_text(encoding="utf-8"))
