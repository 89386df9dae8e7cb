"""Where alerts go: Apprise URLs, given as they are or as where to read them (`env:NAME`,
`file:PATH`, which keep secrets out of the database and the shell's history), and what of them
may be shown.

Notification URLs hold tokens and passwords. Nothing here returns one in a message: a URL is
shown as Apprise's own privacy form of it (`json://user:****@host/…`), and an error from a
channel has every secret part of its URL blanked out.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from newsmon.alerts import SEND_TIMEOUT

ENV = "env:"
FILE = "file:"
_PARTS = re.compile(r"[:/@?&=#+,]+")
# The operating system's reason inside a socket error, e.g. `[Errno 111] Connection refused`.
_ERRNO = re.compile(r"\[Errno -?\d+\] [^\"')\]]+")
MASK = "****"


class ChannelError(ValueError):
    """A notification URL that cannot be used; the message shows no secret."""


@dataclass(frozen=True)
class Channel:
    given: str  # as stored: a URL, env:NAME or file:PATH
    shown: str  # what may be printed


def _apprise() -> Any:
    """Apprise, with its own log kept to the notification it is about: its messages can hold
    parts of URLs, so newsmon reports failures itself, secrets masked."""
    import apprise

    log = logging.getLogger("apprise")
    if log.propagate:
        log.propagate = False
        log.addHandler(logging.NullHandler())
        # Each notification's result keeps its log (down to the socket error) for the reason.
        log.setLevel(logging.DEBUG)
    return apprise


def _scheme(url: str) -> str:
    return url.split("://", 1)[0].lower() if "://" in url else ""


def _vague(url: str) -> str:
    """A URL Apprise could not read, shown without anything after its scheme."""
    scheme = _scheme(url)
    return f"{scheme}://…" if scheme else "a text that is not a URL"


def resolve(given: str) -> str:
    """The URL a channel names: itself, an environment variable's value, or a file's content
    (its one line that is neither blank nor a # comment)."""
    if given.startswith(ENV):
        name = given.removeprefix(ENV)
        value = os.environ.get(name, "").strip()
        if not value:
            raise ChannelError(f"environment variable {name} is not set")
        return value
    if given.startswith(FILE):
        path = Path(given.removeprefix(FILE)).expanduser()
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or "not UTF-8 text"
            raise ChannelError(f"cannot read {path}: {reason}") from None
        lines = [s for line in text.splitlines() if (s := line.strip()) and not s.startswith("#")]
        if len(lines) != 1:
            raise ChannelError(f"{path} holds {len(lines)} URLs; give one file per channel")
        return lines[0]
    return given


def _plugin(url: str) -> Any:
    apprise = _apprise()
    scheme = _scheme(url)
    if scheme not in apprise.NotificationManager().schemas():
        known = "json, mailto, slack, discord, tgram, ntfy, matrix, …"
        raise ChannelError(
            f"{_vague(url)}: not a service Apprise knows ({known}; "
            "see https://github.com/caronc/apprise/wiki)"
        )
    plugin = apprise.Apprise.instantiate(url)
    if plugin is None:
        raise ChannelError(f"{_vague(url)}: not a valid {scheme} URL (see Apprise's page for it)")
    return plugin


def _looks_secret(part: str) -> bool:
    """A long run of letters and digits mixed, as tokens are (webhook paths carry them, and
    Apprise's privacy form shows the paths of generic webhooks)."""
    return len(part) >= 16 and any(c.isdigit() for c in part) and any(c.isalpha() for c in part)


def shown_url(plugin: Any) -> str:
    """Apprise's privacy form of a channel's URL, without its options (`?…`), and with any
    path segment that looks like a token masked too."""
    private = str(plugin.url(privacy=True)).split("?", 1)[0]
    scheme, _, rest = private.partition("://")
    host, _, path = rest.partition("/")
    segments = [MASK if _looks_secret(unquote(s)) else s for s in path.split("/")]
    return f"{scheme}://{host}" + ("/" + "/".join(segments) if path else "")


def check(given: str) -> Channel:
    """A channel as `watch add --notify` takes it: refused unless Apprise can use its URL."""
    given = given.strip()
    url = resolve(given)
    plugin = _plugin(url)
    shown = given if given.startswith((ENV, FILE)) else shown_url(plugin)
    return Channel(given, shown)


def scrub(text: str, url: str, shown: str) -> str:
    """`text` with every part of `url` that its shown form hides replaced by ****."""
    visible = set(_PARTS.split(shown))
    secrets = {
        form
        for part in _PARTS.split(url)
        if len(part) >= 4 and part not in visible
        for form in (part, unquote(part))
    }
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def send(given: str, title: str, body: str) -> str | None:
    """Send one notification; None when the channel accepted it, else why not (no secrets)."""
    try:
        url = resolve(given)
        plugin = _plugin(url)
    except ChannelError as exc:
        return str(exc)
    apprise = _apprise()
    notifier = apprise.Apprise()
    notifier.add(plugin)
    result = notifier.notify(
        body=body,
        title=title,
        body_format=apprise.NotifyFormat.TEXT,
        timeout=SEND_TIMEOUT,
        log_level=logging.DEBUG,
    )
    if result.status == apprise.AppriseResultStatus.SUCCESS:
        return None
    if result.status == apprise.AppriseResultStatus.TIMEOUT:
        return f"no answer within {SEND_TIMEOUT} s"
    return scrub(_reason(result), url, shown_url(plugin))


def _reason(result: Any) -> str:
    """What went wrong, from the notification's log: Apprise's warnings, and the operating
    system's words for a socket error."""
    said: list[str] = []
    for entry in result.logs():
        if entry.level in ("WARNING", "ERROR", "CRITICAL") and entry.message not in said:
            said.append(entry.message)
        elif (found := _ERRNO.search(entry.message)) and found.group() not in said:
            said.append(found.group())
    return " ".join(said) or "the channel did not accept the notification"
