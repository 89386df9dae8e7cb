"""newsmon.toml: outlets, and mistakes that name the file, the line and the key."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from newsmon.cli import main
from newsmon.config import BUILTIN, ConfigError, find, load
from newsmon.demo.server import serve
from newsmon.demo.site import FixtureSite

GOOD = """# two outlets
[[outlets]]
name = "kbs-politics"
site = "kbs"
section = ["Po", "IK"]
lang = "e"

[[outlets]]
name = "meridian"
site = "generic"
feed = ["https://www.meridian-herald.example/politics/rss.xml"]
section = "Politics"
timezone = "Asia/Seoul"
hosts = ["www.meridian-herald.example", "cdn.meridian-herald.example"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "newsmon.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_outlets_from_a_file(tmp_path: Path) -> None:
    kbs, meridian = load(write(tmp_path, GOOD)).outlets
    assert (kbs.name, kbs.site, kbs.sections, kbs.lang) == (
        "kbs-politics",
        "kbs",
        ("Politics", "Inter-Korea"),
        "e",
    )
    assert (meridian.name, meridian.site, meridian.sections) == (
        "meridian",
        "generic",
        ("Politics",),
    )
    assert meridian.hosts == {"www.meridian-herald.example", "cdn.meridian-herald.example"}


def test_without_a_file_the_built_in_outlet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NEWSMON_CONFIG", raising=False)
    assert find() is None
    (outlet,) = load(None).outlets
    assert (outlet.name, outlet.site, outlet.sections) == (BUILTIN["name"], "kbs", ("Politics",))
    # ./newsmon.toml, then NEWSMON_CONFIG, then --config
    write(tmp_path, GOOD)
    assert find() == Path("newsmon.toml")
    other = tmp_path / "other.toml"
    other.write_text(GOOD)
    monkeypatch.setenv("NEWSMON_CONFIG", str(other))
    assert find() == other
    with pytest.raises(FileNotFoundError, match="no config file at"):
        find(str(tmp_path / "missing.toml"))


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (GOOD.replace('lang = "e"', 'lang = "e"\nsecton = "Po"'), 7, "secton: not a key of a kbs "
         "outlet (name, site, section, lang, base_url); did you mean 'section'?"),
        (GOOD.replace('feed = ["https://www.meridian-herald.example/politics/rss.xml"]\n', ""), 8,
         "outlet 'meridian' needs 'feed'"),
        (GOOD.replace('name = "meridian"', 'name = "kbs-politics"'), 9,
         "name: 'kbs-politics' names two outlets"),
        (GOOD.replace("Asia/Seoul", "Asia/Atlantis"), 13,
         "timezone: unknown time zone 'Asia/Atlantis' (an IANA name, e.g. Asia/Seoul)"),
        (GOOD.replace('site = "generic"', 'site = "wordpress"'), 10,
         "site: unknown site 'wordpress'; known: kbs, generic"),
        (GOOD.replace('["Po", "IK"]', '["Po", "XX"]'), 5,
         "section: unknown section id 'XX'; known: Po, Ec, IK, In, Dm, Cu, Sp"),
        (GOOD.replace('[[outlets]]\nname = "meridian"', '[[outlets]]\nname = "meridian herald"'), 9,
         "name: 1 to 40 letters"),
        (GOOD.replace("# two outlets", 'db = "x.db"'), 1, "unknown key 'db' (only [[outlets]])"),
        (GOOD + '[[outlets]]\nname = "x"\nsite = "generic"\nfeed = "ftp://x"\n', 18,
         "feed: not an http(s) URL: 'ftp://x'"),
        (GOOD + '[[outlets]]\nname = "x"\nsite = "generic"\nfeed = "https://x.example/f"\n'
         'listing = "https://x.example/"\n', 19, "listing: a listing needs `links`"),
        (GOOD + '[[outlets]]\nname = "x"\nsite = "generic"\nfeed = "https://x.example/f"\n'
         'links = "h2 a"\n', 19, "links: a listing needs `links`"),
        (GOOD + '[[outlets]]\nname = "x"\nsite = "generic"\nfeed = "https://x.example/f"\n'
         'listing = "https://x.example/"\nlinks = "h2 >>> a["\n', 20,
         "links: not a CSS selector: 'h2 >>> a['"),
        (GOOD.replace('"www.meridian-herald.example", ', ""), 14,
         "hosts: lists not www.meridian-herald.example, where its feed or listing is"),
    ],
)  # fmt: skip
def test_mistakes_name_the_file_the_line_and_the_key(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load(path)
    assert str(info.value).startswith(f"{path}:{line}: ")
    assert message in str(info.value)


def test_a_file_that_is_not_toml(tmp_path: Path) -> None:
    path = write(tmp_path, '[[outlets]]\nname = "x\n')
    with pytest.raises(ConfigError, match=rf"^{path}:2: not valid TOML: Illegal character"):
        load(path)


def test_a_bad_config_stops_the_crawl_before_any_request(tmp_path: Path) -> None:
    site = FixtureSite.bundled()
    path = write(tmp_path, GOOD.replace("Asia/Seoul", "Mars/Olympus"))
    db = tmp_path / "news.db"
    with serve(site) as origin:
        result = CliRunner().invoke(
            main, ["crawl", "--config", str(path), "--db", str(db), "--base-url", origin]
        )
    assert result.exit_code == 2
    assert result.output == (
        f"Error: Invalid value for '--config': {path}:13: timezone: unknown time zone "
        "'Mars/Olympus' (an IANA name, e.g. Asia/Seoul)\n"
    )
    assert site.requests == [] and not db.exists()


def test_crawl_options_that_need_the_built_in_outlet(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    db = str(tmp_path / "news.db")
    section = CliRunner().invoke(
        main, ["crawl", "--config", str(path), "--db", db, "--section", "Ec"]
    )
    assert section.exit_code == 2 and "with a config file, sections" in section.output
    outlet = CliRunner().invoke(main, ["crawl", "--config", str(path), "--db", db, "--outlet", "x"])
    assert outlet.exit_code == 2
    assert outlet.output == (
        f"Error: Invalid value for '--outlet': no outlet 'x' in {path}; outlets: kbs-politics, "
        "meridian\n"
    )
    since = CliRunner().invoke(
        main, ["crawl", "--config", str(path), "--db", db, "--outlet", "meridian", "--since",
               "2026-11-20"]
    )  # fmt: skip
    assert since.exit_code == 2 and "has no archive to backfill from" in since.output
