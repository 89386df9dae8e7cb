"""Reading a page's text right, or not at all.

Scrapy decodes a page by its Content-Type header, else its `<meta charset>`, else by looking at
its bytes. A declaration can be wrong: a Korean page sent as `charset=utf-8` or `ISO-8859-1`
decodes to replacement characters or to Latin letters (mojibake), which would be stored as the
story's text and, worse, as a revision. So a decoding is checked: when it is not sound, the page
is decoded by the encodings it could be in (its `<meta>`'s, UTF-8, EUC-KR, CP1252) and kept
only if one reads cleanly; otherwise it is a recorded failure, never stored.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

from scrapy.http import TextResponse
from w3lib.encoding import html_body_declared_encoding, resolve_encoding

from newsmon.sites.base import ParseError

# What a page may really be in when its declaration is wrong, after its <meta>'s charset, in
# this order. UTF-8 and EUC-KR (strictly: both bytes of a syllable high, as KS X 1001 has them)
# fail on bytes they cannot be; CP949, EUC-KR's Windows extension, is left out because it also
# reads a Latin-1 letter followed by an ASCII one as a syllable. CP1252 (Western) decodes nearly
# anything, so it comes last and must read as words.
CANDIDATES = ("utf-8", "euc-kr", "cp1252")
# Encodings that decode any byte: a wrong one of these never fails, it only garbles.
_SINGLE_BYTE = frozenset(
    codecs.lookup(name).name
    for name in ("latin-1", "cp1252", "iso8859-15", "ascii", "cp1250", "iso8859-2")
)
REPLACEMENT = "\ufffd"
# C1 controls: what a multi-byte text read as a single-byte one shows. (A regular expression:
# every story page is checked, so this runs in C, not character by character.)
_C1 = re.compile("[\x80-\x9f]")
_NON_ASCII = re.compile("[^\x00-\x7f]")
_NOT_SHOWN = re.compile(r"<(script|style)\b.*?</\1\s*>|<!--.*?-->", re.DOTALL | re.IGNORECASE)
# The share of a text's non-ASCII characters that may fail to read (replacements, C1 controls)
# with the text still read: real pages carry a stray byte of another encoding in a pasted line.
GARBLED = 0.05


def _sound(text: str) -> bool:
    """No replacement characters and no C1 controls (what a multi-byte text read as a
    single-byte one shows)."""
    return REPLACEMENT not in text and _C1.search(text) is None


def _stray_only(text: str) -> bool:
    """Whether what does not read in a text is stray, not a garbled text: outside scripts,
    styles and comments (where a stray byte harms no story), under GARBLED of its non-ASCII
    characters. A page read in the wrong encoding shows nearly all of them so."""
    shown = _NOT_SHOWN.sub("", text)
    bad = shown.count(REPLACEMENT) + len(_C1.findall(shown))
    return bad == 0 or bad < GARBLED * len(_NON_ASCII.findall(shown))


def _strictly(body: bytes, encoding: str) -> str | None:
    try:
        return body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _mostly_letters_of_a_script(text: str) -> bool:
    """Whether the non-ASCII characters of a text read as words (Hangul, CJK, letters with
    accents), rather than the symbols and stray letters a wrong decoding makes."""
    others = [c for c in text if ord(c) > 127]
    if not others:
        return False
    words = sum(unicodedata.category(c).startswith("L") for c in others)
    return words >= 0.9 * len(others)


def sound_text(response: TextResponse) -> TextResponse:
    """`response` decoded right: as Scrapy did, when that is sound; else by another encoding
    that reads its bytes cleanly. Raises ParseError (`bad_encoding`) when none does."""
    declared = codecs.lookup(response.encoding).name
    text = response.text
    misread = declared in _SINGLE_BYTE and not text.isascii()
    if _sound(text) and not misread:
        return response
    # The page's own <meta> is trusted as browsers do (EUC-KR read as CP949).
    meta = resolve_encoding(html_body_declared_encoding(response.body) or "") or ""
    tried = [
        c for c in dict.fromkeys((meta, *CANDIDATES)) if c and codecs.lookup(c).name != declared
    ]
    for candidate in tried:
        decoded = _strictly(response.body, candidate)
        if decoded is not None and _sound(decoded) and _mostly_letters_of_a_script(decoded):
            return response.replace(encoding=candidate)
    if misread and _sound(text):
        return response  # a single-byte page after all (French, German): nothing reads better
    if not misread and _stray_only(text):
        return response  # read right but for a stray byte or two (in a script, an old comment)
    raise ParseError(
        "encoding",
        f"the page does not read as {response.encoding} (as declared or detected), nor as "
        f"{', '.join(tried)}",
    )
