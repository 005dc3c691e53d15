"""course.py's set-up: which PyTorch, recovery from interrupts, clear failures.

The recovery tests run the real ``course.py`` and ``scripts/course_setup.py`` on a
tiny stand-in project (one small package, no PyTorch), so that killing and rerunning
the set-up takes seconds instead of minutes.
"""

from __future__ import annotations

import http.server
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import course_setup  # noqa: E402
from course_setup import SetupError, torch_plan  # noqa: E402


# --- which PyTorch ------------------------------------------------------------------
def never() -> bool:
    raise AssertionError("the CPU index must not be probed off Linux")


@pytest.mark.parametrize("system, machine", [("Windows", "AMD64"), ("Darwin", "arm64")])
def test_windows_and_apple_silicon_take_the_default_index(system, machine):
    plan = torch_plan(system, machine, "2.13.0", never)
    assert plan.source == "default" and plan.pip_args == ()
    assert plan.requirement == "torch==2.13.0"


def test_intel_mac_gets_a_clear_error_not_a_failed_download():
    with pytest.raises(SetupError, match="Intel Macs"):
        torch_plan("Darwin", "x86_64", "2.13.0", never)


def test_linux_takes_the_cpu_index_when_it_answers(monkeypatch):
    monkeypatch.delenv("SGDLAB_TORCH_INDEX", raising=False)
    plan = torch_plan("Linux", "x86_64", "2.13.0", lambda: True)
    assert plan.source == "cpu-index"
    assert plan.pip_args[:2] == ("--index-url", course_setup.CPU_INDEX)
    assert plan.requirement == "torch==2.13.0+cpu"  # never the CUDA wheel of PyPI


def test_linux_falls_back_to_the_default_index_and_says_why(monkeypatch):
    monkeypatch.delenv("SGDLAB_TORCH_INDEX", raising=False)
    plan = torch_plan("Linux", "x86_64", "2.13.0", lambda: False)
    assert plan.source == "default" and plan.requirement == "torch==2.13.0"
    assert "could not be reached" in plan.why and "CUDA" in plan.why


def test_an_index_can_be_chosen_or_skipped(monkeypatch):
    monkeypatch.setenv("SGDLAB_TORCH_INDEX", "https://mirror.example/whl/cpu")
    plan = torch_plan("Linux", "aarch64", "2.13.0", lambda: True)
    assert plan.pip_args[1] == "https://mirror.example/whl/cpu"
    monkeypatch.setenv("SGDLAB_TORCH_INDEX", "default")
    assert torch_plan("Linux", "x86_64", "2.13.0", never).source == "default"


def test_the_locked_torch_is_the_one_planned():
    assert course_setup.locked_version("torch") == "2.13.0"


# --- the probe: answers, refuses, hangs ---------------------------------------------
def test_probe_sees_an_index_that_answers():
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_HEAD(self):  # noqa: N802
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/whl/cpu"
        assert course_setup.index_reachable(url, seconds=60)  # returns as soon as it answers
    finally:
        server.shutdown()


def test_probe_gives_up_on_a_refused_and_on_a_silent_index():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: connections are refused
    assert not course_setup.index_reachable(f"http://127.0.0.1:{port}/", seconds=2)
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # accepts, never answers
    try:  # the probe's own time limit makes it return: a hang would stop this test
        assert not course_setup.index_reachable(
            f"http://127.0.0.1:{silent.getsockname()[1]}/", seconds=0.5)
    finally:
        silent.close()


# --- JupyterLab's command line and settings -----------------------------------------
def test_lab_opens_the_workspace_root_at_the_start_page(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 0, raising=False)
    cmd = course_setup.lab_command(Path("py"), tmp_path, ["--no-browser"])
    assert f"--ServerApp.root_dir={tmp_path}" in cmd
    assert "--LabApp.default_url=/lab/tree/notebooks/00_start_here.ipynb" in cmd
    assert "--allow-root" in cmd and cmd[-1] == "--no-browser"
    monkeypatch.setattr(os, "geteuid", lambda: 1000, raising=False)
    assert "--allow-root" not in course_setup.lab_command(Path("py"), tmp_path, [])


def test_jupyter_settings_turn_off_every_outbound_lookup(tmp_path):
    course_setup.configure_jupyter(tmp_path)
    import json

    server = json.loads((tmp_path / "etc/jupyter/jupyter_lab_config.json")
                        .read_text(encoding="utf-8"))
    assert server["LabApp"]["extension_manager"] == "readonly"
    assert server["LabApp"]["news_url"] is None
    lab = json.loads((tmp_path / "share/jupyter/lab/settings/overrides.json")
                     .read_text(encoding="utf-8"))
    notes = lab["@jupyterlab/apputils-extension:notification"]
    assert notes == {"fetchNews": "false", "checkForUpdates": False}


def test_lab_in_chinese_opens_the_chinese_start_page_with_a_chinese_interface(tmp_path):
    lang, rest = course_setup.split_lang(["--port", "8899", "--lang", "zh", "--no-browser"])
    assert lang == "zh" and rest == ["--port", "8899", "--no-browser"]
    assert course_setup.split_lang(["--lang=zh-CN"]) == ("zh", [])
    assert course_setup.split_lang([]) == ("en", [])
    cmd = course_setup.lab_command(Path("py"), tmp_path, rest, lang)
    start = course_setup.LANGUAGES["zh"][0]
    assert f"--LabApp.default_url=/lab/tree/{start}" in cmd
    assert (ROOT / start).exists() and (ROOT / start).parent.name == "zh"
    import json

    overrides = tmp_path / "share/jupyter/lab/settings/overrides.json"
    course_setup.configure_jupyter(tmp_path, "zh")
    lab = json.loads(overrides.read_text(encoding="utf-8"))
    assert lab["@jupyterlab/translation-extension:plugin"] == {"locale": "zh_CN"}
    assert lab["@jupyterlab/apputils-extension:notification"]["checkForUpdates"] is False
    course_setup.configure_jupyter(tmp_path)  # the next plain `lab` is English again
    lab = json.loads(overrides.read_text(encoding="utf-8"))
    assert lab["@jupyterlab/translation-extension:plugin"] == {"locale": "en"}


@pytest.mark.parametrize("args", [["--lang"], ["--lang", "fr"], ["--lang=xx"]])
def test_a_bad_language_is_named_with_the_allowed_ones(args):
    with pytest.raises(course_setup.SetupError, match=r"--lang.*zh"):
        course_setup.split_lang(args)


def test_the_chinese_lab_installs_jupyterlabs_language_pack(monkeypatch, tmp_path):
    """`lab --lang zh` sets up sgdlab[zh], the extra that holds the locked language pack,
    and tells JupyterLab to open the Chinese start page; no real server is started."""
    import tomllib

    extra = course_setup.LANGUAGES["zh"][2]
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    pack = [r for r in project["project"]["optional-dependencies"][extra]
            if r.lower().startswith("jupyterlab-language-pack-zh-cn")]
    assert pack, "the zh extra must hold jupyterlab-language-pack-zh-CN"
    assert course_setup.locked_version("jupyterlab-language-pack-zh-CN")
    calls = {}

    def ensure_environment(extra=""):
        calls["extra"] = extra
        return Path("py")

    def configure_jupyter(env, lang="en"):
        calls["locale"] = lang

    def replace_process(cmd):
        calls["cmd"] = cmd
        return 0

    monkeypatch.setattr(course_setup, "ensure_environment", ensure_environment)
    monkeypatch.setattr(course_setup, "configure_jupyter", configure_jupyter)
    monkeypatch.setattr(course_setup, "sync_workspace", lambda python, work: None)
    monkeypatch.setattr(course_setup, "WORKSPACE", tmp_path)
    monkeypatch.setattr(course_setup, "_replace_process", replace_process)
    monkeypatch.chdir(tmp_path)
    assert course_setup.main(["lab", "--lang", "zh", "--no-browser"]) == 0
    assert calls["extra"] == "zh" and calls["locale"] == "zh"
    assert "--LabApp.default_url=/lab/tree/notebooks/zh/00_start_here.ipynb" in calls["cmd"]
    assert calls["cmd"][-1] == "--no-browser" and "--lang" not in calls["cmd"]


# --- a stand-in project for the set-up's recovery ----------------------------------
STUB_PYPROJECT = """\
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "sgdlab"
version = "0.0.1"
requires-python = ">=3.11"
dependencies = []

[project.optional-dependencies]
test = ["pytest>=8"]

[tool.setuptools.packages.find]
include = ["sgdlab*"]
"""


@pytest.fixture
def stub(tmp_path: Path) -> Path:
    """A project with course.py and its set-up script, a one-module sgdlab, and a lock."""
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "course.py", tmp_path / "course.py")
    shutil.copy(ROOT / "scripts" / "course_setup.py", tmp_path / "scripts")
    (tmp_path / "pyproject.toml").write_text(STUB_PYPROJECT, encoding="utf-8")
    wanted = ("pytest==", "iniconfig==", "pluggy==", "packaging==", "pygments==")
    lines = [line for line in (ROOT / "constraints.txt").read_text(encoding="utf-8")
             .splitlines() if line.lower().startswith(wanted)]
    (tmp_path / "constraints.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "sgdlab").mkdir()
    (tmp_path / "sgdlab" / "__init__.py").write_text("X = 1\n", encoding="utf-8")
    return tmp_path


def course(project: Path, *args: str, kill_after: str | None = None,
           delay: float = 0.0, timeout: float = 300) -> tuple[int, str]:
    """Run ``course.py`` in ``project``; with ``kill_after``, kill its whole process
    group ``delay`` seconds after that text is printed (as closing a terminal would)."""
    env = {k: v for k, v in os.environ.items() if k != "SGDLAB_VENV"}  # the stub's own
    env.update(SGDLAB_TORCH_INDEX="default", PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "course.py", *args], cwd=project, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            encoding="utf-8", start_new_session=True)
    out = []
    deadline = time.monotonic() + timeout
    for line in proc.stdout:
        out.append(line)
        if kill_after and kill_after in line:
            time.sleep(delay)
            os.killpg(proc.pid, signal.SIGKILL)
            break
        if time.monotonic() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            break
    proc.stdout.close()
    return proc.wait(), "".join(out)


posix_only = pytest.mark.skipif(os.name != "posix", reason="kills a process group")


@posix_only
def test_setup_recovers_from_a_kill_during_venv_creation_and_during_pip(stub):
    code, out = course(stub, "test", "--version", kill_after="Creating a virtual", delay=0.3)
    assert code != 0 and (stub / ".venv").exists()
    assert not (stub / ".venv" / ".sgdlab-venv").exists()  # unfinished, and known to be

    code, out = course(stub, "test", "--version", kill_after="Installing SGD Lab",
                       delay=0.5)
    assert "left unfinished by an interrupted set-up" in out
    assert code != 0 and not (stub / ".venv" / ".installed-test").exists()

    code, out = course(stub, "test", "--version")
    assert code == 0, out
    assert "pytest" in out  # pytest --version ran inside the repaired environment
    assert (stub / ".venv" / ".installed-test").exists()

    code, out = course(stub, "test", "--version")  # nothing left to do: no reinstall
    assert code == 0 and "Installing" not in out and "Creating" not in out


@posix_only
def test_a_venv_without_pip_or_with_a_broken_install_is_repaired(stub):
    import venv

    venv.create(stub / ".venv", with_pip=False)
    (stub / ".venv" / ".sgdlab-venv").write_text("3.x\n", encoding="utf-8")
    code, out = course(stub, "test", "--version")
    assert code == 0, out
    assert "is broken" in out

    site = next((stub / ".venv").glob("lib/python*/site-packages"))
    for path in site.glob("__editable__*sgdlab*"):
        path.unlink()  # sgdlab no longer imports, though the stamp says all is well
    code, out = course(stub, "test", "--version")
    assert code == 0, out
    assert "repairing" in out


@posix_only
@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                    reason="root can write to a read-only folder")
def test_a_read_only_folder_gets_one_clear_sentence(stub):
    stub.chmod(0o555)
    try:
        code, out = course(stub, "test", "--version")
    finally:
        stub.chmod(0o755)
    assert code == 1
    assert "cannot write" in out and "Traceback" not in out


def test_a_read_only_folder_message_without_root(stub, monkeypatch):
    """The same message, reached without needing a non-root user: venv creation is
    made to fail as it does in a folder the learner cannot write to."""
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(course_setup, "VENV", stub / ".venv")
    monkeypatch.setattr(course_setup.venv, "create", refuse)
    with pytest.raises(SetupError, match="cannot write in .*Copy the course folder"):
        course_setup.ensure_environment("test")


def old_pythons() -> list[str]:
    """Interpreters older than 3.11 that pyenv has on this machine (none elsewhere)."""
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    found = []
    for version in ("2.7", "3.6", "3.10"):
        found += [str(p) for p in sorted(root.glob(f"{version}.*/bin/python"))[-1:]]
    return found


def test_course_py_parses_on_old_pythons_before_its_check():
    source = (ROOT / "course.py").read_text(encoding="utf-8")
    head = source.split("sys.path.insert")[0]
    assert 'f"' not in head and "from __future__" not in head
    assert "sys.version_info < (3, 11)" in head


@pytest.mark.parametrize("python", old_pythons() or ["this-python-pretending-3.9"])
def test_an_old_python_is_told_what_to_do(python, tmp_path):
    if python.startswith("this-python"):  # no old interpreter here: make this one look old
        cmd = [sys.executable, "-c", "import sys; sys.version_info = (3, 9, 0, 'final', 0); "
               "sys.argv = ['course.py', 'lab']; __file__ = 'course.py'; "
               "exec(compile(open('course.py', encoding='utf-8').read(), 'course.py', 'exec'))"]
    else:
        cmd = [python, "course.py", "lab"]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, encoding="utf-8",
                         env={**os.environ, "PYTHONPATH": ""}, timeout=60)
    assert out.returncode == 1, out.stderr
    assert "SGD Lab needs Python 3.11 or newer" in out.stderr
    assert "Traceback" not in out.stderr and not (ROOT / "my-work-should-not-exist").exists()


def test_site_command_sets_up_the_site_extra_then_builds(monkeypatch, tmp_path):
    """`course.py site --out X` installs .[site] (not .[test]) and runs the site build with
    the arguments after `site`."""
    calls = []
    fake = tmp_path / "python"
    monkeypatch.setattr(course_setup, "ensure_environment",
                        lambda extra="": calls.append(("env", extra)) or fake)
    monkeypatch.setattr(course_setup, "_replace_process",
                        lambda cmd: calls.append(("run", cmd)) or 0)
    monkeypatch.chdir(tmp_path)
    assert course_setup.main(["site", "--out", "x"]) == 0
    assert calls == [("env", "site"),
                     ("run", [str(fake), str(ROOT / "scripts" / "build_site.py"), "--out",
                              "x"])]


def test_test_command_shares_the_suite_out_by_file_unless_told_otherwise():
    """`course.py test` runs pytest with a pytest-xdist worker per CPU (at most 4), each
    taking whole files, so that a notebook's cells stay in one kernel; the learner's own
    choice of workers, or a debugger, wins; one CPU gets plain pytest."""
    args = course_setup.pytest_args
    assert args([], cpus=2) == ["-n", "2", "--dist", "loadfile"]
    assert args(["tests/test_optim.py", "-x"], cpus=16) == [
        "-n", str(course_setup.MAX_TEST_WORKERS), "--dist", "loadfile",
        "tests/test_optim.py", "-x"]
    assert args(["--nbval-lax"], cpus=2)[:2] == ["-n", "2"]  # not mistaken for -n
    for own in (["-n", "0"], ["-n3"], ["--numprocesses=2"], ["--dist", "load"],
                ["-p", "no:xdist"], ["--pdb"], ["--trace"]):
        assert args(own, cpus=8) == own, own
    assert args(["-q"], cpus=1) == ["-q"]


def test_test_command_passes_the_workers_to_pytest(monkeypatch, tmp_path):
    calls = []
    fake = tmp_path / "python"
    monkeypatch.setattr(course_setup, "ensure_environment",
                        lambda extra="": calls.append(("env", extra)) or fake)
    monkeypatch.setattr(course_setup, "ensure_node_tools", lambda: None)
    monkeypatch.setattr(course_setup, "_replace_process",
                        lambda cmd: calls.append(("run", cmd)) or 0)
    monkeypatch.setattr(course_setup.os, "cpu_count", lambda: 2)
    monkeypatch.chdir(tmp_path)
    assert course_setup.main(["test", "-q"]) == 0
    assert calls == [("env", "test"),
                     ("run", [str(fake), "-m", "pytest", "-n", "2", "--dist", "loadfile",
                              "-q"])]
