"""Checking a crawl's settings before anything is fetched.

`newsmon crawl -s NAME=VALUE` takes any Scrapy setting. A name Scrapy and newsmon do not know is
refused with the closest known one (a misspelt setting would otherwise do nothing at all), and a
value is checked against what the setting holds, judged by its default: a flag, a whole number,
a number, a JSON object. newsmon's own settings have checks of their own, which also run for
`scrapy crawl` (in the run ledger) so a bad schedule fails before the first request, not after.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Mapping
from typing import Any

from scrapy.settings import BaseSettings

# Scrapy reads these with getfloat although their defaults are whole numbers (Scrapy 2.19).
_FRACTIONAL = frozenset(
    {
        "AUTOTHROTTLE_MAX_DELAY",
        "AUTOTHROTTLE_START_DELAY",
        "CLOSESPIDER_TIMEOUT",
        "DNS_TIMEOUT",
        "DOWNLOAD_DELAY",
        "DOWNLOAD_DELAY_JITTER",
        "DOWNLOAD_TIMEOUT",
        "LOGSTATS_INTERVAL",
    }
)
# Settings that `newsmon crawl` sets from its own options.
OPTION_FOR = {
    "NEWSMON_DB": "--db",
    "LOG_FILE": "--log-file",
    "LOG_LEVEL": "-v or -q",
    "LOG_ENABLED": "-q",
    "NEWSMON_SUMMARY": "-q",
    "NEWSMON_PROGRESS": "-q",
    "CLOSESPIDER_TIMEOUT": "--max-time",
}
_BOOLEANS = {"0", "1", "True", "False", "true", "false"}


class SettingError(ValueError):
    def __init__(self, name: str, value: object, reason: str) -> None:
        super().__init__(f"{name}={value}: {reason}")
        self.name = name


def _flag(text: str) -> None:
    if text not in _BOOLEANS:
        raise ValueError("not a flag (use 1 or 0, True or False)")


def _whole(text: str) -> None:
    try:
        int(text)
    except ValueError:
        raise ValueError("not a whole number") from None


def _number(text: str) -> None:
    try:
        float(text)
    except ValueError:
        raise ValueError("not a number") from None


def _json_object(text: str) -> None:
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise ValueError('not a JSON object (e.g. {"name": 100})')


def _schedule(text: str) -> None:
    from newsmon.schedule import Schedule

    Schedule.parse(text)


def _ratio(text: str) -> None:
    _number(text)
    if not 0 < float(text) <= 1:
        raise ValueError("not a share between 0 and 1 (e.g. 0.2)")


def _at_least_one(text: str) -> None:
    _whole(text)
    if int(text) < 1:
        raise ValueError("must be at least 1")


def _seconds(text: str) -> None:
    _number(text)
    if float(text) < 0:
        raise ValueError("must be 0 or more seconds")


# newsmon's own settings (their defaults are in newsmon/settings.py).
NEWSMON_CHECKS: dict[str, Callable[[str], None]] = {
    "NEWSMON_RECHECK_SCHEDULE": _schedule,
    "NEWSMON_DRIFT_RATIO": _ratio,
    "NEWSMON_DRIFT_MIN_PAGES": _at_least_one,
    "NEWSMON_RETRY_AFTER_MAX": _seconds,
    "NEWSMON_SUMMARY": _flag,
    "NEWSMON_PROGRESS": _flag,
    "NEWSMON_ALERTS": _flag,
    "NEWSMON_ALERT_TRIES": _at_least_one,
    "NEWSMON_MAX_ENTRIES": _at_least_one,
    "NEWSMON_ALERTS_MAX_TIME": _seconds,
}


def _check_for(name: str, default: Any) -> Callable[[str], None] | None:
    if name in NEWSMON_CHECKS:
        return NEWSMON_CHECKS[name]
    if isinstance(default, bool):
        return _flag
    if isinstance(default, float) or name in _FRACTIONAL:
        return _number
    if isinstance(default, int):
        return _whole
    if isinstance(default, dict | BaseSettings):
        return _json_object
    return None


def check_overrides(overrides: Mapping[str, str], settings: BaseSettings) -> None:
    """Each `-s NAME=VALUE` against the settings it overrides (Scrapy's and newsmon's)."""
    known = set(settings.attributes)
    for name, value in overrides.items():
        if name in OPTION_FOR:
            raise SettingError(name, value, f"set it with {OPTION_FOR[name]}")
        if name not in known:
            close = difflib.get_close_matches(name.upper(), known, n=1, cutoff=0.75)
            hint = f"; did you mean {close[0]}?" if close else ""
            raise SettingError(name, value, f"not a Scrapy or newsmon setting{hint}")
        check = _check_for(name, settings.get(name))
        if check is not None:
            try:
                check(value.strip())
            except ValueError as exc:
                raise SettingError(name, value, str(exc)) from None


def check_newsmon_settings(settings: BaseSettings) -> None:
    """The values newsmon's own settings have in a crawl, however they were set."""
    for name, check in NEWSMON_CHECKS.items():
        value = settings.get(name)
        if value is None:
            continue
        text = value if isinstance(value, str) else json.dumps(value)
        try:
            check(text.strip())
        except ValueError as exc:
            raise SettingError(name, value, str(exc)) from None
