"""Support for tests/test_site.py: serve a built site on 127.0.0.1 and check its pages
in Chromium (Playwright), the way a reader would meet them.

:func:`check_page` opens one page with every request to another host blocked and
recorded, waits for MathJax, and returns its problems: the page did not load, a
request left the site, an image did not load or has no alt text, maths was not
rendered, an error or traceback output is shown, an internal link or anchor does not
resolve, or axe-core finds a serious or critical accessibility violation.
"""

from __future__ import annotations

import functools
import http.server
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

#: axe-core, as shipped inside the axe-playwright-python wheel (no CDN, no npm).
AXE_IMPACTS = ("serious", "critical")
#: Left out of the axe scan of most pages: the code listings' thousands of coloured
#: tokens (axe's colour-contrast rule would take most of a minute per page on 2 cores;
#: their colours are the theme's accessible Pygments style). The test scans one page
#: with them included.
AXE_EXCLUDE = (".highlight pre",)

# After load: the page's images, maths, outputs and links, as one JSON-able object.
JS_FACTS = r"""async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  const imgs = [...document.images];
  for (const img of imgs) { img.loading = 'eager'; }
  await Promise.all(imgs.map(img => img.complete ? null : new Promise(r => {
    img.addEventListener('load', r); img.addEventListener('error', r);
    setTimeout(r, 10000); })));
  const short = t => (t || '').replace(/\s+/g, ' ').trim().slice(0, 120);
  const text = document.body.cloneNode(true);
  for (const el of text.querySelectorAll('pre, code, script, style, mjx-container, .math'))
    el.remove();
  return {
    images: imgs.map(img => ({src: img.currentSrc || img.src,
                              ok: img.complete && img.naturalWidth > 0,
                              alt: img.getAttribute('alt')})),
    maths: document.querySelectorAll('.math').length,
    unrendered: [...document.querySelectorAll('.math')]
        .filter(m => !m.querySelector('mjx-container')).map(m => short(m.textContent)),
    mathErrors: [...document.querySelectorAll('mjx-merror, mjx-container [data-mjx-error]')]
        .map(m => short(m.getAttribute('data-mjx-error') || m.textContent)),
    rawDollars: (text.textContent.match(/\$\$[^$]{0,60}/g) || []).map(short),
    errors: [...document.querySelectorAll(
        '.output.traceback, .output.error, .system-message, .problematic')]
        .map(e => short(e.textContent)),
    tracebacks: (document.body.innerText.match(/Traceback \(most recent call last\)/g)
                 || []).length,
    links: [...document.querySelectorAll('a[href]')].map(a => a.href),
  };
}"""

JS_AXE = """async ([impacts, exclude]) => {
  const context = exclude.length ? {exclude: exclude.map(selector => [selector])} : document;
  // preload: false: axe would otherwise re-fetch the stylesheets itself, resolving
  // their @imports against the page instead of the stylesheet
  const result = await axe.run(context, {resultTypes: ['violations'], preload: false});
  return result.violations.filter(v => impacts.includes(v.impact)).map(v =>
      `${v.id} (${v.impact}): ${v.help}; ${v.nodes.length} element(s), first: ` +
      (v.nodes[0] ? v.nodes[0].target.join(' ') : ''));
}"""


def axe_script() -> str:
    """The axe-core script bundled with axe-playwright-python."""
    from axe_playwright_python import base

    return base.AXE_FILE_PATH.read_text(encoding="utf-8")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        pass


@dataclass
class SiteServer:
    """A static file server for ``root`` on a free port of 127.0.0.1."""

    root: Path
    server: http.server.ThreadingHTTPServer = field(init=False)

    def __post_init__(self) -> None:
        handler = functools.partial(_QuietHandler, directory=str(self.root))
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def url(self, page: str) -> str:
        return f"{self.origin}/{page}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@functools.cache
def _ids(path: Path) -> frozenset[str]:
    html = path.read_text(encoding="utf-8", errors="replace")
    return frozenset(re.findall(r'\sid="([^"]+)"', html))


def link_problems(links: list[str], origin: str, root: Path) -> list[str]:
    """Internal links (same origin) whose file or anchor is missing from the site."""
    problems = []
    for link in sorted(set(links)):
        if not link.startswith(origin + "/"):
            continue
        parts = urlsplit(link)
        target = root / unquote(parts.path).lstrip("/")
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file():
            problems.append(f"broken link: {parts.path}")
        elif parts.fragment and target.suffix == ".html" \
                and unquote(parts.fragment) not in _ids(target):
            problems.append(f"missing anchor: {parts.path}#{parts.fragment}")
    return problems


def check_page(context, server: SiteServer, page_path: str, axe: str,
               axe_exclude: tuple[str, ...] = AXE_EXCLUDE) -> list[str]:
    """Everything wrong with one page of the site, as short lines (empty: all good).
    ``axe_exclude``: CSS selectors of what the accessibility scan leaves out."""
    problems: list[str] = []
    page = context.new_page()
    origin = server.origin

    def route(request_route):
        url = request_route.request.url
        if url.startswith(origin + "/") or url.startswith("data:") or url == origin:
            request_route.continue_()
        else:
            problems.append(f"request to another host: {url[:120]}")
            request_route.abort()

    def failed(response):
        if response.url.startswith(origin) and response.status >= 400:
            problems.append(f"HTTP {response.status}: {response.url[len(origin):]}")

    page.route("**/*", route)
    page.on("response", failed)
    page.on("pageerror", lambda exc: problems.append(f"JavaScript error: {exc}"))
    try:
        response = page.goto(server.url(page_path), wait_until="load")
        if response is None or not response.ok:
            problems.append(f"page did not load: {response.status if response else None}")
            return problems
        source = (server.root / page_path).read_text(encoding="utf-8", errors="replace")
        if 'http-equiv="refresh"' in source:  # index.html: follow it to the landing page
            page.wait_for_url(lambda url: url != server.url(page_path))
            page.wait_for_load_state("load")
        facts = page.evaluate(JS_FACTS)
        for img in facts["images"]:
            where = img["src"][len(origin):] if img["src"].startswith(origin) else img["src"]
            if not img["ok"]:
                problems.append(f"image did not load: {where[:100]}")
            alt = (img["alt"] or "").strip()
            if not alt or re.search(r"\.(png|jpe?g|gif|svg|webp)$", alt, re.I):
                # docutils writes the file name when a figure has no alt text
                problems.append(f"image without alt text: {where[:100]}")
        problems += [f"maths not rendered: {m}" for m in facts["unrendered"]]
        problems += [f"maths error: {m}" for m in facts["mathErrors"]]
        problems += [f"raw $$ in the text: {m}" for m in facts["rawDollars"]]
        problems += [f"error output: {e}" for e in facts["errors"]]
        if facts["tracebacks"]:
            problems.append(f"traceback shown ({facts['tracebacks']})")
        problems += link_problems(facts["links"], origin, server.root)
        page.add_script_tag(content=axe)
        problems += [f"axe: {v}" for v in page.evaluate(JS_AXE, [list(AXE_IMPACTS),
                                                                 list(axe_exclude)])]
    finally:
        page.close()
    return problems


def check_pages(server: SiteServer, pages: list[str], axe: str, *, chromium: str,
                args: list[str], workers: int = 2,
                with_code: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """:func:`check_page` for every page, shared among ``workers`` threads, each with its
    own Chromium (Playwright's sync API is per thread). ``with_code``: pages checked a
    second time with their code listings in the accessibility scan (reported as
    ``"<page> (code included)"``). Returns {page: problems}."""
    from concurrent.futures import ThreadPoolExecutor

    jobs = [(page, AXE_EXCLUDE) for page in pages] + [(page, ()) for page in with_code]
    shares = [jobs[i::workers] for i in range(max(1, workers))]

    def run(share: list[tuple[str, tuple[str, ...]]]) -> dict[str, list[str]]:
        from playwright.sync_api import sync_playwright

        out = {}
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=args)
            try:
                context = browser.new_context(viewport={"width": 1280, "height": 800},
                                              service_workers="block")
                context.set_default_timeout(30_000)
                for page, exclude in share:
                    name = page if exclude else f"{page} (code included)"
                    out[name] = check_page(context, server, page, axe, exclude)
            finally:
                browser.close()
        return out

    report: dict[str, list[str]] = {}
    with ThreadPoolExecutor(max_workers=len(shares)) as pool:
        for part in pool.map(run, shares):
            report.update(part)
    return report


# --- a page that must fail every check: proof that the checks can fail ---------------
PLANTED = "notebooks/99_planted.ipynb"
PLANTED_HTML = """\
<img src="https://cdn.example.invalid/logo.png" alt="a logo from another host">

<img src="no-such-picture.png">

<p class="tex2jax_ignore">$$ w_{t+1} = w_t - \\eta g_t $$</p>

<a href="no_such_page.html">a page that does not exist</a> and
<a href="01_gradient_descent.html#no-such-section">a section that does not exist</a>.
"""
#: One fragment of a problem line per planted failure.
PLANTED_EXPECTED = (
    "request to another host: https://cdn.example.invalid/logo.png",
    "image did not load: /notebooks/no-such-picture.png",
    "image without alt text: /notebooks/no-such-picture.png",
    "raw $$ in the text",
    "maths not rendered: \\(\\frac{1}{",  # MathJax gives up on it and leaves the TeX
    "traceback shown",
    "error output",
    "broken link: /notebooks/no_such_page.html",
    "missing anchor: /notebooks/01_gradient_descent.html#no-such-section",
    "axe: image-alt (critical)",
)


def write_planted_notebook(srcdir: Path) -> str:
    """A notebook (not executed: its stored outputs are shown) that breaks every check.
    Returns its path relative to ``srcdir``."""
    import nbformat

    nb = nbformat.v4.new_notebook(metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "mystnb": {"execution_mode": "off"}})
    broken = nbformat.v4.new_code_cell("1 / 0")
    broken.outputs = [nbformat.v4.new_output(
        "error", ename="ZeroDivisionError", evalue="division by zero",
        traceback=["Traceback (most recent call last)", "ZeroDivisionError: division by zero"])]
    nb.cells = [nbformat.v4.new_markdown_cell("# Planted page\n\nA formula MathJax cannot "
                                              "read: $\\frac{1}{$.\n"),
                nbformat.v4.new_markdown_cell(PLANTED_HTML), broken]
    target = srcdir / PLANTED
    nbformat.write(nb, target)
    return PLANTED
