"""Per-feed polling state in raw.feed_state: validators, schedule, failures, parking, moves.

`eventwatch feeds status` reads it (with the entry rate from raw.entries); `eventwatch feeds
enable` and `disable` park and unpark feeds by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import duckdb

from pipelines.fetch.feeds import Feed
from pipelines.fetch.polling import Schedule, after_failure, after_success
from pipelines.settings import Settings

if TYPE_CHECKING:
    from pipelines.fetch.plan import ArchivedFetch

_COLUMNS = ("feed_id", "url", "configured_url", "etag", "last_modified", "last_success_at", "last_error",
            "last_error_at", "consecutive_failures", "last_attempt_at", "last_status", "next_poll_at",
            "next_poll_reason", "parked_at", "parked_reason", "last_archive_sha256", "moved_from", "moved_at")
RATE_WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class FeedState:
    feed_id: str
    url: str
    configured_url: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    last_success_at: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    consecutive_failures: int = 0
    last_attempt_at: datetime | None = None
    last_status: int | None = None
    next_poll_at: datetime | None = None
    next_poll_reason: str | None = None
    parked_at: datetime | None = None
    parked_reason: str | None = None
    last_archive_sha256: str | None = None
    moved_from: str | None = None
    moved_at: datetime | None = None

    @property
    def parked(self) -> bool:
        return self.parked_at is not None

    def url_for(self, feed: Feed) -> str:
        """The URL to poll: where a permanent redirect moved the feed, unless the feeds file changed since."""
        if self.configured_url is not None and self.configured_url != feed.location:
            return feed.location  # the user edited the feeds file: their URL wins, the move is forgotten
        return self.url


def load_states(con: duckdb.DuckDBPyConnection) -> dict[str, FeedState]:
    """Every stored feed state, by feed id."""
    rows = con.execute(f"select {', '.join(_COLUMNS)} from raw.feed_state").fetchall()
    return {row[0]: FeedState(*row) for row in rows}


def save_state(con: duckdb.DuckDBPyConnection, state: FeedState) -> None:
    """Insert or replace one feed's state (the caller holds the transaction)."""
    placeholders = ", ".join(f"${c}" for c in _COLUMNS)
    updates = ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS if c != "feed_id")
    con.execute(f"insert into raw.feed_state ({', '.join(_COLUMNS)}) values ({placeholders}) "
                f"on conflict (feed_id) do update set {updates}", state.__dict__)


def set_parked(con: duckdb.DuckDBPyConnection, feed: Feed, parked: bool, *, at: datetime,
               reason: str | None = None) -> FeedState:
    """Park a feed (it is not polled, even with --force) or re-enable it (due at once, failures reset)."""
    state = load_states(con).get(feed.id) or FeedState(feed.id, feed.location, feed.location)
    if parked:
        state = FeedState(**{**state.__dict__, "parked_at": at, "parked_reason": reason or "disabled by hand"})
    else:
        state = FeedState(**{**state.__dict__, "parked_at": None, "parked_reason": None, "consecutive_failures": 0,
                             "next_poll_at": None, "next_poll_reason": None})
    con.begin()
    try:
        save_state(con, state)
        con.commit()
    except Exception:
        con.rollback()
        raise
    return state


@dataclass(frozen=True)
class FeedStatus:
    """One line of `eventwatch feeds status`."""

    feed_id: str
    url: str
    state: str  # new | ok | failing | parked
    last_success_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    consecutive_failures: int
    next_poll: str  # a time, "now" or "parked"
    entries_per_day: float
    note: str | None  # why parked, or where the feed moved from


def feed_status(con: duckdb.DuckDBPyConnection | None, feeds: list[Feed], as_of: datetime) -> list[FeedStatus]:
    """Per feed: last success, last error, failures, next poll and entries per day over the last 7 days."""
    states = load_states(con) if con is not None else {}
    rates: dict[str, int] = {}
    if con is not None:
        rates = dict(con.execute(
            """
            select feed_id, count(distinct entry_key) from raw.entries
            where published_at > $start and published_at <= $as_of group by feed_id
            """,
            {"start": as_of - RATE_WINDOW, "as_of": as_of},
        ).fetchall())
    out = []
    for feed in feeds:
        state = states.get(feed.id)
        if state is None:
            out.append(FeedStatus(feed.id, feed.location, "new", None, None, None, 0, "now", 0.0, None))
            continue
        if state.parked:
            kind, next_poll, note = "parked", "parked", state.parked_reason
        else:
            kind = "failing" if state.consecutive_failures else "ok"
            due = state.next_poll_at is None or state.next_poll_at <= as_of
            next_poll = "now" if due else f"{state.next_poll_at:%Y-%m-%d %H:%M} ({state.next_poll_reason})"
            note = f"moved from {state.moved_from}" if state.moved_from else None
        out.append(FeedStatus(feed.id, state.url_for(feed), kind, state.last_success_at, state.last_error,
                              state.last_error_at, state.consecutive_failures, next_poll,
                              rates.get(feed.id, 0) / RATE_WINDOW.days, note))
    return out


def next_state(settings: Settings, fetched: ArchivedFetch, state: FeedState | None, ok: bool, error: str | None,
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
