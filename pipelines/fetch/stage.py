"""The fetch stage end to end, in one process (the CLI): plan, fetch concurrently with a per-host limit,
record each fetch as it completes (pipelines.load.records), then re-check the known article pages.

The Airflow ingest DAG runs the same steps as separate tasks (pipelines.stages: plan_fetches,
fetch_feed, record_fetches, recheck_pages)."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import IO

import duckdb

from pipelines.fetch import pages
from pipelines.fetch.plan import triage
from pipelines.fetch.scheduler import fetch_concurrently
from pipelines.load.records import FeedOutcome, record_fetch
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
