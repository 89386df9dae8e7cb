"""The web UI in a real browser: `newsmon serve` on a database made by crawls of the fixture
sites, driven in headless Chromium (Debian's chromium package) through Playwright.

Skipped, with the reason, where no Chromium is installed; `.ci/run` installs it. With
NEWSMON_SCREENSHOTS set to a folder, the story page's screenshot is saved there too (the
README's picture is made so).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import crawl
from playwright.sync_api import Browser, Page, sync_playwright

from newsmon.demo.server import newsmon_serve, serve
from newsmon.demo.site import FixtureSite
from newsmon.demo.site import Page as SitePage

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
HOSTILE = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'

pytestmark = [
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(),
        reason="no Chromium: apt-get install chromium (the browser tests drive the system's)",
    ),
    pytest.mark.slow,
]


@pytest.fixture(scope="module")
def db(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's database (two outlets, updates, silent edits), and one more crawl of KBS's copy
    in which a story's headline holds HTML."""
    copy = tmp_path_factory.mktemp("browser") / "news.db"
    shutil.copyfile(demo_db, copy)
    site = FixtureSite.bundled()
    newest = site.politics()[0]
    site.add_story(
        dict(newest, article_id=999001, title=f"Hostile {HOSTILE} Headline", updated=None)
    )
    with serve(site) as origin:
        assert crawl(origin, copy, "--max-pages", "1").returncode == 0
    return copy


@pytest.fixture(scope="module")
def ui(db: Path) -> Iterator[str]:
    with newsmon_serve(db) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def test_the_search_box_finds_a_story_by_a_word_in_its_body(ui: str, page: Page) -> None:
    page.goto(f"{ui}/news/stories")
    page.fill('input[name="_search"]', "tuberculosis")
    page.press('input[name="_search"]', "Enter")
    page.wait_for_url("**_search=tuberculosis**")
    titles = page.locator("td.col-title").all_inner_texts()
    assert titles == ["Unification Ministry Approves Civic Group\u2019s Contact with N. Koreans"]


def test_a_facet_narrows_the_list(ui: str, page: Page) -> None:
    page.goto(f"{ui}/news/stories")
    before = page.locator("td.col-source").count()
    page.click('.facet-info[data-column="source"] a:has-text("meridian")')
    page.wait_for_url("**source=meridian**")
    sources = page.locator("td.col-source").all_inner_texts()
    assert sources and set(sources) == {"meridian"} and len(sources) < before


def test_the_story_page_shows_what_changed(ui: str, page: Page, tmp_path: Path) -> None:
    page.goto(f"{ui}/news/stories?article_id=204156")
    page.click("td.col-id a")
    page.wait_for_selector("section.changes")
    assert "What changed from revision 1 to 2" in page.inner_text("section.changes")
    added = page.locator(".diff ins").all_inner_texts()
    assert [a.strip() for a in added] == ["(Updated with the ruling party's response.)"]
    shot = tmp_path / "story-page.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    if folder := os.environ.get("NEWSMON_SCREENSHOTS"):
        shutil.copyfile(shot, Path(folder) / shot.name)


def test_a_script_in_a_headline_runs_nowhere(ui: str, page: Page) -> None:
    for path in ("/news/stories?article_id=999001", "/news/current_stories", "/news/stories"):
        page.goto(ui + path)
        assert page.evaluate("window.__pwned") is None, path
    page.goto(f"{ui}/news/stories?article_id=999001")
    page.click("td.col-id a")
    page.wait_for_selector("article.newsmon-story h1")
    assert page.evaluate("window.__pwned") is None
    shown = page.inner_text("article.newsmon-story h1")
    assert shown == f"Hostile {HOSTILE} Headline"  # the markup, as text


def test_public_refuses_a_custom_sql_query(db: Path, page: Page) -> None:
    with newsmon_serve(db, "--public") as url:
        response = page.goto(f"{url}/news?sql=select+count(*)+from+stories")
        assert response is not None and response.status == 403
        assert "Forbidden" in page.inner_text("body")
        allowed = page.goto(f"{url}/news/stories")
        assert allowed is not None and allowed.status == 200


def test_a_crawl_writes_while_the_ui_serves(
    demo_db: Path, tmp_path: Path, browser: Browser
) -> None:
    """Datasette holds the file open read-only: a crawl meanwhile stores its stories, and the
    open UI shows them when the page is reloaded (Datasette lets a browser cache a page for 5 s,
    which a reload skips)."""
    copy = tmp_path / "news.db"
    shutil.copyfile(demo_db, copy)
    site = FixtureSite.bundled()
    newest = site.politics()[0]
    site.add_story(dict(newest, article_id=999002, title="Written While Served", updated=None))
    with newsmon_serve(copy) as url:
        page = browser.new_page()
        try:
            page.goto(f"{url}/news/stories?article_id=999002")
            assert page.locator("td.col-title").count() == 0
            with serve(site) as origin:
                result = crawl(origin, copy, "--max-pages", "1")
            assert result.returncode == 0, result.stderr
            page.reload()
            assert page.locator("td.col-title").all_inner_texts() == ["Written While Served"]
        finally:
            page.close()


def test_the_stories_list_is_a_few_lines_a_row_below_a_search_box(ui: str, page: Page) -> None:
    """Lists show the start of each body (`newsmon serve` cuts long values), in columns wide
    enough for it, and the columns' descriptions take a line each: with whole bodies the demo's
    32 stories made a page 39,000 px tall, the search box below the first screen."""
    page.goto(f"{ui}/news/stories")
    rows = page.locator("table.rows-and-columns tbody tr")
    table = page.locator("table.rows-and-columns").bounding_box()
    search = page.locator('input[name="_search"]').bounding_box()
    height = page.evaluate("document.documentElement.scrollHeight")
    assert table is not None and search is not None and page.viewport_size is not None
    assert rows.count() >= 30
    assert table["height"] / rows.count() < 200  # 1,200 px a row with whole bodies
    assert height < 8_000  # about 5,500
    assert search["y"] + search["height"] < page.viewport_size["height"]


def test_pages_work_under_the_content_security_policy(ui: str, page: Page) -> None:
    """`newsmon serve`'s policy (newsmon.web.http) lets a page load and send nothing elsewhere;
    Datasette's own scripts (a column's menu, the SQL editor), its inline styles and icons, and
    newsmon's story page and style still work under it, and the browser reports no violation."""
    page.add_init_script(
        "window.__violations = [];"
        "document.addEventListener('securitypolicyviolation',"
        " e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    violations: dict[str, list[str]] = {}

    def visit(path: str) -> None:
        response = page.goto(ui + path)
        assert response is not None and response.status == 200, path
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]

    def check(path: str) -> None:
        violations.update({path: found} if (found := page.evaluate("window.__violations")) else {})

    visit("/news/stories")
    assert page.locator("table.rows-and-columns tbody tr").count() >= 30
    page.click("th.col-title svg.dropdown-menu-icon")  # table.js, Datasette's own script
    assert page.locator(".dropdown-menu a.dropdown-sort-asc").is_visible()
    check("/news/stories")
    visit("/news")  # the SQL editor: CodeMirror, started by an inline script
    page.wait_for_selector(".CodeMirror")
    check("/news")
    visit("/news/latest_stories")  # a canned query
    assert page.locator("table.rows-and-columns tbody tr").count() > 0
    check("/news/latest_stories")
    visit("/news/stories?article_id=204156")
    page.click("td.col-id a")
    page.wait_for_selector("section.changes")
    assert "What changed from revision 1 to 2" in page.inner_text("section.changes")
    styled = page.evaluate(
        "[...document.styleSheets].some(s => (s.href || '').endsWith('/newsmon.css')"
        " && s.cssRules.length > 0)"
    )
    assert styled, "newsmon.css did not apply"
    check("story page")
    assert violations == {}
    assert [m for m in console if "Content Security Policy" in m] == []


class Framing:
    """A page on another origin that frames `target` under its own (clickjacking)."""

    def __init__(self, target: str) -> None:
        self.target = target

    def handle(self, target: str, host: str) -> SitePage:
        return SitePage(200, f'<h1>Win a prize</h1><iframe src="{self.target}"></iframe>')


def test_no_other_site_can_frame_the_ui(ui: str, page: Page) -> None:
    with serve(Framing(f"{ui}/news/stories")) as origin:
        page.goto(origin)  # returns once the frame has loaded, or failed to
        [framed] = [frame for frame in page.frames if frame != page.main_frame]
        assert framed.locator("table.rows-and-columns").count() == 0
        assert page.locator("h1").inner_text() == "Win a prize"
