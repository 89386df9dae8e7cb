"""A generic outlet's URLs: a story is named by its canonical URL, without tracking parameters."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from newsmon.hosts import host_key

# Query parameters that say where a reader came from, not which story they read.
_TRACKING = frozenset(
    {"fbclid", "gclid", "dclid", "msclkid", "yclid", "igshid", "ref", "cmpid", "mc_cid", "mc_eid"}
)
_TRACKING_PREFIXES = ("utm_", "at_", "__twitter")


def _tracking(name: str) -> bool:
    name = name.lower()
    return name in _TRACKING or name.startswith(_TRACKING_PREFIXES)


def clean_url(url: str) -> str | None:
    """`url` without tracking parameters and fragment, its scheme and host in lower case; None
    for what is not an http(s) URL."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port  # raises for a port that is no number, or out of range
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _tracking(k)]
    netloc = parts.hostname.lower() + (f":{port}" if port else "")
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", urlencode(query), ""))


def host_of(url: str) -> str:
    """The host of `url` with its port, as an outlet's `hosts` list it (`newsmon.hosts`): a link
    or canonical URL to another port of the same machine is another site."""
    return host_key(url)
