"""Parse feed bytes into small frozen entries with UTC datetimes.

The bytes are decoded first (`pipelines.parse.encoding`: BOM, HTTP charset, XML declaration, content),
re-encoded as UTF-8 with a matching declaration, and only then given to feedparser, which parses
strictly and falls back to a lenient parser for documents that are only partly well-formed (the
bozo reason is kept). A bad entry is set aside with its reason; the feed fails only when the
document is not a feed at all. HTML becomes sanitized HTML for display and clean text for
extraction; relative links are resolved against `xml:base`, then the document's URL.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import feedparser

from pipelines.parse.dates import feed_dates
from pipelines.parse.encoding import Decoded, decode_feed, repair_mojibake
from pipelines.parse.sanitize import html_to_text, safe_url, sanitize_html

# feedparser turns an id it cannot join to xml:base into "" (the id is lost); keep it as written
# instead: an opaque id is still an id (feedparser's own test item_guid_isPermaLink_ValueError)
_feedparser_urljoin = feedparser.mixin._urljoin


def _urljoin_keeping_malformed(base: str, uri: str) -> str:
    return _feedparser_urljoin(base, uri) or uri


feedparser.mixin._urljoin = _urljoin_keeping_malformed

__all__ = ["Entry", "Enclosure", "ParsedFeed", "Rejected", "canonical_url", "html_to_text", "parse_feed"]

_TRACKING_PARAMS = {"fbclid", "gclid", "ref", "cmpid", "mc_cid", "mc_eid", "ocid"}
_GZIP_MAGIC = b"\x1f\x8b"
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.\-]*:")


@dataclass(frozen=True)
class Enclosure:
    url: str
    media_type: str | None
    length: int | None


@dataclass(frozen=True)
class Entry:
    entry_key: str
    guid: str | None
    url: str | None
    canonical_url: str | None
    title: str | None
    author: str | None
    content_html: str  # sanitized: safe to display
    content_text: str  # clean text for extraction
    published_at: datetime | None  # as the feed gave it, in UTC (naive)
    updated_at: datetime | None
    published_raw: str | None = None  # the date string as written in the feed
    updated_raw: str | None = None
    date_parsed_by: str | None = None  # None (feedparser) | "rules" (ours: 12-hour clock, month names) | "unparsed"
    enclosures: tuple[Enclosure, ...] = ()
    published_source: str | None = None  # None: the feed's date; "page": taken from the article page


@dataclass(frozen=True)
class Rejected:
    record_key: str | None
    reason: str
    payload: dict


@dataclass(frozen=True)
class ParsedFeed:
    entries: tuple[Entry, ...]
    rejected: tuple[Rejected, ...]
    bozo_reason: str | None  # why the document was not well-formed, when it was not
    title: str | None
    link: str | None = None  # the site the feed belongs to
    version: str = ""  # feedparser's format name (rss20, atom10, rss10...), "" when not a feed
    decoded: Decoded | None = None

    @property
    def is_feed(self) -> bool:
        """False when the document is not a feed at all (an HTML page, an empty file)."""
        return bool(self.version or self.entries or self.rejected)


def canonical_url(url: str | None) -> str | None:
    """One URL per article: https, lower-case host, no fragment, no tracking query, no trailing slash."""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
        host = parts.netloc.lower()
        _ = parts.port  # raises ValueError on a malformed port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not host:
        return None
    if host.endswith(":80") or host.endswith(":443"):
        host = host.rsplit(":", 1)[0]
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
         if not k.lower().startswith("utm_") and k.lower() not in _TRACKING_PARAMS]
    )
    path = parts.path or "/"
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    return urlunsplit(("https", host, path, query, ""))


def _body_html(raw: dict) -> str:
    contents = raw.get("content") or []
    htmls = [c.get("value", "") for c in contents if c.get("value")]
    if htmls:
        return max(htmls, key=len)  # full text (content:encoded) over a teaser
    return raw.get("summary") or raw.get("description") or ""


def _entry_key(guid: str | None, canon: str | None, title: str | None, date: str | None) -> str:
    if guid:
        return guid
    if canon:
        return canon
    return "sha1:" + hashlib.sha1(f"{title or ''}\x1f{date or ''}".encode()).hexdigest()


def _resolve(link: str | None, site: str | None) -> str | None:
    """A relative entry link resolved against the feed's site link (for feeds read from files)."""
    if not link or not site or _SCHEME.match(link):
        return link
    try:
        return urljoin(site, link)
    except ValueError:  # a malformed link stays as written; it just gets no canonical URL
        return link


def _enclosures(raw: dict, base: str | None) -> tuple[Enclosure, ...]:
    found = []
    for enc in raw.get("enclosures") or []:
        url = safe_url((enc.get("href") or enc.get("url") or "").strip() or None, base)
        if not url:
            continue
        try:
            length = int(enc.get("length")) if enc.get("length") not in (None, "") else None
        except (TypeError, ValueError):
            length = None
        found.append(Enclosure(url, enc.get("type") or None, length))
    return tuple(found)


def _to_entry(raw: dict, site: str | None, base: str | None) -> Entry:
    guid = (raw.get("id") or "").strip() or None
    link = _resolve((raw.get("link") or "").strip() or None, site)
    link = safe_url(link) if link else None
    title = html_to_text(repair_mojibake(raw.get("title") or "")).strip() or None
    body = sanitize_html(repair_mojibake(_body_html(raw)), base or site)
    text = html_to_text(body)
    canon = canonical_url(link)
    enclosures = _enclosures(raw, base or site)
    if not (title or text or link or guid or enclosures):
        raise ValueError("entry has no id, no title, no body, no link and no enclosure")
    published, updated, published_raw, updated_raw, parsed_by = feed_dates(raw)
    return Entry(
        entry_key=_entry_key(guid, canon, title, published_raw or updated_raw),
        guid=guid,
        url=link,
        canonical_url=canon,
        title=title,
        author=repair_mojibake((raw.get("author") or "").strip()) or None,
        content_html=body,
        content_text=text,
        published_at=published,
        updated_at=updated,
        published_raw=published_raw,
        updated_raw=updated_raw,
        date_parsed_by=parsed_by,
        enclosures=enclosures,
    )


def _gunzip(body: bytes, max_bytes: int) -> bytes:
    """The body, decompressed when it is itself a gzip file (not a Content-Encoding)."""
    if not body.startswith(_GZIP_MAGIC):
        return body
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(body, max_bytes + 1)
    except zlib.error as exc:
        raise ValueError(f"body looks gzipped but does not decompress: {exc}") from exc
    if len(out) > max_bytes:
        raise ValueError(f"gzipped body decompresses to over the {max_bytes}-byte limit")
    return out


def parse_feed(body: bytes, headers: dict[str, str] | None = None, base_url: str | None = None,
               max_bytes: int = 20 * 1024 * 1024) -> ParsedFeed:
    """Parse raw feed bytes; `headers` are the response's (lower-case names), `base_url` the final URL."""
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    try:
        body = _gunzip(body, max_bytes)
    except ValueError as exc:
        return ParsedFeed((), (), str(exc), None)
    decoded = decode_feed(body, headers.get("content-type"))
    response_headers = {"content-type": "application/xml; charset=utf-8"}
    if base_url:
        response_headers["content-location"] = base_url
    if headers.get("content-language"):
        response_headers["content-language"] = headers["content-language"]
    doc = feedparser.parse(decoded.utf8_document(), response_headers=response_headers,
                           sanitize_html=True, resolve_relative_uris=True)
    reasons = []
    if doc.get("bozo"):
        bozo = doc.get("bozo_exception")
        reasons.append(f"{type(bozo).__name__}: {bozo}" if bozo else "not well-formed")
    if decoded.problem:
        reasons.append(f"encoding: {decoded.problem}")
    bozo = "; ".join(reasons) or None
    feed = doc.get("feed", {})
    site = safe_url((feed.get("link") or "").strip() or None)
    site = site if site and site.lower().startswith(("http://", "https://")) else None
    parsed_entries, rejected = [], []
    for index, raw in enumerate(doc.get("entries", [])):
        try:
            parsed_entries.append((index, raw, _to_entry(raw, site, base_url)))
        except Exception as exc:  # one bad entry must not cost the others: it is set aside with its reason
            rejected.append(Rejected(raw.get("id") or raw.get("link"), f"entry {index}: {exc}", _jsonable(raw)))
    entries = _without_duplicate_keys(parsed_entries, rejected)
    title = html_to_text(repair_mojibake(feed.get("title") or "")).strip() or None
    return ParsedFeed(tuple(entries), tuple(rejected), bozo, title, site, doc.get("version") or "", decoded)


def _without_duplicate_keys(parsed_entries: list[tuple[int, dict, Entry]], rejected: list[Rejected]) -> list[Entry]:
    """One entry per key: a repeated identical item keeps its first copy; a key carried by items with
    different content is ambiguous, so every copy is set aside rather than one picked at random."""
    contents: dict[str, set] = {}
    for _, _, entry in parsed_entries:
        contents.setdefault(entry.entry_key, set()).add((entry.title, entry.content_text))
    entries, seen = [], set()
    for index, raw, entry in parsed_entries:
        if len(contents[entry.entry_key]) > 1:
            rejected.append(Rejected(entry.entry_key, f"entry {index}: its key is carried by "
                                     f"{len(contents[entry.entry_key])} items with different content in one "
                                     "document; every copy is set aside", _jsonable(raw)))
        elif entry.entry_key in seen:
            rejected.append(Rejected(entry.entry_key, f"entry {index}: duplicate entry key in one document",
                                     _jsonable(raw)))
        else:
            seen.add(entry.entry_key)
            entries.append(entry)
    return entries


def _jsonable(raw: dict) -> dict:
    return {k: v for k, v in raw.items() if isinstance(v, (str, int, float, bool)) or v is None}
