"""The fetch stage: fetch every feed, archive the bytes, parse, load, account for every entry."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from pipelines import archive
from pipelines.feeds import load_feeds
from pipelines.fetch import fetch
from pipelines.load import LoadCounts, load_entries, short_hash
from pipelines.parse import parse_feed
from pipelines.settings import Settings

log = logging.getLogger(__name__)
MAX_PARALLEL_FETCHES = 8


@dataclass(frozen=True)
class FeedOutcome:
    feed_id: str
    fetch_id: str
    ok: bool
    error: str | None
    counts: LoadCounts | None
    not_modified: bool = False


@dataclass(frozen=True)
class IngestSummary:
    run_id: str
    outcomes: tuple[FeedOutcome, ...]

    @property
    def feeds_ok(self) -> int:
        return sum(o.ok for o in self.outcomes)

    @property
    def feeds_failed(self) -> int:
        return sum(not o.ok for o in self.outcomes)

    def total(self, field: str) -> int:
        return sum(getattr(o.counts, field) for o in self.outcomes if o.counts)


@dataclass(frozen=True)
class FetchPlan:
    """What one fetch needs to know: where, and the validators for a conditional request."""

    feed_id: str
    url: str
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class ArchivedFetch:
    """A fetch whose body (if any) is in the raw archive: small enough to pass between tasks."""

    feed_id: str
    url: str
    http_status: int | None
    headers: dict[str, str]
    error: str | None
    duration_ms: float
    archive_sha256: str | None
    bytes: int | None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def not_modified(self) -> bool:
        return self.http_status == 304


def plan_fetches(con: duckdb.DuckDBPyConnection, settings: Settings) -> list[FetchPlan]:
    """One plan per feed of the feeds file, with the validators stored from its last success."""
    plans = []
    for feed in load_feeds(settings.feeds_file):
        row = con.execute("select etag, last_modified from raw.feed_state where feed_id = ?", [feed.id]).fetchone()
        plans.append(FetchPlan(feed.id, feed.location, *(row or (None, None))))
    return plans


def fetch_and_archive(plan: FetchPlan, settings: Settings) -> ArchivedFetch:
    """Fetch one feed and archive its body; touches no database, so many run at once."""
    result = fetch(plan.url, etag=plan.etag, last_modified=plan.last_modified)
    digest = archive.store(settings.archive_dir, result.body) if result.body is not None else None
    return ArchivedFetch(plan.feed_id, plan.url, result.http_status, result.headers, result.error,
                         result.duration_ms, digest, len(result.body) if result.body is not None else None)


def record_fetch(con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str, fetched: ArchivedFetch) -> FeedOutcome:
    """Parse and load one archived fetch, log the attempt and update the feed's state, atomically."""
    fetched_at = settings.as_of
    fetch_id = short_hash(run_id, fetched.feed_id, fetched.url)
    counts, parsed = None, None
    if fetched.archive_sha256 is not None:
        body = archive.read(settings.archive_dir, fetched.archive_sha256)
        base_url = fetched.url if fetched.url.startswith("http") else None
        parsed = parse_feed(body, fetched.headers, base_url=base_url)
    con.begin()
    try:
        if parsed is not None:
            counts = load_entries(con, list(parsed.entries), list(parsed.rejected), feed_id=fetched.feed_id,
                                  fetch_id=fetch_id, archive_sha256=fetched.archive_sha256, seen_at=fetched_at)
        log_row = {
            "fetch_id": fetch_id, "run_id": run_id, "feed_id": fetched.feed_id, "url": fetched.url,
            "http_status": fetched.http_status, "error": fetched.error, "bytes": fetched.bytes,
            "etag": fetched.headers.get("etag"), "last_modified": fetched.headers.get("last-modified"),
            "duration_ms": fetched.duration_ms, "archive_sha256": fetched.archive_sha256, "fetched_at": fetched_at,
            "entries_seen": counts.seen if counts else None,
            "entries_new": counts.new if counts else None,
            "entries_new_version": counts.new_versions if counts else None,
            "entries_unchanged": counts.unchanged if counts else None,
            "entries_quarantined": counts.quarantined if counts else None,
            "bozo_reason": parsed.bozo_reason if parsed else None,
        }
        con.register("_fetch_row", pa.Table.from_pylist([log_row]))
        con.execute("insert or replace into raw.fetch_log by name select * from _fetch_row")
        con.unregister("_fetch_row")
        con.execute(
            """
            insert into raw.feed_state (feed_id, url, etag, last_modified, last_success_at, last_error, consecutive_failures)
            values ($feed, $url, $etag, $lm, case when $ok then $at end, $error, case when $ok then 0 else 1 end)
            on conflict (feed_id) do update set
                url = excluded.url,
                etag = coalesce(excluded.etag, raw.feed_state.etag),
                last_modified = coalesce(excluded.last_modified, raw.feed_state.last_modified),
                last_success_at = coalesce(excluded.last_success_at, raw.feed_state.last_success_at),
                last_error = excluded.last_error,
                consecutive_failures = case when $ok then 0 else raw.feed_state.consecutive_failures + 1 end
            """,
            {"feed": fetched.feed_id, "url": fetched.url, "etag": fetched.headers.get("etag"),
             "lm": fetched.headers.get("last-modified"), "ok": fetched.ok, "at": fetched_at, "error": fetched.error},
        )
        con.commit()
    except Exception:
        con.rollback()
        raise
    if not fetched.ok:
        log.warning("feed %s failed: %s", fetched.feed_id, fetched.error)
    elif counts is None:
        log.info("feed %s: not modified", fetched.feed_id)
    else:
        log.info("feed %s: %d entries, %d new, %d new versions, %d quarantined%s", fetched.feed_id, counts.seen,
                 counts.new, counts.new_versions, counts.quarantined,
                 f" (not well-formed: {parsed.bozo_reason})" if parsed.bozo_reason else "")
    return FeedOutcome(fetched.feed_id, fetch_id, fetched.ok, fetched.error, counts, fetched.not_modified)


def run_fetch(con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str) -> IngestSummary:
    """Fetch all feeds concurrently into the archive, then load each one in its own transaction."""
    plans = plan_fetches(con, settings)
    with ThreadPoolExecutor(max_workers=MAX_PARALLEL_FETCHES) as pool:
        fetched = list(pool.map(lambda plan: fetch_and_archive(plan, settings), plans))
    return IngestSummary(run_id, tuple(record_fetch(con, settings, run_id, f) for f in fetched))
