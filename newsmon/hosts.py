"""Where a crawl may send its requests: an outlet's hosts, each with its port, and what the
address a host name resolves to may be.

A host is written as outlets list theirs: `www.example.com` stands for that name on either web
port (80 for http, 443 for https), so a site may move from http to https; `127.0.0.1:8080`, or
`www.example.com:8080`, for that port alone. Two servers on one machine are two hosts: a page of
one may not lead the crawl to the other.
"""

from __future__ import annotations

import enum
import ipaddress
from collections.abc import Iterable
from urllib.parse import ParseResult, SplitResult, urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}
WEB_SCHEMES = frozenset(DEFAULT_PORTS)


def key_of(parts: SplitResult | ParseResult) -> str:
    """The host of a split URL as outlets list theirs (see `host_key`)."""
    try:
        port = parts.port
    except ValueError:  # a port that is no number, or out of range
        return ""
    host = (parts.hostname or "").lower()
    if not host:
        return ""
    shown = f"[{host}]" if ":" in host else host  # an IPv6 address
    if port is None or port == DEFAULT_PORTS.get(parts.scheme.lower()):
        return shown
    return f"{shown}:{port}"


def host_key(url: str) -> str:
    """`example.com` for a URL on its scheme's default port, `example.com:8080` on another,
    `[::1]:8080` for an IPv6 address; "" for a URL without a usable host."""
    return key_of(urlsplit(url.strip()))


def _split(key: str) -> tuple[str, str]:
    """A host key's host and port (the port "" for the default ones)."""
    if key.startswith("["):
        host, _, rest = key[1:].partition("]")
        return host, rest.removeprefix(":")
    host, _, port = key.partition(":")
    return host, port


def is_address(host: str) -> bool:
    """Whether `host` (a URL's host name, or a key's host) is an IP address, not a name."""
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def within(key: str, hosts: Iterable[str]) -> bool:
    """Whether the host `key` is one of `hosts`, or a subdomain of a host name among them (as a
    redirect from `example.com` to `www.example.com` goes), on the same port."""
    host, port = _split(key)
    for allowed in hosts:
        allowed_host, allowed_port = _split(allowed)
        if port != allowed_port:
            continue
        if host == allowed_host:
            return True
        # Only names have subdomains: `1.2.3.4` is no part of `2.3.4`.
        if not is_address(allowed_host) and host.endswith(f".{allowed_host}"):
            return True
    return False


class AddressClass(enum.StrEnum):
    """What makes an address one that only a config naming it may reach."""

    LOOPBACK = "loopback"
    LINK_LOCAL = "link-local"  # cloud metadata services (169.254.169.254) among them
    MULTICAST = "multicast"
    UNSPECIFIED = "unspecified"
    PRIVATE = "private"
    RESERVED = "reserved"  # shared, documentation, benchmarking and future-use ranges


def address_class(address: str) -> AddressClass | None:
    """Why `address` is not a public internet address; None when it is one."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    # Most specific first: loopback and link-local ranges count as private too.
    for kind, applies in (
        (AddressClass.LOOPBACK, ip.is_loopback),
        (AddressClass.LINK_LOCAL, ip.is_link_local),
        (AddressClass.MULTICAST, ip.is_multicast),
        (AddressClass.UNSPECIFIED, ip.is_unspecified),
        (AddressClass.PRIVATE, ip.is_private),
        (AddressClass.RESERVED, ip.is_reserved or not ip.is_global),
    ):
        if applies:
            return kind
    return None
