"""A JupyterHub classroom on loopback, for tests/test_classroom.py.

``start_hub`` runs the real JupyterHub (DummyAuthenticator, SimpleLocalProcessSpawner)
with configurable-http-proxy from ``node_modules/``; ``Student`` is one learner who logs
in over HTTP, starts a server, opens the nbgitpuller link and edits notebooks through
the Contents API; ``stop_everything`` ends the hub, the proxy, every single-user server
and kernel (each carries a marker in its environment) and returns what would not die.
``work_lost`` and ``update_missing`` are the assertion helpers: they list what a pull
destroyed or failed to bring.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import course_setup  # noqa: E402

PROXY = course_setup.PROXY
DEPLOY_CONFIG = ROOT / "deploy" / "jupyterhub_config.py"  # the guide's, loaded first
MARK = "SGDLAB_CLASSROOM_RUN"  # every process of one classroom run carries it
TIMEOUT = 30.0  # seconds, for one HTTP request
GIT_ID = ["-c", "user.name=Instructor", "-c", "user.email=instructor@example.edu"]


class ClassroomError(AssertionError):
    """The classroom could not be set up or a step failed; the text says which."""


def proxy_command() -> list[str]:
    """configurable-http-proxy's command, or a ClassroomError saying how to get it."""
    if not PROXY.exists():
        where = "Node.js is not installed" if shutil.which("node") is None else \
            f"{PROXY.relative_to(ROOT)} does not exist"
        raise ClassroomError(f"{where}. {course_setup.NODE_MISSING}")
    return [str(PROXY)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def git(*args: str, cwd: Path | None = None) -> str:
    result = subprocess.run(["git", *GIT_ID, *args], cwd=cwd, capture_output=True,
                            text=True, encoding="utf-8", timeout=120)
    if result.returncode != 0:
        raise ClassroomError(f"git {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


def course_repository(folder: Path, source: Path = ROOT) -> Path:
    """A bare repository ``folder/sgd-lab.git`` whose ``main`` is ``source``'s HEAD (the
    last commit only), served to the students as ``file://``."""
    if subprocess.run(["git", "-C", str(source), "rev-parse", "HEAD"],
                      capture_output=True).returncode != 0:
        raise ClassroomError(f"{source} is not a git checkout with a commit: the classroom "
                             "test serves the course from its HEAD")
    bare = folder / "sgd-lab.git"
    git("init", "--quiet", "--bare", "--initial-branch=main", str(bare))
    git("fetch", "--quiet", "--depth=1", source.as_uri(), "HEAD:refs/heads/main", cwd=bare)
    return bare


# --- the hub ---------------------------------------------------------------------------
@dataclass
class Hub:
    """A running JupyterHub: ``url`` is the proxy's public address (ends in ``/``)."""

    url: str
    token: str  # the instructor service's API token (admin of users and servers)
    process: subprocess.Popen
    folder: Path
    marker: str
    users: tuple[str, ...]

    @property
    def log(self) -> Path:
        return self.folder / "jupyterhub.log"

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def api(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"token {self.token}"}
        return requests.request(method, f"{self.url}hub/api/{path}", headers=headers,
                                timeout=TIMEOUT, **kwargs)


HUB_CONFIG = """\
# written by tests/classroom_support.py for one classroom run: the guide's one-server
# config, then what a test on loopback needs instead of a real login and real users
c = get_config()  # noqa: F821
load_subconfig({deploy_config!r})  # noqa: F821
c.JupyterHub.bind_url = "http://127.0.0.1:{proxy_port}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{api_port}"
c.ConfigurableHTTPProxy.command = {proxy!r}
c.ConfigurableHTTPProxy.pid_file = {proxy_pid!r}
c.JupyterHub.db_url = "sqlite:///{db}"
c.JupyterHub.cookie_secret_file = {secret!r}
c.JupyterHub.pid_file = {hub_pid!r}
c.JupyterHub.cleanup_servers = True
# answer "started"/"stopping" at once (202) instead of holding the request up to 10 s
c.JupyterHub.tornado_settings = {{"slow_spawn_timeout": 0, "slow_stop_timeout": 0}}
c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allowed_users = {users!r}
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = {homes!r} + "/{{username}}"
c.Spawner.cmd = [{python!r}, "-m", "jupyterhub.singleuser"]
c.Spawner.args = {server_args!r}
c.Spawner.ip = "127.0.0.1"
c.Spawner.environment = {{**c.Spawner.environment, {mark!r}: {marker!r}}}
c.JupyterHub.services = [{{"name": "instructor", "api_token": {token!r}}}]
c.JupyterHub.load_roles = [{{
    "name": "instructor",
    "scopes": ["admin:users", "admin:servers", "list:users", "read:users"],
    "services": ["instructor"],
}}]
"""


def start_hub(folder: Path, users: tuple[str, ...], marker: str,
              timeout: float = 90.0) -> Hub:
    """Start JupyterHub in ``folder`` (its database, log and the students' homes live
    there) for the allowed ``users``; return once the hub answers through the proxy."""
    proxy = proxy_command()
    folder.mkdir(parents=True, exist_ok=True)
    ports = {name: free_port() for name in ("proxy_port", "hub_port", "api_port")}
    token = secrets.token_hex(16)
    root = hasattr(os, "geteuid") and os.geteuid() == 0
    config = HUB_CONFIG.format(
        **ports, proxy=proxy, proxy_pid=str(folder / "proxy.pid"), db=folder / "hub.sqlite",
        secret=str(folder / "cookie_secret"), hub_pid=str(folder / "hub.pid"),
        users=set(users), homes=str(folder / "homes"), python=sys.executable,
        server_args=["--ServerApp.allow_root=True"] if root else [], mark=MARK,
        marker=marker, token=token, deploy_config=str(DEPLOY_CONFIG))
    (folder / "jupyterhub_config.py").write_text(config, encoding="utf-8")
    env = dict(os.environ, **{MARK: marker})
    log = (folder / "jupyterhub.log").open("w", encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyterhub", "-f", str(folder / "jupyterhub_config.py")],
        cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    log.close()
    hub = Hub(f"http://127.0.0.1:{ports['proxy_port']}/", token, process, folder, marker,
              users)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ClassroomError(f"JupyterHub exited ({process.returncode}):\n{hub.log_tail()}")
        try:
            if requests.get(f"{hub.url}hub/api/", timeout=5).status_code == 200:
                return hub
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise ClassroomError(f"JupyterHub did not answer within {timeout:.0f} s:\n{hub.log_tail()}")


def marked_processes(marker: str) -> list[psutil.Process]:
    """Every live process whose environment carries this run's marker."""
    found = []
    for proc in psutil.process_iter():
        try:
            if proc.status() != psutil.STATUS_ZOMBIE and proc.environ().get(MARK) == marker:
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return found


def stop_servers(hub: Hub, timeout: float = 30.0) -> bool:
    """Ask the hub to stop every student's server, as an instructor does at the end of
    a class; wait until none runs. Returns whether they all stopped in time."""
    try:
        for user in hub.users:
            hub.api("DELETE", f"users/{user}/server")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            users = hub.api("GET", "users").json()
            if not any(u.get("servers") for u in users):
                return True
            time.sleep(0.5)
    except (requests.RequestException, ValueError):
        pass
    return False


def stop_everything(hub: Hub | None, marker: str) -> list[str]:
    """Stop the students' servers through the hub, then the hub (its process group:
    the hub and what it did not detach), then kill whatever still carries the marker
    (proxy, servers and kernels run in sessions of their own). Returns the processes
    still alive afterwards, as text; never raises."""
    if hub is not None and hub.process.poll() is None:
        stop_servers(hub)
        try:
            os.killpg(hub.process.pid, signal.SIGTERM)
            hub.process.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
    if hub is not None:
        try:
            os.killpg(hub.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            hub.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
    for sig in (signal.SIGTERM, signal.SIGKILL):
        left = marked_processes(marker)
        for proc in left:
            try:
                proc.send_signal(sig)
            except psutil.NoSuchProcess:
                pass
        psutil.wait_procs(left, timeout=5)
    return [f"{p.pid} {' '.join(p.cmdline()[:4])}" for p in marked_processes(marker)]


# --- a student -------------------------------------------------------------------------
BODY_DATA = re.compile(r'data-([a-z-]+)="([^"]*)"')


@dataclass
class Student:
    """One learner: logs in, starts a server, follows links, edits notebooks."""

    hub: Hub
    name: str
    browser: requests.Session = field(default_factory=requests.Session)
    token: str = ""
    pulls: list[list[str]] = field(default_factory=list)  # each pull's git output

    @property
    def server(self) -> str:
        return f"{self.hub.url}user/{self.name}/"

    def log_in(self, password: str = "any") -> None:
        """Log in twice over HTTP, as a learner's browser and scripts would: the REST
        API gives an API token for the username and password; the login form gives the
        browser its session cookie."""
        answer = requests.post(f"{self.hub.url}hub/api/users/{self.name}/tokens",
                               json={"auth": {"username": self.name, "password": password},
                                     "note": "classroom test", "expires_in": 3600},
                               timeout=TIMEOUT)
        _expect(answer, 201, f"{self.name} asks the hub's API for a token")
        self.token = answer.json()["token"]
        self.browser.get(f"{self.hub.url}hub/login", timeout=TIMEOUT)
        form = {"username": self.name, "password": password,
                "_xsrf": self.browser.cookies.get("_xsrf", "")}
        answer = self.browser.post(f"{self.hub.url}hub/login", data=form, timeout=TIMEOUT,
                                   allow_redirects=False)
        _expect(answer, 302, f"{self.name} logs in through the hub's login form")

    def api(self, method: str, url: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"token {self.token}"}
        return requests.request(method, url, headers=headers, timeout=TIMEOUT, **kwargs)

    def start_server(self, timeout: float = 90.0) -> None:
        answer = self.api("POST", f"{self.hub.url}hub/api/users/{self.name}/server")
        if answer.status_code not in (201, 202):
            _expect(answer, 201, f"{self.name} starts a server")

    def wait_until_ready(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            model = self.api("GET", f"{self.hub.url}hub/api/users/{self.name}").json()
            server = model.get("servers", {}).get("")
            if server and server.get("ready"):
                return
            time.sleep(0.5)
        raise ClassroomError(f"{self.name}'s server was not ready within {timeout:.0f} s:\n"
                             f"{self.hub.log_tail()}")

    def open_link(self, link: str) -> str:
        """Follow an nbgitpuller link as a browser does: the hub sends the browser to the
        student's server, whose status page's script (nbgitpuller's gitsync.js) calls
        ``git-pull/api`` with the page's data and, once the stream says ``finished``,
        goes to the page's target. Returns that target's URL after checking it answers."""
        page = self.browser.get(link, timeout=TIMEOUT)
        _expect(page, 200, f"{self.name} opens the nbgitpuller link")
        if f"/user/{self.name}/git-pull" not in page.url:
            raise ClassroomError(f"the link led {self.name} to {page.url}, not to the "
                                 "git-pull page of their server")
        data = {k: urllib.parse.unquote(v) for k, v in BODY_DATA.findall(page.text)}
        params = {"_xsrf": data["xsrf"], "repo": data["repo"],
                  "targetpath": data["targetpath"]}
        params.update({k: data[k] for k in ("depth", "branch", "backup") if k in data})
        base = urllib.parse.urljoin(page.url, data["base-url"])
        output, phase = [], None
        with self.browser.get(f"{base}git-pull/api", params=params, stream=True,
                              timeout=120) as stream:
            _expect(stream, 200, f"{self.name}'s pull")
            for line in stream.iter_lines(decode_unicode=True):
                if not line or not line.startswith("data:"):
                    continue
                event = json.loads(line[5:])
                phase = event.get("phase")
                if "output" in event:
                    output.append(event["output"])
                if phase in ("finished", "error"):
                    break
        self.pulls.append(output)
        if phase != "finished":
            raise ClassroomError(f"{self.name}'s pull ended in {phase!r}:\n{''.join(output)}")
        target = base + data["path"]
        answer = self.browser.get(target, timeout=TIMEOUT)
        _expect(answer, 200, f"{self.name} lands on {data['path']}")
        return answer.url

    def contents(self, path: str) -> dict:
        """The Contents API's model of ``path`` (relative to the home), with content."""
        answer = self.api("GET", f"{self.server}api/contents/{path}",
                          params={"content": "1"})
        _expect(answer, 200, f"{self.name} reads {path}")
        return answer.json()

    def save_notebook(self, path: str, nb: dict) -> None:
        answer = self.api("PUT", f"{self.server}api/contents/{path}",
                          json={"type": "notebook", "format": "json", "content": nb})
        _expect(answer, 201 if answer.status_code == 201 else 200,  # 201: a new file
                f"{self.name} saves {path}")


def _expect(answer: requests.Response, status: int, what: str) -> None:
    if answer.status_code != status:
        raise ClassroomError(f"{what}: HTTP {answer.status_code} from {answer.url} "
                             f"(expected {status}):\n{answer.text[:500]}")


# --- notebooks as cells ------------------------------------------------------------------
def source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def cells(nb: dict) -> dict[str, str]:
    """cell id -> source."""
    return {cell["id"]: source(cell) for cell in nb["cells"]}


def set_cell(nb: dict, cell_id: str, text: str) -> None:
    for cell in nb["cells"]:
        if cell["id"] == cell_id:
            cell["source"] = text
            return
    raise KeyError(f"no cell {cell_id!r}")


def answer_task(cell_text: str, body: str) -> str:
    """A task cell with its ``raise NotImplementedError(...)`` line replaced by
    ``body`` (indented like that line), as a student fills it in."""
    lines = cell_text.splitlines()
    (i,) = [k for k, line in enumerate(lines) if "raise NotImplementedError" in line]
    indent = lines[i][:len(lines[i]) - len(lines[i].lstrip())]
    return "\n".join(lines[:i] + [indent + b for b in body.splitlines()] + lines[i + 1:])


def read_notebook(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def renamed_copies(path: Path) -> list[Path]:
    """Where nbgitpuller moves a student's file that an update adds under the same
    name: ``<stem>__<YYYYmmddHHMMSS><suffix>`` beside it."""
    return sorted(path.parent.glob(f"{path.stem}__[0-9]*{path.suffix}"))


def work_lost(saved: dict[str, dict[str, str]], folder: Path) -> list[str]:
    """What a student saved and no longer has. ``saved`` maps a notebook's path
    (relative to ``folder``) to {cell id: the source the student saved}. A cell counts
    as kept when the notebook at that path, or a copy nbgitpuller renamed aside, holds
    exactly that source. Returns one line per lost cell or notebook."""
    lost = []
    for rel, wanted in saved.items():
        candidates = [folder / rel, *renamed_copies(folder / rel)]
        found = [cells(read_notebook(p)) for p in candidates if p.exists()]
        if not found:
            lost.append(f"{rel}: gone")
            continue
        for cell_id, text in wanted.items():
            if not any(c.get(cell_id) == text for c in found):
                lost.append(f"{rel}: cell {cell_id} no longer holds what was saved")
    return lost


def update_missing(update: dict[str, dict[str, str]], folder: Path,
                   kept_by_student: set[tuple[str, str]] = frozenset()) -> list[str]:
    """What an instructor's update should have brought into ``folder`` and did not.
    ``update`` maps a notebook's path to {cell id: the instructor's new source};
    ``kept_by_student`` lists (path, cell id) pairs where the student's own edit of the
    same lines wins (nbgitpuller's rule for conflicts), so they are not expected."""
    missing = []
    for rel, wanted in update.items():
        path = folder / rel
        if not path.exists():
            missing.append(f"{rel}: not there")
            continue
        have = cells(read_notebook(path))
        for cell_id, text in wanted.items():
            if (rel, cell_id) not in kept_by_student and have.get(cell_id) != text:
                missing.append(f"{rel}: cell {cell_id} lacks the update")
    return missing
