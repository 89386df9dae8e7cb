"""Scrapy settings for newsmon: read by `scrapy crawl` (through scrapy.cfg) and `newsmon crawl`.

Defaults are safe and polite; every one can be changed per run with `-s NAME=VALUE`.
"""

import os

from newsmon import __url__, __version__
from newsmon.alerts import DEFAULT_TRIES, MAX_TIME
from newsmon.db import DEFAULT_DB
from newsmon.schedule import DEFAULT_SCHEDULE

BOT_NAME = "newsmon"
SPIDER_MODULES = ["newsmon.spiders"]
NEWSPIDER_MODULE = "newsmon.spiders"

# Where stories are stored: a file path or an SQLAlchemy URL.
NEWSMON_DB = os.environ.get("NEWSMON_DB") or DEFAULT_DB
# Print the run's one-line summary on standard output (`newsmon crawl -q` turns it off).
NEWSMON_SUMMARY = True
# Live progress on standard error (`newsmon crawl` turns it on when that is a terminal).
NEWSMON_PROGRESS = False
# Re-check stored stories for updates: AGE:INTERVAL steps counted from the written time.
NEWSMON_RECHECK_SCHEDULE = DEFAULT_SCHEDULE
# Layout drift: fail the run when at least this share of at least this many story pages do not
# parse.
NEWSMON_DRIFT_RATIO = 0.2
NEWSMON_DRIFT_MIN_PAGES = 3
# Stories read from one index page at most (a feed may list thousands): the first, newest.
NEWSMON_MAX_ENTRIES = 200
# After the runs close, match the watches and send their alerts (`newsmon watch`).
NEWSMON_ALERTS = True
# Failed tries after which a channel is reported failing (in the summary and on stderr); its
# alerts stay pending and are retried every run.
NEWSMON_ALERT_TRIES = DEFAULT_TRIES
# Seconds after which a crawl starts no more notifications (the rest wait for the next run); a
# notification under way may take its channel's 30 s to connect and 30 s to answer on top.
NEWSMON_ALERTS_MAX_TIME = MAX_TIME

ITEM_PIPELINES = {
    "newsmon.pipelines.ValidatePipeline": 100,
    "newsmon.pipelines.StorePipeline": 800,
}
DOWNLOADER_MIDDLEWARES = {
    # First of all (Scrapy's own start at 50): no request leaves its outlet's hosts and ports,
    # not even for a robots.txt.
    "newsmon.middlewares.OriginGuard": 10,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "newsmon.middlewares.RetryAfterMiddleware": 550,
    "newsmon.middlewares.RobotsUnavailableGuard": 540,
}
# A download slot per server (host and port), and a scheduler queue that hands the downloader
# only what a server can start now: one slow outlet does not hold the others up.
DOWNLOADER = "newsmon.slots.OriginDownloader"
SCHEDULER_PRIORITY_QUEUE = "newsmon.slots.FairQueue"
# A server's requests wait in the scheduler now, not in the downloader's queue: first in, first
# out, so stories are fetched (and stored, and alerted on) in the order their index page lists
# them, newest first. (Scrapy's default takes the last in first.)
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.FifoMemoryQueue"
EXTENSIONS = {
    # Extensions connect to signals in this order. The database's owner first, so it is open
    # when the others use it; the progress display before the ledger, so it is gone when the
    # ledger prints the summary.
    "newsmon.db.crawl.CrawlDatabase": -20,
    "newsmon.progress.CrawlProgress": -10,
    "newsmon.ledger.RunLedger": 0,
    # After the ledger: alerts are matched once the runs are closed and their stories counted.
    "newsmon.alerts.crawl.CrawlAlerts": 10,
}
# Only the web: outlets are read over HTTP(S), and a link to file:, data:, ftp: or s3: is no
# story page (nor is loading their handlers worth a cron run's start-up).
DOWNLOAD_HANDLERS = {"file": None, "data": None, "ftp": None, "s3": None}

# Politeness: one request at a time per server, spaced out and slowed further when the site is.
USER_AGENT = f"newsmon/{__version__} (news monitoring crawler; +{__url__})"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS_PER_DOMAIN = 1
# Servers read at once. The downloader holds no more of a server's requests than it runs at
# once (newsmon.slots.FairQueue), so a stop (a signal, --max-time) still drains quickly.
CONCURRENT_REQUESTS = 8
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
# Scrapy starts this many tasks for every page's output, however little it yields (a story page
# yields one story; the pipelines are synchronous): the default, 100, made a third of a crawl's
# CPU time.
CONCURRENT_ITEMS = 4
DOWNLOAD_TIMEOUT = 30
RETRY_TIMES = 2
# A page that stays unreachable is recorded and judged by newsmon; no need to shout about it.
RETRY_GIVE_UP_LOG_LEVEL = "WARNING"
# Longest Retry-After (seconds) worth waiting for within a run; longer ones fail the run.
NEWSMON_RETRY_AFTER_MAX = 60
COOKIES_ENABLED = False

# Safety: no listeners, bounded downloads.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
DOWNLOAD_MAXSIZE = 4 * 1024 * 1024
DOWNLOAD_WARNSIZE = 1024 * 1024

LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
