"""Which feeds to poll now, and what passes between the fetch's steps (small enough for Airflow's XCom).

`triage` reads raw.feed_state: the feeds that are due on the run's clock (all of them but the parked
ones with `--force`), each with its current URL and the validators of its last success.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from pipelines.fetch.feeds import load_feeds
from pipelines.fetch.polling import is_due
from pipelines.fetch.state import load_states
from pipelines.settings import Settings


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
