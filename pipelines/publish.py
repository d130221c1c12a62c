"""Publish: copy the marts and quality results into a read-only snapshot file, atomically.

DuckDB allows one writing process per file, so readers (dashboard, `eventwatch query`) open the
snapshot, never the working database. A failed run never calls this, so the last good snapshot
stays in place.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from pipelines.settings import Settings

log = logging.getLogger(__name__)
PUBLISHED_SCHEMAS = ("marts", "quality")


def _record_row_counts(con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str) -> None:
    from expectations.marts import WATCHED

    checked_at = datetime.now(timezone.utc).replace(tzinfo=None)  # audit time, not the run's clock
    for name in WATCHED:
        con.execute(
            f"insert into quality.row_counts select ?, ?, count(*), ?, ? from marts.{name}",
            [run_id, name, settings.as_of, checked_at],
        )


def _record_publish(con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str) -> None:
    """Note which dbt build this publish carries (pipelines/quiet.py reads it)."""
    try:
        build_number = con.execute("select max(build_number) from intermediate.dbt_build_log").fetchone()[0]
    except duckdb.CatalogException:  # published before any dbt build (tests of publish alone)
        build_number = None
    published_at = datetime.now(timezone.utc).replace(tzinfo=None)  # audit time, not the run's clock
    con.execute("insert into quality.publish_log values (?, ?, ?, ?)", [run_id, build_number, settings.as_of, published_at])


def publish(con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str) -> Path:
    """Record the marts' row counts, write every table and view of the published schemas to a fresh
    file and swap it in."""
    _record_row_counts(con, settings, run_id)
    _record_publish(con, settings, run_id)
    try:
        return _write_snapshot(con, settings)
    except BaseException:
        con.execute("delete from quality.row_counts where run_id = ?", [run_id])  # not published: no baseline
        con.execute("delete from quality.publish_log where run_id = ?", [run_id])
        raise


def _write_snapshot(con: duckdb.DuckDBPyConnection, settings: Settings) -> Path:
    target = settings.snapshot_path
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    staging.unlink(missing_ok=True)
    relations = con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_catalog = current_database() and table_schema in ? order by 1, 2",
        [list(PUBLISHED_SCHEMAS)],
    ).fetchall()
    con.execute(f"attach '{staging}' as snapshot")
    try:
        for schema in PUBLISHED_SCHEMAS:
            con.execute(f"create schema snapshot.{schema}")
        for schema, name in relations:
            con.execute(f'create table snapshot.{schema}."{name}" as select * from {schema}."{name}"')
    finally:
        con.execute("detach snapshot")
    os.replace(staging, target)  # readers holding the old file keep reading it
    log.info("published %d relations to %s", len(relations), target)
    return target


def open_snapshot(settings: Settings) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the last published snapshot."""
    if not settings.snapshot_path.exists():
        raise FileNotFoundError(
            f"no published snapshot at {settings.snapshot_path}: run `eventwatch run` first (or use --live)")
    return duckdb.connect(str(settings.snapshot_path), read_only=True)
