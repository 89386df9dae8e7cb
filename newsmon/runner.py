"""Running one crawl in this process (Scrapy's reactor allows one per process)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from scrapy.crawler import AsyncCrawlerProcess
from scrapy.settings import Settings

from newsmon import logs, scrapy_tls, startup  # noqa: F401 (scrapy_tls: see there)
from newsmon.spiders.outlets import OutletSpider

# An unreachable robots.txt is logged with a traceback; the run's verdict already says the site
# could not be reached, in one line. Shown with -vv.
_NOISY = ("scrapy.downloadermiddlewares.robotstxt",)


def project_settings(overrides: Mapping[str, Any] | None = None) -> Settings:
    """newsmon's settings module, wherever the command runs from, with per-run overrides at
    command-line priority (as `scrapy crawl -s` applies them)."""
    settings = Settings()
    settings.setmodule("newsmon.settings", priority="project")
    for name, value in (overrides or {}).items():
        settings.set(name, value, priority="cmdline")
    _leave_out_switched_off(settings)
    return settings


# Components that are off unless asked for (`-s TELNETCONSOLE_ENABLED=true`), by the setting
# that switches each on. Scrapy imports every component its lists name, even one that will
# decline to run, to sort them; these cost start-up CPU on every cron run (aiohttp, which
# remote control imports, alone 0.1 s), so while off they are left out of the lists.
_SWITCHED_OFF = (
    ("TELNETCONSOLE_ENABLED", "EXTENSIONS_BASE", "scrapy.extensions.telnet.TelnetConsole"),
    ("REMOTE_CONTROL_ENABLED", "EXTENSIONS_BASE", "scrapy.extensions.remote_control.RemoteControl"),
    (
        "COOKIES_ENABLED",
        "DOWNLOADER_MIDDLEWARES_BASE",
        "scrapy.downloadermiddlewares.cookies.CookiesMiddleware",
    ),
)


def _leave_out_switched_off(settings: Settings) -> None:
    for switch, components, path in _SWITCHED_OFF:
        if not settings.getbool(switch):
            settings[components].pop(path, None)


def run_crawl(
    settings: Settings, *, verbose: int = 0, log_file: str | None = None, **spider_args: Any
) -> dict[str, Any]:
    """Crawl with `OutletSpider(**spider_args)`, logging as `newsmon.logs` says for `verbose`
    and `log_file`, and return the run's stats."""
    process = AsyncCrawlerProcess(settings)
    # After the process has configured logging, which resets the levels of Scrapy's loggers.
    logs.configure(verbose, log_file)
    if verbose < 2:
        for name in _NOISY:
            logging.getLogger(name).setLevel(logging.CRITICAL)
    crawler = process.create_crawler(OutletSpider)
    process.crawl(crawler, **spider_args)
    startup.resume_collection()
    process.start()
    assert crawler.stats is not None
    return dict(crawler.stats.get_stats())
