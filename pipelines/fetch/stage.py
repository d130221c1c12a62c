"""The fetch stage end to end, in one process (the CLI): plan, fetch concurrently with a per-host limit,
record each fetch as it completes (pipelines.load.records), then re-check the known article pages.

The Airflow ingest DAG runs the same steps as separate tasks (pipelines.stages: plan_fetches,
fetch_feed, record_fetches, recheck_pages)."""

from __future__ import annotations

import sys
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from typing import IO

import duckdb

from pipelines.fetch import pages
from pipelines.fetch.plan import ArchivedFetch, triage
from pipelines.fetch.scheduler import fetch_concurrently
from pipelines.load.records import FeedOutcome, record_fetch, start_parse
from pipelines.parse import workers
from pipelines.settings import Settings


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


def _progress(total: int, stream: IO | None):
    """A progress bar on a terminal, nothing otherwise (logs and pipes stay clean)."""
    from tqdm import tqdm

    stream = stream if stream is not None else sys.stderr
    return tqdm(total=total, unit="feed", desc="fetch", file=stream, leave=False,
                disable=not (hasattr(stream, "isatty") and stream.isatty()))


# fetches parsed ahead of the one being recorded: both cores busy, a bounded number of feeds in memory
_AHEAD = 4


def parse_ahead(con: duckdb.DuckDBPyConnection, settings: Settings,
                fetched: Iterable[ArchivedFetch]) -> Iterator[tuple[ArchivedFetch, Future | None]]:
    """Each fetch with its parse begun (`start_parse`), in the order they came, up to _AHEAD ahead:
    while one feed is recorded the next ones parse in worker processes."""
    window: deque[tuple[ArchivedFetch, Future | None]] = deque()
    for one in fetched:
        window.append((one, start_parse(con, settings, one)))
        while window and (len(window) > _AHEAD or _ready(window[0][1])):
            yield window.popleft()
    yield from window


def _ready(parsing: Future | None) -> bool:
    return parsing is None or parsing.done()


def run_fetch(con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str,
              progress_stream: IO | None = None) -> IngestSummary:
    """Fetch the due feeds concurrently into the archive, loading each one in its own transaction."""
    plans, not_due, parked = triage(con, settings)
    outcomes = []
    with workers.parsing(), _progress(len(plans), progress_stream) as bar:
        for fetched, parsing in parse_ahead(con, settings, fetch_concurrently(plans, settings)):
            outcomes.append(record_fetch(con, settings, run_id, fetched, parsing))
            bar.update(1)
        rechecked = pages.recheck(con, settings, run_id)  # pages due for a re-check, whatever their feed did
    order = {plan.feed_id: i for i, plan in enumerate(plans)}
    outcomes.sort(key=lambda o: order[o.feed_id])
    return IngestSummary(run_id, tuple(outcomes), tuple(not_due), tuple(parked), rechecked)
