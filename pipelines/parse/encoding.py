"""Decode feed bytes to text the way the bytes allow, whatever the feed claims about its charset.

feedparser trusts declarations (HTTP charset, then the XML declaration) and falls back to cp1252,
which turns undeclared KOI8-R into garbage and misses cp1252 bytes in a document that says UTF-8.
`decode_feed` weighs every clue instead, in this order of authority:

1. a byte order mark, when the bytes after it decode strictly with it;
2. the UTF-16/32 byte pattern of `<?xml` (a document without a BOM);
3. the bytes themselves when they are valid UTF-8 with at least one multibyte sequence: no
   single-byte declaration beats that (a lie that would otherwise give mojibake);
4. the HTTP charset, then the XML declaration, when the bytes decode strictly with it;
5. UTF-8 with stray bytes (mostly valid UTF-8, a few invalid bytes): UTF-8 where valid and cp1252
   for the strays;
6. content detection (charset-normalizer) among the legacy encodings that news sites use.

The result is re-encoded to UTF-8 with a corrected XML declaration before feedparser sees it, and
what was detected (and from which clue) is recorded per fetch.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import charset_normalizer

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# `<?` in each wide encoding, for documents that have no BOM (XML 1.0 appendix F)
_WIDE_PATTERNS = (
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00<\x00?", "utf-16-be"),
    (b"<\x00?\x00", "utf-16-le"),
)
# WHATWG Encoding: these labels mean windows-1252 on the web, and cp1252 is a superset of them
_WEB_ALIASES = {"ascii": "cp1252", "latin_1": "cp1252", "iso8859_1": "cp1252"}
# legacy single-byte encodings of news sites, most common first (the tie-breaker of detection)
_DETECT_AMONG = ["cp1252", "cp1251", "koi8_r", "cp1250", "iso8859_7", "cp1253", "cp1254", "iso8859_15",
                 "koi8_u", "cp1255", "cp1256", "iso8859_2", "iso8859_5", "mac_cyrillic", "cp866"]
_XML_DECL = re.compile(rb"^\s*<\?xml\b[^>]*?\?>", re.DOTALL)
_DECL_ENCODING = re.compile(r"""\bencoding\s*=\s*(["'])([^"']*)\1""")
_CHARSET = re.compile(r"""charset\s*=\s*["']?([^"';\s]+)""", re.IGNORECASE)
# C1 controls never belong in a feed's text: they are cp1252 code points written as Unicode
_C1 = re.compile("[\x80-\x9f]")
_MOJIBAKE_LEAD = re.compile(  # a UTF-8 sequence read as cp1252: a lead character, then continuations
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018-\u201a\u201c-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]{1,3}"
)


@dataclass(frozen=True)
class Decoded:
    """A feed's text, how it was decoded, and what was wrong with the feed's own claims."""

    text: str
    encoding: str  # the codec that decoded it ("utf-8+cp1252" for UTF-8 with stray cp1252 bytes)
    source: str  # bom | xml-pattern | ascii | utf-8 | http | xml-declaration | mixed | detected | fallback
    http_charset: str | None  # as the response header gave it
    declared: str | None  # the XML declaration's encoding, as written
    c1_fixed: int  # C1 control characters mapped to their cp1252 meaning
    problem: str | None = None  # a declaration the bytes contradict, an unknown label, stray bytes

    def utf8_document(self) -> bytes:
        """The text as UTF-8 bytes whose XML declaration (if any) says UTF-8."""
        return _with_utf8_declaration(self.text).encode("utf-8")


def _codec(label: str | None) -> str | None:
    """The Python codec name for a charset label, None when unknown."""
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name.replace("-", "_")
    except (LookupError, ValueError):  # ValueError: a NUL inside the label (a corrupted declaration)
        return None
    return _WEB_ALIASES.get(name, name)


def http_charset(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type header, as written."""
    match = _CHARSET.search(content_type or "")
    return match.group(1) if match else None


def _declared_encoding(head: bytes) -> str | None:
    match = _XML_DECL.match(head)
    if not match:
        return None
    found = _DECL_ENCODING.search(match.group(0).decode("ascii", "replace"))
    return found.group(2) if found else None


def _strict(body: bytes, codec: str) -> str | None:
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _utf8_profile(body: bytes) -> tuple[int, int]:
    """(valid multibyte UTF-8 sequences, invalid bytes) in `body`."""
    valid = invalid = 0
    text = body.decode("utf-8", "surrogateescape")
    for char in text:
        if "\udc80" <= char <= "\udcff":
            invalid += 1
        elif char > "\x7f":
            valid += 1
    return valid, invalid


def _mixed(body: bytes) -> str:
    """UTF-8 where the bytes are valid UTF-8, cp1252 (else Latin-1) for each stray byte."""
    text = body.decode("utf-8", "surrogateescape")

    def stray(match: re.Match) -> str:
        raw = bytes(ord(c) - 0xDC00 for c in match.group(0))
        return "".join(_strict(bytes([b]), "cp1252") or bytes([b]).decode("latin-1") for b in raw)

    return re.sub("[\udc80-\udcff]+", stray, text)


def _detect(body: bytes) -> tuple[str, str] | None:
    """(codec, text) of the most plausible legacy single-byte encoding, or None."""
    results = charset_normalizer.from_bytes(body, cp_isolation=_DETECT_AMONG)
    candidates = [m for m in results if m.encoding in _DETECT_AMONG]
    if not candidates:
        return None
    least = min(m.chaos for m in candidates)
    calm = [m for m in candidates if m.chaos <= least + 0.005]
    top = max(m.coherence for m in calm)
    # coherence differences this small are noise; then the more common encoding wins
    best = min((m for m in calm if m.coherence >= top - 0.02), key=lambda m: _DETECT_AMONG.index(m.encoding))
    text = _strict(body, best.encoding)
    return (best.encoding, text) if text is not None else None


def _fix_c1(text: str) -> tuple[str, int]:
    count = 0

    def to_cp1252(match: re.Match) -> str:
        nonlocal count
        mapped = _strict(bytes([ord(match.group(0))]), "cp1252")
        if mapped is None:
            return match.group(0)
        count += 1
        return mapped

    return _C1.sub(to_cp1252, text), count


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 that was decoded as cp1252 somewhere upstream ("â€™" back to "’")."""
    if not text or not _MOJIBAKE_LEAD.search(text):
        return text

    def undo(match: re.Match) -> str:
        chars = match.group(0)
        # two-character pairs are too often real Latin text; only the classic "Ã." and "Â." are safe
        if len(chars) == 2 and chars[0] not in "\u00c2\u00c3":
            return chars
        try:
            return chars.encode("cp1252").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return chars

    return _MOJIBAKE_LEAD.sub(undo, text)


def decode_feed(body: bytes, content_type: str | None = None) -> Decoded:
    """Decode feed bytes, recording which clue decided the encoding and which claims were wrong."""
    charset = http_charset(content_type)
    declared = _declared_encoding(body[:1024])
    encoding, source, text, problem = _choose(body, _codec(charset), _codec(declared))
    unknown = [f"{where} encoding {label!r} is unknown" for where, label in (("HTTP", charset), ("declared", declared))
               if label and _codec(label) is None]
    claimed = _codec(charset) or _codec(declared)
    if problem is None and claimed and source in ("utf-8", "mixed", "detected", "fallback") and claimed != "utf_8":
        problem = f"declared {charset or declared!r} but the bytes are not; decoded as {encoding}"
    text, c1 = _fix_c1(text)
    c1_note = [f"{c1} C1 control characters read as cp1252"] if c1 else []
    problems = "; ".join([*unknown, *([problem] if problem else []), *c1_note]) or None
    return Decoded(text.lstrip("\ufeff"), encoding, source, charset, declared, c1, problems)


def _choose(body: bytes, from_http: str | None, from_xml: str | None) -> tuple[str, str, str, str | None]:
    """(codec, source, text, problem) by the order of authority in the module docstring."""
    lying_bom = None
    for bom, codec in _BOMS:
        if body.startswith(bom):
            text = _strict(body[len(bom):], codec)
            if text is not None:
                return codec, "bom", text, None
            body = body[len(bom):]  # the BOM lies about what follows: judge the bytes alone
            lying_bom = f"{codec} byte order mark, but the bytes after it are not {codec}"
            break
    for pattern, codec in _WIDE_PATTERNS:
        if body.startswith(pattern):
            text = _strict(body, codec)
            if text is not None:
                return codec, "xml-pattern", text, lying_bom
    valid, invalid = _utf8_profile(body)
    if valid == 0 and invalid == 0:
        return "ascii", "ascii", body.decode("ascii"), lying_bom
    if invalid == 0:
        return "utf_8", "utf-8", body.decode("utf-8"), lying_bom
    for codec, source in ((from_http, "http"), (from_xml, "xml-declaration")):
        # a wide codec declared for 8-bit bytes is a copy-paste error, not a clue
        if codec and codec != "utf_8" and not codec.startswith(("utf_16", "utf_32")):
            text = _strict(body, codec)
            if text is not None:
                return codec, source, text, lying_bom
    stray = lying_bom or f"not valid UTF-8: {invalid} stray bytes"
    if valid >= invalid:
        return "utf-8+cp1252", "mixed", _mixed(body), f"{stray}, read as cp1252"
    detected = _detect(body)
    if detected is not None:
        return detected[0], "detected", detected[1], lying_bom or f"not valid UTF-8; detected {detected[0]}"
    return "cp1252", "fallback", body.decode("cp1252", "replace"), f"{stray}; no encoding fits, read as cp1252"


def _with_utf8_declaration(text: str) -> str:
    match = re.match(r"\s*<\?xml\b[^>]*?\?>", text)
    if not match:
        return text
    decl = match.group(0)
    if _DECL_ENCODING.search(decl):
        fixed = _DECL_ENCODING.sub('encoding="utf-8"', decl, count=1)
    else:
        fixed = decl[:-2].rstrip() + ' encoding="utf-8"?>'
    return fixed + text[match.end():]
