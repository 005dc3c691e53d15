"""The course website (``python3 course.py site``), built and read in a browser.

The site is built as ``course.py site`` builds it (strict: warnings are errors, every
reference must resolve), into a temporary folder, with the course's execution cache
``.site-cache/`` (cold in CI: every notebook runs once). Then it is served on
127.0.0.1 and every page is opened in Chromium, which checks what a reader meets
(tests/site_support.py): the page loads, no request goes to another host, every image
loads and has alt text, the maths is rendered, no error or traceback is shown, internal
links and anchors resolve, and axe-core finds no serious or critical violation.

A second build, of a copy of the course with one notebook changed and a planted broken
page, shows that the cache runs exactly one notebook for the changed page, and that
every check fails on the planted page.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import build_site  # noqa: E402
import site_support as ss  # noqa: E402
from browser_support import CHROMIUM_ARGS, find_chromium  # noqa: E402

pytest.importorskip("sphinx", reason="the site tools are part of .[test]")
from jupyter_cache import get_cache  # noqa: E402

NOTEBOOKS = sorted(p.relative_to(ROOT).as_posix() for p in ROOT.glob("notebooks/*.ipynb"))
STUDENT = sorted(p.relative_to(ROOT).as_posix() for p in ROOT.glob("exercises/*.ipynb"))
CHROMIUM = find_chromium()
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium not installed (apt-get install chromium); the site "
    "was built, but its pages were not checked in a browser")


def test_alt_text_metadata_is_in_the_notebooks():
    """site/alt_text.py holds the alt text of every figure; the notebooks carry it."""
    sys.path.insert(0, str(ROOT / "site"))
    import alt_text

    assert alt_text.apply(check=True) == []


def html_name(path: str) -> str:
    return path.rsplit(".", 1)[0] + ".html"


def cache_records(cache_dir: Path) -> dict[int, str]:
    """The jupyter-cache's records: primary key -> the hash of the notebook's code."""
    if not cache_dir.exists():
        return {}
    return {r.pk: r.hashkey for r in get_cache(str(cache_dir)).list_cache_records()}


def failure(result) -> str:
    return f"exit {result.returncode}\n{result.stdout[-3000:]}\n{result.stderr[-6000:]}"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site") / "_site"
    result = build_site.build(out)
    assert result.returncode == 0, failure(result)
    return out


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("Chromium not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = chromium.new_context(viewport={"width": 1280, "height": 800},
                                       service_workers="block")
        context.set_default_timeout(30_000)
        yield context
        context.close()
        chromium.close()


def test_every_course_file_is_a_page(built):
    pages = {p.relative_to(built).as_posix() for p in built.rglob("*.html")}
    expected = {"README.html", "exercises/README.html"} | {html_name(p) for p in
                                                           NOTEBOOKS + STUDENT}
    assert expected <= pages, sorted(expected - pages)
    assert not any(p.startswith("exercises/solutions") for p in pages), "solutions leaked"
    assert (built / "index.html").is_file(), "the entry page"


def test_notebooks_ran_through_the_cache_and_student_versions_did_not(built):
    cache = get_cache(str(build_site.jupyter_cache()))
    for path in NOTEBOOKS:
        cache.match_cache_notebook(json_nb(ROOT / path))  # raises when it is not cached
    for path in STUDENT:
        with pytest.raises(KeyError):
            cache.match_cache_notebook(json_nb(ROOT / path))


def json_nb(path: Path):
    import nbformat

    return nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)


def test_sidebar_is_the_course_map_with_reading_times(built):
    html = (built / "notebooks" / "03_minibatch_sgd.html").read_text(encoding="utf-8")
    nav = html.split('class="bd-links', 1)[1].split("</nav>", 1)[0]
    first = json.loads((ROOT / NOTEBOOKS[3]).read_text(encoding="utf-8"))["cells"][0]
    minutes = "".join(first["source"]).split("Reading time: ", 1)[1].split(";")[0]
    minutes = minutes.split(".")[0].removeprefix("about ")
    assert f"03 · Minibatch SGD ({minutes})" in nav
    landing = (built / "README.html").read_text(encoding="utf-8")
    landing_nav = landing.split('class="bd-links', 1)[1].split("</nav>", 1)[0]
    order = [landing_nav.find(f'href="{html_name(p)}"') for p in NOTEBOOKS + STUDENT]
    assert all(i >= 0 for i in order) and order == sorted(order), order
    assert "prev-next-area" in html and "04_momentum.html" in html.split("prev-next-area")[1]
    assert 'id="run-it"' in html and "mybinder.org/v2/gh/" in html
    assert "notebooks/03_minibatch_sgd.ipynb" in html


@needs_chromium
def test_every_page_passes_in_a_browser(built, browser):
    server = ss.SiteServer(built)
    axe = ss.axe_script()
    try:
        pages = sorted(p.relative_to(built).as_posix() for p in built.rglob("*.html"))
        report = {page: ss.check_page(browser, server, page, axe) for page in pages}
        full = html_name(NOTEBOOKS[0])  # one page scanned with its code listings too
        report[f"{full} (code included)"] = ss.check_page(browser, server, full, axe, ())
    finally:
        server.stop()
    bad = {page: problems for page, problems in report.items() if problems}
    assert not bad, json.dumps(bad, indent=1)
    assert len(report) >= len(NOTEBOOKS) + len(STUDENT) + 2


@needs_chromium
def test_one_changed_page_runs_one_notebook_and_a_planted_page_fails_every_check(
        tmp_path, browser):
    src = tmp_path / "course"
    src.mkdir()
    for name in ("README.md", "site"):
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copy2)(ROOT / name, src / name)
    (src / "notebooks").mkdir()
    (src / "exercises").mkdir()
    for path in NOTEBOOKS + STUDENT + ["exercises/README.md"]:
        shutil.copy2(ROOT / path, src / path)
    cache = tmp_path / "cache"
    jupyter = build_site.jupyter_cache(cache)
    shutil.copytree(build_site.jupyter_cache(), jupyter)
    before = cache_records(jupyter)
    assert len(before) >= len(NOTEBOOKS)

    changed = src / NOTEBOOKS[0]
    nb = json.loads(changed.read_text(encoding="utf-8"))
    nb["cells"].append({"cell_type": "code", "execution_count": None, "id": "site-test",
                        "metadata": {}, "outputs": [],
                        "source": ["print('changed for the site test')"]})
    changed.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    planted = ss.write_planted_notebook(src)

    out = tmp_path / "_site"
    result = build_site.build(out, srcdir=src, cache=cache, strict=False)
    assert result.returncode == 0, failure(result)
    after = cache_records(jupyter)
    new = set(after) - set(before)
    assert len(new) == 1, f"{len(new)} notebooks ran; only {NOTEBOOKS[0]} changed"
    (pk,) = new
    cached = get_cache(str(jupyter)).match_cache_notebook(json_nb(changed))
    assert cached.pk == pk
    assert "changed for the site test" in (out / html_name(NOTEBOOKS[0])).read_text(
        encoding="utf-8")

    server = ss.SiteServer(out)
    try:
        problems = ss.check_page(browser, server, html_name(planted), ss.axe_script())
    finally:
        server.stop()
    for expected in ss.PLANTED_EXPECTED:
        assert any(expected in p for p in problems), (expected, problems)
