"""A page's text is read right or not at all: Korean in each declared case, and pages whose
declaration is wrong (cases written by hand, with what a reader of the page sees)."""

from __future__ import annotations

import pytest
from scrapy.http import HtmlResponse

from newsmon.charsets import sound_text
from newsmon.sites.base import ParseError

TITLE = "통일부, 민간단체 대북접촉 승인"
PAGE = (
    "<html><head>{meta}<title>"
    + TITLE
    + "</title></head><body><p>통일부가 승인했다.</p></body></html>"
)
FRENCH = (
    "<html><head><title>Élection à Séoul</title></head><body><p>Il a été élu.</p></body></html>"
)
META = '<meta charset="euc-kr">'


def korean(meta: str = "") -> bytes:
    return PAGE.format(meta=meta).encode("euc-kr")


def read(body: bytes, content_type: str) -> str:
    response = HtmlResponse(
        "https://example.com/", body=body, headers={"Content-Type": content_type}
    )
    return str(sound_text(response).css("title::text").get())


@pytest.mark.parametrize(
    ("body", "content_type", "title"),
    [
        (korean(), "text/html; charset=EUC-KR", TITLE),  # declared in the header
        (korean(META), "text/html", TITLE),  # only in a meta tag
        (korean(), "text/html", TITLE),  # undeclared
        (korean(), "text/html; charset=ISO-8859-1", TITLE),  # wrongly declared, single-byte
        (korean(), "text/html; charset=utf-8", TITLE),  # wrongly declared, UTF-8
        (korean(META), "text/html; charset=utf-8", TITLE),  # the header wrong, the meta right
        (PAGE.format(meta="").encode("utf-8"), "text/html; charset=ISO-8859-1", TITLE),
        (FRENCH.encode("latin-1"), "text/html; charset=ISO-8859-1", "Élection à Séoul"),
        (FRENCH.encode("latin-1"), "text/html; charset=utf-8", "Élection à Séoul"),
        (b"<title>Plain</title>", "text/html; charset=ISO-8859-1", "Plain"),
    ],
)
def test_pages_read_right(body: bytes, content_type: str, title: str) -> None:
    assert read(body, content_type) == title


@pytest.mark.parametrize(
    "body",
    [
        b"<title>" + bytes(range(128, 256)) * 3 + b"</title>",  # no encoding reads it
        "<title>Seoul \u00e9\u0080\u0081</title>".encode("utf-8"),  # C1 controls in the text
    ],
)
def test_pages_that_read_as_nothing_are_failures(body: bytes) -> None:
    with pytest.raises(ParseError) as caught:
        read(body, "text/html; charset=utf-8")
    assert caught.value.kind == "bad_encoding"


GERMAN = "<p>" + "Grüße aus München, schöne Tage. " * 10 + "</p>"


@pytest.mark.parametrize(
    "body",
    [
        # a stray Latin-1 byte in a UTF-8 page's script (seen on real pages): no story text
        ("<html><head><title>Plain</title><script>var s = '\xfc';</script></head><body>"
         + GERMAN + "</body></html>").encode("utf-8").replace(b"'\xc3\xbc'", b"'\xfc'"),
        # one such byte in the text itself, among many letters read right
        ("<html><head><title>Plain</title></head><body>" + GERMAN
         + "<p>Gr\x00</p></body></html>").encode("utf-8").replace(b"\x00", b"\xfc"),
    ],
)  # fmt: skip
def test_a_stray_byte_is_not_a_garbled_page(body: bytes) -> None:
    assert read(body, "text/html; charset=utf-8") == "Plain"
