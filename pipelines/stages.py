"""The stages as plain functions of explicit settings: the CLI and the Airflow DAGs both call these.

Each stage opens the working database, does its work in transactions and closes it, so that dbt
(which opens the file itself) and the next stage never meet a held lock. Each also holds the data
dir's run lock (pipelines.store.runlock) while it works, so a second writer, from the CLI or from Airflow,
waits for it instead of meeting DuckDB's lock error; `run_all` holds it across the whole chain.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field

import duckdb

from pipelines.fetch.stage import IngestSummary, run_fetch
from pipelines.gates import STAGES, GateFailed, GateOutcome, run_gates
from pipelines.load.reparse import ReparseSummary
from pipelines.settings import Settings
from pipelines.store.connection import connect, ensure_database
from pipelines.store.runlock import run_lock

log = logging.getLogger(__name__)


def new_run_id(settings: Settings) -> str:
    return f"{settings.as_of:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"


@contextmanager
def writing(settings: Settings, what: str, run_id: str | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """The working database, opened for writing under the data dir's run lock (for callers outside a stage)."""
    with run_lock(settings, what, run_id), closing(connect(settings)) as con:
        yield con


def fetch(settings: Settings, run_id: str) -> IngestSummary:
    """Fetch every feed into the archive and raw.entries (gate them with `check(..., ("fetch",))`)."""
    with writing(settings, "fetch", run_id) as con:
        return run_fetch(con, settings, run_id)


def reparse(settings: Settings, feed_id: str | None = None) -> ReparseSummary:
    """Rebuild raw.entries from the archived bodies with today's parser, no network."""
    from pipelines.load.reparse import reparse as _reparse

    with writing(settings, "reparse") as con:
        return _reparse(con, settings, feed_id)


def extract(settings: Settings):
    """Extract actors, claims and time expressions from article versions not yet extracted."""
    from pipelines.extract import load_gazetteer
    from pipelines.extract.stage import run_extract

    with writing(settings, "extract") as con:
        result = run_extract(con, load_gazetteer())
    score_stories(settings)
    return result


def score_stories(settings: Settings):
    """Score every article version not yet scored under the stories file against each story."""
    from pipelines.stories.score import score_articles

    stories = _stories(settings)
    if stories is None:  # no stories file given and no seeds/stories.yml here
        log.info("no stories file: articles are not scored")
        return None
    with writing(settings, "stories") as con:
        summary = score_articles(con, stories)
    log.info("%s", summary)
    return summary


def alerts(settings: Settings, run_id: str | None = None):
    """Queue the alerts marts.alerts holds that no earlier run queued, and deliver the outbox.

    Runs after publish: a sink that is down leaves its deliveries queued for the next run and never
    blocks the snapshot.
    """
    from pipelines.stories.alerts import deliver_alerts

    stories = _stories(settings)
    if stories is None:
        return None
    with writing(settings, "alerts", run_id) as con:
        return deliver_alerts(con, settings, stories, run_id)


def transform(settings: Settings, *, full_refresh: bool = False):
    """Build the dbt project: staging, intermediate, marts, their tests and snapshots.

    Incremental models recompute only what changed since the last complete build, unless
    `full_refresh` (or the state of the last build, see pipelines.transform.build) asks for all.
    """
    from pipelines.transform import build

    with run_lock(settings, "transform"):
        ensure_database(settings)  # dbt opens the file itself and reads the Python-owned tables
        return build(settings, full_refresh=full_refresh)


def check(settings: Settings, run_id: str, stages: tuple[str, ...] = STAGES) -> list[GateOutcome]:
    """Run the quality gates of the given stages; raises GateFailed on a blocking failure."""
    outcomes: list[GateOutcome] = []
    with writing(settings, "check", run_id) as con:
        for stage in stages:
            try:
                outcomes += run_gates(con, settings, stage, run_id)
            except GateFailed as exc:
                exc.outcomes = outcomes + exc.outcomes  # what ran before, for `check --explain`
                raise
    return outcomes


def publish(settings: Settings, run_id: str):
    """Copy the marts and quality results into the read-only snapshot."""
    from pipelines.publish import publish as _publish

    with writing(settings, "publish", run_id) as con:
        return _publish(con, settings, run_id)


@dataclass
class RunSummary:
    """What one run did; pipelines.cli_text renders it."""

    run_id: str
    ingest: IngestSummary | None = None
    counts: dict[str, int] = field(default_factory=dict)
    gates: list[GateOutcome] = field(default_factory=list)
    alerts: object | None = None  # pipelines.stories.alerts.DeliverySummary, after publish
    skipped: str | None = None  # why extract, dbt and the gates did not run (pipelines.quiet)
    published: bool = False  # whether this run swapped in a new snapshot


def mart_counts(settings: Settings) -> dict[str, int]:
    with writing(settings, "counts") as con:
        return {
            name: con.execute(sql).fetchone()[0]
            for name, sql in {
                "articles": "select count(*) from marts.articles",
                "versions": "select coalesce(sum(version_count), 0) from marts.articles",
                "actors": "select count(*) from marts.dim_actors",
                "claims": "select count(*) from marts.fct_claims",
                "deadlines": "select count(*) from marts.fct_deadlines",
            }.items()
        }


def _run_quietly(settings: Settings, summary: RunSummary) -> bool:
    """When the fetch brought nothing new, redo only what moves with as_of; False when a full run is due."""
    from pipelines.extract.stage import pending_versions
    from pipelines.quiet import (
        ALERT_SELECTION,
        STATUS_SELECTION,
        alerts_coming_due,
        reason_to_rebuild,
        statuses_to_change,
    )

    stories = _stories(settings)
    with writing(settings, "quiet", summary.run_id) as con:
        fingerprint = stories.fingerprint if stories is not None else None
        if reason_to_rebuild(con, settings, summary.ingest, pending_versions(con), fingerprint) is not None:
            return False
        changes = statuses_to_change(con, settings.as_of)
        coming_due = alerts_coming_due(con, settings.as_of) if stories is not None else 0
    if not changes and not coming_due:
        summary.skipped = "no deadline changes status and no alert falls due, nothing published"
    else:
        from pipelines.transform import run_dbt

        selection = STATUS_SELECTION + (ALERT_SELECTION if stories is not None else ())
        with run_lock(settings, "transform"):
            run_dbt(settings, "build", "--select", *selection)
        publish(settings, summary.run_id)
        summary.published = True
        summary.skipped = (f"{changes} deadline statuses recomputed on the new as_of "
                           f"({coming_due} due-date alert candidates), published")
    summary.counts = mart_counts(settings)
    summary.alerts = alerts(settings, summary.run_id)  # deliveries still waiting go out on every run
    return True


def _stories(settings: Settings):
    """The stories file of this run, parsed; None without one."""
    from pipelines.stories.file import load_stories

    return load_stories(settings.stories_path) if settings.stories_path is not None else None


def run_all(settings: Settings, *, all_stages: bool = False) -> RunSummary:
    """The whole chain once: fetch, gate, extract, dbt build, gate, publish, alerts. Raises on a blocking failure.

    A fetch that brought nothing new skips extract, dbt and the gates (pipelines.quiet) unless
    `all_stages`: the working database changed another way (repaired by hand, say), which the
    nothing-new check cannot see.
    """
    summary = RunSummary(new_run_id(settings))
    with run_lock(settings, "run", summary.run_id):
        summary.ingest = fetch(settings, summary.run_id)
        if not all_stages and _run_quietly(settings, summary):
            return summary
        summary.gates += check(settings, summary.run_id, stages=("fetch",))
        extract(settings)
        summary.gates += check(settings, summary.run_id, stages=("extract",))
        transform(settings)
        summary.gates += check(settings, summary.run_id, stages=("marts",))
        publish(settings, summary.run_id)
        summary.published = True
        summary.counts = mart_counts(settings)
        summary.alerts = alerts(settings, summary.run_id)  # after publish: a sink down never blocks it
    return summary


# --- the fetch stage in three steps, for drivers that fan fetches out (the Airflow ingest DAG) ---

def plan_fetches(settings: Settings):
    """The fetches due on the run's clock, interleaved by host so a fan-out rarely waits on one host."""
    from pipelines.fetch.hosts import interleave_by_host
    from pipelines.fetch.plan import plan_fetches as _plan

    with writing(settings, "ingest plan") as con:
        return interleave_by_host(_plan(con, settings))


def fetch_feed(settings: Settings, plan):
    """One feed's fetch into the archive, holding one of its host's slots; touches no database."""
    from pipelines.fetch.hosts import host_slot
    from pipelines.fetch.scheduler import fetch_and_archive

    with host_slot(settings, plan.url):
        return fetch_and_archive(plan, settings)


def record_fetches(settings: Settings, run_id: str, fetched) -> IngestSummary:
    """Parse, load and log archived fetches, one transaction each (a retried run records nothing twice)."""
    from pipelines.fetch.stage import parse_ahead
    from pipelines.load.records import record_fetch
    from pipelines.parse import workers

    with writing(settings, "ingest load", run_id) as con, workers.parsing():
        return IngestSummary(run_id, tuple(record_fetch(con, settings, run_id, f, parsing)
                                           for f, parsing in parse_ahead(con, settings, fetched)))


def recheck_pages(settings: Settings, run_id: str):
    """Re-check the article pages due on their schedule (and retry failed ones), as `run_fetch` does
    after the feeds; a changed main text becomes a new version."""
    from pipelines.fetch import pages

    with writing(settings, "ingest pages", run_id) as con:
        return pages.recheck(con, settings, run_id)


# --- maintenance (pipelines.maintenance): one stage per job, each under the run lock ---

def maintain_archive(settings: Settings):
    """Compact old archived bodies and remove old orphans, per the archive policy (EVENTWATCH_ARCHIVE_*)."""
    from pipelines.maintenance import ArchivePolicy, maintain_archive as _maintain

    with writing(settings, "maintenance archive") as con:
        return _maintain(con, settings, ArchivePolicy.from_env())


def checkpoint(settings: Settings):
    """DuckDB CHECKPOINT of the working database: the write-ahead log folded in, freed blocks reclaimed."""
    from pipelines.maintenance import checkpoint as _checkpoint

    with writing(settings, "maintenance checkpoint") as con:
        return _checkpoint(con, settings)


def feed_health(settings: Settings) -> dict:
    """The feed-health report, written to <data dir>/reports/feed-health.json."""
    from pipelines.maintenance import feed_health as _report

    with writing(settings, "maintenance feed health") as con:
        return _report(con, settings)
