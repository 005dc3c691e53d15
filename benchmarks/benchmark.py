#!/usr/bin/env python3
"""How fast does the course feel? Prints, for the machine it runs on:

1. the execution time of every notebook in a fresh kernel, and the total;
2. for every widget, the time from a control change to the new figure being drawn
   (compute + render), median and 90th percentile over each control's range;
3. one epoch of sgdlab's run() at batch size 1 beside the minimal numpy loop
   (``e = x @ w - y; w -= lr * e * x`` over a shuffled copy), medians and ratio; then
   sgdlab's minibatch SGD epoch against an idiomatic torch.optim.SGD loop and
   scikit-learn's SGDRegressor, same data, batch sizes 1, 32 and 256, as ratios;
4. the peak memory of every notebook's kernel;
5. in JupyterLab in headless Chromium, every explorer control's key press -> new image
   in the page, beside its in-kernel time and the bare-widget floor (browser_bench.py).

    .venv/bin/python benchmarks/benchmark.py                 # everything
    .venv/bin/python benchmarks/benchmark.py --only speed    # one part: notebooks,
                                                             # widgets, step, speed
                                                             # or browser
    .venv/bin/python benchmarks/benchmark.py --only browser --quick  # 3 moves a control

Not part of the test suite: the figures depend on the machine and its load.
Targets (2-core machine): notebook <= 15 s, all <= 60 s; widget median <= 40 ms in
the kernel; run() at B=1 within 2x of the minimal numpy loop; sgdlab at B=32 >= 10x
faster than the torch loop. scikit-learn's compiled loop at B=1 is a reference figure,
not a target.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import os
import pkgutil
import platform
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

RUN_ONE = r"""
import json, sys, time
import nbformat
from nbclient import NotebookClient
try:
    import resource  # Linux and macOS
except ImportError:  # Windows: the kernel reports its own peak (psutil comes with Jupyter)
    resource = None
path = sys.argv[1]
nb = nbformat.read(path, as_version=4)
if resource is None:
    nb.cells.append(nbformat.v4.new_code_cell(
        "import psutil; print(psutil.Process().memory_info().peak_wset)"))
start = time.perf_counter()
NotebookClient(nb, timeout=600, kernel_name="python3",
               resources={"metadata": {"path": sys.argv[2]}}).execute()
seconds = time.perf_counter() - start
if resource is None:
    peak_mb = int(nb.cells[-1].outputs[0]["text"]) / 2**20
else:
    # the kernel is this process's child; it has exited and been waited for by now
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    peak_mb = peak / 2**20 if sys.platform == "darwin" else peak / 1024  # bytes vs KiB
print(json.dumps({"seconds": seconds, "kernel_peak_mb": peak_mb}))
"""


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import sklearn
    import torch

    return (f"{platform.platform()}; {os.cpu_count()} cores ({model}); Python "
            f"{platform.python_version()}, numpy {np.__version__}, torch {torch.__version__}, "
            f"scikit-learn {sklearn.__version__}")


# --- 1 and 4: notebooks -------------------------------------------------------------
def notebooks(paths: list[Path]) -> None:
    print("\n## Notebooks: fresh kernel, run top to bottom (incl. kernel start-up)")
    print(f"{'notebook':52} {'seconds':>8} {'peak MB':>8}  target <= 15 s")
    totals: dict[str, float] = {}
    for path in paths:
        out = subprocess.run([sys.executable, "-c", RUN_ONE, str(path), str(path.parent)],
                             capture_output=True, text=True, cwd=ROOT)
        if out.returncode != 0:
            print(f"{path.name:52} FAILED: {out.stderr.strip().splitlines()[-1:]}")
            continue
        r = json.loads(out.stdout.strip().splitlines()[-1])
        group = path.parent.relative_to(ROOT).as_posix()
        totals[group] = totals.get(group, 0.0) + r["seconds"]
        verdict = "ok" if r["seconds"] <= 15 else "SLOW"
        print(f"{path.relative_to(ROOT).as_posix():52} {r['seconds']:8.1f} "
              f"{r['kernel_peak_mb']:8.0f}  {verdict}")
    for group, total in totals.items():
        verdict = ("target <= 60 s: " + ("ok" if total <= 60 else "SLOW")
                   if group == "notebooks" else "")
        print(f"{'total of ' + group + '/':52} {total:8.1f}           {verdict}")


# --- 2: widgets ---------------------------------------------------------------------
def positions(control, most: int = 25) -> list:
    """Values spread over a control's whole range, both ends included."""
    if hasattr(control, "options") and control.options:
        values = [o[1] if isinstance(o, tuple) else o for o in control.options]
    elif type(control).__name__ == "FloatLogSlider":
        exps = np.arange(control.min, control.max + control.step / 2, control.step)
        values = list(control.base ** exps)
    elif hasattr(control, "min") and hasattr(control, "step"):
        values = list(np.arange(control.min, control.max + control.step / 2, control.step))
        if type(control).__name__ == "IntSlider":
            values = [int(v) for v in values]
    else:
        return []
    if len(values) > most:
        values = [values[i] for i in np.linspace(0, len(values) - 1, most).round().astype(int)]
    return values


def explorer_classes() -> list[type]:
    import sgdlab.widgets
    from sgdlab.widgets.base import Explorer

    found = []
    for info in pkgutil.iter_modules(sgdlab.widgets.__path__):
        module = importlib.import_module(f"sgdlab.widgets.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Explorer) and cls is not Explorer and cls.__module__ == \
                    module.__name__:
                found.append(cls)
    return found


def widgets() -> None:
    print("\n## Widgets: control change -> figure drawn (compute + PNG render)")
    print(f"{'explorer':24} {'control':14} {'n':>3} {'median ms':>10} {'p90 ms':>8}  "
          "target median <= 40")
    for cls in explorer_classes():
        explorer = cls()
        start_values = explorer.values
        for name, control in explorer.controls.items():
            times, changed = sweep(explorer, name, control)
            context = ""
            # a control that changes nothing at the defaults (noise under plain GD) is
            # timed with another control moved one position, as the browser part does
            for other, other_control in explorer.controls.items():
                if changed or other == name:
                    continue
                step = next((v for v in positions(other_control)
                             if v != other_control.value), None)
                if step is None:
                    continue
                other_control.value = step
                times, changed = sweep(explorer, name, control)
                other_control.value = start_values[other]
                context = f" ({other}={step:g})" if isinstance(step, float) else \
                    f" ({other}={step})"
            control.value = start_values[name]
            if times:
                med, p90 = np.median(times), np.percentile(times, 90)
                verdict = "ok" if med <= 40 else "SLOW"
                print(f"{cls.__name__:24} {name:14} {len(times):3d} {med:10.0f} {p90:8.0f}  "
                      f"{verdict}{context}")


def sweep(explorer, name: str, control) -> tuple[list[float], bool]:
    """Move ``control`` over its positions; the update times in ms, and whether any
    move changed the picture. The control is left at its last position."""
    times, changed = [], False
    for value in positions(control):
        if value == control.value:
            continue
        before = explorer.image.value
        control.value = value
        if explorer.error is not None:
            print(f"  {type(explorer).__name__}.{name}={value}: error {explorer.error!r}")
        times.append(explorer.last_update_seconds * 1e3)
        changed = changed or explorer.image.value != before
    return times, changed


# --- 3: sgdlab against a minimal numpy loop, torch and scikit-learn ------------------
def one_row_step(n: int = 10_000, d: int = 20, repeats: int = 7) -> None:
    """One epoch of SGD at batch size 1: ``sgdlab.train.run`` (no per-step full loss, no
    weights kept: what a long run would ask for) beside the minimal numpy loop, timed in
    turns so that both see the same load."""
    from sgdlab.data import make_linear_regression
    from sgdlab.losses import LeastSquares
    from sgdlab.train import run

    data = make_linear_regression(n, d, noise=0.5, rng=np.random.default_rng(0))
    problem = LeastSquares(data.X, data.y)
    lr = 0.01

    def minimal():
        rng = np.random.default_rng(0)
        w = np.zeros(d)
        order = rng.permutation(n)
        X, y = data.X[order], data.y[order]
        for i in range(n):
            x = X[i]
            e = x @ w - y[i]
            w -= lr * e * x

    def ours():
        run(problem, np.zeros(d), lr, epochs=1, batch_size=1, rng=0,
            full_loss_every=10**9, record_params=False)

    times: dict[str, list[float]] = {"minimal numpy loop": [], "sgdlab run()": []}
    for _ in range(repeats):
        for name, fn in zip(times, (minimal, ours), strict=True):
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    medians = {name: statistics.median(t) for name, t in times.items()}
    ratio = medians["sgdlab run()"] / medians["minimal numpy loop"]
    print(f"\n## One epoch of SGD at batch size 1, least squares, n = {n}, d = {d} "
          f"(median of {repeats}, in turns)")
    for name, value in medians.items():
        print(f"{name:20} {value * 1e3:8.1f} ms")
    print(f"{'ratio':20} {ratio:8.2f}    target <= 2: {'ok' if ratio <= 2 else 'SLOW'}")


def best_of(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def speed(n: int = 10_000, d: int = 20) -> None:
    import torch
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import SGDRegressor

    from sgdlab.data import make_linear_regression
    from sgdlab.losses import LeastSquares
    from sgdlab.train import run

    torch.set_num_threads(1)
    data = make_linear_regression(n, d, noise=0.5, rng=np.random.default_rng(0))
    problem = LeastSquares(data.X, data.y)
    X32, y32 = torch.tensor(data.X, dtype=torch.float32), torch.tensor(data.y,
                                                                      dtype=torch.float32)
    lr = 0.01
    print(f"\n## One epoch of minibatch SGD on least squares, n = {n}, d = {d} "
          "(median seconds; torch on 1 thread)")
    print(f"{'B':>4} {'sgdlab':>9} {'torch':>9} {'sklearn':>9} {'torch/sgdlab':>13} "
          f"{'sgdlab/sklearn':>15}")
    for B in (1, 32, 256):
        def ours(B=B):
            run(problem, np.zeros(d), lr, epochs=1, batch_size=B, rng=0,
                full_loss_every=10**9, record_params=False)

        def theirs(B=B):
            model = torch.nn.Linear(d, 1, bias=False)
            opt = torch.optim.SGD(model.parameters(), lr=lr)
            loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X32, y32),
                                                 batch_size=B, shuffle=True)
            loss_fn = torch.nn.MSELoss()
            for xb, yb in loader:
                opt.zero_grad()
                loss = 0.5 * loss_fn(model(xb).squeeze(1), yb)
                loss.backward()
                opt.step()

        def sklearn():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                SGDRegressor(max_iter=1, tol=None, learning_rate="constant", eta0=lr,
                             penalty=None, fit_intercept=False, random_state=0).fit(data.X,
                                                                                    data.y)

        t_ours = best_of(ours, 5 if B > 1 else 3)
        t_torch = best_of(theirs, 3 if B > 1 else 1)
        t_sk = best_of(sklearn, 5)
        print(f"{B:4d} {t_ours:9.4f} {t_torch:9.4f} {t_sk:9.4f} {t_torch / t_ours:13.1f} "
              f"{t_ours / t_sk:15.1f}")
    print("target: torch/sgdlab >= 10 at B = 32. sgdlab/sklearn is a reference figure "
          "(scikit-learn's SGD is compiled; its B is always 1)")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only",
                        choices=["notebooks", "widgets", "step", "speed", "browser"])
    parser.add_argument("--quick", action="store_true",
                        help="browser: 3 timed moves per control instead of 15")
    parser.add_argument("--exercises", action="store_true",
                        help="time the exercise solution notebooks too")
    args = parser.parse_args(argv)
    print("# SGD Lab benchmark")
    print(machine())
    if args.only in (None, "notebooks"):
        paths = sorted((ROOT / "notebooks").glob("*.ipynb"))
        if args.exercises:
            paths += sorted((ROOT / "exercises" / "solutions").glob("*.ipynb"))
        notebooks(paths)
    if args.only in (None, "widgets"):
        import matplotlib

        matplotlib.use("Agg")
        widgets()
    if args.only in (None, "step"):
        one_row_step()
    if args.only in (None, "speed"):
        speed()
    if args.only in (None, "browser"):
        import browser_bench  # beside this file

        status = browser_bench.run(3 if args.quick else 15)
        if args.only == "browser":
            return status
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
