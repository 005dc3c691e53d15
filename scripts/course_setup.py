"""The work behind ``course.py``: set up SGD Lab, then open it, test it, or refresh a file.

    python3 course.py lab [JUPYTERLAB ARGS]   # set up, sync your workspace, open JupyterLab
    python3 course.py lab --lang zh           # the same, in Chinese (中文版)
    python3 course.py test [PYTEST ARGS]      # set up (with the test tools), run the suite
    python3 course.py fresh PATH              # a clean copy of one notebook; yours is kept
    python3 course.py classroom-link --hub URL --repo GITURL [--branch main]
                                              # the nbgitpuller link for a JupyterHub class
    python3 course.py site [--out DIR]        # set up (with the site tools), build _site/
    python3 course.py help

On Windows, write ``py`` for ``python3``.

Set-up makes a virtual environment in ``.venv/`` and installs ``sgdlab`` (editable) with
every dependency at the exact version of ``constraints.txt``, the versions the tests
ran with. On Linux, PyTorch comes from PyTorch's CPU-only index (about 200 MB instead
of the 2.7 GB CUDA build), or from the default index when that cannot be reached within
a few seconds. A set-up that was interrupted or broken is noticed and repaired on the
next run. The learner's notebooks live in ``my-work/``, copied from the course and kept
up to date without ever overwriting a file the learner changed (``sgdlab.workspace``).
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import tomllib
import urllib.parse
import urllib.request
import venv
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: The virtual environment; SGDLAB_VENV puts it elsewhere (CI keeps one per Python).
VENV = Path(os.environ.get("SGDLAB_VENV") or ROOT / ".venv").absolute()
LOCK = ROOT / "constraints.txt"
WORKSPACE = ROOT / "my-work"
START = "notebooks/00_start_here.ipynb"
#: The course's languages: the start page each opens, JupyterLab's locale for it, and
#: the pyproject extra that holds JupyterLab's language pack (English needs none).
LANGUAGES = {
    "en": (START, "en", ""),
    "zh": ("notebooks/zh/00_start_here.ipynb", "zh_CN", "zh"),
}
LANGUAGE_ALIASES = {"en": "en", "english": "en", "zh": "zh", "zh_cn": "zh", "zh-cn": "zh",
                    "chinese": "zh", "中文": "zh"}
#: Bump to make every existing environment reinstall once.
SETUP_VERSION = "2"
#: PyTorch's own index of CPU-only wheels (its install page, "Compute Platform: CPU").
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
PYPI = "https://pypi.org/simple"
PROBE_SECONDS = 8.0
SUPPORTED = ((3, 11), (3, 14))


class SetupError(Exception):
    """A set-up problem the learner can act on; its text is the whole message."""


# --- where things are --------------------------------------------------------------
def venv_python(env: Path | None = None) -> Path:
    """The interpreter of the virtual environment ``env`` (default: ``.venv``)."""
    env = VENV if env is None else env
    if os.name == "nt":
        return env / "Scripts" / "python.exe"
    return env / "bin" / "python"


def locked_version(name: str, lock: Path | None = None) -> str:
    """The exact version ``constraints.txt`` gives for ``name`` (e.g. ``"2.13.0"``)."""
    lock = LOCK if lock is None else lock
    for line in lock.read_text(encoding="utf-8").splitlines():
        spec = line.split("#")[0].split(";")[0].strip()
        if spec.lower().startswith(name.lower() + "=="):
            return spec.split("==", 1)[1].strip()
    raise SetupError(f"{lock.name} has no line for {name}")


# --- which PyTorch -----------------------------------------------------------------
@dataclass(frozen=True)
class TorchPlan:
    """How to install PyTorch: ``pip_args`` go before ``torch==VERSION``; ``why`` is
    told to the learner."""

    source: str  # "cpu-index", "default" or "skip"
    pip_args: tuple[str, ...]
    requirement: str
    why: str


def torch_plan(system: str, machine: str, version: str, reachable) -> TorchPlan:
    """Choose where PyTorch ``version`` comes from.

    Args:
        system: ``platform.system()``: "Linux", "Darwin", "Windows".
        machine: ``platform.machine()``: "x86_64", "arm64", "AMD64", ...
        version: the locked version, e.g. ``"2.13.0"``.
        reachable: a function of no arguments that says whether PyTorch's CPU index
            answers; called only on Linux, where the default index has the CUDA build.
    """
    machine = machine.lower()
    if system == "Darwin" and machine in {"x86_64", "amd64", "i386"}:
        raise SetupError(
            "PyTorch publishes no wheels for Intel Macs after version 2.2, so this "
            "set-up cannot install the course's PyTorch here. Open the course on Binder "
            "(the badge in README.md), or use conda: README.md, 'Other ways to run it'.")
    if system != "Linux":
        return TorchPlan("default", (), f"torch=={version}",
                         f"PyTorch {version} comes from the default index (a CPU build "
                         f"on {system})")
    if os.environ.get("SGDLAB_TORCH_INDEX", "").strip().lower() == "default":
        return TorchPlan("default", (), f"torch=={version}",
                         "PyTorch comes from the default index, as SGDLAB_TORCH_INDEX asks")
    if reachable():
        index = os.environ.get("SGDLAB_TORCH_INDEX", "").strip() or CPU_INDEX
        return TorchPlan("cpu-index", ("--index-url", index, "--extra-index-url", PYPI),
                         f"torch=={version}+cpu",
                         f"PyTorch {version}, CPU-only build, comes from {index}")
    return TorchPlan("default", (), f"torch=={version}",
                     f"PyTorch's CPU-only index ({CPU_INDEX}) could not be reached, so "
                     f"PyTorch {version} comes from the default index. On Linux that can "
                     "be the CUDA build (about 2.7 GB) unless a CPU wheel is at hand")


def index_reachable(url: str = CPU_INDEX, seconds: float = PROBE_SECONDS) -> bool:
    """Whether ``url`` answers within ``seconds`` (name look-up included; proxies from
    the environment are honoured, as pip honours them)."""
    answer: list[bool] = []

    def probe() -> None:
        try:
            request = urllib.request.Request(url.rstrip("/") + "/", method="HEAD")
            with urllib.request.urlopen(request, timeout=seconds):
                answer.append(True)
        except Exception:  # any failure at all means: not reachable
            answer.append(False)

    worker = threading.Thread(target=probe, daemon=True)
    worker.start()
    worker.join(seconds)
    return bool(answer and answer[0])


# --- the virtual environment -------------------------------------------------------
def _inputs_digest(extra: str) -> str:
    h = hashlib.sha256()
    # the project's folder too: a venv shared between checkouts (SGDLAB_VENV) must hold
    # this checkout's editable sgdlab, not another's
    for part in (SETUP_VERSION, extra, str(ROOT), (ROOT / "pyproject.toml").read_bytes(),
                 LOCK.read_bytes()):
        h.update(part if isinstance(part, bytes) else part.encode("utf-8"))
    return h.hexdigest()


def _runs(cmd: list, **kw) -> bool:
    try:
        return subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              timeout=120, **kw).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _remove_venv(env: Path, why: str) -> None:
    print(f"{why}: making it anew.", flush=True)
    if not (env / "pyvenv.cfg").exists() and any(env.iterdir()):
        raise SetupError(f"{env} exists but is not a virtual environment. Move it away "
                         "and run this command again.")
    shutil.rmtree(env)


def ensure_venv(env: Path | None = None) -> Path:
    """A virtual environment with a working pip in ``env`` (default: ``.venv``), made
    anew when a previous attempt was interrupted or broke. Returns its interpreter."""
    env = VENV if env is None else env
    python = venv_python(env)
    marker = env / ".sgdlab-venv"
    if env.exists():
        if not marker.exists():
            _remove_venv(env, f"{env.name}/ was left unfinished by an interrupted set-up")
        elif not _runs([python, "-m", "pip", "--version"]):
            _remove_venv(env, f"{env.name}/ is broken (its Python or pip does not run)")
    if not env.exists():
        print(f"Creating a virtual environment in {env} ...", flush=True)
        venv.create(env, with_pip=True)
        if not _runs([python, "-m", "pip", "--version"]):
            shutil.rmtree(env, ignore_errors=True)
            raise SetupError("The new virtual environment has no working pip. On Debian "
                             "and Ubuntu, install it with: sudo apt install python3-venv")
        marker.write_text(f"{sys.version.split()[0]}\n", encoding="utf-8")
    return python


def _pip(python: Path, *args: str) -> None:
    cmd = [str(python), "-m", "pip", "install", "--disable-pip-version-check", *args]
    result = subprocess.run(cmd, cwd=ROOT)
    if result.returncode != 0:
        raise SetupError(f"pip failed (exit {result.returncode}) on: {' '.join(args)}\n"
                         "Check the messages above; running the same command again "
                         "resumes the set-up.")


def torch_report(python: Path) -> str:
    """'PyTorch 2.13.0+cpu, CPU build, 720 MB installed' for the environment's torch."""
    code = (
        "import json, pathlib, torch\n"
        "site = pathlib.Path(torch.__file__).parents[1]\n"
        "size = sum(f.stat().st_size for d in site.iterdir()\n"
        "           if d.name == 'torch' or d.name.startswith(('nvidia', 'triton'))\n"
        "           for f in d.rglob('*') if f.is_file())\n"
        "print(json.dumps([torch.__version__, torch.version.cuda, size]))\n")
    out = subprocess.run([str(python), "-c", code], capture_output=True, text=True,
                         encoding="utf-8")
    if out.returncode != 0:
        return "PyTorch: not importable"
    version, cuda, size = json.loads(out.stdout)
    build = f"CUDA {cuda} build" if cuda else "CPU build"
    return f"PyTorch {version}, {build}, {size / 1e6:.0f} MB installed"


def ensure_environment(extra: str = "") -> Path:
    """Make sure ``.venv`` holds ``sgdlab[extra]`` at the locked versions; returns its
    interpreter. Nothing is done when an earlier run finished the same set-up."""
    major_minor = sys.version_info[:2]
    if major_minor > SUPPORTED[1]:
        print(f"Note: SGD Lab is tested on Python 3.11 to 3.14; this is "
              f"{platform.python_version()}.", flush=True)
    try:
        python = ensure_venv(VENV)
        stamp = VENV / f".installed-{extra or 'course'}"
        digest = _inputs_digest(extra)
        if stamp.exists() and stamp.read_text(encoding="utf-8").strip() == digest:
            if _runs([python, "-I", "-c", "import sgdlab"]):
                return python
            print("The environment is broken (sgdlab does not import): repairing it.",
                  flush=True)
        stamp.unlink(missing_ok=True)
        install(python, extra)
        stamp.write_text(digest + "\n", encoding="utf-8")
        return python
    except PermissionError as exc:
        raise SetupError(
            f"SGD Lab cannot write in {ROOT} ({exc.strerror}). Copy the course folder "
            "somewhere you can write, such as your home folder, and run it there."
        ) from None
    except OSError as exc:
        if exc.errno == 30:  # EROFS
            raise SetupError(
                f"SGD Lab cannot write in {ROOT}: it is on a read-only file system. Copy "
                "the course folder somewhere you can write and run it there.") from None
        raise


#: Import names of distributions whose module is named differently.
IMPORT_NAMES = {"scikit-learn": "sklearn", "pillow": "PIL", "pyyaml": "yaml"}


def dependencies() -> list[str]:
    """The distribution names pyproject.toml lists as sgdlab's dependencies."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    names = []
    for spec in project["project"].get("dependencies", []):
        name = spec
        for sep in "<>=!~[; ":
            name = name.split(sep)[0]
        names.append(name.strip().lower())
    return names


def install(python: Path, extra: str) -> None:
    """Install PyTorch (CPU-only where possible), then ``sgdlab[extra]``, all
    constrained to ``constraints.txt``; then check that everything fits and imports."""
    deps = dependencies()
    if "torch" in deps:
        version = locked_version("torch")
        plan = torch_plan(platform.system(), platform.machine(), version, index_reachable)
        print(f"{plan.why}.\nInstalling {plan.requirement} ...", flush=True)
        try:
            _pip(python, "-c", str(LOCK), *plan.pip_args, plan.requirement)
        except SetupError:
            if plan.source != "cpu-index":
                raise
            print("The CPU-only index failed part-way; trying the default index.",
                  flush=True)
            _pip(python, "-c", str(LOCK), f"torch=={version}")
    spec = f".[{extra}]" if extra else "."
    print(f"Installing SGD Lab and its dependencies ({spec}) ...", flush=True)
    _pip(python, "-c", str(LOCK), "-e", spec)
    check = subprocess.run([str(python), "-m", "pip", "check"], capture_output=True,
                           text=True, encoding="utf-8")
    if check.returncode != 0:
        raise SetupError("The installed packages do not fit together (pip check):\n"
                         + check.stdout + "Delete .venv/ and run this command again.")
    modules = ["sgdlab", *(IMPORT_NAMES.get(d, d.replace("-", "_")) for d in deps)]
    if not _runs([python, "-I", "-c", "import " + ", ".join(modules)]):
        raise SetupError("The course's packages were installed but do not import. "
                         "Delete .venv/ and run this command again.")
    if "torch" in deps:
        print(torch_report(python), flush=True)


# --- a class on JupyterHub -----------------------------------------------------------
def repo_folder(repo: str) -> str:
    """The folder a clone of ``repo`` gets: its last path part without ``.git``
    (``https://github.com/sgdlab/sgd-lab.git`` -> ``sgd-lab``)."""
    name = repo.rstrip("/").split("/")[-1].split(":")[-1]
    return name[:-4] if name.endswith(".git") else name


def classroom_link(hub: str, repo: str, branch: str = "main",
                   targetpath: str | None = None) -> str:
    """The nbgitpuller link that hands out the course on the JupyterHub at ``hub``.

    A student who opens it logs in, gets the course cloned from ``repo`` (``branch``)
    into the folder ``targetpath`` of their home (default: the repository's name without
    ``.git``), or later updates merged without overwriting their changes, and lands on
    ``notebooks/00_start_here.ipynb`` in JupyterLab. ``targetpath`` is always written
    into the link: nbgitpuller's own default keeps a ``.git`` ending, so the start page's
    path would not match the folder for such URLs.

    Raises:
        ValueError: ``hub`` is not an http(s) URL with a host, or ``repo``, ``branch``
            or ``targetpath`` is empty or (``targetpath``) not a plain relative folder.
    """
    parts = urllib.parse.urlsplit(hub.strip())
    if parts.scheme not in {"http", "https"} or not parts.netloc or parts.query:
        raise ValueError(f"hub must be the JupyterHub's http(s) address, such as "
                         f"https://hub.example.edu, not {hub!r}")
    if not repo.strip():
        raise ValueError("repo must be the course's git URL, not empty")
    if not branch.strip():
        raise ValueError("branch must name a branch of the repository, such as main")
    folder = repo_folder(repo.strip()) if targetpath is None else targetpath.strip()
    if not folder or folder.startswith(("/", "~")) or ".." in folder.split("/"):
        raise ValueError(f"targetpath must be a folder relative to the student's home, "
                         f"not {folder!r}")
    query = urllib.parse.urlencode({
        "repo": repo.strip(),
        "urlpath": f"lab/tree/{folder}/{START}",
        "branch": branch.strip(),
        "targetpath": folder,
    }, quote_via=urllib.parse.quote)
    path = parts.path.rstrip("/") + "/hub/user-redirect/git-pull"
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, query, ""))


#: configurable-http-proxy, JupyterHub's proxy, for the classroom test: an npm package,
#: locked in package-lock.json and installed into node_modules/ by ``npm ci``.
NODE_LOCK = ROOT / "package-lock.json"
PROXY = ROOT / "node_modules" / ".bin" / "configurable-http-proxy"
NODE_MISSING = ("tests/test_classroom.py starts JupyterHub, whose proxy "
                "(configurable-http-proxy) is a Node.js program: install Node.js 20 or "
                "newer with npm (Debian/Ubuntu: apt-get install nodejs npm), then run "
                "this command again, or run `npm ci` in the project folder.")


def ensure_node_tools() -> bool:
    """Install the locked npm packages (``npm ci``) unless this lock is installed
    already. Without npm, or when ``npm ci`` fails, say what to do and go on: the
    classroom test then fails with the same message; the rest of the suite runs."""
    if not NODE_LOCK.exists():
        return True
    stamp = ROOT / "node_modules" / ".sgdlab-installed"
    digest = hashlib.sha256(NODE_LOCK.read_bytes()).hexdigest()
    if (PROXY.exists() and stamp.exists()
            and stamp.read_text(encoding="utf-8").strip() == digest):
        return True
    npm = shutil.which("npm")
    if npm is None:
        print(f"Note: npm was not found. {NODE_MISSING}", flush=True)
        return False
    print("Installing the classroom test's Node.js tools (npm ci) ...", flush=True)
    try:
        result = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=ROOT,
                                timeout=600)
        ok = result.returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        ok = False
    if not ok or not PROXY.exists():
        print(f"Note: npm ci failed. {NODE_MISSING}", flush=True)
        return False
    stamp.write_text(digest + "\n", encoding="utf-8")
    return True


def classroom_link_main(argv: list[str]) -> int:
    """``course.py classroom-link``: print the link (nothing is installed for it)."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="course.py classroom-link",
        description="Print the nbgitpuller link that hands out SGD Lab on a JupyterHub "
                    "and opens its start page (deploy/README.md, 'Teaching a class').")
    parser.add_argument("--hub", required=True, help="the hub's address, e.g. "
                        "https://hub.example.edu")
    parser.add_argument("--repo", required=True, help="the course's git URL")
    parser.add_argument("--branch", default="main", help="the branch (default: main)")
    parser.add_argument("--targetpath", default=None, help="the folder in each student's "
                        "home (default: the repository's name)")
    args = parser.parse_args(argv)
    try:
        print(classroom_link(args.hub, args.repo, args.branch, args.targetpath))
    except ValueError as exc:
        parser.error(str(exc))
    return 0


# --- JupyterLab, offline and quiet --------------------------------------------------
SERVER_CONFIG = {
    "LabApp": {
        "extension_manager": "readonly",  # no PyPI look-ups for extensions
        "news_url": None,
        "check_for_updates_class": "jupyterlab.NeverCheckForUpdate",
    },
}
LAB_OVERRIDES = {
    "@jupyterlab/apputils-extension:notification": {
        "fetchNews": "false",  # no "official Jupyter news?" prompt, no request
        "checkForUpdates": False,
    },
    # the extension manager's panel: with the read-only manager it could only fail
    "@jupyterlab/extensionmanager-extension:plugin": {"enabled": False},
}


def lab_overrides(lang: str = "en") -> dict:
    """JupyterLab's settings overrides for the course in ``lang`` (``"en"``, ``"zh"``):
    the offline settings, and the interface's locale (its language pack for Chinese)."""
    locale = LANGUAGES[lang][1]
    return {**LAB_OVERRIDES, "@jupyterlab/translation-extension:plugin": {"locale": locale}}


def configure_jupyter(env: Path, lang: str = "en") -> None:
    """Write the environment's JupyterLab settings: no outbound requests, no prompts
    unrelated to the course, the interface in ``lang``. They live inside ``.venv`` and
    touch nothing of the learner's own Jupyter set-up."""
    server = env / "etc" / "jupyter" / "jupyter_lab_config.json"  # read by LabApp
    overrides = env / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    for path, content in ((server, SERVER_CONFIG), (overrides, lab_overrides(lang))):
        text = json.dumps(content, indent=2) + "\n"
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")


def lab_command(python: Path, workspace: Path, rest: list[str], lang: str = "en") -> list[str]:
    """The JupyterLab command line: the workspace as root, the start page of ``lang``
    open."""
    cmd = [str(python), "-m", "jupyterlab", f"--ServerApp.root_dir={workspace}",
           f"--LabApp.default_url=/lab/tree/{LANGUAGES[lang][0]}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # containers and classroom VMs run as root
    return cmd + rest


#: Most pytest-xdist workers ``course.py test`` starts, whatever the CPU count: each
#: runs its own notebook kernels, servers and browser (about 1 GB at its peak).
MAX_TEST_WORKERS = 4
#: Arguments by which the learner chooses how pytest runs, or debugs: left alone.
_OWN_RUNNER = ("-n", "--numprocesses", "--dist", "--pdb", "--trace", "no:xdist")


def pytest_args(rest: list[str], cpus: int | None = None) -> list[str]:
    """``course.py test``'s pytest arguments: the learner's ``rest``, after one
    pytest-xdist worker per CPU (at most :data:`MAX_TEST_WORKERS`) that takes whole files
    (``--dist loadfile``: a notebook's cells run in order, in one kernel). Nothing is
    added on one CPU, or when ``rest`` picks the workers itself (``-n 0`` runs in one
    process), turns xdist off (``-p no:xdist``) or debugs (``--pdb``, ``--trace``)."""
    cpus = (os.cpu_count() or 1) if cpus is None else cpus
    workers = min(cpus, MAX_TEST_WORKERS)
    own = any(arg.startswith(_OWN_RUNNER) for arg in rest)
    return list(rest) if own or workers < 2 else ["-n", str(workers), "--dist", "loadfile",
                                                   *rest]


def _replace_process(cmd: list[str]) -> int:
    """Run ``cmd`` in place of this process where the OS allows it, so that Ctrl-C or a
    terminate reaches it directly and nothing is left behind; elsewhere wait for it."""
    sys.stdout.flush()
    sys.stderr.flush()
    if os.name == "posix":
        os.execv(cmd[0], cmd)
    try:
        return subprocess.call(cmd)  # in the current folder, set by the caller
    except KeyboardInterrupt:
        return 130


def sync_workspace(python: Path, workspace: Path) -> None:
    result = subprocess.run([str(python), "-m", "sgdlab.workspace", "sync", str(ROOT),
                             str(workspace)], cwd=ROOT)
    if result.returncode != 0:
        raise SetupError(f"Could not prepare your workspace in {workspace}.")


def split_lang(args: list[str]) -> tuple[str, list[str]]:
    """Take ``--lang X`` (or ``--lang=X``) out of ``lab``'s arguments: returns the
    language (``"en"`` or ``"zh"``; ``"en"`` when not given) and the rest, which go to
    JupyterLab.

    Raises:
        SetupError: ``--lang`` without a value, or with a language the course lacks.
    """
    lang, rest, i = "en", [], 0
    while i < len(args):
        arg = args[i]
        if arg == "--lang" or arg.startswith("--lang="):
            if arg == "--lang":
                if i + 1 >= len(args):
                    raise SetupError("--lang needs a language: --lang zh (中文) or --lang en.")
                value, i = args[i + 1], i + 2
            else:
                value, i = arg.split("=", 1)[1], i + 1
            if value.strip().lower() not in LANGUAGE_ALIASES:
                raise SetupError(f"--lang must be zh (中文) or en (English); got {value!r}.")
            lang = LANGUAGE_ALIASES[value.strip().lower()]
            continue
        rest.append(arg)
        i += 1
    return lang, rest


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "help"
    rest = argv[1:]
    if command == "classroom-link":
        return classroom_link_main(rest)
    if command not in {"lab", "test", "fresh", "site"}:
        print(__doc__)
        return 0 if command in {"help", "-h", "--help"} else 2
    try:
        if command == "test":
            python = ensure_environment("test")
            ensure_node_tools()
            os.chdir(ROOT)
            return _replace_process([str(python), "-m", "pytest", *pytest_args(rest)])
        if command == "site":
            python = ensure_environment("site")
            os.chdir(ROOT)
            return _replace_process([str(python), str(ROOT / "scripts" / "build_site.py"),
                                     *rest])
        lang, rest = split_lang(rest) if command == "lab" else ("en", rest)
        python = ensure_environment(LANGUAGES[lang][2])
        if command == "fresh":
            if len(rest) != 1:
                raise SetupError("Usage: course.py fresh notebooks/01_gradient_descent.ipynb")
            return subprocess.call([str(python), "-m", "sgdlab.workspace", "fresh",
                                    str(ROOT), str(WORKSPACE), rest[0]], cwd=ROOT)
        configure_jupyter(VENV, lang)
        sync_workspace(python, WORKSPACE)
        print(f"Your notebooks are in {WORKSPACE}; the course's own copies are never "
              "changed by your work.", flush=True)
        os.chdir(WORKSPACE)
        return _replace_process(lab_command(python, WORKSPACE, rest, lang))
    except SetupError as exc:
        print(f"\n{exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nInterrupted. Run the same command again: the set-up picks up where it "
              "stopped.", file=sys.stderr)
        return 130
