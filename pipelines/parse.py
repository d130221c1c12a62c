"""Parse feed bytes with feedparser into small frozen entries with UTC datetimes.

A bad entry is skipped with a recorded reason; the feed fails only when the document yields
nothing usable. HTML becomes clean text for extraction plus sanitized HTML for display.
"""

from __future__ import annotations

import calendar
import hashlib
import html
import re
from dataclasses import dataclass
from datetime import datetime
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import feedparser

_TRACKING_PARAMS = {"fbclid", "gclid", "ref", "cmpid", "mc_cid", "mc_eid", "ocid"}
_BLOCK_TAGS = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr", "section", "article"}


@dataclass(frozen=True)
class Entry:
    entry_key: str
    guid: str | None
    url: str | None
    canonical_url: str | None
    title: str | None
    author: str | None
    content_html: str
    content_text: str
    published_at: datetime | None  # as the feed gave it, in UTC
    updated_at: datetime | None


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


def canonical_url(url: str | None) -> str | None:
    """One URL per article: https, lower-case host, no fragment, no tracking query, no trailing slash."""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.netloc:
        return None
    host = parts.netloc.lower()
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


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def html_to_text(fragment: str) -> str:
    """Readable plain text: tags dropped, entities decoded, paragraphs kept as blank lines."""
    parser = _TextExtractor()
    parser.feed(fragment or "")
    parser.close()
    text = "".join(parser.parts).replace("\xa0", " ")
    paragraphs = [re.sub(r"[ \t\r\f\v]+", " ", p).strip() for p in re.split(r"\n\s*\n|\n", text)]
    return "\n\n".join(p for p in paragraphs if p)


def _utc(struct) -> datetime | None:
    # feedparser normalizes every date format it knows to a UTC struct_time
    if not struct:
        return None
    try:
        return datetime.utcfromtimestamp(calendar.timegm(struct))
    except (OverflowError, ValueError, OSError):
        return None


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


def _to_entry(raw: dict) -> Entry:
    guid = (raw.get("id") or "").strip() or None
    link = (raw.get("link") or "").strip() or None
    title = html_to_text(raw.get("title") or "").strip() or None
    body = _body_html(raw)
    text = html_to_text(body)
    canon = canonical_url(link)
    if not (title or text or link or guid):
        raise ValueError("entry has no id, no title, no body and no link")
    published = _utc(raw.get("published_parsed"))
    updated = _utc(raw.get("updated_parsed"))
    return Entry(
        entry_key=_entry_key(guid, canon, title, raw.get("published") or raw.get("updated")),
        guid=guid,
        url=link,
        canonical_url=canon,
        title=title,
        author=(raw.get("author") or "").strip() or None,
        content_html=body,
        content_text=text,
        published_at=published,
        updated_at=updated,
    )


def parse_feed(body: bytes, headers: dict[str, str] | None = None, base_url: str | None = None) -> ParsedFeed:
    """Parse raw feed bytes; feedparser sanitizes HTML (no script, style, handlers, javascript: URLs)."""
    response_headers = dict(headers or {})
    if base_url:
        response_headers.setdefault("content-location", base_url)
    doc = feedparser.parse(body, response_headers=response_headers, sanitize_html=True, resolve_relative_uris=True)
    bozo = None
    if doc.get("bozo"):
        exc = doc.get("bozo_exception")
        bozo = f"{type(exc).__name__}: {exc}" if exc else "not well-formed"
    entries, rejected, seen = [], [], set()
    for index, raw in enumerate(doc.get("entries", [])):
        try:
            entry = _to_entry(raw)
        except (ValueError, TypeError, KeyError) as exc:
            rejected.append(Rejected(raw.get("id") or raw.get("link"), f"entry {index}: {exc}", _jsonable(raw)))
            continue
        if entry.entry_key in seen:
            rejected.append(Rejected(entry.entry_key, f"entry {index}: duplicate entry key in one document", _jsonable(raw)))
            continue
        seen.add(entry.entry_key)
        entries.append(entry)
    return ParsedFeed(tuple(entries), tuple(rejected), bozo, html.unescape(doc.get("feed", {}).get("title", "")) or None)


def _jsonable(raw: dict) -> dict:
    return {k: v for k, v in raw.items() if isinstance(v, (str, int, float, bool)) or v is None}
