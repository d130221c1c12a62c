"""Runs with nothing new: when may `run_all` skip extract, dbt and the gates, and what must it redo.

A run may skip them when the fetch brought no new entry and no new version, no feed failed, no
article version waits for an extractor, the last dbt build completed with today's project and was
published, and moving the clock from that build's `as_of` to this run's uncovers no held-back
entry. What still moves with `as_of` is the status of a deadline (fct_deadlines: upcoming, due,
passed): when some status would change on the new date, the run rebuilds fct_deadlines and its
snapshot with a two-node dbt selection (one definition of the status, and the load-time audit
keeps the change) and publishes; otherwise it writes nothing at all. With a stories file, the
stories' fingerprint must match the one the articles were scored under, and marts.alerts moves with
`as_of` too (a deadline comes within a rule's N days): the run then rebuilds it as well. Waiting
deliveries go out on every run. docs/design.md, "Runs with nothing new".
"""

from __future__ import annotations

from datetime import datetime

import duckdb

from pipelines.fetch.stage import IngestSummary
from pipelines.settings import Settings
from pipelines.transform import BuildRecord, project_digest, read_last_build

# the dbt nodes whose content depends on as_of when no entry moves: the status and its audit
STATUS_SELECTION = ("fct_deadlines", "fct_deadlines_snapshot")

# ... and, with a stories file, the alerts that follow them (a deadline falling due fires on as_of)
ALERT_SELECTION = ("alerts",)

# the statuses fct_deadlines would hold on a date, from macros/deadline_status.sql: reported
# cancellations and postponements stand, the others follow the due range
_STATUS_CHANGES_SQL = """
select count(*) from marts.fct_deadlines
where status not in ('cancelled', 'postponed')
  and status <> case when ?::date < due_start then 'upcoming' when ?::date <= due_end then 'due' else 'passed' end
"""


def reason_to_rebuild(con: duckdb.DuckDBPyConnection, settings: Settings, ingest: IngestSummary,
                      pending_versions: int, stories_fingerprint: str | None = None) -> str | None:
    """Why this run must extract, build and gate as usual; None when nothing is new."""
    if ingest.total("new") or ingest.total("new_versions"):
        return "new entries"
    if ingest.feeds_failed:
        return "a feed failed"  # the fetch gate has something to say
    if pending_versions:
        return "article versions wait for extraction"
    if stories_fingerprint is not None and not _scored_under(con, stories_fingerprint):
        return "the stories file changed"
    build = read_last_build(con)
    if build is None or not build.is_complete or build.project_digest != project_digest():
        return "the last dbt build is missing, incomplete or of another project version"
    if not _was_published(con, build):
        return "the last build was not published"
    if settings.as_of < build.as_of:
        return "as_of moved back"
    if _entries_uncovered(con, build.as_of, settings.as_of):
        return "entries published before as_of were held back at the last build"
    return None


def statuses_to_change(con: duckdb.DuckDBPyConnection, as_of: datetime) -> int:
    """How many deadlines would change status on `as_of`'s date."""
    day = as_of.date()
    return con.execute(_STATUS_CHANGES_SQL, [day, day]).fetchone()[0]


def alerts_coming_due(con: duckdb.DuckDBPyConnection, as_of: datetime) -> int:
    """How many (deadline, deadline_due rule) pairs come within the rule's days between the last build's
    as_of and this one: a superset of the alerts marts.alerts would gain (membership is not checked)."""
    build = read_last_build(con)
    if build is None:
        return 0
    return con.execute("""
        select count(*) from marts.fct_deadlines as d, extract.story_rules as r
        where r.rule = 'deadline_due' and d.status not in ('cancelled', 'postponed')
          and cast(d.due_start - to_days(r.within_days) as timestamp) > ?
          and cast(d.due_start - to_days(r.within_days) as timestamp) <= ?
    """, [build.as_of, as_of]).fetchone()[0]


def _scored_under(con: duckdb.DuckDBPyConnection, fingerprint: str) -> bool:
    """Whether the stories definitions in the database are those of this fingerprint."""
    rows = con.execute("select distinct stories_fingerprint from extract.stories").fetchall()
    return rows == [(fingerprint,)]




def _was_published(con: duckdb.DuckDBPyConnection, build: BuildRecord) -> bool:
    """Whether a publish carried this build (quality.publish_log)."""
    row = con.execute("select max(build_number) from quality.publish_log").fetchone()
    return row[0] == build.build_number


def _entries_uncovered(con: duckdb.DuckDBPyConnection, since: datetime, until: datetime) -> bool:
    """Whether an entry version becomes visible between the two instants (int_entries_visible)."""
    row = con.execute("""
        select count(*) from raw.entries
        where coalesce(published_at, updated_at, first_seen_at) <= ?
          and (updated_at is null or updated_at <= ?)
          and not (coalesce(published_at, updated_at, first_seen_at) <= ? and (updated_at is null or updated_at <= ?))
    """, [until, until, since, since]).fetchone()
    return row[0] > 0
