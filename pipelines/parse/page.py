"""An article page's main text and metadata (trafilatura), and an entry with its page's text merged in.

No network: pipelines.fetch.pages fetches the pages and keeps their state."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from html import escape
from urllib.parse import urljoin

import lxml.html
import trafilatura
from trafilatura.settings import Document

from pipelines.parse.feed import Entry, canonical_url

_DATE_METAS = {"published": ("article:published_time", "datePublished", "date", "pubdate"),
               "updated": ("article:modified_time", "dateModified", "og:updated_time")}


@dataclass(frozen=True)
class PageText:
    """What trafilatura found in one page body."""

    text: str
    html: str
    canonical_url: str | None
    canonical_source: str | None
    author: str | None
    published_at: datetime | None
    published_source: str | None
    updated_at: datetime | None
    updated_source: str | None

    @property
    def words(self) -> int:
        return len(self.text.split())


def words(text: str | None) -> int:
    """How many words a text has (the `short_words` measure)."""
    return len((text or "").split())


def extract_page(body: bytes, url: str | None) -> PageText | None:
    """The main text and metadata of an HTML page (None when trafilatura finds no text)."""
    doc = trafilatura.bare_extraction(body, url=url, include_comments=False, favor_precision=True,
                                      include_tables=False, with_metadata=True)
    if not isinstance(doc, Document) or not (doc.text or "").strip():  # None when it finds no text
        return None
    paragraphs = [line.strip() for line in doc.text.splitlines() if line.strip()]
    if paragraphs and doc.title and paragraphs[0] == doc.title.strip():
        paragraphs = paragraphs[1:]  # the headline is the entry's title already
    if not paragraphs:
        return None
    head = _head(body)
    canon, canon_source = _canonical(head, url)
    published, published_source = _meta_date(head, "published")
    updated, updated_source = _meta_date(head, "updated")
    if published is None and doc.date:
        published, published_source = _date(doc.date), "trafilatura"
    return PageText("\n\n".join(paragraphs), "".join(f"<p>{escape(p)}</p>" for p in paragraphs), canon, canon_source,
                    (doc.author or "").strip() or None, published, published_source if published else None,
                    updated, updated_source if updated else None)


def _head(body: bytes):
    try:
        return lxml.html.fromstring(body)
    except (ValueError, lxml.etree.ParserError):
        return None


def _canonical(tree, url: str | None) -> tuple[str | None, str | None]:
    """The page's own URL for itself: rel=canonical, else og:url, normalized (None when neither is usable)."""
    if tree is None:
        return None, None
    for xpath, source in (('//link[@rel="canonical"]/@href', "rel-canonical"),
                          ('//meta[@property="og:url"]/@content', "og:url")):
        for value in tree.xpath(xpath):
            canon = canonical_url(urljoin(url or "", value.strip()))
            if canon:
                return canon, source
    return None, None


def _meta_date(tree, kind: str) -> tuple[datetime | None, str | None]:
    """A publication or update time from the page's meta tags or JSON-LD, in naive UTC, with its source."""
    if tree is None:
        return None, None
    for name in _DATE_METAS[kind]:
        for value in tree.xpath(f'//meta[@property="{name}" or @name="{name}" or @itemprop="{name}"]/@content'):
            moment = _date(value)
            if moment:
                return moment, f"meta {name}"
    for script in tree.xpath('//script[@type="application/ld+json"]/text()'):
        try:
            data = json.loads(script)
        except ValueError:
            continue
        for item in data if isinstance(data, list) else [data]:
            key = "datePublished" if kind == "published" else "dateModified"
            moment = _date(item.get(key)) if isinstance(item, dict) else None
            if moment:
                return moment, f"json-ld {key}"
    return None, None


def _date(value: object) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def with_page(entry: Entry, state: dict | None) -> Entry:
    """The entry with the page's text, canonical URL, author and missing dates (unchanged without a page text)."""
    if not state or not state.get("content_text") or words(state["content_text"]) <= words(entry.content_text):
        return entry
    published, source = entry.published_at, entry.published_source
    if published is None and entry.updated_at is None and state["published_at"] is not None:
        published, source = state["published_at"], "page"
    return replace(entry, content_text=state["content_text"], content_html=state["content_html"],
                   canonical_url=state["canonical_url"] or entry.canonical_url, author=entry.author or state["author"],
                   published_at=published, published_source=source,
                   updated_at=entry.updated_at or state["updated_at"])
