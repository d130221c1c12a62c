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
stores a changed main text as a new version of the entry. `pipelines.load.reparse` does both from the archive for
`eventwatch reparse`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Set as AbstractSet
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime
from urllib.parse import urljoin, urlsplit

import duckdb

from pipelines.fetch.feeds import Feed, load_feeds
from pipelines.fetch.hosts import PoliteHosts
from pipelines.load.entries import latest_version, store_page_version
from pipelines.parse import workers
from pipelines.parse.feed import Entry, ParsedFeed
from pipelines.parse.page import PageText, extract_page, with_page, words
from pipelines.settings import Settings
from pipelines.store import archive
from pipelines.store.archive import ArchiveError
from pipelines.store.keys import short_hash

log = logging.getLogger(__name__)


_STATE_COLUMNS = ("feed_id", "entry_key", "page_url", "final_url", "canonical_url", "canonical_source", "etag",
                  "last_modified", "page_status", "page_error", "http_status", "first_checked_at",
                  "last_checked_at", "next_check_at", "checks", "failures", "archive_sha256", "text_hash", "author",
                  "published_at", "published_source", "updated_at", "updated_source", "content_text",
                  "content_html", "feed_words")


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


def check_page(settings: Settings, hosts: PoliteHosts, feed: Feed, run_id: str, entry_key: str, url: str,
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
        try:
            digest = archive.store(settings.archive_dir, result.body)  # kept before anything reads it
        except OSError as exc:  # our disk, not the page's: stop the run, as for a feed body
            raise ArchiveError(f"cannot archive the page {url} of feed {feed.id}: {exc}") from exc
        try:
            page = workers.run(extract_page, result.body, result.final_url or url, size=len(result.body))
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


def check_pages(settings: Settings, jobs: list[tuple], hosts: PoliteHosts | None = None) -> list[PageCheck]:
    """Check pages concurrently; a job is `check_page`'s arguments after `hosts` (politeness is `PoliteHosts`' job)."""
    if not jobs:
        return []
    hosts = hosts or PoliteHosts(settings)
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
        latest = latest_version(con, feed_id, entry_key)
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
            if changed and store_page_version(con, settings, check):
                made.add(check.page_fetch_id)
        record(con, run_id, checks, made)
        con.commit()
    except Exception:
        con.rollback()
        raise
    return RecheckSummary(len(checks), sum(c.status == "not_modified" for c in checks), len(made),
                          sum(c.status in ("failed", "robots") for c in checks))


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
