"""Support for tests/test_browser.py: a throwaway JupyterLab server and a notebook driver.

The server runs on a free loopback port with a random token, from a temporary copy of
the course (so nothing the browser does can touch the committed notebooks), with its
own config, data, runtime, settings and workspace folders (so the user's JupyterLab
settings cannot interfere). :class:`JupyterLab` drives notebooks in a Playwright page
the way a learner would: File > Open from Path, Run > Run All Cells, wait, move every
control of every explorer, and list everything that went wrong.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "artifacts" / "browser"

# Debian's Chromium (the CI installs it); Playwright's own browser download is not used.
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# JupyterLab user settings for the test server: no news or update toasts, no autosave,
# and every cell kept in the page (the default windowing detaches cells scrolled out of
# view, and a detached widget cannot be checked).
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification": {
        "fetchNews": "false", "checkForUpdates": False, "doNotDisturbMode": True,
    },
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
}


def _error_statuses() -> tuple[str, ...]:
    """The explorers' "could not be drawn" status (sgdlab.widgets.base.Explorer) in every
    language sgdlab speaks (the Chinese notebooks show it in Chinese)."""
    from sgdlab.i18n import LANGUAGES, _, speaking

    out = []
    for lang in LANGUAGES:
        with speaking(lang):
            text = _("This setting could not be drawn: {error}")
        out.append(text.split("{error}")[0].rstrip(" :："))
    return tuple(out)


ERROR_STATUSES = _error_statuses()
# Text that means a widget did not render, or an explorer callback failed.
WIDGET_FAILURES = (
    "Error displaying widget",
    "A Jupyter widget could not be displayed",
    "Error rendering output item",
    *ERROR_STATUSES,  # the error status of an sgdlab Explorer, in English and Chinese
)
LOADING_WIDGET = "Loading widget..."

#: The Chinese pages the browser test opens too: the start page `course.py lab --lang zh`
#: opens, and the first notebook with an explorer (its status line in Chinese). The other
#: Chinese notebooks run the same code cells as the English ones, under nbval.
CHINESE_NOTEBOOKS = ("notebooks/zh/00_start_here.ipynb", "notebooks/zh/01_gradient_descent.ipynb")


def _is_error_status(status: str) -> bool:
    return any(text in status for text in ERROR_STATUSES)


# A stderr output is a failure when it carries a traceback or a named error or warning.
STDERR_FAILURE = re.compile(r"Traceback|\b\w*(Error|Exception|Warning)\b")


def find_chromium() -> str | None:
    """Path of an installed Chromium, or None."""
    for path in CHROMIUM_CANDIDATES:
        if os.access(path, os.X_OK):
            return path
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def course_notebooks(root: Path = ROOT) -> list[str]:
    """The notebooks the browser test opens, relative to ``root`` (posix paths)."""
    paths = sorted(root.glob("notebooks/*.ipynb")) + sorted(
        root.glob("exercises/solutions/*.ipynb"))
    paths += [root / rel for rel in CHINESE_NOTEBOOKS if (root / rel).exists()]
    return [p.relative_to(root).as_posix() for p in paths]


def copy_course(dest: Path, root: Path = ROOT) -> None:
    """Copy ``notebooks/`` and ``exercises/`` (whatever files they need) into ``dest``."""
    ignore = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")
    for name in ("notebooks", "exercises"):
        if (root / name).is_dir():
            shutil.copytree(root / name, dest / name, ignore=ignore)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LabServer:
    """A running ``jupyter lab``; :meth:`stop` always ends it."""

    process: subprocess.Popen
    port: int
    token: str
    root: Path
    log_path: Path
    _log: object = field(repr=False, default=None)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        """Browser URL of a notebook, with the token (the first visit logs in)."""
        return f"{self.base_url}/lab/tree/{path}?reset&token={self.token}"

    def api(self, method: str, path: str, timeout: float = 10.0):
        """Call the server's REST API; returns the decoded JSON (or None)."""
        request = urllib.request.Request(
            f"{self.base_url}/api/{path}", method=method,
            headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self) -> None:
        """End every session and kernel (each notebook starts with a fresh kernel)."""
        for session in self.api("GET", "sessions"):
            self.api("DELETE", f"sessions/{session['id']}")
        for kernel in self.api("GET", "kernels"):
            self.api("DELETE", f"kernels/{kernel['id']}")

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def stop(self, timeout: float = 15.0) -> None:
        """Terminate the server (it shuts its kernels down), then kill it if it hangs."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=timeout)
        if self._log is not None:
            self._log.close()


def write_lab_settings(settings_dir: Path) -> None:
    for plugin, values in LAB_SETTINGS.items():
        path = settings_dir / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


def start_lab(root: Path, home: Path, timeout: float = 90.0) -> LabServer:
    """Start ``jupyter lab`` serving ``root``, with all Jupyter state under ``home``.

    Waits (at most ``timeout`` seconds) until ``/api/status`` answers. Raises
    RuntimeError with the end of the server log when it does not come up.
    """
    dirs = {name: home / name for name in
            ("config", "data", "runtime", "settings", "workspaces", "ipython")}
    for path in dirs.values():
        path.mkdir(parents=True, exist_ok=True)
    write_lab_settings(dirs["settings"])
    env = dict(os.environ)
    env.update(
        JUPYTER_CONFIG_DIR=str(dirs["config"]),
        JUPYTER_DATA_DIR=str(dirs["data"]),
        JUPYTER_RUNTIME_DIR=str(dirs["runtime"]),
        JUPYTERLAB_SETTINGS_DIR=str(dirs["settings"]),
        JUPYTERLAB_WORKSPACES_DIR=str(dirs["workspaces"]),
        IPYTHONDIR=str(dirs["ipython"]),
        PYDEVD_DISABLE_FILE_VALIDATION="1",
    )
    env.pop("JUPYTER_PATH", None)
    env.pop("JUPYTER_CONFIG_PATH", None)
    token = secrets.token_hex(24)
    log_path = home / "jupyter-server.log"
    last_error = "no attempt"
    for _attempt in range(3):  # a free port can be taken between picking and binding
        port = free_port()
        log = open(log_path, "w", encoding="utf-8")  # closed by LabServer.stop
        process = subprocess.Popen(
            [sys.executable, "-m", "jupyter", "lab", "--no-browser",
             "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
             "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
             f"--ServerApp.root_dir={root}", "--allow-root",
             "--LabApp.news_url=", "--LabApp.extension_manager=readonly",
             "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
            cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL)
        server = LabServer(process, port, token, root, log_path, log)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and process.poll() is None:
            try:
                server.api("GET", "status", timeout=2.0)
                return server
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as exc:
                last_error = repr(exc)
                time.sleep(0.25)
        tail = server.log_tail()
        server.stop()
        last_error = f"{last_error}\n--- server log ---\n{tail}"
        if "address already in use" not in tail.lower():
            break
    raise RuntimeError(f"jupyter lab did not answer within {timeout:.0f} s: {last_error}")


# --- in-page JavaScript -------------------------------------------------------------
# The notebook is the one in the current (visible) notebook panel.
_NOTEBOOK = "document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook')"

# The state of the page: current tab, kernel status, dialogs, code cells' prompts.
JS_STATE = """() => {
  const nb = CURRENT_NOTEBOOK;
  const tab = document.querySelector('.lm-DockPanel .lm-TabBar-tab.lm-mod-current');
  const kernel = [...document.querySelectorAll('.jp-StatusBar-TextItem')]
      .map(e => e.innerText).find(t => t.includes(' | ')) || '';
  const dialogs = [...document.querySelectorAll('.jp-Dialog')].map(e => e.innerText);
  const state = {tab: tab ? tab.innerText.trim() : '', kernel, dialogs, ready: !!nb,
                 cells: []};
  if (!nb) return state;
  [...nb.querySelectorAll('.jp-Cell')].forEach((cell, i) => {
    if (!cell.classList.contains('jp-CodeCell')) return;
    state.cells.push({
      index: i + 1,
      prompt: ((cell.querySelector('.jp-InputArea-prompt') || {}).innerText || '').trim(),
      empty: !((cell.querySelector('.cm-content') || {}).innerText || '').trim(),
    });
  });
  state.errors = nb.querySelectorAll('[data-mime-type="application/vnd.jupyter.stderr"],'
      + '[data-mime-type="application/vnd.jupyter.error"]').length;
  return state;
}""".replace("CURRENT_NOTEBOOK", _NOTEBOOK)

# Everything in the notebook that looks like an error, as [where, kind, text] triples.
JS_PROBLEMS = """([failures, loading]) => {
  const nb = CURRENT_NOTEBOOK;
  if (!nb) return [['page', 'missing', 'no notebook is shown']];
  const found = [];
  const short = t => t.replace(/\\s+/g, ' ').trim().slice(0, 500);
  [...nb.querySelectorAll('.jp-Cell')].forEach((cell, i) => {
    const prompt = ((cell.querySelector('.jp-InputArea-prompt') || {}).innerText || '')
        .trim().replace(/:$/, '');
    const where = `cell ${i + 1} ${prompt}`.trim();
    for (const out of cell.querySelectorAll('.jp-OutputArea-output')) {
      const mime = out.dataset.mimeType || '';
      const text = out.innerText || '';
      if (mime === 'application/vnd.jupyter.error') found.push([where, 'error', short(text)]);
      if (mime === 'application/vnd.jupyter.stderr') found.push([where, 'stderr', short(text)]);
      if (mime === 'text/plain' && /^\\s*[VH]Box\\(children=/.test(text))
        found.push([where, 'widget shown as text (no widget manager)', short(text)]);
      for (const f of failures) if (text.includes(f)) found.push([where, f, short(text)]);
      if (text.includes(loading)) found.push([where, 'widget never rendered', loading]);
    }
    for (const bad of cell.querySelectorAll('.jp-mod-error'))
      found.push([where, 'marked as error', short(bad.innerText || bad.className)]);
  });
  for (const d of document.querySelectorAll('.jp-Dialog'))
    found.push(['page', 'dialog open', short(d.innerText)]);
  return found;
}""".replace("CURRENT_NOTEBOOK", _NOTEBOOK)

# Tag each explorer (an outermost widget VBox holding an image and controls) with
# data-explorer=i, so that Playwright can find it again; returns how many there are.
JS_TAG_EXPLORERS = """() => {
  const nb = CURRENT_NOTEBOOK;
  if (!nb) return 0;
  for (const old of document.querySelectorAll('[data-explorer]'))
    old.removeAttribute('data-explorer');
  const boxes = [...nb.querySelectorAll('.jp-OutputArea-output .widget-vbox')].filter(box =>
      box.querySelector('img') && box.querySelector('.widget-slider, .widget-dropdown, '
                                                    + '.widget-checkbox')
      && !box.parentElement.closest('.widget-vbox'));
  boxes.forEach((box, i) => box.setAttribute('data-explorer', String(i)));
  return boxes.length;
}""".replace("CURRENT_NOTEBOOK", _NOTEBOOK)

# SHA-256 of the PNG an explorer shows (null while no image is loaded).
JS_IMAGE_DIGEST = """async (box) => {
  const img = box.querySelector('img');
  if (!img || !img.src || !img.complete || img.naturalWidth === 0) return null;
  try {
    const bytes = await (await fetch(img.src)).arrayBuffer();
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
    return [...digest].map(b => b.toString(16).padStart(2, '0')).join('');
  } catch (e) { return null; }
}"""

# What the explorer's image element looks like, for failure messages.
JS_IMAGE_STATE = """(box) => {
  const img = box.querySelector('img');
  return img ? `src=${(img.src || '').slice(0, 60)} complete=${img.complete} `
               + `naturalWidth=${img.naturalWidth}` : 'no img element';
}"""

# Scroll the notebook to its top; return how much taller than its window it is.
JS_SCROLL_TOP = """() => {
  const s = document.querySelector(
      '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer');
  if (!s) return 0;
  s.scrollTop = 0;
  return s.scrollHeight - s.clientHeight;
}"""


def _ran(cell: dict) -> bool:
    return bool(re.fullmatch(r"\[\d+\]:?", cell["prompt"]))


class JupyterLab:
    """JupyterLab in one Playwright page, opening notebooks one after another.

    Reusing one page saves loading JupyterLab for every notebook. After anything goes
    wrong the page is thrown away and JupyterLab is loaded afresh (:meth:`reload`), so
    one broken notebook cannot spoil the next.
    """

    def __init__(self, context, server: LabServer):
        self.context = context
        self.server = server
        self.page = None
        self.path = ""
        self.page_errors: list[str] = []
        self.redraws = 0  # figure changes seen by exercise_explorers since open()

    def reload(self, timeout: float = 90.0) -> None:
        """A new page with JupyterLab freshly loaded (and an empty workspace)."""
        self.discard()
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda exc: self.page_errors.append(str(exc)))
        self.page.goto(f"{self.server.base_url}/lab?reset&token={self.server.token}",
                       timeout=timeout * 1000)
        self.page.locator(".lm-MenuBar-itemLabel").get_by_text("File", exact=True).wait_for(
            timeout=timeout * 1000)


    def discard(self) -> None:
        """Close the page; the next :meth:`open` loads JupyterLab afresh."""
        if self.page is not None:
            try:
                self.page.close()
            finally:
                self.page = None

    def menu(self, top: str, item: str) -> None:
        """Click ``top`` in the menu bar, then ``item`` in its menu."""
        self.page.locator(".lm-MenuBar-itemLabel").get_by_text(top, exact=True).click()
        self.page.locator(".lm-Menu-itemLabel").get_by_text(item, exact=True).click()

    def _state(self) -> dict:
        return self.page.evaluate(JS_STATE)

    # --- opening, running, closing ---------------------------------------------------
    def open(self, path: str, timeout: float = 90.0, *, kernel: bool = True) -> None:
        """File > Open from Path; accept a "Select Kernel" dialog; wait for an idle kernel
        (``kernel=False``: only until the notebook is shown, for a look at its text)."""
        if self.page is None:
            self.reload()
        self.path, self.page_errors, self.redraws = path, [], 0
        self.menu("File", "Open from Path…")
        dialog = self.page.locator(".jp-Dialog")
        dialog.locator("input").fill(path)
        dialog.locator(".jp-Dialog-button.jp-mod-accept").click()
        dialog.wait_for(state="detached")
        name = path.rsplit("/", 1)[-1]
        deadline = time.monotonic() + timeout
        state: dict = {}
        while time.monotonic() < deadline:
            state = self._state()
            if state["dialogs"]:
                accept = self.page.locator(".jp-Dialog .jp-Dialog-button.jp-mod-accept")
                if any("Select Kernel" in d for d in state["dialogs"]) and accept.count():
                    accept.first.click()
                else:
                    raise AssertionError(f"{path}: unexpected dialog: {state['dialogs']}")
            elif state["ready"] and state["tab"] == name and (not kernel or (
                    state["kernel"].endswith("| Idle")
                    and not state["kernel"].startswith("No Kernel"))):
                # Collapse the file browser, as a learner might, to give the notebook room.
                sidebar = self.page.locator(
                    ".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current")
                if sidebar.count():
                    sidebar.first.click()
                return
            time.sleep(0.1)
        raise AssertionError(f"{path}: not open with an idle kernel within {timeout:.0f} s "
                             f"(tab {state.get('tab')!r}, kernel {state.get('kernel')!r})")

    def run_all(self, timeout: float = 180.0) -> None:
        """Run > Run All Cells, then wait until the kernel is idle and every non-empty
        code cell has run (or an error stopped the run)."""
        self.menu("Run", "Run All Cells")
        deadline = time.monotonic() + timeout
        settled = 0
        state: dict = {}
        while time.monotonic() < deadline:
            time.sleep(0.2)
            state = self._state()
            cells = state["cells"]
            idle = state["kernel"].endswith("| Idle")
            running = any("*" in c["prompt"] for c in cells)
            all_ran = all(_ran(c) for c in cells if not c["empty"])
            if state["dialogs"] or (idle and not running and (all_ran or state.get("errors"))):
                settled += 1
                if settled >= 3:  # unchanged for three polls: the run is over
                    return
            else:
                settled = 0
        raise AssertionError(
            f"{self.path}: Run All did not finish within {timeout:.0f} s; kernel "
            f"{state.get('kernel')!r}, prompts {[c['prompt'] for c in state.get('cells', [])]}")

    def wait_for_widgets(self, timeout: float = 30.0) -> None:
        """Wait (bounded) until no output says "Loading widget..." any more."""
        loading = self.page.locator(".jp-OutputArea-output", has_text=LOADING_WIDGET)
        deadline = time.monotonic() + timeout
        while loading.count() and time.monotonic() < deadline:
            time.sleep(0.2)

    def close(self, timeout: float = 30.0) -> None:
        """File > Close Tab, discarding the outputs; then end every kernel."""
        try:
            self.menu("File", "Close Tab")
            discard = self.page.locator(".jp-Dialog .jp-Dialog-button", has_text="Discard")
            discard.click(timeout=timeout * 1000)
            self.page.locator(".jp-NotebookPanel").first.wait_for(
                state="detached", timeout=timeout * 1000)
        finally:
            self.server.shutdown_kernels()

    def close_unchanged(self, timeout: float = 15.0) -> None:
        """File > Close Tab for a notebook that was only looked at (no "discard?" dialog,
        unless JupyterLab asks anyway); its kernel is ended by the caller."""
        self.menu("File", "Close Tab")
        discard = self.page.locator(".jp-Dialog .jp-Dialog-button", has_text="Discard")
        panel = self.page.locator(".jp-NotebookPanel").first
        deadline = time.monotonic() + timeout
        while panel.count() and time.monotonic() < deadline:
            if discard.count():
                discard.first.click()
            time.sleep(0.1)
        if panel.count():
            raise AssertionError(f"{self.path}: the tab did not close within {timeout:.0f} s")

    # --- what went wrong ---------------------------------------------------------------
    def problems(self) -> list[str]:
        """Every error the page shows: tracebacks, stderr with an error or warning, widget
        failures, dialogs, non-empty code cells that never ran, uncaught JS errors."""
        found = [f"{where}: {kind}: {text}" for where, kind, text in self.page.evaluate(
            JS_PROBLEMS, [list(WIDGET_FAILURES), LOADING_WIDGET])
            if kind != "stderr" or STDERR_FAILURE.search(text)]
        for cell in self._state()["cells"]:
            if not cell["empty"] and not _ran(cell):
                found.append(f"cell {cell['index']}: did not run (prompt {cell['prompt']!r})")
        found += [f"JavaScript error in the page: {e}" for e in self.page_errors]
        return found

    # --- the explorers -----------------------------------------------------------------
    def explorers(self) -> list:
        """Locators of the explorers (an outermost widget box with an image and controls)."""
        count = self.page.evaluate(JS_TAG_EXPLORERS)
        return [self.page.locator(f'[data-explorer="{i}"]') for i in range(count)]

    def exercise_explorers(self, timeout: float = 30.0) -> tuple[int, list[str]]:
        """Move every control of every explorer; returns (number of explorers, problems)."""
        boxes = self.explorers()
        problems: list[str] = []
        for index, box in enumerate(boxes):
            box.scroll_into_view_if_needed()
            problems += self.exercise_explorer(box, index, timeout)
        return len(boxes), problems

    def exercise_explorer(self, box, index: int, timeout: float = 30.0) -> list[str]:
        """Move every control of one explorer as a learner would and check each redraw.

        Sliders: focus the handle, press End, Home, ArrowRight (both extremes and one
        step). Dropdowns: pick the last option, then the first. Checkboxes: click twice.
        A control stops at its first problem (the next move would only repeat it); a
        slider whose setting failed to draw then goes back to its other end, so that the
        next control starts from a setting that draws.
        """
        problems: list[str] = []
        for name, read, moves in self._controls(box):
            for move, act in moves:
                found = self._change(box, f"explorer {index + 1}, {name} [{move}]", act,
                                     read, timeout)
                if found:
                    problems += found
                    back = {"End": "Home", "Home": "End", "ArrowRight": "Home"}.get(move)
                    if back is not None and _is_error_status(found[0]):
                        back_act = dict(moves)[back]
                        self._change(box, "restore", back_act, read, timeout)
                    break
        return problems

    def _controls(self, box) -> list[tuple[str, object, list[tuple[str, object]]]]:
        """The explorer's controls as (name, read its value, [(move, make the move)])."""
        keyboard = self.page.keyboard
        controls = []
        sliders = box.locator(".widget-slider")
        for i in range(sliders.count()):
            slider = sliders.nth(i)
            name = slider.locator(".widget-label").inner_text().strip() or f"slider {i + 1}"
            handle = slider.locator(".noUi-handle").first
            readout = slider.locator(".widget-readout")

            def read(readout=readout, handle=handle):
                if readout.count():
                    return readout.inner_text()
                return handle.get_attribute("aria-valuenow")

            def press(key, handle=handle):
                handle.focus()
                keyboard.press(key)

            moves = [(key, lambda key=key, press=press: press(key))
                     for key in ("End", "Home", "ArrowRight")]
            controls.append((name, read, moves))
        dropdowns = box.locator(".widget-dropdown")
        for i in range(dropdowns.count()):
            select = dropdowns.nth(i).locator("select")
            name = dropdowns.nth(i).locator(".widget-label").inner_text().strip() or (
                f"dropdown {i + 1}")
            options = select.locator("option").all_inner_texts()
            picks = options[-1:] + options[:1] if len(options) > 1 else []
            moves = [(f"pick {pick!r}",
                      lambda pick=pick, select=select: select.select_option(label=pick))
                     for pick in picks]
            controls.append((name, lambda select=select: select.input_value(), moves))
        checkboxes = box.locator(".widget-checkbox")
        for i in range(checkboxes.count()):
            check = checkboxes.nth(i).locator("input[type=checkbox]")
            name = checkboxes.nth(i).inner_text().strip() or f"checkbox {i + 1}"
            moves = [(f"click {k + 1}", lambda check=check: check.click()) for k in range(2)]
            controls.append((name, lambda check=check: check.is_checked(), moves))
        return controls

    def _digest(self, box) -> str | None:
        return box.evaluate(JS_IMAGE_DIGEST)

    def _status(self, box) -> str:
        """The explorer's status line(s): the text of its HTML widgets."""
        return "\n".join(box.locator(".widget-html").all_inner_texts())

    def wait_until_idle(self, timeout: float) -> None:
        """Wait (bounded) until the kernel is idle: no redraw is still on its way."""
        deadline = time.monotonic() + timeout
        while not self._state()["kernel"].endswith("| Idle") and time.monotonic() < deadline:
            time.sleep(0.05)

    def _change(self, box, label: str, act, read, timeout: float) -> list[str]:
        """Do ``act()``; if the control's value (``read()``) changed, require an answer
        from the kernel (a new figure or a new status line) and no error message. Returns
        the problems."""
        self.wait_until_idle(timeout)
        before_value = read()
        before = (self._digest(box), self._status(box))
        if before[0] is None:
            return [f"{label}: the figure is not shown ({box.evaluate(JS_IMAGE_STATE)})"]
        act()
        deadline = time.monotonic() + 5.0
        while read() == before_value and time.monotonic() < deadline:
            time.sleep(0.05)
        after_value = read()
        if after_value == before_value:
            return []  # already at that end: nothing to redraw
        problem = self._wait_for_figure(box, before, timeout)
        if problem:
            return [f"{label}: {before_value} -> {after_value}: {problem}"]
        self.redraws += 1
        return []

    def _wait_for_figure(self, box, before: tuple[str, str], timeout: float) -> str:
        """Poll until the explorer answers: a different, loaded PNG, or a new status line
        (returns ""), or a new error status (returns it). A new status line alone is an
        answer because a one-step move can leave the picture the same to the pixel
        (β from 0 to 0.01); the numbers of the setting are in the status line. On
        timeout, says what the image looks like."""
        before_digest, before_status = before
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            digest = self._digest(box)
            if digest is not None and digest != before_digest:
                return ""
            status = self._status(box)
            if status != before_status:
                return status if _is_error_status(status) else ""
            time.sleep(0.1)
        status = self._status(box)
        if _is_error_status(status):
            return status
        return (f"neither the figure nor the status line changed within {timeout:.0f} s "
                f"({box.evaluate(JS_IMAGE_STATE)})")

    # --- evidence ----------------------------------------------------------------------
    def screenshot(self, path: Path, max_height: int = 30000) -> None:
        """Save the whole notebook: make the window as tall as the notebook, shoot, restore."""
        path.parent.mkdir(parents=True, exist_ok=True)
        size = self.page.viewport_size or {"width": 1400, "height": 900}
        extra = max(0, int(self.page.evaluate(JS_SCROLL_TOP)))
        try:
            self.page.set_viewport_size(
                {"width": size["width"], "height": min(max_height, size["height"] + extra)})
            self.page.evaluate("() => new Promise(r => requestAnimationFrame(() => r()))")
            self.page.screenshot(path=str(path), timeout=30_000)
        finally:
            self.page.set_viewport_size(size)


# --- one notebook, start to finish --------------------------------------------------

@dataclass
class NotebookReport:
    """What :func:`check_notebook` saw in one notebook."""

    path: str
    problems: list[str] = field(default_factory=list)
    explorers: int = 0
    redraws: int = 0
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)
    screenshot: Path | None = None

    def summary(self) -> str:
        phases = ", ".join(f"{k} {v:.1f}" for k, v in self.phases.items())
        return (f"{self.path}: {self.seconds:.1f} s ({phases}), {self.explorers} explorers, "
                f"{self.redraws} redraws, {len(self.problems)} problems")


def artifact_name(path: str) -> str:
    """notebooks/01_gd.ipynb -> notebooks__01_gd.png"""
    return path.removesuffix(".ipynb").replace("/", "__") + ".png"


def new_context(browser, viewport: tuple[int, int] = (1400, 900)):
    """A browser context with a fixed window size and a 30 s default timeout."""
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    context.set_default_timeout(30_000)
    return context


def check_notebook(lab: JupyterLab, path: str, shots: Path = ARTIFACTS, *,
                   redraw_timeout: float = 30.0) -> NotebookReport:
    """Open ``path``, run all cells, exercise every explorer, save a screenshot, close it,
    and report every problem. Its kernel is shut down afterwards."""
    report = NotebookReport(path)
    start = last = time.monotonic()

    def phase(name: str) -> None:
        nonlocal last
        now = time.monotonic()
        report.phases[name] = now - last
        last = now

    healthy = True
    try:
        lab.open(path)
        phase("open")
        lab.run_all()
        phase("run all")
        lab.wait_for_widgets()
        report.problems = lab.problems()
        if not any(p.startswith("page: dialog open") for p in report.problems):
            report.explorers, found = lab.exercise_explorers(redraw_timeout)
            report.problems += found
            report.problems += [p for p in lab.problems() if p not in report.problems]
        report.redraws = lab.redraws
        phase("explorers")
    except Exception as exc:  # a timeout or a Playwright error is a problem too
        report.problems.append(f"{type(exc).__name__}: {exc}")
        healthy = False
        phase("until the error")
    finally:
        try:
            report.screenshot = shots / artifact_name(path)
            lab.screenshot(report.screenshot)
        except Exception as exc:
            report.problems.append(f"screenshot failed: {type(exc).__name__}: {exc}")
            report.screenshot = None
            healthy = False
        phase("screenshot")
        if healthy and not report.problems:
            try:
                lab.close()
            except Exception as exc:
                report.problems.append(f"closing the notebook failed: {type(exc).__name__}: "
                                       f"{exc}")
        if report.problems:  # the next notebook starts in a freshly loaded JupyterLab
            lab.discard()
            lab.server.shutdown_kernels()
        phase("close")
        report.seconds = time.monotonic() - start
    return report


# --- a notebook that must fail: proof that the checks can fail -----------------------

SELFCHECK_PATH = "_browser_selfcheck/broken.ipynb"
SELFCHECK_EXPLORER = '''\
import warnings

import ipywidgets as widgets
import numpy as np

from sgdlab.objectives import Quadratic
from sgdlab.plots import contour, path
from sgdlab.train import run
from sgdlab.widgets.base import Explorer


class Broken(Explorer):
    """Fails at the top of its lr slider; its figure and status ignore the "ignored"
    slider."""

    def __init__(self):
        super().__init__({  # "ignored" first: the failing end of lr must not hide it
            "ignored": widgets.IntSlider(value=1, min=0, max=3, description="ignored"),
            "lr": widgets.FloatLogSlider(value=0.5, base=10, min=-2, max=0.5, step=0.25,
                                         description="lr"),
        }, figsize=(4, 3))

    def setup(self, fig):
        self.ax = fig.add_subplot()
        self.problem = Quadratic(condition=5)
        contour(self.problem, ax=self.ax, levels=10)

    def compute(self, ignored, lr):
        if lr > 3:
            raise ValueError("selfcheck: the top of the slider fails")
        return run(self.problem, [1.0, 1.0], lr=lr, steps=20)

    def draw(self, h):
        for line in self.ax.lines[:]:
            line.remove()
        path(h, ax=self.ax, color="C0")  # a fixed colour: same run, same picture
        return "diverged" if h.diverged else "converged"


Broken()
'''
# Each failure it must produce: fragments that one problem line contains. Any other
# problem must mention one of SELFCHECK_PLANTED.
SELFCHECK_EXPECTED = (
    ("lr [End]", "This setting could not be drawn: ValueError: selfcheck"),
    ("ignored [", "neither the figure nor the status line changed"),  # End may redraw
    ("stderr", "RuntimeWarning: selfcheck overflow"),
    ("stderr", "ZeroDivisionError", "Traceback"),
)
SELFCHECK_PLANTED = ("selfcheck", "ZeroDivisionError", "nor the status line changed")


def write_selfcheck_notebook(root: Path) -> str:
    """Write a notebook that must give exactly the failures in SELFCHECK_EXPECTED."""
    import nbformat

    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {
        "name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}})
    nb.cells = [
        nbformat.v4.new_code_cell(SELFCHECK_EXPLORER),
        nbformat.v4.new_code_cell('warnings.warn("selfcheck overflow", RuntimeWarning)'),
        nbformat.v4.new_code_cell("1 / 0"),
    ]
    target = root / SELFCHECK_PATH
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, target)
    return SELFCHECK_PATH


# --- opening a notebook without running it: does its text render? -------------------

def chinese_notebooks(root: Path = ROOT) -> list[str]:
    """Every generated Chinese notebook: the course and the exercises' student versions."""
    paths = sorted(root.glob("notebooks/zh/*.ipynb")) + sorted(root.glob("exercises/zh/*.ipynb"))
    return [p.relative_to(root).as_posix() for p in paths]


# The rendered Markdown of the notebook shown: counts for "has it settled?", and what a
# reader would see that is wrong (MathJax errors, maths left as TeX, no heading, no text).
JS_RENDERED = """() => {
  const nb = CURRENT_NOTEBOOK;
  if (!nb) return null;
  const cells = [...nb.querySelectorAll('.jp-MarkdownCell')];
  const rendered = cells.filter(c => c.querySelector('.jp-RenderedMarkdown'));
  const text = nb.cloneNode(true);
  for (const el of text.querySelectorAll(
      '.jp-InputArea-editor, .jp-CodeCell, pre, code, script, style, mjx-container'))
    el.remove();
  const plain = [...text.querySelectorAll('.jp-RenderedMarkdown')]
      .map(e => e.textContent).join('\\n');
  const short = t => (t || '').replace(/\\s+/g, ' ').trim().slice(0, 80);
  const first = rendered.length ? rendered[0].querySelector('.jp-RenderedMarkdown') : null;
  return {
    markdown: cells.length,
    rendered: rendered.length,
    maths: nb.querySelectorAll('.jp-RenderedMarkdown mjx-container').length,
    mathErrors: [...nb.querySelectorAll('mjx-merror, [data-mjx-error]')]
        .map(m => short(m.getAttribute('data-mjx-error') || m.textContent)),
    rawMaths: (plain.match(/\\$\\$[^$]{0,60}|\\$[^$\\s][^$\\n]{0,60}\\$/g) || []).map(short),
    headings: nb.querySelectorAll('.jp-RenderedMarkdown h1').length,
    subheadings: nb.querySelectorAll('.jp-RenderedMarkdown h2, .jp-RenderedMarkdown h3').length,
    han: (plain.match(/[\\u4e00-\\u9fff]/g) || []).length,
    firstVisible: !!(first && first.offsetParent !== null
                     && first.getBoundingClientRect().height > 0),
    errorOutputs: nb.querySelectorAll('[data-mime-type="application/vnd.jupyter.error"],'
        + '[data-mime-type="application/vnd.jupyter.stderr"], .jp-mod-error').length,
  };
}""".replace("CURRENT_NOTEBOOK", _NOTEBOOK)


def markdown_facts(path: Path) -> tuple[int, int]:
    """(Markdown cells, those with maths: ``$`` outside code) of a notebook file."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    cells = [c for c in nb["cells"] if c["cell_type"] == "markdown"]
    maths = sum("$" in re.sub(r"```.*?```|`[^`]*`", " ", "".join(c["source"]), flags=re.S)
                for c in cells)
    return len(cells), maths


def check_rendering(lab: JupyterLab, path: str, *, settle: float = 20.0,
                    shots: Path = ARTIFACTS) -> NotebookReport:
    """Open ``path`` WITHOUT running it and wait until its Markdown is rendered and its
    maths typeset (the counts stop changing); report what a reader would see wrong: a
    MathJax error, maths left as TeX, no heading, no Chinese text, an error shown, a
    JavaScript error. The notebook is closed (its kernel ended) afterwards."""
    report = NotebookReport(path)
    start = time.monotonic()
    expected_cells, expected_maths = markdown_facts(lab.server.root / path)
    healthy = True
    try:
        lab.open(path, kernel=False)  # nothing runs: the kernel is not waited for
        report.phases["open"] = time.monotonic() - start
        facts, stable, last = None, 0, None
        deadline = time.monotonic() + settle
        while time.monotonic() < deadline:
            facts = lab.page.evaluate(JS_RENDERED)
            done = (facts and facts["rendered"] == facts["markdown"] == expected_cells
                    and (facts["maths"] > 0 or not expected_maths) and not facts["rawMaths"])
            key = facts and (facts["rendered"], facts["maths"], len(facts["rawMaths"]))
            stable = stable + 1 if done and key == last else 0
            last = key
            if stable >= 2:
                break
            time.sleep(0.15)
        report.phases["render"] = time.monotonic() - start - report.phases["open"]
        if not facts:
            report.problems.append("no notebook is shown")
        else:
            if facts["rendered"] < expected_cells:
                report.problems.append(f"{expected_cells - facts['rendered']} of "
                                       f"{expected_cells} Markdown cell(s) not rendered")
            if expected_maths and not facts["maths"]:
                report.problems.append(f"no maths typeset ({expected_maths} cells have maths)")
            report.problems += [f"maths error: {m}" for m in facts["mathErrors"]]
            report.problems += [f"maths left as TeX: {m}" for m in facts["rawMaths"]]
            if not facts["headings"]:
                report.problems.append("no heading rendered")
            if facts["han"] < 20:
                report.problems.append(f"hardly any Chinese text ({facts['han']} characters)")
            if not facts["firstVisible"]:
                report.problems.append("the first Markdown cell is not visible")
            if facts["errorOutputs"]:
                report.problems.append(f"{facts['errorOutputs']} error output(s) shown")
        report.problems += [f"JavaScript error in the page: {e}" for e in lab.page_errors]
        report.problems += [p for p in lab.problems() if "did not run" not in p
                            and p not in report.problems]
    except Exception as exc:  # a timeout or a Playwright error is a problem too
        report.problems.append(f"{type(exc).__name__}: {exc}")
        healthy = False
    finally:
        if report.problems and healthy:
            try:
                report.screenshot = shots / ("render__" + artifact_name(path))
                lab.screenshot(report.screenshot)
            except Exception:
                report.screenshot = None
        try:
            if healthy:
                lab.close_unchanged()
        except Exception as exc:
            report.problems.append(f"closing failed: {type(exc).__name__}: {exc}")
            healthy = False
        if not healthy or report.problems:
            lab.discard()
        lab.server.shutdown_kernels()
        report.seconds = time.monotonic() - start
    return report


#: A notebook that must fail the rendering check: formulas MathJax cannot read (JupyterLab
#: leaves such a formula as its TeX, reported as "maths left as TeX"), no heading, no
#: Chinese, and an error output.
RENDER_PLANTED_PATH = "_browser_selfcheck/unrendered.ipynb"
RENDER_PLANTED_EXPECTED = ("maths left as TeX: $$\\frac{1}{2", "maths left as TeX: $\\frac",
                           "no heading rendered", "hardly any Chinese text",
                           "error output(s) shown")


def write_unrendered_notebook(root: Path) -> str:
    import nbformat

    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {
        "name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}})
    broken = nbformat.v4.new_code_cell("1 / 0")
    broken.outputs = [nbformat.v4.new_output(
        "error", ename="ZeroDivisionError", evalue="division by zero",
        traceback=["ZeroDivisionError: division by zero"])]
    nb.cells = [nbformat.v4.new_markdown_cell(
                    "Plain English, a display formula with a brace left open: "
                    "$$\\frac{1}{2$$"),
                nbformat.v4.new_markdown_cell("An unbalanced formula: $\\frac{1}{2$."),
                broken]
    target = root / RENDER_PLANTED_PATH
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, target)
    return RENDER_PLANTED_PATH
