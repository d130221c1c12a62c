"""Article pages: read the article, not the teaser.

A feed's `full_text` mode (pipelines.fetch.feeds: `auto`, `always`, `never`) says whether an entry's page
is fetched. In `auto` (the default for http(s) feeds) the page is fetched when the feed's text is
short (`PagePolicy.short_words`); its main text replaces the feed's only when it is longer (and
not a stub under `PagePolicy.min_words`), so a
404, a paywall stub, a timeout or a poor extraction keeps the feed's text (`raw.page_state` says
why, and the page is tried again on the re-check schedule).

Pages are fetched with the feeds' machinery (pipelines.fetch.client: conditional GET, timeouts, body cap,
redirects, the network policy with the feed's listed URL as the trusted one), at most
`FetchPolicy.per_host` at once per host with `PagePolicy.delay_s` between two requests to a host,
and only where the host's robots.txt allows (fetched once per host and run; a missing one allows).
Every body is archived content-addressed before trafilatura extracts its main text, the canonical
URL (which becomes the article's identity), the dates the feed lacks and the author.

Two ways in: `enrich` (first sight, from `record_fetch`) puts the page text into the entries before
they are loaded, so a summary-only feed stores the article as a full-content feed would; `recheck`
(after the feeds) re-checks known pages on a decaying schedule (`PagePolicy.recheck_hours`) and
stores a changed main text as a new version of the entry. `replay` does both from the archive for
`eventwatch reparse`.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.robotparser
from collections.abc import Set as AbstractSet
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from html import escape
from urllib.parse import urljoin, urlsplit

import duckdb
import lxml.html
import trafilatura
from trafilatura.settings import Document

from pipelines.fetch.client import ACCEPT_HTML, USER_AGENT, fetch
from pipelines.fetch.feeds import Feed, load_feeds
from pipelines.load.entries import short_hash
from pipelines.parse.feed import Entry, ParsedFeed, canonical_url
from pipelines.settings import Settings
from pipelines.store import archive

log = logging.getLogger(__name__)
_STATE_COLUMNS = ("feed_id", "entry_key", "page_url", "final_url", "canonical_url", "canonical_source", "etag",
                  "last_modified", "page_status", "page_error", "http_status", "first_checked_at",
                  "last_checked_at", "next_check_at", "checks", "failures", "archive_sha256", "text_hash", "author",
                  "published_at", "published_source", "updated_at", "updated_source", "content_text",
                  "content_html", "feed_words")
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


@dataclass(frozen=True)
class PageCheck:
    """One page fetch and what came of it; `state` is the entry's page state afterwards."""

    page_fetch_id: str
    feed_id: str
    entry_key: str
    url: str
    status: str  # ok | not_modified | shorter | no_text | failed | robots
    error: str | None
    http_status: int | None
    bytes: int | None
    digest: str | None
    duration_ms: float
    page: PageText | None
    state: dict


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


class _Hosts:
    """Politeness per host for one run: a concurrency limit, a delay between requests, robots.txt."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._slots: dict[str, threading.Semaphore] = {}
        self._next_at: dict[str, float] = {}
        self._robots: dict[str, urllib.robotparser.RobotFileParser | str | None] = {}
        self._robots_locks: dict[str, threading.Lock] = {}

    def _host(self, url: str) -> str | None:
        parts = urlsplit(url)
        return parts.netloc.lower() if parts.scheme in ("http", "https") else None

    def fetch(self, url: str, listed_url: str, etag: str | None = None, last_modified: str | None = None):
        """One polite fetch: waits for a slot and for the host's delay."""
        host = self._host(url)
        policy = self.settings.fetch_policy
        fetch_policy = replace(policy, total_timeout_s=self.settings.page_policy.timeout_s,
                               read_timeout_s=min(policy.read_timeout_s, self.settings.page_policy.timeout_s))
        if host is None:  # a local file needs no politeness
            return fetch(url, etag, last_modified, policy=fetch_policy, listed_url=listed_url, accept=ACCEPT_HTML)
        with self._lock:
            slot = self._slots.setdefault(host, threading.Semaphore(max(1, policy.per_host)))
        with slot:
            with self._lock:
                now = time.monotonic()
                start = max(now, self._next_at.get(host, now))
                self._next_at[host] = start + self.settings.page_policy.delay_s
            time.sleep(max(0.0, start - now))
            return fetch(url, etag, last_modified, policy=fetch_policy, listed_url=listed_url, accept=ACCEPT_HTML)

    def disallowed(self, url: str, listed_url: str) -> str | None:
        """Why `url` is not to be fetched: robots.txt forbids it or its host is unreachable (None: go ahead)."""
        host = self._host(url)
        if host is None:
            return None
        with self._lock:
            lock = self._robots_locks.setdefault(host, threading.Lock())
        with lock:  # one robots.txt request per host, however many pages wait for it
            if host not in self._robots:
                self._robots[host] = self._load_robots(url, listed_url)
        rules = self._robots[host]
        if isinstance(rules, str):
            return rules
        if rules is not None and not rules.can_fetch(USER_AGENT, url):
            return f"robots.txt of {host} disallows {urlsplit(url).path or '/'}"
        return None

    def _load_robots(self, url: str, listed_url: str):
        parts = urlsplit(url)
        result = self.fetch(f"{parts.scheme}://{parts.netloc}/robots.txt", listed_url)
        if result.http_status is None and result.error:  # refused, unresolvable, down: no page is tried this run
            return f"host unreachable: {result.error}"
        if result.http_status is not None and result.http_status >= 500:
            return f"robots.txt of {parts.netloc} answered HTTP {result.http_status}: pages wait"
        if result.body is None:  # missing (4xx) or unreachable: RFC 9309 lets crawlers proceed
            return None
        rules = urllib.robotparser.RobotFileParser()
        rules.parse(result.body.decode("utf-8", "replace").splitlines())
        return rules


def page_url(feed: Feed, entry_url: str | None) -> str | None:
    """The page to fetch for an entry: its link, a relative one resolved against the feed's location."""
    if not entry_url:
        return None
    try:
        url = urljoin(feed.location, entry_url)
        parts = urlsplit(url)
        _ = parts.port  # a malformed port raises here, not in the fetcher
    except ValueError:  # a malformed link (a bad IPv6 literal...): no page to read
        return None
    return url if parts.scheme in ("http", "https", "file") else None


def _feed(settings: Settings, feed_id: str) -> Feed | None:
    try:
        return next((f for f in load_feeds(settings.feeds_file) if f.id == feed_id), None)
    except (OSError, ValueError):
        return None


def load_page_states(con: duckdb.DuckDBPyConnection, feed_id: str | None = None) -> dict[tuple[str, str], dict]:
    """Stored page states, by (feed_id, entry_key)."""
    where, params = ("where feed_id = ?", [feed_id]) if feed_id else ("", [])
    rows = con.execute(f"select {', '.join(_STATE_COLUMNS)} from raw.page_state {where}", params).fetchall()
    return {(r[0], r[1]): dict(zip(_STATE_COLUMNS, r)) for r in rows}


def _wants_page(mode: str, entry: Entry, policy) -> bool:
    return mode == "always" or (mode == "auto" and words(entry.content_text) < policy.short_words)


def _next_check(settings: Settings, first: datetime, failures: int) -> datetime | None:
    """The next re-check: the first schedule step still ahead (after a failure: counted from now)."""
    steps = settings.page_policy.recheck_after
    if failures:
        return settings.as_of + steps[failures - 1] if failures <= len(steps) else None
    return next((first + step for step in steps if first + step > settings.as_of), None)


def check_page(settings: Settings, hosts: _Hosts, feed: Feed, run_id: str, entry_key: str, url: str,
               feed_words: int, old: dict | None) -> PageCheck:
    """Fetch one page (conditionally when it is known), archive it, extract it, and compute its new state."""
    started = time.monotonic()
    fetch_id = short_hash(run_id, feed.id, entry_key, url)
    same_url = old is not None and old["page_url"] == url
    etag, modified = (old["etag"], old["last_modified"]) if same_url and old["content_text"] else (None, None)
    refused = hosts.disallowed(url, feed.location)
    result = None if refused else hosts.fetch(url, feed.location, etag, modified)
    digest, page, error = None, None, refused or (result.error if result else None)
    if result is not None and result.body is not None:
        digest = archive.store(settings.archive_dir, result.body)  # kept before anything reads it
        try:
            page = extract_page(result.body, result.final_url or url)
        except Exception as exc:  # an extractor crash is this page's failure, not the run's
            log.exception("extracting page %s crashed", url)
            error = f"extraction failed: {type(exc).__name__}: {exc}"
    if refused:
        status = "robots" if refused.startswith("robots.txt") else "failed"
    elif error:
        status = "failed"
    elif result.not_modified:
        status = "not_modified"
    elif page is None:
        status, error = "no_text", "no main text found on the page"
    elif page.words <= max(feed_words, settings.page_policy.min_words - 1):
        status, error = "shorter", (f"the page's main text ({page.words} words) is no better than the feed's "
                                    f"({feed_words} words; a page needs {settings.page_policy.min_words})")
    else:
        status = "ok"
    state = _new_state(settings, feed, entry_key, url, old, status, error, result, digest, page, feed_words)
    return PageCheck(fetch_id, feed.id, entry_key, url, status, error, result.http_status if result else None,
                     len(result.body) if result and result.body is not None else None, digest,
                     (time.monotonic() - started) * 1000, page, state)


def _new_state(settings, feed, entry_key, url, old, status, error, result, digest, page, feed_words) -> dict:
    as_of = settings.as_of
    state = dict(old) if old else {c: None for c in _STATE_COLUMNS}
    first = old["first_checked_at"] if old else as_of
    failed = status in ("failed", "robots")
    failures = (old["failures"] if old else 0) + 1 if failed else 0
    state.update(feed_id=feed.id, entry_key=entry_key, page_url=url, page_status=status, page_error=error,
                 http_status=result.http_status if result else None, first_checked_at=first, last_checked_at=as_of,
                 checks=(old["checks"] if old else 0) + (0 if failed else 1), failures=failures,
                 next_check_at=_next_check(settings, first, failures), feed_words=feed_words)
    if result is not None and not failed:
        state.update(final_url=result.final_url, etag=result.headers.get("etag") or state["etag"],
                     last_modified=result.headers.get("last-modified") or state["last_modified"])
    if status == "ok":  # only a page that beat the feed replaces the text in use
        state.update(archive_sha256=digest, text_hash=short_hash(page.text), content_text=page.text,
                     content_html=page.html, canonical_url=page.canonical_url, canonical_source=page.canonical_source,
                     author=page.author, published_at=page.published_at, published_source=page.published_source,
                     updated_at=page.updated_at, updated_source=page.updated_source)
    return state


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


def check_pages(settings: Settings, jobs: list[tuple], hosts: _Hosts | None = None) -> list[PageCheck]:
    """Check pages concurrently; a job is `check_page`'s arguments after `hosts` (politeness is `_Hosts`' job)."""
    if not jobs:
        return []
    hosts = hosts or _Hosts(settings)
    with ThreadPoolExecutor(max_workers=max(1, settings.fetch_policy.max_parallel)) as pool:
        return list(pool.map(lambda job: check_page(settings, hosts, *job), jobs))


def enrich(con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str, feed_id: str,
           parsed: ParsedFeed) -> tuple[ParsedFeed, list[PageCheck]]:
    """The parsed feed with page texts in its entries: known pages from their state, new or due ones fetched.

    Network only, no writes: the caller records the checks (`record`) in the feed's transaction.
    """
    feed = _feed(settings, feed_id)
    if feed is None or feed.page_mode == "never":
        return parsed, []
    states = load_page_states(con, feed_id)
    jobs = []
    for entry in parsed.entries:
        url = page_url(feed, entry.url)
        old = states.get((feed_id, entry.entry_key))
        due = old is None or (old["next_check_at"] is not None and old["next_check_at"] <= settings.as_of)
        if url and _wants_page(feed.page_mode, entry, settings.page_policy) and due:
            jobs.append((feed, run_id, entry.entry_key, url, words(entry.content_text), old))
    checks = check_pages(settings, jobs)
    for check in checks:
        states[(feed_id, check.entry_key)] = check.state
    entries = tuple(with_page(e, states.get((feed_id, e.entry_key))) for e in parsed.entries)
    return replace(parsed, entries=entries), checks


def record(con: duckdb.DuckDBPyConnection, run_id: str, checks: list[PageCheck], made: AbstractSet[str] = frozenset(),
           at: datetime | None = None) -> None:
    """Store the checks' page states and log rows (the caller holds the transaction)."""
    for check in checks:
        state = check.state
        con.execute(f"insert or replace into raw.page_state ({', '.join(_STATE_COLUMNS)}) "
                    f"values ({', '.join('?' * len(_STATE_COLUMNS))})", [state[c] for c in _STATE_COLUMNS])
        con.execute(
            "insert or ignore into raw.page_log (page_fetch_id, run_id, feed_id, entry_key, url, final_url, "
            "http_status, page_status, page_error, bytes, archive_sha256, duration_ms, fetched_at, made_version) "
            "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [check.page_fetch_id, run_id, check.feed_id, check.entry_key, check.url, state["final_url"],
             check.http_status, check.status, check.error, check.bytes, check.digest, check.duration_ms,
             at or state["last_checked_at"], check.page_fetch_id in made])


@dataclass(frozen=True)
class RecheckSummary:
    checked: int
    not_modified: int
    new_versions: int
    failed: int


def recheck(con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str) -> RecheckSummary:
    """Re-check the pages due on the schedule; a changed main text that beats the feed's becomes a new version."""
    rows = con.execute("select feed_id, entry_key from raw.page_state where next_check_at <= ? "
                       "and last_checked_at < ?", [settings.as_of, settings.as_of]).fetchall()
    feeds: dict[str, Feed | None] = {}
    jobs = []
    states = load_page_states(con)
    for feed_id, entry_key in rows:
        feed = feeds.setdefault(feed_id, _feed(settings, feed_id))
        latest = _latest_version(con, feed_id, entry_key)
        if feed is None or feed.page_mode == "never" or latest is None:
            continue
        old = states[(feed_id, entry_key)]
        # the feed's own text: the stored versions may all carry the page's already
        feed_words = old["feed_words"] if old["feed_words"] is not None else words(latest["content_text"])
        jobs.append((feed, run_id, entry_key, old["page_url"], feed_words, old))
    checks = check_pages(settings, jobs)
    made = set()
    con.begin()
    try:
        for check in checks:
            old = states[(check.feed_id, check.entry_key)]
            changed = check.status == "ok" and check.state["text_hash"] != old["text_hash"]
            if changed and _store_version(con, settings, check):
                made.add(check.page_fetch_id)
        record(con, run_id, checks, made)
        con.commit()
    except Exception:
        con.rollback()
        raise
    return RecheckSummary(len(checks), sum(c.status == "not_modified" for c in checks), len(made),
                          sum(c.status in ("failed", "robots") for c in checks))


def _latest_version(con, feed_id: str, entry_key: str) -> dict | None:
    cur = con.execute("select e.*, d.published_raw, d.updated_raw, d.date_flag, d.enclosures from raw.entries e "
                      "left join raw.entry_details d using (entry_version_id) "
                      "where feed_id = ? and entry_key = ? order by first_seen_at desc, entry_version_id limit 1",
                      [feed_id, entry_key])
    row = cur.fetchone()
    return dict(zip([c[0] for c in cur.description], row)) if row else None


def _store_version(con, settings: Settings, check: PageCheck, seen_at: datetime | None = None) -> bool:
    """A new raw.entries version: the entry's latest one with the page's text; False when it is stored already."""
    latest = _latest_version(con, check.feed_id, check.entry_key)
    if latest is None:
        return False
    page = check.page
    content_hash = short_hash(latest["title"], page.text)
    row = dict(latest, content_text=page.text, content_html=page.html, content_hash=content_hash,
               entry_version_id=short_hash(check.feed_id, check.entry_key, content_hash),
               first_seen_at=seen_at or settings.as_of, fetch_id=check.page_fetch_id, archive_sha256=check.digest,
               author=latest["author"] or page.author, updated_at=page.updated_at or latest["updated_at"])
    if con.execute("select 1 from raw.entries where entry_version_id = ?", [row["entry_version_id"]]).fetchall():
        return False
    details = ("published_raw", "updated_raw", "date_flag", "enclosures")
    columns = [c for c in row if c not in details]
    con.execute(f"insert into raw.entries ({', '.join(columns)}) values ({', '.join('?' * len(columns))})",
                [row[c] for c in columns])
    con.execute("insert or ignore into raw.entry_details (entry_version_id, published_raw, updated_raw, date_flag, "
                "enclosures) values (?, ?, ?, ?, ?)", [row["entry_version_id"], *(row[c] for c in details)])
    return True


def page_summary(con: duckdb.DuckDBPyConnection | None) -> dict[str, str]:
    """Per feed, its entry pages by page_status and the latest page error (a `feeds status` cell)."""
    if con is None:
        return {}
    rows = con.execute("select feed_id, page_status, count(*), max_by(page_error, last_checked_at) "
                       "from raw.page_state group by all order by feed_id, page_status").fetchall()
    counts: dict[str, list[str]] = {}
    errors: dict[str, str] = {}
    for feed_id, status, count, error in rows:
        counts.setdefault(feed_id, []).append(f"{count} {status}")
        if error and status in ("failed", "robots", "no_text", "shorter"):
            errors[feed_id] = error
    return {feed_id: ", ".join(parts) + (f" (last: {errors[feed_id]})" if feed_id in errors else "")
            for feed_id, parts in counts.items()}


class Replay:
    """Page texts for `eventwatch reparse`: re-extracted from the archived page bodies, in time order."""

    def __init__(self, con: duckdb.DuckDBPyConnection, settings: Settings, feed_id: str | None = None) -> None:
        where, params = ("and feed_id = ?", [feed_id]) if feed_id else ("", [])
        self.rows = con.execute(
            "select page_fetch_id, feed_id, entry_key, url, final_url, archive_sha256, fetched_at, made_version "
            "from raw.page_log where page_status = 'ok' and archive_sha256 is not null " + where +
            " order by fetched_at, page_fetch_id", params).fetchall()
        self.settings, self._done = settings, 0
        self._pages: dict[str, PageText | None] = {}
        missing = sorted({r[5] for r in self.rows if not archive.path_for(settings.archive_dir, r[5]).exists()})
        if missing:
            raise FileNotFoundError(f"the archive lacks {len(missing)} page bodies (first: {missing[0]}); "
                                    "reparsing would lose their text")

    def _page(self, row) -> PageText | None:
        if row[5] not in self._pages:
            self._pages[row[5]] = extract_page(archive.read(self.settings.archive_dir, row[5]), row[4] or row[3])
        return self._pages[row[5]]

    def entries(self, feed_id: str, parsed: ParsedFeed, at: datetime) -> ParsedFeed:
        """The parsed feed with the page text each entry had in use at `at`."""
        latest = {r[2]: r for r in self.rows if r[1] == feed_id and r[6] <= at}
        entries = []
        for entry in parsed.entries:
            row = latest.get(entry.entry_key)
            page = self._page(row) if row else None
            entries.append(with_page(entry, _as_state(page)) if page else entry)
        return replace(parsed, entries=tuple(entries))

    def versions_until(self, con: duckdb.DuckDBPyConnection, at: datetime | None) -> int:
        """Store again the versions re-checks made up to `at` (all that are left when None)."""
        stored = 0
        while self._done < len(self.rows) and (at is None or self.rows[self._done][6] < at):
            row = self.rows[self._done]
            self._done += 1
            page = self._page(row) if row[7] else None
            if page is not None:
                check = PageCheck(row[0], row[1], row[2], row[3], "ok", None, None, None, row[5], 0.0, page, {})
                stored += _store_version(con, self.settings, check, seen_at=row[6])
        return stored


def _as_state(page: PageText) -> dict:
    return dict(content_text=page.text, content_html=page.html, canonical_url=page.canonical_url, author=page.author,
                published_at=page.published_at, updated_at=page.updated_at)
