"""The explorer in a real browser: Debian's headless Chromium driven by Playwright, offline, from disk."""

import importlib.util
import re
from pathlib import Path

import pytest

from graph.normalize import normalize
from graph.pipeline import build
from graph.related_index import name_key
from tests.conftest import HERE, HUGO, INVESTORSWIKI, PROJECT, need
from tests.test_html import CASES, EXPLORER

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = HERE / "artifacts"

if importlib.util.find_spec("playwright") is None:
    pytest.skip("playwright not installed: python3 -m pip install -e '.[test]'", allow_module_level=True)
if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} not found: apt-get install -y chromium (.ci/run does)", allow_module_level=True)

from playwright.sync_api import sync_playwright  # noqa: E402  (after the skips, which say why)


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


class Page:
    """A page opened from disk with every network request refused and recorded, and every error kept."""

    def __init__(self, browser, path: Path, fragment: str = "") -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 800}, offline=True)
        self.network: list[str] = []
        self.errors: list[str] = []
        self.context.route(re.compile(r"^(https?|wss?|ftp)://"), self._refuse)
        self.page = self.context.new_page()
        self.page.on("request", lambda r: None if r.url.startswith(("file:", "data:", "blob:")) else self.network.append(r.url))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(path.resolve().as_uri() + fragment)
        self.page.wait_for_selector("body[data-ready]", state="attached", timeout=60_000)

    def _refuse(self, route) -> None:
        self.network.append(route.request.url)
        route.abort()

    def panel_slug(self) -> str | None:
        return self.page.get_attribute("#panel", "data-slug")

    def close(self) -> None:
        self.context.close()


@pytest.fixture(scope="module")
def explorer(browser, tmp_path_factory):
    result = build([EXPLORER], tmp_path_factory.mktemp("explorer"), formats=["html"])
    page = Page(browser, result.written[0])
    yield result, page
    page.close()


def test_opens_offline_without_errors_and_counts_every_node(explorer):
    result, page = explorer
    n = result.graph.number_of_nodes()
    assert page.page.get_attribute("#count", "data-nodes") == str(n)
    assert page.page.text_content("#count").startswith(f"{n:,} nodes")
    assert page.errors == [] and page.network == []


def test_search_with_other_hamza_and_taa_marbuta_selects_the_term(explorer):
    _, page = explorer
    page.page.fill("#search", "اداره الاصول")  # the title is إدارة الأصول
    assert page.page.get_attribute("#results li:first-child", "data-slug") == "asset-management"
    page.page.keyboard.press("Enter")
    assert page.panel_slug() == "asset-management"
    title = page.page.locator('#panel .title[lang="ar"]')
    assert title.inner_text().startswith("إدارة الأصول")
    assert title.evaluate("e => getComputedStyle(e).direction") == "rtl"
    assert page.page.locator('#panel .title[lang="en"]').evaluate("e => getComputedStyle(e).direction") == "ltr"


def test_clicking_a_node_shows_description_and_related_terms(explorer):
    _, page = explorer
    page.page.evaluate("linkgraph.select('hedge-fund')")  # move the selection elsewhere first
    page.page.click("#fit")
    x, y = page.page.evaluate("linkgraph.screenPosition('portfolio')")
    box = page.page.locator("#canvas").bounding_box()
    page.page.mouse.click(box["x"] + x, box["y"] + y)
    assert page.panel_slug() == "portfolio"
    panel = page.page.locator("#panel")
    assert "توزيع الاستثمارات بين الأصول لتحقيق هدف العميل." in panel.inner_text()
    related = page.page.locator("#panel ol.related > li")
    assert related.count() >= 2
    assert "asset-management" in related.first.inner_text() or "portfolio" in related.first.inner_text()
    assert page.page.locator("#panel ol.related .reasons li").count() >= 2
    related.first.locator("button.node").click()  # each related term is clickable
    assert page.panel_slug() in {"asset-management", "broker"}
    page.page.locator('#panel button.chip').first.click()  # and so is each keyword
    assert page.page.evaluate("linkgraph.selected()") in {"investing", "أسهم", "استثمار"}
    ARTIFACTS.mkdir(exist_ok=True)
    page.page.screenshot(path=str(ARTIFACTS / "explorer-fixture.png"))
    assert page.errors == [] and page.network == []


def test_filters_zoom_and_pan(explorer):
    result, page = explorer
    kinds = [k for _, k in result.graph.nodes(data="kind")]
    page.page.evaluate("linkgraph.select('asset-management')")
    page.page.uncheck("#show-keyword")
    assert page.page.evaluate("linkgraph.shown()") == len(kinds) - kinds.count("keyword")
    page.page.uncheck("#show-missing")
    assert page.page.evaluate("linkgraph.shown()") == kinds.count("article")
    page.page.check("#show-keyword")
    page.page.check("#show-missing")
    before = page.page.evaluate("({...linkgraph.view})")
    page.page.mouse.move(400, 400)
    page.page.mouse.wheel(0, -300)
    page.page.mouse.move(420, 400)
    page.page.mouse.down()
    page.page.mouse.move(520, 460, steps=5)
    page.page.mouse.up()
    after = page.page.evaluate("({...linkgraph.view})")
    assert after["s"] > before["s"] and after["tx"] != before["tx"]
    assert page.errors == []


def test_the_address_names_the_selection(browser, explorer):
    result, page = explorer
    page.page.evaluate("linkgraph.select('broker')")
    assert page.page.evaluate("location.hash") == "#broker"
    again = Page(browser, result.written[0], "#asset-management")
    try:
        assert again.panel_slug() == "asset-management" and again.errors == []
    finally:
        again.close()


@pytest.mark.parametrize("fragment", ["#%E0%A4%A", "#%", "#%ZZbroker", "#%E2%80%AE"])
def test_a_malformed_address_opens_without_errors(browser, explorer, fragment):
    """Issue 10, point 12: decodeURIComponent throws on bad percent-encoding; the page must still load."""
    result, _ = explorer
    page = Page(browser, result.written[0], fragment)
    try:
        assert page.errors == [] and page.panel_slug() in (None, "")
    finally:
        page.close()


def test_browser_normalisation_agrees_with_python(explorer):
    _, page = explorer
    got = page.page.evaluate("cases => cases.map(c => [linkgraph.normalize.normalize(c), linkgraph.normalize.nameKey(c)])", CASES)
    assert got == [[normalize(c), name_key(c)] for c in CASES]


@pytest.mark.parametrize("name, corpus", [("seeds", PROJECT / "seeds"), ("investorswiki", INVESTORSWIKI),
                                          ("hugo-docs", HUGO)])
def test_corpora_open_offline(browser, name, corpus, tmp_path):
    result = build([need(corpus)], tmp_path, formats=["html"])
    page = Page(browser, result.written[0])
    try:
        assert page.page.get_attribute("#count", "data-nodes") == str(result.graph.number_of_nodes())
        assert page.page.evaluate("linkgraph.find('a').length") > 0
        ARTIFACTS.mkdir(exist_ok=True)
        page.page.screenshot(path=str(ARTIFACTS / f"explorer-{name}.png"))
        assert page.errors == [] and page.network == []
    finally:
        page.close()
