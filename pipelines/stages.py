"""The stages as plain functions of explicit settings: the CLI and the Airflow DAGs both call these.

Each stage opens the working database, does its work in transactions and closes it, so that dbt
(which opens the file itself) and the next stage never meet a held lock. Each also holds the data
dir's run lock (pipelines.runlock) while it works, so a second writer, from the CLI or from Airflow,
waits for it instead of meeting DuckDB's lock error; `run_all` holds it across the whole chain.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field

import duckdb

from pipelines.db import connect
from pipelines.gates import STAGES, GateOutcome, run_gates
from pipelines.ingest import IngestSummary, ReparseSummary, run_fetch
from pipelines.runlock import run_lock
from pipelines.settings import Settings

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
    from pipelines.ingest import reparse as _reparse

    with writing(settings, "reparse") as con:
        return _reparse(con, settings, feed_id)


def extract(settings: Settings):
    """Extract actors, claims and time expressions from article versions not yet extracted."""
    from pipelines.extract import load_gazetteer
    from pipelines.extract.stage import run_extract

    with writing(settings, "extract") as con:
        return run_extract(con, load_gazetteer())


def transform(settings: Settings, *, full_refresh: bool = False):
    """Build the dbt project: staging, intermediate, marts, their tests and snapshots.

    Incremental models recompute only what changed since the last complete build, unless
    `full_refresh` (or the state of the last build, see pipelines.transform.build) asks for all.
    """
    from pipelines.transform import build

    with run_lock(settings, "transform"):
        with closing(connect(settings)):
            pass  # make sure the Python-owned tables exist before dbt reads them
        return build(settings, full_refresh=full_refresh)


def check(settings: Settings, run_id: str, stages: tuple[str, ...] = STAGES) -> list[GateOutcome]:
    """Run the quality gates of the given stages; raises GateFailed on a blocking failure."""
    outcomes: list[GateOutcome] = []
    with writing(settings, "check", run_id) as con:
        for stage in stages:
            outcomes += run_gates(con, settings, stage, run_id)
    return outcomes


def publish(settings: Settings, run_id: str):
    """Copy the marts and quality results into the read-only snapshot."""
    from pipelines.publish import publish as _publish

    with writing(settings, "publish", run_id) as con:
        return _publish(con, settings, run_id)


@dataclass
class RunSummary:
    run_id: str
    ingest: IngestSummary | None = None
    counts: dict[str, int] = field(default_factory=dict)
    gates: list[GateOutcome] = field(default_factory=list)
    skipped: str | None = None  # why extract, dbt and the gates did not run (pipelines.quiet)

    def lines(self) -> list[str]:
        out = [f"run {self.run_id}"]
        if self.ingest:
            i = self.ingest
            out.append(f"feeds: {i.feeds_ok} ok, {i.feeds_failed} failed; entries: {i.total('seen')} seen, "
                       f"{i.total('new')} new, {i.total('new_versions')} new versions, "
                       f"{i.total('quarantined')} quarantined")
            out += [f"  feed {o.feed_id} failed: {o.error}" for o in i.outcomes if not o.ok]
            waiting = [f"{n} {what}" for n, what in ((i.feeds_not_modified, "not modified"),
                                                     (len(i.not_due), "not due yet"), (len(i.parked), "parked")) if n]
            if waiting:
                out.append("  feeds " + ", ".join(waiting) + " (see `eventwatch feeds status`)")
        if self.skipped:
            out.append(f"nothing new: extract, dbt build and gates skipped; {self.skipped}")
        if self.counts:
            out.append(", ".join(f"{k}: {v}" for k, v in self.counts.items()))
        if self.gates:
            passed = sum(g.success for g in self.gates)
            warned = sum(1 for g in self.gates if g.warnings)
            out.append(f"gates: {passed}/{len(self.gates)} passed, {warned} with warnings")
            out += [f"  warning {g.suite}: {w.describe()}" for g in self.gates for w in g.warnings]
        return out


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
    from pipelines.quiet import STATUS_SELECTION, reason_to_rebuild, statuses_to_change

    with writing(settings, "quiet", summary.run_id) as con:
        if reason_to_rebuild(con, settings, summary.ingest, pending_versions(con)) is not None:
            return False
        changes = statuses_to_change(con, settings.as_of)
    if not changes:
        summary.skipped = "no deadline changes status, nothing published"
    else:
        from pipelines.transform import run_dbt

        with run_lock(settings, "transform"):
            run_dbt(settings, "build", "--select", *STATUS_SELECTION)
        publish(settings, summary.run_id)
        summary.skipped = f"{changes} deadline statuses recomputed on the new as_of, published"
    summary.counts = mart_counts(settings)
    return True


def run_all(settings: Settings) -> RunSummary:
    """The whole chain once: fetch, gate, extract, dbt build, gate, publish. Raises on a blocking failure."""
    summary = RunSummary(new_run_id(settings))
    with run_lock(settings, "run", summary.run_id):
        summary.ingest = fetch(settings, summary.run_id)
        if _run_quietly(settings, summary):
            return summary
        summary.gates += check(settings, summary.run_id, stages=("fetch",))
        extract(settings)
        summary.gates += check(settings, summary.run_id, stages=("extract",))
        transform(settings)
        summary.gates += check(settings, summary.run_id, stages=("marts",))
        publish(settings, summary.run_id)
        summary.counts = mart_counts(settings)
    return summary
