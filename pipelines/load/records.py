"""The fetch stage: poll the feeds that are due, archive the bytes, parse, load, account for every entry.

Three steps, so that Airflow can fan the middle one out:

- `plan_fetches` (reads raw.feed_state): the feeds that are due on the run's clock (all of them but
  the parked ones with `--force`), each with its current URL and its validators;
- `fetch_and_archive` (network and archive only, no database): one conditional fetch, its body
  stored content-addressed before anything parses it;
- `record_fetch` (one transaction per fetch): parse, load the entries, log the attempt in
  raw.fetch_log with its accounting, and update the feed's state and schedule. Recording the same
  fetch twice changes nothing.

`run_fetch` (the CLI) runs the fetches concurrently with a per-host limit and records each one as
it completes. `reparse` rebuilds raw.entries from the archive, with no network.
"""

from __future__ import annotations

import json
import logging
import sys
from collections import Counter, deque
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import IO
from urllib.parse import urlparse

import duckdb
import pyarrow as pa

from pipelines.faults import crash_point
from pipelines.fetch import pages
from pipelines.fetch.client import fetch
from pipelines.fetch.feeds import load_feeds
from pipelines.fetch.polling import Schedule, after_failure, after_success, is_due, retry_after_s
from pipelines.fetch.state import FeedState, load_states, save_state
from pipelines.load.entries import LoadCounts, load_entries, registered, short_hash
from pipelines.load.screen import screen_batch
from pipelines.parse.feed import ParsedFeed, parse_feed
from pipelines.settings import Settings
from pipelines.store import archive

log = logging.getLogger(__name__)
_NOTHING = LoadCounts(0, 0, 0, 0, 0)


class ArchiveError(RuntimeError):
    """A fetched body could not be archived (disk full, read-only): the run stops, the fetch is not recorded.

    Never parse what could not be kept; and a full disk is not the feed's failure, so it must not
    count towards the feed's backoff or parking.
    """


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


@dataclass(frozen=True)
class IngestSummary:
    run_id: str
    outcomes: tuple[FeedOutcome, ...]
    not_due: tuple[str, ...] = ()
    parked: tuple[str, ...] = ()
    pages: pages.RecheckSummary | None = None  # the re-checks of known article pages

    @property
    def feeds_ok(self) -> int:
        return sum(o.ok for o in self.outcomes)

    @property
    def feeds_failed(self) -> int:
        return sum(not o.ok for o in self.outcomes)

    @property
    def feeds_not_modified(self) -> int:
        return sum(o.not_modified for o in self.outcomes)

    def total(self, field: str) -> int:
        return sum(getattr(o.counts, field) for o in self.outcomes if o.counts)


@dataclass(frozen=True)
class FetchPlan:
    """What one fetch needs to know: where, and the validators for a conditional request."""

    feed_id: str
    url: str
    etag: str | None = None
    last_modified: str | None = None
    configured_url: str | None = None  # the feeds file's URL, to notice when the user changes it
    forced: bool = False  # not due, polled because of --force


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
    final_url: str | None = None
    redirects: tuple = field(default_factory=tuple)  # ((status, location), ...); lists after XCom
    permanent_url: str | None = None
    not_modified: bool = False
    configured_url: str | None = None
    forced: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None


def triage(con: duckdb.DuckDBPyConnection, settings: Settings) -> tuple[list[FetchPlan], list[str], list[str]]:
    """(plans for the feeds to poll now, ids of feeds not due yet, ids of parked feeds)."""
    states = load_states(con)
    plans, not_due, parked = [], [], []
    for feed in load_feeds(settings.feeds_file):
        state = states.get(feed.id)
        if state is None:
            plans.append(FetchPlan(feed.id, feed.location, configured_url=feed.location))
            continue
        edited = state.configured_url is not None and state.configured_url != feed.location
        # a URL the user just edited is polled at once: the old URL's schedule is not its own
        due = edited or is_due(as_of=settings.as_of, next_poll_at=state.next_poll_at,
                               last_attempt_at=state.last_attempt_at, parked=state.parked, force=False)
        if state.parked and not edited:
            parked.append(feed.id)
        elif due or settings.force:
            url = state.url_for(feed)
            same = url == state.url  # validators belong to the URL they came from
            plans.append(FetchPlan(feed.id, url, state.etag if same else None, state.last_modified if same else None,
                                   feed.location, forced=not due))
        else:
            not_due.append(feed.id)
    return plans, not_due, parked


def plan_fetches(con: duckdb.DuckDBPyConnection, settings: Settings) -> list[FetchPlan]:
    """One plan per feed to poll now, with its current URL and the validators of its last success."""
    return triage(con, settings)[0]


def fetch_and_archive(plan: FetchPlan, settings: Settings) -> ArchivedFetch:
    """Fetch one feed and archive its body; touches no database, so many run at once."""
    result = fetch(plan.url, etag=plan.etag, last_modified=plan.last_modified, policy=settings.fetch_policy,
                   listed_url=plan.configured_url or plan.url)  # the feeds file's URL is the trusted one
    digest, error = None, result.error
    if result.body is not None:
        try:
            digest = archive.store(settings.archive_dir, result.body)
        except OSError as exc:  # our disk, not the feed: stop the run rather than blame the feed
            raise ArchiveError(f"cannot archive the body of feed {plan.feed_id}: {exc}") from exc
    return ArchivedFetch(plan.feed_id, plan.url, result.http_status, result.headers, error, result.duration_ms,
                         digest, len(result.body) if result.body is not None else None, result.final_url,
                         result.redirects, result.permanent_url, result.not_modified, plan.configured_url,
                         plan.forced)


def _parse(settings: Settings, fetched: ArchivedFetch) -> tuple[ParsedFeed | None, str | None]:
    """Parse the archived body; (parsed, error) where error says why this fetch failed, if it did."""
    body = archive.read(settings.archive_dir, fetched.archive_sha256)
    base = fetched.final_url or fetched.url
    try:
        parsed = parse_feed(body, fetched.headers, base_url=base if base.startswith("http") else None,
                            max_bytes=settings.fetch_policy.max_body_bytes)
    except Exception as exc:  # a parser crash is this feed's failure, not the run's
        log.exception("parsing feed %s crashed", fetched.feed_id)
        return None, f"parse failed: {type(exc).__name__}: {exc}"
    if not parsed.is_feed:
        return parsed, f"not a feed: {parsed.bozo_reason or 'no feed element'}"
    return parsed, None


def _next_state(settings: Settings, fetched: ArchivedFetch, state: FeedState | None, ok: bool, error: str | None,
                digest: str | None) -> tuple[FeedState, Schedule, str | None]:
    """The feed's state after this attempt, its schedule, and where it moved (if it did)."""
    as_of, policy = settings.as_of, settings.fetch_policy
    old = state or FeedState(fetched.feed_id, fetched.url, fetched.configured_url)
    if ok:
        schedule = after_success(policy, as_of, fetched.headers)
    else:
        failures = old.consecutive_failures if old.url == fetched.url else 0
        schedule = after_failure(policy, as_of, fetched.feed_id, failures, fetched.http_status, fetched.headers,
                                 error or "failed")
    # validators describe the body we hold: a 200 we parsed replaces them; a 304 may refresh them;
    # a failure (even a 200 that did not load) keeps the old ones, so the next request re-fetches
    if ok and not fetched.not_modified:
        etag, last_modified = fetched.headers.get("etag"), fetched.headers.get("last-modified")
    elif ok:
        etag = fetched.headers.get("etag") or old.etag
        last_modified = fetched.headers.get("last-modified") or old.last_modified
    else:
        etag, last_modified = old.etag, old.last_modified
    moved_to = fetched.permanent_url if ok and fetched.permanent_url not in (None, fetched.url) else None
    new = FeedState(
        feed_id=fetched.feed_id,
        url=moved_to or fetched.url,
        configured_url=fetched.configured_url or old.configured_url,
        etag=etag,
        last_modified=last_modified,
        last_success_at=as_of if ok else old.last_success_at,
        last_error=old.last_error if ok else error,
        last_error_at=old.last_error_at if ok else as_of,
        consecutive_failures=schedule.consecutive_failures,
        last_attempt_at=as_of,
        last_status=fetched.http_status,
        next_poll_at=schedule.next_poll_at,
        next_poll_reason=schedule.reason,
        parked_at=as_of if schedule.parked_reason else None,
        parked_reason=schedule.parked_reason,
        last_archive_sha256=digest if ok and digest else old.last_archive_sha256,
        moved_from=fetched.url if moved_to else old.moved_from,
        moved_at=as_of if moved_to else old.moved_at,
    )
    return new, schedule, moved_to


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


_LOG_TYPES = {"bytes": pa.int64(), "http_status": pa.int32(), "attempt_seq": pa.int64(), "duration_ms": pa.float64(),
              "retry_after_s": pa.float64(), "fetched_at": pa.timestamp("us"), "next_poll_at": pa.timestamp("us"),
              "not_modified": pa.bool_(), "body_unchanged": pa.bool_(), "forced": pa.bool_(),
              **{c: pa.int32() for c in ("entries_seen", "entries_new", "entries_new_version", "entries_unchanged",
                                         "entries_quarantined")}}


def _insert_log(con: duckdb.DuckDBPyConnection, row: dict) -> None:
    schema = pa.schema([(k, _LOG_TYPES.get(k, pa.string())) for k in row])
    with registered(con, "_fetch_row", pa.Table.from_pylist([row], schema=schema)):
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
                 fetched: ArchivedFetch) -> FeedOutcome:
    """Parse and load one archived fetch, log the attempt and update the feed's state, atomically."""
    fetch_id = short_hash(run_id, fetched.feed_id, fetched.url)
    stored = _stored_outcome(con, fetch_id, fetched.feed_id)
    if stored is not None:  # a retried task: this fetch is already recorded
        return stored
    state = load_states(con).get(fetched.feed_id)
    parsed, error, body_unchanged = None, fetched.error, False
    if fetched.archive_sha256 is not None and error is None:
        if state is not None and state.last_archive_sha256 == fetched.archive_sha256:
            body_unchanged = True  # the same bytes as last time: nothing to parse
        else:
            parsed, error = _parse(settings, fetched)
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
    new_state, schedule, moved_to = _next_state(settings, fetched, state, ok, error, fetched.archive_sha256)
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
    new_state, schedule, _ = _next_state(settings, fetched, state, False, error, None)
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


def _host(url: str) -> str | None:
    """The politeness key of a URL: its host name (None for local files, which need no limit)."""
    parsed = urlparse(url)
    return (parsed.hostname or "").lower() if parsed.scheme in ("http", "https") else None


def fetch_concurrently(plans: list[FetchPlan], settings: Settings) -> Iterator[ArchivedFetch]:
    """Fetch and archive every plan, at most `per_host` at once per host, yielding each as it completes."""
    policy = settings.fetch_policy
    queues: dict[str | None, deque] = {}
    for plan in plans:
        queues.setdefault(_host(plan.url), deque()).append(plan)
    running: Counter = Counter()
    with ThreadPoolExecutor(max_workers=max(1, policy.max_parallel)) as pool:
        futures: dict = {}

        def fill() -> None:
            # round robin over hosts, so one slow host's backlog never holds a thread another host needs
            progress = True
            while progress and len(futures) < policy.max_parallel:
                progress = False
                for host, queue in queues.items():
                    limit = policy.max_parallel if host is None else max(1, policy.per_host)
                    if queue and running[host] < limit and len(futures) < policy.max_parallel:
                        plan = queue.popleft()
                        running[host] += 1
                        futures[pool.submit(fetch_and_archive, plan, settings)] = host
                        progress = True

        fill()
        while futures:
            done, _ = wait(futures, return_when=FIRST_COMPLETED)
            for future in done:
                running[futures.pop(future)] -= 1
                yield future.result()
            fill()


def _progress(total: int, stream: IO | None):
    """A progress bar on a terminal, nothing otherwise (logs and pipes stay clean)."""
    from tqdm import tqdm

    stream = stream if stream is not None else sys.stderr
    return tqdm(total=total, unit="feed", desc="fetch", file=stream, leave=False,
                disable=not (hasattr(stream, "isatty") and stream.isatty()))


def run_fetch(con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str,
              progress_stream: IO | None = None) -> IngestSummary:
    """Fetch the due feeds concurrently into the archive, loading each one in its own transaction."""
    plans, not_due, parked = triage(con, settings)
    outcomes = []
    with _progress(len(plans), progress_stream) as bar:
        for fetched in fetch_concurrently(plans, settings):
            outcomes.append(record_fetch(con, settings, run_id, fetched))
            bar.update(1)
    rechecked = pages.recheck(con, settings, run_id)  # pages due for a re-check, whatever their feed did
    order = {plan.feed_id: i for i, plan in enumerate(plans)}
    outcomes.sort(key=lambda o: order[o.feed_id])
    return IngestSummary(run_id, tuple(outcomes), tuple(not_due), tuple(parked), rechecked)


@dataclass(frozen=True)
class ReparseSummary:
    fetches: int
    feeds: tuple[str, ...]
    counts: LoadCounts


def reparse(con: duckdb.DuckDBPyConnection, settings: Settings, feed_id: str | None = None) -> ReparseSummary:
    """Rebuild raw.entries (and the parse quarantine) from the archived bodies, in fetch order, no network.

    Every parsed fetch is parsed again with today's parser and loaded as it was then (same fetch id,
    same first-seen time), so the result is what ingestion would have stored had this parser run
    all along. One transaction: all of it or nothing. Refuses when an archived body is missing.
    """
    where = "archive_sha256 is not null and entries_seen is not null and not coalesce(body_unchanged, false)"
    params: list = []
    if feed_id is not None:
        where += " and feed_id = ?"
        params.append(feed_id)
    rows = con.execute(
        f"select fetch_id, feed_id, url, final_url, content_type, archive_sha256, fetched_at from raw.fetch_log "
        f"where {where} order by fetched_at, attempt_seq nulls first, fetch_id", params).fetchall()
    missing = sorted({r[5] for r in rows if not archive.has(settings.archive_dir, r[5])})
    if missing:
        raise FileNotFoundError(f"the archive lacks {len(missing)} bodies (first: {missing[0]}); "
                                "reparsing would lose their entries")
    feeds = tuple(sorted({r[1] for r in rows}))
    replay = pages.Replay(con, settings, feed_id)  # page texts, re-extracted from the archived pages
    totals: Counter[str] = Counter()
    con.begin()
    try:
        scope, scope_params = ("where feed_id = ?", [feed_id]) if feed_id is not None else ("", [])
        con.execute(f"delete from raw.entry_details where entry_version_id in (select entry_version_id "
                    f"from raw.entries {scope})", scope_params)
        con.execute(f"delete from raw.entries {scope}", scope_params)
        con.execute(f"delete from raw.quarantine where stage = 'parse' {scope.replace('where', 'and')}", scope_params)
        for fetch_id, feed, url, final_url, content_type, digest, fetched_at in rows:
            base = final_url or url
            replay.versions_until(con, fetched_at)
            parsed = parse_feed(archive.read(settings.archive_dir, digest),
                                {"content-type": content_type} if content_type else {},
                                base_url=base if base.startswith("http") else None,
                                max_bytes=settings.fetch_policy.max_body_bytes)
            parsed = replay.entries(feed, parsed, fetched_at)
            counts = load_entries(con, list(parsed.entries), list(parsed.rejected), feed_id=feed, fetch_id=fetch_id,
                                  archive_sha256=digest, seen_at=fetched_at)
            decoded = parsed.decoded
            con.execute(
                """
                update raw.fetch_log set entries_seen = ?, entries_new = ?, entries_new_version = ?,
                    entries_unchanged = ?, entries_quarantined = ?, bozo_reason = ?, encoding = ?,
                    encoding_source = ?, http_charset = ?, declared_encoding = ?, feed_format = ?
                where fetch_id = ?
                """,
                [counts.seen, counts.new, counts.new_versions, counts.unchanged, counts.quarantined,
                 parsed.bozo_reason, decoded.encoding if decoded else None, decoded.source if decoded else None,
                 decoded.http_charset if decoded else None, decoded.declared if decoded else None,
                 parsed.version or None, fetch_id])
            totals.update(counts.__dict__)
        replay.versions_until(con, None)
        con.commit()
    except Exception:
        con.rollback()
        raise
    return ReparseSummary(len(rows), feeds, LoadCounts(**{k: totals[k] for k in LoadCounts.__dataclass_fields__}))
