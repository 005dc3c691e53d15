#!/usr/bin/env python3
"""How much does one student cost a JupyterHub? Prints, for the machine it runs on:

1. memory: a student's JupyterLab server at rest (RSS), and for each notebook the RSS
   of its kernel after running it top to bottom and at its peak; server + kernel is
   what one student with that notebook open holds;
2. CPU seconds each notebook's kernel spends running it (user + system, threads and
   child processes included), kernel start-up excluded;
3. how many students working in notebook 01 at once this machine holds while a
   widget update (learning-rate slider moved -> figure computed and drawn as PNG, as
   ``sgdlab.widgets`` times it) stays within twice its single-student median. Each
   simulated student is a process like a kernel: it builds notebook 01's
   ``LearningRateExplorer`` and moves its slider once every ``--think`` seconds.

    .venv/bin/python benchmarks/classroom_sizing.py               # everything
    .venv/bin/python benchmarks/classroom_sizing.py --only memory  # or: students

Kernels and simulated students run on one BLAS/OpenMP thread each, as
deploy/jupyterhub_config.py and deploy/values.yaml set it for a class.

Not a test: the figures depend on the machine and on what else runs on it, so the
load average is printed beside them. deploy/README.md's sizing table comes from here.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
MB = 2**20


def load() -> str:
    if hasattr(os, "getloadavg"):
        return "load average {:.1f}, {:.1f}, {:.1f}".format(*os.getloadavg())
    return "load average unknown"


def machine() -> str:
    model = platform.processor() or "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return (f"{platform.platform()}; {psutil.cpu_count()} cores ({model}); "
            f"{psutil.virtual_memory().total / 2**30:.0f} GiB; Python "
            f"{platform.python_version()}")


def peak_rss(proc: psutil.Process) -> float:
    """The process's peak RSS in bytes (Linux: VmHWM), else its current RSS."""
    status = Path(f"/proc/{proc.pid}/status")
    if status.exists():
        for line in status.read_text(encoding="utf-8").splitlines():
            if line.startswith("VmHWM:"):
                return float(line.split()[1]) * 1024
    return float(proc.memory_info().rss)


def cpu_seconds(proc: psutil.Process) -> float:
    total = 0.0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            times = p.cpu_times()
            total += times.user + times.system + times.children_user + times.children_system
        except psutil.NoSuchProcess:
            pass
    return total


# --- 1: the server at rest -------------------------------------------------------------
def server_at_rest(seconds: float = 5.0) -> float:
    """RSS (bytes) of a JupyterLab server, started as a single-user server would be,
    after its start page and the course's folder listing were served, then left idle."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    token = secrets.token_hex(16)
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}",
           "--ip=127.0.0.1", f"--IdentityProvider.token={token}",
           f"--ServerApp.root_dir={ROOT}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 120
        while True:
            try:
                for path in ("lab/tree/notebooks/00_start_here.ipynb", "api/contents/notebooks",
                             "api/contents/notebooks/00_start_here.ipynb"):
                    request = urllib.request.Request(base + path,
                                                     headers={"Authorization": f"token {token}"})
                    urllib.request.urlopen(request, timeout=30).read()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("JupyterLab did not start") from None
                time.sleep(0.5)
        time.sleep(seconds)
        return float(psutil.Process(server.pid).memory_info().rss)
    finally:
        server.terminate()
        server.wait(timeout=30)


# --- 1 and 2: each notebook's kernel -----------------------------------------------------
def run_notebook(path: Path) -> dict:
    """Run ``path`` in a fresh kernel; the kernel's RSS after the run, its peak, and
    the CPU seconds the run took."""
    import nbformat
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    km = KernelManager(kernel_name="python3")
    client = NotebookClient(nb, km=km, timeout=600,
                            resources={"metadata": {"path": str(path.parent)}})
    try:
        with client.setup_kernel():
            kernel = psutil.Process(km.provisioner.process.pid)
            start_cpu, start_rss = cpu_seconds(kernel), kernel.memory_info().rss
            started = time.perf_counter()
            for index, cell in enumerate(nb.cells):
                client.execute_cell(cell, index)
            return {"seconds": time.perf_counter() - started,
                    "cpu_seconds": cpu_seconds(kernel) - start_cpu,
                    "kernel_idle_mb": start_rss / MB,
                    "kernel_after_mb": kernel.memory_info().rss / MB,
                    "kernel_peak_mb": peak_rss(kernel) / MB}
    finally:
        if km.has_kernel:  # a kernel manager passed in is ours to shut down
            km.shutdown_kernel(now=True)


def memory_and_cpu(paths: list[Path]) -> None:
    print(f"\n## One student: memory and CPU ({load()} at the start)")
    server = server_at_rest() / MB
    print(f"JupyterLab server at rest: {server:.0f} MB RSS")
    print(f"{'notebook':40} {'CPU s':>6} {'wall s':>7} {'kernel MB':>10} {'peak MB':>8} "
          f"{'server+kernel MB':>17}")
    for path in paths:
        r = run_notebook(path)
        print(f"{path.relative_to(ROOT).as_posix():40} {r['cpu_seconds']:6.1f} "
              f"{r['seconds']:7.1f} {r['kernel_after_mb']:10.0f} {r['kernel_peak_mb']:8.0f} "
              f"{server + r['kernel_after_mb']:17.0f}", flush=True)
    print(f"(an idle kernel before any cell: about {r['kernel_idle_mb']:.0f} MB; "
          f"{load()} at the end)")


# --- 3: students working at once -------------------------------------------------------
STUDENT = r"""
import json, sys, time
import matplotlib
matplotlib.use("Agg")
from sgdlab.widgets.gd import LearningRateExplorer
think = float(sys.argv[1])
explorer = LearningRateExplorer()
control = explorer.controls["lr"]
values = list(explorer.positions)
for value in values[:2]:  # warm up: the first draws set up fonts and caches
    control.value = value
print("ready", flush=True)
start_at, until = map(float, sys.stdin.readline().split())
while time.time() < start_at:
    time.sleep(0.01)
times, i = [], 0
while time.time() < until:
    value = values[i % len(values)]
    if value == control.value:
        value = values[(i + 1) % len(values)]
    cpu = time.process_time()
    control.value = value
    times.append((explorer.last_update_seconds, time.process_time() - cpu))
    i += 1
    time.sleep(think)
print(json.dumps(times))
"""


def students(counts: list[int], seconds: float, think: float) -> None:
    print(f"\n## Students in notebook 01 at once: slider moved every {think:g} s, "
          f"{seconds:g} s each round")
    print(f"{'students':>8} {'updates':>8} {'median ms':>10} {'p90 ms':>8} {'x single':>9} "
          f"{'CPU ms':>7}  load")
    single = None
    for n in counts:
        procs = [subprocess.Popen([sys.executable, "-c", STUDENT, str(think)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                  encoding="utf-8", cwd=ROOT) for _ in range(n)]
        for proc in procs:  # everyone has built the explorer before the clock starts
            assert proc.stdout.readline().strip() == "ready"
        start_at = time.time() + 1.0
        for proc in procs:
            proc.stdin.write(f"{start_at} {start_at + seconds}\n")
            proc.stdin.flush()
        times = []
        for proc in procs:
            out, _ = proc.communicate(timeout=seconds + 300)
            times += json.loads(out.strip().splitlines()[-1])
        wall = sorted(t[0] for t in times)
        med = statistics.median(wall) * 1e3
        p90 = wall[int(0.9 * (len(wall) - 1))] * 1e3
        cpu = statistics.median(t[1] for t in times) * 1e3
        single = single or med
        ratio = med / single
        print(f"{n:8d} {len(times):8d} {med:10.0f} {p90:8.0f} {ratio:9.2f} {cpu:7.0f}  {load()}",
              flush=True)
        if ratio > 2.5:
            break


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=["memory", "students"])
    parser.add_argument("--counts", default="1,2,4,8,12,16,24,32",
                        help="numbers of simultaneous students to try")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each round")
    parser.add_argument("--think", type=float, default=1.0,
                        help="seconds between one student's slider moves")
    args = parser.parse_args(argv)
    print(f"# Classroom sizing, {time.strftime('%Y-%m-%d %H:%M %Z')}\n{machine()}")
    os.environ.setdefault("MPLBACKEND", "Agg")
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = "1"  # as deploy/ sets it for every student
    if args.only in (None, "memory"):
        with tempfile.TemporaryDirectory():
            memory_and_cpu(sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")))
    if args.only in (None, "students"):
        students([int(c) for c in args.counts.split(",")], args.seconds, args.think)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
