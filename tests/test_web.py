"""The web UI in process: Datasette with newsmon's plugin on the demo's database (metadata,
canned queries, the story page, what --public turns off) and `newsmon serve`'s usage errors.
The same in a real browser is in test_browser.py."""

from __future__ import annotations

import asyncio
import csv
import http.client
import io
import json
import re
import shutil
import socket
import sqlite3
import time
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner
from conftest import newsmon
from markupsafe import escape
from sqlalchemy.orm import Session
from test_diff import costliest, edited_story

from newsmon.alerts.channels import check
from newsmon.alerts.watches import NewWatch, add
from newsmon.cli import main
from newsmon.db.engine import Access, open_engine
from newsmon.db.store import record_story
from newsmon.demo.run import prepare
from newsmon.demo.server import newsmon_serve
from newsmon.items import Story
from newsmon.output import FORMULA_STARTS
from newsmon.web.metadata import QUERIES, database_metadata
from newsmon.web.serve import TRUNCATE, datasette

SECRET_URL = "json://newsmon:hunter2-s3cret@127.0.0.1:9/hook"
HOSTILE = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'


@pytest.fixture(scope="module")
def db(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's database, and a story whose title and body hold HTML."""
    copy = tmp_path_factory.mktemp("web") / "news.db"
    shutil.copyfile(demo_db, copy)
    engine = open_engine(str(copy), Access.WRITE)
    story = Story(
        source="kbs-world",
        lang="e",
        article_id="999001",
        url="https://world.kbs.co.kr/service/news_view.htm?lang=e&Seq_Code=999001",
        title=f"Hostile {HOSTILE} Title",
        body=f"A body with {HOSTILE} in it, " + "and more words " * 10,
        section="Politics",
        written_at=datetime(2026, 11, 20, 1, 0, tzinfo=UTC),
    )
    with Session(engine) as session, session.begin():
        record_story(session, story, datetime(2026, 11, 27, 1, 0, tzinfo=UTC))
        record_story(session, replace(story, body=story.body + " <b>Added</b>."), datetime.now(UTC))
    add(engine, NewWatch("budget", "budget", [check(SECRET_URL)]), datetime.now(UTC))
    engine.dispose()
    return copy


def get(db: Path, path: str, *, public: bool = False) -> tuple[int, str]:
    async def fetch() -> tuple[int, str]:
        response = await datasette(db, config=None, public=public).client.get(path)
        return response.status_code, response.text

    return asyncio.run(fetch())


def get_json(db: Path, path: str) -> Any:
    status, text = get(db, path)
    assert status == 200, text
    import json

    return json.loads(text)


def story_id(db: Path, article_id: str) -> int:
    rows = get_json(db, f"/news/stories.json?article_id={article_id}&_shape=array")
    return rows[0]["id"]


def test_the_database_explains_itself(db: Path) -> None:
    meta = get_json(db, "/-/metadata.json")["databases"]["news"]
    assert meta["title"] == "newsmon" and "UTC" in meta["description"]
    stories = meta["tables"]["stories"]
    assert stories["facets"] == ["source", "section", "reporter"]
    assert stories["sort_desc"] == "written_at" and stories["fts_table"] == "stories_fts"
    assert "UTC, as 2026-11-27T10:14:05Z" in stories["columns"]["written_at"]
    assert meta["tables"]["alembic_version"]["hidden"] is True
    page = get(db, "/news/current_stories")[1]
    assert re.search(r'<input[^>]+name="_search"', page)
    assert "Every story as it stands now" in page
    # newest first, and facets shown
    rows = get_json(db, "/news/stories.json?_shape=array&_size=5")
    assert [r["written_at"] for r in rows] == sorted((r["written_at"] for r in rows), reverse=True)
    facets = get_json(db, "/news/stories.json?_size=0")["facet_results"]
    assert {v["value"] for v in facets["source"]["results"]} == {"kbs-world", "meridian"}


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_the_canned_queries_answer(db: Path, name: str) -> None:
    params = {"story_history": "&story=204156", "run_failures": "&run=1"}.get(name, "")
    if name == "story_history":  # by its canonical URL too
        url = "https://world.kbs.co.kr/service/news_view.htm?lang=e%26Seq_Code=204156"
        assert get_json(db, f"/news/{name}.json?_shape=array&story={url}")
    rows = get_json(db, f"/news/{name}.json?_shape=array{params}")
    assert rows, name


def test_the_story_page_shows_revisions_and_what_changed(db: Path) -> None:
    updated = story_id(db, "204156")
    status, page = get(db, f"/news/stories/{updated}")
    assert status == 200
    assert "<h2>Revisions</h2>" in page and "What changed from revision 1 to 2" in page
    assert "<ins>\n\n(Updated with the ruling party&#x27;s response.)</ins>" in page
    # times in UTC and in the outlet's zone (KBS: Korea time)
    assert re.search(r"<td>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ</td><td>[^<]+ KST \(\+0900\)</td>", page)
    assert 'href="https://world.kbs.co.kr/service/news_view.htm?lang=e&amp;Seq_Code=204156"' in page
    # a silent edit of a generic outlet, in its configured zone as its runs recorded it
    meridian = get_json(db, "/news/stories.json?source=meridian&revision=2&_shape=array")
    titles = {r["title"]: r["id"] for r in meridian}
    edited = titles["Ministers Questioned Over Helicopter Procurement Delays"]
    page = get(db, f"/news/stories/{edited}")[1]
    assert "<del>Defense</del><ins>Helicopter</ins>" in page
    assert "Asia/Seoul" in page and "KST (+0900)" in page
    # any two revisions, chosen in the page's form
    assert "<h3>title</h3>" in get(db, f"/news/stories/{edited}?from=2&to=1")[1]
    assert get(db, "/news/stories/999999")[0] == 404


def test_a_story_s_text_takes_its_own_direction(db: Path) -> None:
    # dir="auto": Arabic or Hebrew text reads from the right, whatever the page around it.
    page = get(db, f"/news/stories/{story_id(db, '204156')}")[1]
    assert re.search(r'<h1 [^>]*dir="auto"', page)
    assert re.search(r'<div class="body">\s*<p dir="auto">', page)
    assert '<td dir="auto">' in page and 'class="diff" data-field="body" dir="auto"' in page


def test_stored_html_is_shown_as_text(db: Path) -> None:
    hostile = story_id(db, "999001")
    for path in (f"/news/stories/{hostile}", "/news/stories", "/news/current_stories"):
        page = get(db, path)[1]
        assert "<script>window.__pwned" not in page and "<img src=x" not in page, path
        assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in page, path
    diff = get(db, f"/news/stories/{hostile}")[1]
    assert "&lt;b&gt;Added&lt;/b&gt;.</ins>" in diff and "<b>Added" not in diff


def test_views_link_stories_to_their_page(db: Path) -> None:
    page = get(db, "/news/current_stories?_size=3")[1]
    assert re.search(r'<a href="/news/stories/\d+">\d+</a>', page)


def test_public_turns_off_sql_and_nothing_downloads(db: Path) -> None:
    assert get(db, "/news?sql=select+1", public=True)[0] == 403
    assert get(db, "/news.db", public=True)[0] == 403
    assert get(db, "/news.db")[0] == 403
    assert get(db, "/news/stories", public=True)[0] == 200
    assert get(db, "/news?sql=select+1")[0] == 200


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--host", "0.0.0.0"], "Invalid value for '--host': 0.0.0.0 lets other machines connect: "
         "add --public"),
        (["--db", "postgresql://x/y"], "serving needs an SQLite file"),
        (["--db", "missing.db"], "no database at missing.db"),
        (["--port", "70000"], "'--port'"),
    ],
)  # fmt: skip
def test_serve_usage_errors(args: list[str], message: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["serve", "--db", str(tmp_path / "x.db"), *args])
    assert result.exit_code == 2 and len(result.output.splitlines()) == 1
    assert message in result.output


@pytest.fixture
def held_port() -> Iterator[int]:
    """A loopback port another program listens on, for the test."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        yield held.getsockname()[1]


@pytest.fixture
def fresh_db(tmp_path: Path) -> Path:
    """A newsmon database with no stories yet."""
    path = tmp_path / "news.db"
    open_engine(str(path), Access.CREATE).dispose()
    return path


def test_serve_on_a_port_in_use_says_so_before_announcing(
    fresh_db: Path, held_port: int, tmp_path: Path
) -> None:
    result = newsmon("serve", "--db", str(fresh_db), "--port", str(held_port), cwd=tmp_path)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        f"Error: Invalid value for '--port': port {held_port} on 127.0.0.1 is in use (another "
        "program listens there); pick another with --port\n"
    )


BAD_OUTLET = '[[outlets]]\nname = "kbs"\nsite = "kbs"\nsectoin = "Po"\n'


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("--config", "Invalid value for '--config': {folder}/mine.toml:4: sectoin: not a key"),
        ("missing", "Invalid value for '--config': no config file at {folder}/mine.toml"),
        ("./newsmon.toml", "Invalid value for '--config': newsmon.toml:4: sectoin: not a key"),
        ("not TOML", "Invalid value for '--config': {folder}/mine.toml:1: not valid TOML"),
    ],
)
def test_serve_checks_the_config_first(
    where: str, expected: str, fresh_db: Path, held_port: int, tmp_path: Path
) -> None:
    # The port is taken: were the config not checked, serve would fail on the port instead
    # (or, before, start), never naming the config.
    mine = tmp_path / "mine.toml"
    if where == "./newsmon.toml":
        (tmp_path / "newsmon.toml").write_text(BAD_OUTLET, encoding="utf-8")
        given = []
    else:
        if where != "missing":
            mine.write_text("[[outlets]\n" if where == "not TOML" else BAD_OUTLET, "utf-8")
        given = ["--config", str(mine)]
    port = str(held_port)
    result = newsmon("serve", "--db", str(fresh_db), "--port", port, *given, cwd=tmp_path)
    assert result.returncode == 2 and "serving" not in result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith("Error: " + expected.format(folder=tmp_path)), line


@pytest.mark.parametrize(
    ("path", "column"),
    [
        ("/news/watch_channels.json?_shape=array", "url"),
        ("/news.json?sql=select+*+from+watch_channels&_shape=array", "url"),
        ("/news.json?sql=select+upper(url)+as+u+from+watch_channels&_shape=array", "u"),
    ],
)
def test_notification_urls_read_as_null(db: Path, path: str, column: str) -> None:
    [row] = get_json(db, path)
    assert row[column] is None
    assert row.get("shown", "json://****@127.0.0.1:9/…") == ("json://****@127.0.0.1:9/…")
    status, text = get(db, "/news/watch_channels.csv")
    assert status == 200 and "hunter2" not in text and "json://****@127.0.0.1:9/…" in text


def test_every_table_and_view_is_described_as_it_is(tmp_path: Path) -> None:
    """The web UI describes exactly the columns each table and view has, in their order, in a
    database the migrations made (with the mark of the demo's, which has one table more)."""
    path = tmp_path / "news.db"
    prepare(str(path))
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        names = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
                "AND name NOT LIKE 'sqlite!_%' ESCAPE '!'"
            )
        ]
        real = {n: [c[1] for c in conn.execute(f"PRAGMA table_info('{n}')")] for n in names}
    finally:
        conn.close()
    tables = database_metadata()["tables"]
    hidden = {name for name, meta in tables.items() if meta.get("hidden")}
    described = {
        name: list(meta.get("columns", {})) for name, meta in tables.items() if name not in hidden
    }
    assert hidden <= set(real)
    assert described == {name: columns for name, columns in real.items() if name not in hidden}
    for name in described:
        assert tables[name]["title"] and tables[name]["description"], name
        assert all(tables[name]["columns"].values()), name


@pytest.mark.slow  # the demo's database (demo_db)
def test_lists_show_the_start_of_a_body_and_its_page_all_of_it(db: Path) -> None:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        story, body = conn.execute(
            "SELECT id, body FROM stories ORDER BY length(body) DESC LIMIT 1"
        ).fetchone()
        [revision] = conn.execute(
            "SELECT id FROM revisions WHERE story_id = ? AND body = ?", (story, body)
        ).fetchone()
    finally:
        conn.close()
    assert len(body) > 4 * TRUNCATE
    for path in (f"/news/stories?id={story}", f"/news/current_stories?id={story}"):
        page = get(db, path)[1]
        assert escape(body[:TRUNCATE] + "\u2026") in page, path
        assert escape(body) not in page, path
    assert escape(body) in get(db, f"/news/revisions/{revision}")[1]
    assert get_json(db, f"/news/stories.json?id={story}&_shape=array")[0]["body"] == body


# Issue 18: what `newsmon serve` answers, and to whom. A small database of its own, served by a
# real `newsmon serve` process, its answers read with http.client (which sends any Host).

FORMULAS = {
    "title": '=HYPERLINK("http://x","y")',
    "summary": "-2+3+cmd|' /C calc'!A0",
    "reporter": "@SUM(1+1)",
    "body": "\tA body a spreadsheet would read as a formula.",
    "photo_credit": "+1+1",
}
FORMULA_STORY = "777001"
PROXY_NAME = "news.example.org"


@pytest.fixture(scope="module")
def formula_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A newsmon database holding one story whose fields a spreadsheet would run as formulas."""
    path = tmp_path_factory.mktemp("formulas") / "news.db"
    engine = open_engine(str(path), Access.CREATE)
    story = Story(
        source="kbs-world",
        lang="e",
        article_id=FORMULA_STORY,
        url=f"https://world.kbs.co.kr/service/news_view.htm?lang=e&Seq_Code={FORMULA_STORY}",
        section="Politics",
        written_at=datetime(2026, 11, 20, 1, 0, tzinfo=UTC),
        **FORMULAS,
    )
    with Session(engine) as session, session.begin():
        record_story(session, story, datetime(2026, 11, 27, 1, 0, tzinfo=UTC))
    engine.dispose()
    return path


@pytest.fixture(scope="module")
def served_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("config") / "newsmon.toml"
    path.write_text('[[outlets]]\nname = "kbs-world"\nsite = "kbs"\n', encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def served(formula_db: Path, served_config: Path) -> Iterator[str]:
    """`newsmon serve` on the formula database, with a config given: its origin."""
    with newsmon_serve(formula_db, "--config", str(served_config)) as origin:
        yield origin


def ask(
    origin: str, path: str, *, host: str | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], str]:
    """GET `path` from `origin` sending `host` as the Host header (else the origin's own):
    the status, the headers (names in lower case) and the body."""
    where = urlsplit(origin)
    connection = http.client.HTTPConnection(where.hostname or "", where.port, timeout=60)
    try:
        connection.request("GET", path, headers={"Host": host or where.netloc, **(headers or {})})
        response = connection.getresponse()
        body = response.read().decode("utf-8")
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        connection.close()


def served_story(origin: str) -> int:
    status, _, text = ask(origin, f"/news/stories.json?article_id={FORMULA_STORY}&_shape=array")
    assert status == 200, text
    return int(json.loads(text)[0]["id"])


def test_serve_answers_only_requests_for_its_own_address(
    served: str, figures: Callable[..., None]
) -> None:
    """A page elsewhere that resolves a name of its own to this machine (DNS rebinding) sends
    that name as the Host: refused, on every kind of page. The address served, and localhost on
    a loopback address, are answered."""
    port = urlsplit(served).port
    forged = ["evil.example", f"evil.example:{port}", f"127.0.0.1.evil.example:{port}",
              f"localhost.evil.example:{port}", "127.0.0.1:1", "127.0.0.1"]  # fmt: skip
    paths = ["/", "/news/stories", "/news/stories.json", "/news/stories.csv",
             "/news.json?sql=select+1", "/-/databases.json"]  # fmt: skip
    for host in forged:
        for path in paths:
            status, headers, body = ask(served, path, host=host)
            assert status == 400, (host, path, body)
            assert body.count("\n") == 1 and body.endswith("\n"), body
            assert f"answers requests for 127.0.0.1:{port}" in body and repr(host) in body, body
            assert headers["x-content-type-options"] == "nosniff"
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"LOCALHOST:{port}"):
        for path in paths:
            status, _, body = ask(served, path, host=host)
            assert status == 200, (host, path, body)
    figures(trials=len(forged) * len(paths))


def test_serve_refuses_what_a_proxy_forwarded_without_public(
    served: str, figures: Callable[..., None]
) -> None:
    """A reverse proxy on this machine forwards to the loopback address: without --public that
    would publish arbitrary SQL. The headers a proxy adds give it away."""
    headers = ("X-Forwarded-For", "Forwarded", "X-Forwarded-Host", "X-Real-IP")
    for header in headers:
        status, _, body = ask(served, "/news.json?sql=select+1", headers={header: "203.0.113.9"})
        assert status == 400, (header, body)
        assert f"a proxy forwarded this request ({header.lower()})" in body
        assert "--public" in body and body.count("\n") == 1
    figures(trials=len(headers))


def test_allow_host_answers_a_reverse_proxy_s_name(formula_db: Path) -> None:
    with newsmon_serve(formula_db, "--public", "--allow-host", PROXY_NAME) as origin:
        proxied = {"X-Forwarded-For": "203.0.113.9"}
        for host in (PROXY_NAME, f"{PROXY_NAME}:443", PROXY_NAME.upper(), urlsplit(origin).netloc):
            status, _, body = ask(origin, "/news/stories.json", host=host, headers=proxied)
            assert status == 200, (host, body)
        for host in ("evil.example", f"evil.{PROXY_NAME}", f"{PROXY_NAME}.evil.example"):
            status, _, body = ask(origin, "/news/stories.json", host=host, headers=proxied)
            assert status == 400, (host, body)
            assert f"{PROXY_NAME} (any port)" in body and "--allow-host NAME" in body
        # --public still turns arbitrary SQL off behind the proxy
        assert ask(origin, "/news.json?sql=select+1", host=PROXY_NAME)[0] == 403


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--allow-host", "192.0.2.7"], "Invalid value for '--allow-host': 192.0.2.7 is a name "
         "other machines reach this server by, through a proxy: add --public"),
        (["--allow-host", PROXY_NAME], f"Invalid value for '--allow-host': {PROXY_NAME} is a "
         "name other machines"),
        (["--public", "--allow-host", "https://news.example.org/"], "Invalid value for "
         "'--allow-host': 'https://news.example.org/' is not a host name or address"),
        (["--public", "--allow-host", f"{PROXY_NAME}:443"], "is not a host name or address"),
        (["--public", "--allow-host", ""], "is not a host name or address"),
    ],
)  # fmt: skip
def test_allow_host_usage_errors(args: list[str], message: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["serve", "--db", str(tmp_path / "x.db"), *args])
    assert result.exit_code == 2 and len(result.output.splitlines()) == 1, result.output
    assert message in result.output


SECURITY_HEADERS = {"x-content-type-options": "nosniff", "x-frame-options": "DENY"}


def test_every_answer_says_nosniff_and_may_not_be_framed(served: str) -> None:
    story = served_story(served)
    paths = ["/", "/news", "/news/stories", f"/news/stories/{story}", "/news/stories.json",
             "/news/stories.csv", "/news/latest_stories.csv", "/news.json?sql=select+1",
             "/-/metadata.json", "/-/static/app.css", "/-/static-plugins/newsmon/newsmon.css",
             "/no-such-page"]  # fmt: skip
    for path in paths:
        status, headers, _ = ask(served, path)
        assert status == (404 if path == "/no-such-page" else 200), path
        assert {k: headers.get(k) for k in SECURITY_HEADERS} == SECURITY_HEADERS, path
        policy = headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy and "default-src 'self'" in policy, path


@pytest.mark.parametrize(
    "path",
    [
        "/news/stories.csv",  # a table
        "/news/stories.csv?_dl=1",  # its download link
        "/news/stories.csv?_stream=on",  # every row, streamed
        "/news/current_stories.csv",  # a view
        "/news/story_revisions.csv",  # another view
        "/news/stories/{story}.csv",  # a row
        "/news/latest_stories.csv",  # a canned query
        "/news.csv?sql=select+title,+summary,+reporter,+body+from+stories",  # arbitrary SQL
        "/news.csv?sql=select+upper(title)+as+shouted+from+stories",  # a computed column
    ],
)
def test_csv_downloads_neutralise_formulas(served: str, path: str) -> None:
    """Every CSV the UI offers prefixes a cell starting with =, +, -, @, a tab or a CR with `'`,
    as newsmon's own exports do (newsmon.output.neutralise); the JSON keeps every value."""
    status, _, text = ask(served, path.format(story=served_story(served)))
    assert status == 200, text
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert rows, text
    cells = [cell for row in rows for cell in row.values()]
    assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS)], text
    for row in rows:
        for name, value in FORMULAS.items():
            if name in row:
                assert row[name] == "'" + value, (name, row[name])
        if "shouted" in row:
            assert row["shouted"] == "'" + FORMULAS["title"].upper()


def test_json_keeps_formula_looking_values_exact(served: str) -> None:
    for path in (
        f"/news/stories.json?article_id={FORMULA_STORY}&_shape=array",
        "/news.json?sql=select+title,+summary,+reporter,+body,+photo_credit+from+stories"
        "&_shape=array",
    ):
        status, _, text = ask(served, path)
        assert status == 200, text
        [row] = json.loads(text)
        assert {name: row[name] for name in FORMULAS} == FORMULAS


def test_no_answer_shows_where_the_files_are(
    served: str, formula_db: Path, served_config: Path, figures: Callable[..., None]
) -> None:
    """The database's and the config's folders are the server's business: not on any page."""
    story = served_story(served)
    folders = {str(formula_db.parent), str(served_config.parent)}
    paths = ["/-/databases.json", "/-/databases", "/-/metadata.json", "/-/metadata",
             "/-/settings.json", "/-/plugins.json", "/-/plugins.json?all=1", "/-/versions.json",
             "/-/threads.json", "/", "/.json", "/news", "/news.json", "/news/stories",
             f"/news/stories/{story}", f"/news/stories/{story}.json"]  # fmt: skip
    shown: dict[str, list[str]] = {}
    for path in paths:
        status, _, text = ask(served, path)
        assert status == 200, (path, text)
        shown.update({path: found} if (found := [f for f in folders if f in text]) else {})
    assert shown == {}
    figures(trials=len(paths))
    [database] = json.loads(ask(served, "/-/databases.json")[2])
    assert database["name"] == "news" and database["path"] == "news.db"


# Issue 18: comparing revisions is bounded, and done off the event loop.


def costly_db(path: Path) -> dict[str, int]:
    """A newsmon database at `path` with two stories of two revisions each, costly to compare:
    `long` (3,000 words, a word changed every 50) and `costliest` (made to cost a diff the
    most, see test_diff); each one's row id."""
    engine = open_engine(str(path), Access.CREATE)
    ids: dict[str, int] = {}
    for n, (name, (old, new)) in enumerate(
        {"long": edited_story(3000), "costliest": costliest()}.items()
    ):
        story = Story(
            source="kbs-world",
            lang="e",
            article_id=str(888000 + n),
            url=f"https://world.kbs.co.kr/service/news_view.htm?lang=e&Seq_Code={888000 + n}",
            title=f"A {name} story",
            body=old,
            section="Politics",
            written_at=datetime(2026, 11, 20, 1, 0, tzinfo=UTC),
        )
        with Session(engine) as session, session.begin():
            record_story(session, story, datetime(2026, 11, 27, 1, 0, tzinfo=UTC))
            later = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
            record_story(session, replace(story, body=new), later)
        with engine.connect() as connection:
            found = connection.exec_driver_sql(
                "SELECT id FROM stories WHERE article_id = ?", (story.article_id,)
            )
            ids[name] = found.scalar_one()
    engine.dispose()
    return ids


def test_a_story_too_large_to_compare_shows_both_versions(tmp_path: Path) -> None:
    ids = costly_db(tmp_path / "news.db")
    status, page = get(tmp_path / "news.db", f"/news/stories/{ids['costliest']}")
    assert status == 200
    assert (
        "The body is too large to compare word by word (50,000 words before, 50,000 after): "
        "both versions are shown whole, the older struck through."
    ) in page
    old, new = costliest()
    assert f'data-field="body" dir="auto"><del>{old}</del><ins>{new}</ins></div>' in page
    status, page = get(tmp_path / "news.db", f"/news/stories/{ids['long']}")
    assert status == 200 and "too large" not in page
    assert len(re.findall(r"<del>\w+</del><ins>\w+X</ins>", page)) == 60


@pytest.mark.slow  # a `newsmon serve` process, and texts of 50,000 words
def test_a_costly_story_page_holds_up_no_other_request(tmp_path: Path) -> None:
    """While the pages of stories costly to compare are being made, the server answers other
    requests at once. It did not: a 3,000-word story held every request up for half a minute
    (the diff ran on Datasette's event loop). The bound is generous: here they answer in well
    under a second."""
    ids = costly_db(tmp_path / "news.db")

    def fetch(origin: str, path: str) -> tuple[int, str, float]:
        started = time.monotonic()
        with urllib.request.urlopen(origin + path, timeout=60) as response:
            return response.status, response.read().decode(), time.monotonic() - started

    pages = [ids["long"], ids["costliest"], ids["costliest"], ids["costliest"], ids["long"]]
    with ThreadPoolExecutor(len(pages)) as pool, newsmon_serve(tmp_path / "news.db") as origin:
        asked = [pool.submit(fetch, origin, f"/news/stories/{story}") for story in pages]
        time.sleep(0.2)  # the pages' requests are under way
        waits: list[float] = []
        while not all(page.done() for page in asked) or not waits:
            waits.append(fetch(origin, "/-/versions.json")[2])
        answers = [page.result(timeout=120) for page in asked]
    assert max(waits) < 5, waits
    for story, (status, text, _) in zip(pages, answers, strict=True):
        assert status == 200
        assert ("too large to compare word by word" in text) == (story == ids["costliest"])
