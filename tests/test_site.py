"""The course website (``python3 course.py site``), built and read in a browser.

The site is built as ``course.py site`` builds it (strict: warnings are errors, every
reference must resolve), into a temporary folder, with the course's execution cache
``.site-cache/`` (cold in CI: every notebook runs once). Then it is served on
127.0.0.1 and every page is opened in Chromium, which checks what a reader meets
(tests/site_support.py): the page loads, no request goes to another host, every image
loads and has alt text, the maths is rendered, no error or traceback is shown, internal
links and anchors resolve, and axe-core finds no serious or critical violation.

Both editions are built, at the same time, as ``course.py site`` builds them: English in
the folder's root, Chinese in ``zh/`` (its own execution cache, so its outputs are the
Chinese ones). One server serves both; a few browsers share their pages out and check
every page of both (see ``WORKERS``); each page's language
switch leads to its twin in the other edition and back, and the explorers' status lines
under their stills are Chinese on the Chinese pages. The Chinese search finds the
glossary's terms (学习率, 小批量, 动量), in its index and on its search page.

A second build, of a copy of the course with one notebook changed and a planted broken
page (English edition only), shows that the cache runs exactly one notebook for the
changed page, and that every check fails on the planted page.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from pathlib import Path
from urllib.parse import quote, urljoin, urlsplit

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
ZH_NOTEBOOKS = sorted(p.relative_to(ROOT).as_posix() for p in ROOT.glob("notebooks/zh/*.ipynb"))
ZH_STUDENT = sorted(p.relative_to(ROOT).as_posix() for p in ROOT.glob("exercises/zh/*.ipynb"))
HAN = re.compile(r"[\u4e00-\u9fff]")
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
    """A course file's page: ``notebooks/01_x.ipynb`` -> ``notebooks/01_x.html``; a file
    of the Chinese edition is in its folder ``zh/`` (``zh/notebooks/zh/01_x.html``)."""
    page = path.rsplit(".", 1)[0] + ".html"
    return f"zh/{page}" if "/zh/" in f"/{path}" or path == "README.zh-CN.md" else page


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
def served(built):
    """One server for both editions."""
    server = ss.SiteServer(built)
    yield server
    server.stop()


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
    chinese = {html_name(p) for p in ["README.zh-CN.md"] + ZH_NOTEBOOKS + ZH_STUDENT}
    assert len(chinese) == len(NOTEBOOKS) + len(STUDENT) + 1
    assert chinese <= pages, sorted(chinese - pages)
    assert "zh/index.html" in pages, "the Chinese edition's entry page"
    assert not [p for p in pages if re.match(r"zh/(notebooks|exercises)/\d\d_", p)], \
        "an English notebook in the Chinese edition"
    assert not [p for p in pages if "/zh/" in f"/{p}" and not p.startswith("zh/")], \
        "a Chinese notebook in the English edition"


def test_notebooks_ran_through_the_cache_and_student_versions_did_not(built):
    cache = get_cache(str(build_site.jupyter_cache()))
    for path in NOTEBOOKS:
        cache.match_cache_notebook(json_nb(ROOT / path))  # raises when it is not cached
    for path in STUDENT:
        with pytest.raises(KeyError):
            cache.match_cache_notebook(json_nb(ROOT / path))
    # the Chinese notebooks have the English code; their own cache keeps their outputs
    zh_cache_dir = build_site.jupyter_cache(edition="zh_CN")
    assert zh_cache_dir != build_site.jupyter_cache()
    zh_cache = get_cache(str(zh_cache_dir))
    for path in ZH_NOTEBOOKS:
        record = zh_cache.match_cache_notebook(json_nb(ROOT / path))
        assert Path(record.uri).parent == ROOT / "notebooks" / "zh", record.uri
    for path in ZH_STUDENT:
        with pytest.raises(KeyError):
            zh_cache.match_cache_notebook(json_nb(ROOT / path))


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


def nav_of(html: str) -> str:
    return html.split('class="bd-links', 1)[1].split("</nav>", 1)[0]


def test_the_chinese_edition_has_its_course_map_run_it_box_and_sphinx_words(built):
    page = html_name(ZH_NOTEBOOKS[3])
    html = (built / page).read_text(encoding="utf-8")
    assert '<html lang="zh-CN"' in html
    nb = json.loads((ROOT / ZH_NOTEBOOKS[3]).read_text(encoding="utf-8"))
    minutes = "".join(nb["cells"][0]["source"]).split("阅读时间：", 1)[1].split("；")[0]
    minutes = minutes.split("。")[0].removeprefix("约").strip()
    title = next(line[2:] for c in nb["cells"][1:] if c["cell_type"] == "markdown"
                 for line in "".join(c["source"]).splitlines() if line.startswith("# "))
    assert f"{title}（{minutes}）" in nav_of(html), (title, minutes)
    assert HAN.search(minutes) and HAN.search(title)
    landing = (built / "zh" / "README.zh-CN.html").read_text(encoding="utf-8")
    order = [nav_of(landing).find(f'href="{p.rsplit(".", 1)[0]}.html"')
             for p in ZH_NOTEBOOKS + ZH_STUDENT]
    assert all(i >= 0 for i in order) and order == sorted(order), order
    box = re.sub(r"<[^>]+>", "", html.split('id="run-it"', 1)[1].split("</div>", 1)[0])
    assert "动手运行" in box and "python3 course.py lab --lang zh" in box
    assert "mybinder.org/v2/gh/" in html and "notebooks/zh/03_minibatch_sgd.ipynb" in box
    assert "urlpath=lab/tree/notebooks/zh/03_minibatch_sgd.ipynb" in html
    assert "04_momentum.html" in html.split("prev-next-area")[1]
    # Sphinx's and the theme's own words, in Chinese (language = "zh_CN")
    assert all(words in html for words in ("跳转至主要内容", "搜索", "目录")), \
        "Sphinx's words are not Chinese"
    # the English landing page leads to the Chinese one, not to the repository
    english = (built / "README.html").read_text(encoding="utf-8")
    assert 'href="zh/README.zh-CN.html"' in english
    assert "blob/HEAD/README.zh-CN.md" not in english


SWITCH = re.compile(r'<a class="btn sgdlab-language-switch" href="([^"]+)"\s+'
                    r'hreflang="([^"]+)"[^>]*>([^<]+)</a>')


def switch_of(built: Path, page: str) -> tuple[str, str, str]:
    """The page's language switch: (target page, relative to the site, hreflang, label)."""
    found = SWITCH.findall((built / page).read_text(encoding="utf-8"))
    assert len(found) == 1, (page, found)
    href, lang, label = found[0]
    target = urlsplit(urljoin(f"http://site/{page}", href)).path.lstrip("/")
    return target, lang, label


def expected_twin(page: str) -> str:
    """``notebooks/01_x.html`` <-> ``zh/notebooks/zh/01_x.html``, README <-> README.zh-CN,
    search and genindex to their namesakes; a page without twin to the other home."""
    twins = {"README.html": "zh/README.zh-CN.html", "search.html": "zh/search.html",
             "genindex.html": "zh/genindex.html"}
    twins.update({html_name(en): html_name(zh) for en, zh in zip(
        NOTEBOOKS + STUDENT, ZH_NOTEBOOKS + ZH_STUDENT, strict=True)})
    back = {zh: en for en, zh in twins.items()}
    if page in twins:
        return twins[page]
    if page in back:
        return back[page]
    return "README.html" if page.startswith("zh/") else "zh/README.zh-CN.html"


def test_every_pages_language_switch_leads_to_its_twin_and_back(built):
    pages = sorted(p.relative_to(built).as_posix() for p in built.rglob("*.html")
                   if "_static" not in p.parts and p.name != "index.html")
    chinese = [p for p in pages if p.startswith("zh/")]
    assert len(chinese) >= len(ZH_NOTEBOOKS) + len(ZH_STUDENT) + 1
    assert len(pages) - len(chinese) >= len(NOTEBOOKS) + len(STUDENT) + 1
    for page in pages:
        target, lang, label = switch_of(built, page)
        assert target == expected_twin(page), (page, target)
        assert (built / target).is_file(), (page, target)
        assert (lang, label) == (("en", "English") if page.startswith("zh/") else
                                 ("zh-CN", "中文")), (page, lang, label)
        if expected_twin(target) == page:  # a true twin: its switch comes back
            assert switch_of(built, target)[0] == page, (page, target)
    assert expected_twin("deploy/README.html") == "zh/README.zh-CN.html"


def test_explorer_status_lines_speak_the_language_of_the_edition(built):
    """The notebooks ran in their edition's language: under each explorer's still its
    status line (sgdlab.i18n), Chinese on the Chinese pages, English on the English."""
    status = re.compile(r'<p class="sgdlab-status">(.*?)</p>', re.S)
    counted = 0
    for en, zh in zip(NOTEBOOKS, ZH_NOTEBOOKS, strict=True):
        english = status.findall((built / html_name(en)).read_text(encoding="utf-8"))
        chinese = status.findall((built / html_name(zh)).read_text(encoding="utf-8"))
        assert len(english) == len(chinese), (en, english, chinese)
        for line_en, line_zh in zip(english, chinese, strict=True):
            assert not HAN.search(line_en) and re.search(r"[a-z]{4} [a-z]{3}", line_en), \
                (en, line_en)
            assert HAN.search(line_zh), (zh, line_zh)
        counted += len(english)
    assert counted >= 8, "an explorer's status line is missing under its still"


#: Glossary terms (i18n/zh_CN/glossary.tsv) a learner would search the Chinese edition for.
SEARCH_TERMS = ("学习率", "小批量", "动量")


def search_index(built: Path, edition: str = "zh") -> dict:
    """An edition's search index, as Sphinx writes it: ``Search.setIndex({...})``."""
    text = (built / edition / "searchindex.js").read_text(encoding="utf-8")
    return json.loads(text[text.index("(") + 1:text.rindex(")")])


def chinese_pages_using(term: str) -> set[str]:
    """The Chinese edition's pages (Sphinx docnames) whose own text uses ``term``: the
    notebooks' and exercises' Markdown cells (HTML comments left out: never indexed),
    and the landing page."""
    pages = set()
    for path in ZH_NOTEBOOKS + ZH_STUDENT:
        cells = json.loads((ROOT / path).read_text(encoding="utf-8"))["cells"]
        text = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
        if term in re.sub(r"<!--.*?-->", "", text, flags=re.S):
            pages.add(path.rsplit(".", 1)[0])
    if term in (ROOT / "README.zh-CN.md").read_text(encoding="utf-8"):
        pages.add("README.zh-CN")
    return pages


def test_the_chinese_search_index_holds_the_glossary_terms(built):
    """Sphinx splits Chinese into words with jieba (the site extra), taught the
    glossary's terms by site/sgdlab_site.py; without them 学习率 is cut into 学习 / 率
    and no page is found for it."""
    index = search_index(built)
    docnames = index["docnames"]
    for term in SEARCH_TERMS:
        assert term in index["terms"], f"{term} is not in the Chinese search index"
        # a page whose section title holds the term is listed under titleterms only
        found = set()
        for kind in ("terms", "titleterms"):
            pages = index[kind].get(term, [])
            found |= {docnames[i] for i in ([pages] if isinstance(pages, int) else pages)}
        expected = chinese_pages_using(term)
        assert len(expected) >= 3, (term, expected)
        assert expected <= found, (term, sorted(expected - found))
        for docname in found:  # and every page it leads to is Chinese and uses the term
            assert docname.startswith(("notebooks/zh/", "exercises/zh/", "README.zh-CN")), \
                (term, docname)
            assert term in (built / "zh" / f"{docname}.html").read_text(encoding="utf-8"), \
                (term, docname)
    assert "gradient" in search_index(built, edition=".")["terms"], "English search"


@needs_chromium
def test_searching_a_chinese_term_on_the_chinese_search_page_finds_its_notebooks(
        browser, served):
    term = SEARCH_TERMS[0]
    page = browser.new_page()
    try:
        page.goto(served.url(f"zh/search.html?q={quote(term)}"))
        # the summary is written once, when every result is listed
        page.wait_for_function("() => document.querySelector("
                               "'#search-results .search-summary')?.innerText")
        hrefs = page.eval_on_selector_all("#search-results ul.search li > a",
                                          "links => links.map(a => a.getAttribute('href'))")
        summary = page.inner_text("#search-results .search-summary")
        # and the "searching" dots stay stopped (site/_static/search_pulse.js): Sphinx's
        # own pulse, scheduled every 500 ms, restarts after the search ends
        page.wait_for_timeout(1300)
        pulse, title = page.evaluate("() => [Search._pulse_status, Search.title.innerText]")
    finally:
        page.close()
    assert pulse == -1 and not title.endswith("."), (pulse, title)
    listed = {urlsplit(h).path.removesuffix(".html") for h in hrefs}
    notebooks = {p for p in chinese_pages_using(term) if p.startswith("notebooks/zh/")}
    assert len(notebooks) >= 3, notebooks
    assert notebooks <= listed, (summary, sorted(notebooks - listed))
    assert all(p.startswith(("notebooks/zh/", "exercises/zh/", "README.zh-CN"))
               for p in listed), listed


#: Browsers checking pages at the same time (the pages of both editions are shared out).
WORKERS = max(1, min(4, os.cpu_count() or 1))


@needs_chromium
def test_every_page_passes_in_a_browser(built, served):
    pages = sorted(p.relative_to(built).as_posix() for p in built.rglob("*.html"))
    full = html_name(NOTEBOOKS[0])  # one page scanned with its code listings too
    report = ss.check_pages(served, pages, ss.axe_script(), chromium=CHROMIUM,
                            args=CHROMIUM_ARGS, workers=WORKERS, with_code=(full,))
    bad = {page: problems for page, problems in report.items() if problems}
    assert not bad, json.dumps(bad, indent=1)
    assert len(report) >= len(NOTEBOOKS + STUDENT + ZH_NOTEBOOKS + ZH_STUDENT) + 4


@needs_chromium
@pytest.mark.parametrize("width, height", [(1280, 800), (390, 844)], ids=["desktop", "phone"])
def test_the_language_switch_is_visible_and_leads_there_and_back(built, browser, served,
                                                                 width, height):
    page = browser.new_page()
    page.set_viewport_size({"width": width, "height": height})
    try:
        start = html_name(NOTEBOOKS[3])
        page.goto(served.url(start))
        switch = page.locator("a.sgdlab-language-switch")
        assert switch.is_visible() and switch.inner_text().strip() == "中文"
        box = switch.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width
        switch.click()
        page.wait_for_url(served.url(html_name(ZH_NOTEBOOKS[3])))
        assert page.locator("html").get_attribute("lang") == "zh-CN"
        back = page.locator("a.sgdlab-language-switch")
        assert back.is_visible() and back.inner_text().strip() == "English"
        back.click()
        page.wait_for_url(served.url(start))
    finally:
        page.close()


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
    result = build_site.build(out, srcdir=src, cache=cache, strict=False, editions=("en",))
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
