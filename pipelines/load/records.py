"""Record one archived fetch, in one transaction: parse it, screen the batch, load the entries, log the
attempt in raw.fetch_log with its accounting, and save the feed's next state. Recording the same fetch
twice changes nothing (a retried Airflow task)."""

from __future__ import annotations

import json
import logging
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from pipelines.faults import crash_point
from pipelines.fetch import pages
from pipelines.fetch.plan import ArchivedFetch
from pipelines.fetch.polling import Schedule, retry_after_s
from pipelines.fetch.state import FeedState, load_states, next_state, save_state
from pipelines.load.entries import LoadCounts, load_entries
from pipelines.load.screen import screen_batch
from pipelines.parse import workers
from pipelines.parse.archived import parse_archived
from pipelines.parse.feed import ParsedFeed
from pipelines.settings import Settings
from pipelines.store.connection import registered
from pipelines.store.keys import short_hash
from pipelines.store.tables import arrow_schema

log = logging.getLogger(__name__)
_NOTHING = LoadCounts(0, 0, 0, 0, 0)


@dataclass(frozen=True)
class FeedOutcome:
    feed_id: str
    fetch_id: str
    ok: bool
    error: str | None
    counts: LoadCounts | None
    not_modified: bool = False  # 304, an unchanged file, or a 200 with the bytes parsed last time
    parked: bool = False
    moved_to: str | None = None


def start_parse(con: duckdb.DuckDBPyConnection, settings: Settings, fetched: ArchivedFetch) -> Future | None:
    """Begin parsing a fetch's body (in a worker when worth it) so that `record_fetch` finds it parsed;
    None when recording it parses nothing (a failed fetch, or the same bytes as last time)."""
    if fetched.archive_sha256 is None or fetched.error is not None:
        return None
    if _same_bytes_as_last_time(fetched, load_states(con).get(fetched.feed_id)):
        return None
    return _parse_future(settings, fetched)


def _same_bytes_as_last_time(fetched: ArchivedFetch, state: FeedState | None) -> bool:
    """The body is the one the feed's last load parsed: nothing to parse."""
    return state is not None and state.last_archive_sha256 == fetched.archive_sha256


def _parse_future(settings: Settings, fetched: ArchivedFetch) -> Future:
    """The parse of a fetch's archived body, as a Future (pipelines.parse.workers decides where it runs)."""
    base = fetched.final_url or fetched.url
    return workers.submit(parse_archived, settings.archive_dir, fetched.archive_sha256, fetched.headers,
                          base if base.startswith("http") else None, settings.fetch_policy.max_body_bytes,
                          size=fetched.bytes or 0)


def _parse(settings: Settings, fetched: ArchivedFetch,
           parsing: Future | None = None) -> tuple[ParsedFeed | None, str | None]:
    """Parse the archived body (or take `start_parse`'s result); (parsed, error) where error says why
    this fetch failed, if it did."""
    parsing = parsing or _parse_future(settings, fetched)
    try:
        parsed = parsing.result()
    except OSError:  # the archive could not be read: our disk, not the feed, so the run stops as before
        raise
    except BrokenProcessPool as exc:  # the worker died (killed, out of memory): the feed is polled again later
        workers.broke()
        log.error("the worker parsing feed %s died; the feed fails this run", fetched.feed_id)
        return None, f"parse failed: the parse worker died ({exc})"
    except Exception as exc:  # a parser crash is this feed's failure, not the run's
        log.exception("parsing feed %s crashed", fetched.feed_id)
        return None, f"parse failed: {type(exc).__name__}: {exc}"
    if not parsed.is_feed:
        return parsed, f"not a feed: {parsed.bozo_reason or 'no feed element'}"
    return parsed, None


def _log_row(settings: Settings, run_id: str, fetch_id: str, fetched: ArchivedFetch, error: str | None,
             counts: LoadCounts | None, parsed: ParsedFeed | None, schedule: Schedule, moved_to: str | None,
             body_unchanged: bool, seq: int) -> dict:
    decoded = parsed.decoded if parsed else None
    return {
        "fetch_id": fetch_id, "run_id": run_id, "feed_id": fetched.feed_id, "url": fetched.url,
        "http_status": fetched.http_status, "error": error, "bytes": fetched.bytes,
        "etag": fetched.headers.get("etag"), "last_modified": fetched.headers.get("last-modified"),
        "duration_ms": fetched.duration_ms, "archive_sha256": fetched.archive_sha256,
        "fetched_at": settings.as_of,
        "entries_seen": counts.seen if counts else None,
        "entries_new": counts.new if counts else None,
        "entries_new_version": counts.new_versions if counts else None,
        "entries_unchanged": counts.unchanged if counts else None,
        "entries_quarantined": counts.quarantined if counts else None,
        "bozo_reason": parsed.bozo_reason if parsed else None,
        "attempt_seq": seq,
        "final_url": fetched.final_url,
        "redirects": json.dumps([list(hop) for hop in fetched.redirects]) if fetched.redirects else None,
        "moved_to": moved_to,
        "content_type": fetched.headers.get("content-type"),
        "not_modified": fetched.not_modified,
        "body_unchanged": body_unchanged,
        "encoding": decoded.encoding if decoded else None,
        "encoding_source": decoded.source if decoded else None,
        "http_charset": decoded.http_charset if decoded else None,
        "declared_encoding": decoded.declared if decoded else None,
        "feed_format": (parsed.version or None) if parsed else None,
        "retry_after_s": retry_after_s(fetched.headers, settings.as_of),
        "next_poll_at": schedule.next_poll_at,
        "next_poll_reason": schedule.reason,
        "forced": fetched.forced,
    }


def _insert_log(con: duckdb.DuckDBPyConnection, row: dict) -> None:
    with registered(con, "_fetch_row", pa.Table.from_pylist([row], schema=arrow_schema("raw.fetch_log"))):
        con.execute("insert into raw.fetch_log by name select * from _fetch_row")


def _next_seq(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("select coalesce(max(attempt_seq), 0) + 1 from raw.fetch_log").fetchall()[0][0]


def _stored_outcome(con: duckdb.DuckDBPyConnection, fetch_id: str, feed_id: str) -> FeedOutcome | None:
    rows = con.execute(
        "select error, entries_seen, entries_new, entries_new_version, entries_unchanged, entries_quarantined, "
        "coalesce(not_modified, false) or coalesce(body_unchanged, false), moved_to "
        "from raw.fetch_log where fetch_id = ?", [fetch_id]).fetchall()
    if not rows:
        return None
    row = rows[0]
    counts = LoadCounts(*row[1:6]) if row[1] is not None else None
    return FeedOutcome(feed_id, fetch_id, row[0] is None, row[0], counts, bool(row[6]), moved_to=row[7])


def record_fetch(con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str,
                 fetched: ArchivedFetch, parsing: Future | None = None) -> FeedOutcome:
    """Parse and load one archived fetch, log the attempt and update the feed's state, atomically.

    `parsing` is `start_parse`'s Future for this fetch when the caller began parsing it ahead."""
    fetch_id = short_hash(run_id, fetched.feed_id, fetched.url)
    stored = _stored_outcome(con, fetch_id, fetched.feed_id)
    if stored is not None:  # a retried task: this fetch is already recorded
        return stored
    state = load_states(con).get(fetched.feed_id)
    parsed, error, body_unchanged = None, fetched.error, False
    if fetched.archive_sha256 is not None and error is None:
        if _same_bytes_as_last_time(fetched, state):
            body_unchanged = True
        else:
            parsed, error = _parse(settings, fetched, parsing)
    held_back = None
    if error is None and parsed is not None:
        screened = screen_batch(con, fetched.feed_id, parsed)
        parsed, held_back = screened.parsed, screened.blocked
        if held_back is not None:  # the feed broke: its whole batch is quarantined, the fetch fails
            error = f"feed batch held back: {held_back}"
    page_checks: list = []
    if error is None and parsed is not None:  # network before the transaction: article pages (pipelines.fetch.pages)
        parsed, page_checks = pages.enrich(con, settings, run_id, fetched.feed_id, parsed)
    ok = error is None
    new_state, schedule, moved_to = next_state(settings, fetched, state, ok, error, fetched.archive_sha256)
    counts = None
    con.begin()
    try:
        seq = _next_seq(con)
        if parsed is not None and (ok or held_back is not None):
            counts = load_entries(con, list(parsed.entries), list(parsed.rejected), feed_id=fetched.feed_id,
                                  fetch_id=fetch_id, archive_sha256=fetched.archive_sha256, seen_at=settings.as_of)
        elif ok:
            counts = _NOTHING
        pages.record(con, run_id, page_checks)
        _insert_log(con, _log_row(settings, run_id, fetch_id, fetched, error, counts, parsed, schedule, moved_to,
                                  body_unchanged, seq))
        save_state(con, new_state)
        crash_point("load")
        con.commit()
    except Exception as exc:
        con.rollback()  # all of this fetch's rows or none of them
        log.exception("loading feed %s failed; its batch was rolled back", fetched.feed_id)
        return _record_load_failure(con, settings, run_id, fetch_id, fetched, state, parsed, exc)
    outcome = FeedOutcome(fetched.feed_id, fetch_id, ok, error, counts, fetched.not_modified or body_unchanged,
                          new_state.parked, moved_to)
    _log_outcome(outcome, parsed, new_state)
    return outcome


def _record_load_failure(con, settings, run_id, fetch_id, fetched, state, parsed, exc) -> FeedOutcome:
    """Log a fetch whose load failed (its entries rolled back) as a failed attempt."""
    error = f"load failed: {type(exc).__name__}: {exc}"
    new_state, schedule, _ = next_state(settings, fetched, state, False, error, None)
    con.begin()
    try:
        seq = _next_seq(con)
        _insert_log(con, _log_row(settings, run_id, fetch_id, fetched, error, None, parsed, schedule, None, False, seq))
        save_state(con, new_state)
        con.commit()
    except Exception:
        con.rollback()
        raise
    return FeedOutcome(fetched.feed_id, fetch_id, False, error, None, parked=new_state.parked)


def _log_outcome(outcome: FeedOutcome, parsed: ParsedFeed | None, state: FeedState) -> None:
    if not outcome.ok:
        log.warning("feed %s failed: %s (next poll %s%s)", outcome.feed_id, outcome.error,
                    f"{state.next_poll_at:%Y-%m-%d %H:%M}", "; parked: " + state.parked_reason if state.parked else "")
    elif outcome.not_modified:
        log.info("feed %s: not modified", outcome.feed_id)
    else:
        c = outcome.counts
        log.info("feed %s: %d entries, %d new, %d new versions, %d quarantined%s", outcome.feed_id, c.seen, c.new,
                 c.new_versions, c.quarantined,
                 f" (not well-formed: {parsed.bozo_reason})" if parsed and parsed.bozo_reason else "")
    if outcome.moved_to:
        log.warning("feed %s moved permanently to %s", outcome.feed_id, outcome.moved_to)
