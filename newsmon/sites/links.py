"""Links as pages write them, resolved against the page: a link that names no URL (`http://[`,
a port that is no number) is no link, and fails nothing but itself."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit


def join_url(base: str, href: str) -> str | None:
    """`href` resolved against `base`; None when it is no URL."""
    try:
        joined = urljoin(base, href.strip())
        urlsplit(joined).port  # noqa: B018 (raises for a port that is no number, or out of range)
    except ValueError:
        return None
    return joined
