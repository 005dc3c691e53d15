"""`course.py lab` as a learner gets it: the workspace as the server's root, the start
page and every link from it opening, root allowed, and no connection leaving the machine.

The server runs with an audit hook (``sys.addaudithook``) that records, and blocks
before any packet is sent, every name look-up or connection to a host other than this
machine. A control run shows that the hook does catch such a look-up.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from sgdlab import workspace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import course_setup  # noqa: E402

HOOK = r'''
import os, sys
LOG = os.environ["SGDLAB_NET_LOG"]
LOCAL = {None, "", "localhost", "127.0.0.1", "::1", "0.0.0.0", "::", "ip6-localhost"}

def local(host):
    if isinstance(host, bytes):
        host = host.decode()
    return host in LOCAL or (isinstance(host, str) and host.startswith("127."))

def hook(event, args):
    host = None
    if event == "socket.getaddrinfo":
        host = args[0]
    elif event in ("socket.connect", "socket.sendto") and isinstance(args[1], tuple):
        host = args[1][0]
    else:
        return
    if not local(host):
        with open(LOG, "a", encoding="utf-8") as f:
            f.write(f"{event} {host}\n")
        raise OSError(f"blocked by the test: {event} {host}")

sys.addaudithook(hook)
'''


@pytest.fixture
def net_hook(tmp_path: Path) -> dict[str, str]:
    """Environment variables that load the audit hook into every Python started."""
    hook_dir = tmp_path / "hook"
    hook_dir.mkdir()
    (hook_dir / "sitecustomize.py").write_text(HOOK, encoding="utf-8")
    log = tmp_path / "net.log"
    log.write_text("", encoding="utf-8")
    return {"PYTHONPATH": os.pathsep.join([str(hook_dir), os.environ.get("PYTHONPATH", "")]),
            "SGDLAB_NET_LOG": str(log)}


def test_the_hook_catches_and_blocks_an_outbound_lookup(net_hook):
    code = "import socket\ntry:\n    socket.getaddrinfo('pypi.org', 443)\nexcept OSError:\n" \
           "    print('blocked')\n"
    out = subprocess.run([sys.executable, "-c", code], env={**os.environ, **net_hook},
                         capture_output=True, text=True, encoding="utf-8")
    assert out.stdout.strip() == "blocked"
    assert Path(net_hook["SGDLAB_NET_LOG"]).read_text(encoding="utf-8").split() == [
        "socket.getaddrinfo", "pypi.org"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, token: str, follow: bool = True) -> tuple[int, str, dict]:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(*([] if follow else [NoRedirect()]))
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.read().decode("utf-8"), dict(response.headers)
    except urllib.error.HTTPError as err:
        return err.code, "", dict(err.headers)


def relative_links(notebook: dict) -> list[str]:
    text = "\n".join("".join(c["source"]) for c in notebook["cells"]
                     if c["cell_type"] == "markdown")
    found = re.findall(r"\]\(([^)\s]+)\)", text)
    return [t for t in found if not re.match(r"^[a-z]+:", t) and not t.startswith("#")]


def test_lab_serves_the_whole_course_offline(tmp_path, net_hook):
    work = tmp_path / "my-work"
    workspace.sync(ROOT, work)
    course_setup.configure_jupyter(Path(sys.prefix))  # what course.py lab does to .venv
    port, token = free_port(), secrets.token_hex(16)
    env = {**os.environ, **net_hook,
           "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
           "JUPYTER_DATA_DIR": str(tmp_path / "data"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces")}
    cmd = course_setup.lab_command(Path(sys.executable), work, [
        "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}"])
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        assert "--allow-root" in cmd  # without it JupyterLab refuses to start as root
    log = open(tmp_path / "server.log", "w", encoding="utf-8")  # noqa: SIM115
    server = subprocess.Popen(cmd, cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if get(f"{base}/api/status", token)[0] == 200:
                    break
            except OSError:
                pass
            assert server.poll() is None, (tmp_path / "server.log").read_text("utf-8")
            assert time.monotonic() < deadline, "JupyterLab did not answer in 120 s"
            time.sleep(0.5)

        status, _, headers = get(f"{base}/", token, follow=False)
        assert status in (301, 302) and headers["Location"].rstrip("?").endswith(
            "/lab/tree/notebooks/00_start_here.ipynb")
        assert get(f"{base}/lab/tree/notebooks/00_start_here.ipynb", token)[0] == 200

        status, body, _ = get(f"{base}/api/contents", token)
        names = {item["name"] for item in json.loads(body)["content"]}
        assert {"notebooks", "exercises"} <= names

        status, body, _ = get(f"{base}/api/contents/notebooks/00_start_here.ipynb", token)
        start = json.loads(body)["content"]
        targets = relative_links(start)
        assert len(targets) >= 10
        for target in targets:
            path = os.path.normpath(os.path.join("notebooks", target)).replace(os.sep, "/")
            assert get(f"{base}/api/contents/{path}?content=0", token)[0] == 200, target

        # what the page asks for at start-up, where a default JupyterLab goes online
        assert get(f"{base}/lab/api/news", token)[0] in (200, 204)
        status, body, _ = get(f"{base}/lab/api/extensions", token)
        assert status == 200, (tmp_path / "server.log").read_text("utf-8")[-3000:]
        status, body, _ = get(
            f"{base}/lab/api/settings/@jupyterlab/apputils-extension:notification", token)
        schema = json.loads(body)["schema"]["properties"]
        assert schema["fetchNews"]["default"] == "false", "overrides.json was not applied"
    finally:
        server.send_signal(signal.SIGTERM if os.name == "posix" else signal.CTRL_BREAK_EVENT)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
    assert Path(net_hook["SGDLAB_NET_LOG"]).read_text(encoding="utf-8") == "", (
        "JupyterLab looked up or connected to another host")
