"""End to end: every course notebook in JupyterLab in a real browser (headless Chromium).

nbval proves that the cells run in a kernel. It cannot see a widget that fails to render,
a slider whose callback raises (ipywidgets swallows the error), or a notebook that breaks
in JupyterLab. Here each notebook in ``notebooks/`` and ``exercises/solutions/`` is opened
in JupyterLab, run with Run > Run All Cells, and every control of every explorer is moved
(sliders to both ends and one step, dropdowns, checkboxes); each move must redraw the
figure without an error. Any traceback, error output, warning on stderr, widget that did
not render, explorer error status or dialog fails the notebook's test. A screenshot of
each notebook goes to ``artifacts/browser/``.

Every Chinese notebook (``notebooks/zh/``, ``exercises/zh/``) is also opened WITHOUT
running it (quick): its Markdown must render, its maths be typeset without a MathJax error
or TeX left over, with headings and Chinese text shown and no error.

One JupyterLab server (on a temporary copy of the course, with throwaway settings) and one
Chromium serve all the notebooks; each notebook gets a fresh kernel. Needs Chromium
(``/usr/bin/chromium``; CI installs it) and playwright, and skips without them.
"""

from __future__ import annotations

import shutil

import pytest
from browser_support import (
    ARTIFACTS,
    CHROMIUM_ARGS,
    RENDER_PLANTED_EXPECTED,
    RENDER_PLANTED_PATH,
    ROOT,
    SELFCHECK_EXPECTED,
    SELFCHECK_PATH,
    SELFCHECK_PLANTED,
    JupyterLab,
    check_notebook,
    check_rendering,
    chinese_notebooks,
    copy_course,
    course_notebooks,
    find_chromium,
    new_context,
    start_lab,
    write_selfcheck_notebook,
    write_unrendered_notebook,
)

NOTEBOOKS = course_notebooks()
CHINESE = chinese_notebooks()
SUMMARIES: list[str] = []  # one line per notebook, written to artifacts/browser/summary.txt


@pytest.fixture(scope="module")
def chromium() -> str:
    pytest.importorskip("playwright.sync_api",
                        reason="playwright is not installed: pip install -e '.[test]'")
    path = find_chromium()
    if path is None:
        pytest.skip("no Chromium found (/usr/bin/chromium or chromium on PATH): the browser "
                    "test needs it; on Debian/Ubuntu run `apt-get install chromium`")
    return path


@pytest.fixture(scope="module")
def server(chromium, tmp_path_factory):
    """A JupyterLab server on a copy of the course; always stopped afterwards."""
    root = tmp_path_factory.mktemp("course")
    copy_course(root)
    write_selfcheck_notebook(root)
    write_unrendered_notebook(root)
    server = start_lab(root, tmp_path_factory.mktemp("jupyter"))
    try:
        yield server
    finally:
        server.stop()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(server.log_path, ARTIFACTS / "jupyter-server.log")
        (ARTIFACTS / "summary.txt").write_text("".join(f"{line}\n" for line in SUMMARIES))


@pytest.fixture(scope="module")
def lab(chromium, server):
    """JupyterLab in headless Chromium, one page reused from notebook to notebook."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True,
                                             args=CHROMIUM_ARGS, timeout=60_000)
        try:
            yield JupyterLab(new_context(browser), server)
        finally:
            browser.close()


def test_the_course_has_notebooks_to_open():
    assert any(p.startswith("notebooks/") for p in NOTEBOOKS), (
        f"no notebooks found in {ROOT / 'notebooks'}")


@pytest.mark.parametrize("path", NOTEBOOKS)
def test_notebook_runs_and_its_widgets_respond_in_the_browser(path, lab):
    report = check_notebook(lab, path)
    SUMMARIES.append(report.summary())
    assert not report.problems, (
        f"{path} in JupyterLab ({report.summary()}; screenshot {report.screenshot}):\n  - "
        + "\n  - ".join(report.problems))


def test_the_browser_check_catches_failures(lab):
    """A notebook built to fail (an explorer that raises at the top of a slider, a slider
    the figure ignores, a warning, a traceback) gives exactly those problems."""
    report = check_notebook(lab, SELFCHECK_PATH, redraw_timeout=5.0)
    SUMMARIES.append(report.summary())
    for fragments in SELFCHECK_EXPECTED:
        assert any(all(f in p for f in fragments) for p in report.problems), (
            f"the check missed {fragments}; it found {report.problems}")
    unexpected = [p for p in report.problems if not any(s in p for s in SELFCHECK_PLANTED)]
    assert not unexpected, f"problems that were not planted: {unexpected}"
    assert report.explorers == 1 and report.redraws > 0, report.summary()


def test_every_chinese_notebook_is_there_to_open():
    assert len(CHINESE) >= 19 and all("/zh/" in p for p in CHINESE), CHINESE


@pytest.mark.parametrize("path", CHINESE)
def test_chinese_notebook_renders_in_jupyterlab(path, lab):
    """Opened, not run: rendered Markdown, typeset maths, headings, Chinese, no error."""
    report = check_rendering(lab, path)
    SUMMARIES.append(f"rendered only: {report.summary()}")
    assert not report.problems, (
        f"{path} in JupyterLab ({report.summary()}; screenshot {report.screenshot}):\n  - "
        + "\n  - ".join(report.problems))


def test_the_rendering_check_catches_failures(lab):
    report = check_rendering(lab, RENDER_PLANTED_PATH, settle=6.0)
    for expected in RENDER_PLANTED_EXPECTED:
        assert any(expected in p for p in report.problems), (expected, report.problems)
