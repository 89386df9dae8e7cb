"""What may be shown of a URL: its user part and the values of secret-looking query parameters
masked (`https://****@example.com/rss?apikey=****&page=2`).

A feed URL may carry a token (`?apikey=`, `?token=`, a signed URL's `sig=`), and any URL a
password (`https://user:pass@…`). Wherever newsmon writes a URL for people to read (the run
ledger's arguments and messages, failures, every log line) it writes this form; it fetches
with the URL as configured.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

MASK = "****"
# A query parameter is taken for a credential when its name, lower case and without `-`, `_`
# or `.`, ends with one of these (apikey, api_key, x-api-key, access_token, client_secret,
# X-Amz-Signature, oauth). A harmless value masked in a log costs little; a token shown, a lot.
_SECRET_ENDINGS = (
    "key",
    "token",
    "secret",
    "password",
    "passwd",
    "pwd",
    "auth",
    "authorization",
    "sig",
    "signature",
    "credential",
    "credentials",
    "session",
    "sessionid",
    "jwt",
)
# scheme://userinfo@ — the user part ends at the first `@` before any `/`, `?` or `#`.
_USERINFO = re.compile(r"^([A-Za-z][\w+.-]*://)[^/?#@\s]*@")
# name=value in a query string (`&` or `;` between pairs); the value ends at `&`, `;` or `#`.
_PAIR = re.compile(r"([^&;=#]+)=([^&;#]*)")
# A URL in free text: up to white space, a quote or an angle bracket (Scrapy writes
# `<GET https://…>`, exceptions `'https://…'`).
_IN_TEXT = re.compile(r"[A-Za-z][\w+.-]*://[^\s<>\"'`]+")


def secret_parameter(name: str) -> bool:
    return re.sub(r"[-_.\s]", "", name.lower()).endswith(_SECRET_ENDINGS)


def mask_url(url: str) -> str:
    """`url` with its user part and its secret-looking query values replaced by ****; every
    other character as it was."""
    url = _USERINFO.sub(rf"\g<1>{MASK}@", url, count=1)
    head, mark, rest = url.partition("?")
    if not mark:
        return url
    query, hash_mark, fragment = rest.partition("#")

    def value(pair: re.Match[str]) -> str:
        name = pair.group(1)
        return f"{name}={MASK}" if secret_parameter(name) and pair.group(2) else pair.group(0)

    return f"{head}?{_PAIR.sub(value, query)}{hash_mark}{fragment}"


def mask_urls(text: str) -> str:
    """`text` with every URL in it masked as `mask_url` does."""
    if "://" not in text:  # most log lines: no URL, nothing to look for
        return text
    return _IN_TEXT.sub(lambda found: mask_url(found.group()), text)


def mask_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """`values` with the URLs in its texts masked (a run's arguments, before they are stored)."""
    return {k: mask_urls(v) if isinstance(v, str) else v for k, v in values.items()}
