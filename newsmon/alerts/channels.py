"""Where alerts go: Apprise URLs, given as they are or as where to read them (`env:NAME`,
`file:PATH`, which keep secrets out of the shell's history too), and what of them may be shown.
A URL given as it is is kept in a private file beside the database, which stores `secret:KEY`
(see `newsmon.alerts.secret_store`).

Notification URLs hold tokens and passwords, in the user part, the host part (a Discord webhook
id), the path (a generic webhook's token, an ntfy topic) or the options. Nothing here returns
one in a message: a URL is shown by its scheme and host only, the host as Apprise's privacy
form has it (`json://****@127.0.0.1:8080/…`, `discord://4...8/…`; mail shows its recipients)
unless the host is itself the secret (ntfy's `ntfy://TOPIC`), and an error from a channel has
every other part of its URL blanked out. The HTTP libraries Apprise sends with log request
lines, paths included, where Discord, Telegram, Slack and ntfy carry the secret: their logs are
kept from every handler.
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
from newsmon.alerts.secret_store import STORED, SecretError, SecretStore

ENV = "env:"
FILE = "file:"
_PARTS = re.compile(r"[:/@?&=#+,]+")
# The operating system's reason inside a socket error, e.g. `[Errno 111] Connection refused`,
# or a timeout's, e.g. `Read timed out. (read timeout=30.0)`.
_SOCKET_REASONS = (
    re.compile(r"\[Errno -?\d+\] [^\"')\]]+"),
    re.compile(r"\w+ timed out\. \(\w+ timeout=[\d.]+\)"),
)
# scheme://[userinfo@]host[:port][/path]
_URL = re.compile(
    r"^(?P<scheme>[\w+.-]+)://(?:(?P<userinfo>[^@/]*)@)?(?P<host>[^/?#]*)(?P<path>/[^?#]*)?"
)
# Schemes whose path holds the recipients, not a secret: shown.
_RECIPIENT_PATHS = frozenset({"mailto", "mailtos"})
# More than one URL in one value (Apprise reads comma- or space-separated lists).
_MANY = re.compile(r"[\s,]+\S*://")
MASK = "****"
# Loggers of the libraries Apprise sends with: urllib3 logs each request's line (`POST
# /api/webhooks/ID/TOKEN`) at debug level, and the URL of a response it cannot read as a warning.
QUIET = ("urllib3", "requests")


class ChannelError(ValueError):
    """A notification URL that cannot be used; the message shows no secret."""


@dataclass(frozen=True)
class Channel:
    given: str  # as given: a URL, env:NAME or file:PATH
    shown: str  # what may be printed

    @property
    def kept(self) -> bool:
        """A URL given as it is: newsmon keeps it out of the database (secret_store)."""
        return not self.given.startswith((ENV, FILE))


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
        for name in QUIET:
            quiet = logging.getLogger(name)
            quiet.propagate = False
            quiet.addHandler(logging.NullHandler())
    return apprise


def _scheme(url: str) -> str:
    return url.split("://", 1)[0].lower() if "://" in url else ""


def _vague(url: str) -> str:
    """A URL Apprise could not read, shown without anything after its scheme."""
    scheme = _scheme(url)
    return f"{scheme}://…" if scheme else "a text that is not a URL"


def resolve(given: str, store: SecretStore | None = None) -> str:
    """The URL a channel names: itself, an environment variable's value, a file's content
    (its one line that is neither blank nor a # comment), or the URL newsmon keeps in `store`
    (`secret:KEY`, which only newsmon writes)."""
    if given.startswith(STORED):
        if store is None:
            raise ChannelError(
                f"{STORED}KEY names a URL newsmon keeps itself; give the URL, env:NAME or file:PATH"
            )
        try:
            return store.get(given)
        except SecretError as exc:
            raise ChannelError(str(exc)) from None
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
    if _MANY.search(url):
        raise ChannelError(f"{_vague(url)}: one URL per --notify (give --notify again)")
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
    # Apprise waits 4 s for an answer by default: a channel slower than that would get the
    # notification, be counted as refusing it, and get it again. Unless the URL says (rto=, cto=).
    if "rto=" not in url:
        plugin.socket_read_timeout = float(SEND_TIMEOUT)
    if "cto=" not in url:
        plugin.socket_connect_timeout = float(SEND_TIMEOUT)
    return plugin


def shown_url(plugin: Any) -> str:
    """A channel's URL as it may be shown: its scheme and host as Apprise's privacy form has
    them, with any user part masked and the path left out (but for mail: its recipients)."""
    private = str(plugin.url(privacy=True))
    parts = _URL.match(private)
    if parts is None:
        return _vague(private)
    scheme, path, host = parts["scheme"], (parts["path"] or "").strip("/"), parts["host"]
    # ntfy's short form, `ntfy://TOPIC`, puts the topic (on ntfy, the credential) in the host.
    if unquote(host.split(":")[0]) in (getattr(plugin, "topics", None) or ()):
        host = MASK
    shown = f"{scheme}://" + (f"{MASK}@" if parts["userinfo"] else "") + host
    if path:
        shown += "/" + unquote(path) if scheme in _RECIPIENT_PATHS else "/…"
    return shown


def masked(url: str) -> str:
    """`url` as it may be shown (`shown_url`); its scheme alone when Apprise cannot read it."""
    try:
        return shown_url(_plugin(url))
    except ChannelError:
        return _vague(url)


def readable_by_others(given: str) -> Path | None:
    """The file a `file:` channel reads, when users other than its owner may read it."""
    if not given.startswith(FILE):
        return None
    path = Path(given.removeprefix(FILE)).expanduser()
    try:
        return path if path.stat().st_mode & 0o044 else None
    except OSError:
        return None


def check(given: str) -> Channel:
    """A channel as `watch add --notify` takes it: refused unless Apprise can use its URL."""
    given = given.strip()
    url = resolve(given)
    plugin = _plugin(url)
    shown = given if given.startswith((ENV, FILE)) else shown_url(plugin)
    return Channel(given, shown)


def scrub(text: str, url: str, shown: str) -> str:
    """`text` with every part of `url` that its shown form hides replaced by ****."""
    visible = {*_PARTS.split(shown), _scheme(url)}  # ntfy:// is shown as ntfys://
    secrets = {
        form
        for part in _PARTS.split(url)
        if len(part) >= 4 and part not in visible
        for form in (part, unquote(part))
    }
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def send(given: str, title: str, body: str, store: SecretStore | None = None) -> str | None:
    """Send one notification to the channel stored as `given` (its URL kept in `store`); None
    when the channel accepted it, else why not (no secrets)."""
    try:
        url = resolve(given, store)
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
            continue
        for pattern in _SOCKET_REASONS:
            if (found := pattern.search(entry.message)) and found.group() not in said:
                said.append(found.group())
    return " ".join(said) or "the channel did not accept the notification"
