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

from pipelines.faults import crash_point
from pipelines.settings import Settings

log = logging.getLogger(__name__)
PUBLISHED_SCHEMAS = ("marts", "quality")


def _row_counts(con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str) -> list[tuple]:
    """This publish's rows of quality.row_counts: the watched marts' sizes, the next run's baseline."""
    from expectations.marts import WATCHED

    checked_at = datetime.now(timezone.utc).replace(tzinfo=None)  # audit time, not the run's clock
    return [(run_id, name, con.execute(f"select count(*) from marts.{name}").fetchone()[0], settings.as_of, checked_at)
            for name in WATCHED]


def _insert_row_counts(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple]) -> None:
    con.executemany(f"insert into {table} (run_id, relation, row_count, as_of, checked_at) values (?, ?, ?, ?, ?)",
                    rows)


def _record_publish(con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str) -> None:
    """Note which dbt build this publish carries (pipelines/quiet.py reads it)."""
    try:
        build_number = con.execute("select max(build_number) from intermediate.dbt_build_log").fetchone()[0]
    except duckdb.CatalogException:  # published before any dbt build (tests of publish alone)
        build_number = None
    published_at = datetime.now(timezone.utc).replace(tzinfo=None)  # audit time, not the run's clock
    con.execute("insert into quality.publish_log values (?, ?, ?, ?)",
                [run_id, build_number, settings.as_of, published_at])


def publish(con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str) -> Path:
    """Write every table and view of the published schemas, with this run's row counts, to a fresh file
    and swap it in; then keep the row counts, and which dbt build was published, in the working database."""
    counts = _row_counts(con, settings, run_id)
    path = _write_snapshot(con, settings, counts)
    # only now: a publish killed before the swap must leave no baseline behind (the next gate reads
    # it), nor a publish_log row that lets the next quiet run skip a build that was never published
    _insert_row_counts(con, "quality.row_counts", counts)
    _record_publish(con, settings, run_id)
    return path


def _write_snapshot(con: duckdb.DuckDBPyConnection, settings: Settings, counts: list[tuple]) -> Path:
    target = settings.snapshot_path
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_dead_staging(target)
    staging = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    relations = con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_catalog = current_database() and table_schema in ? order by 1, 2",
        [list(PUBLISHED_SCHEMAS)],
    ).fetchall()
    try:
        _copy_into(con, staging, relations, counts)
        os.replace(staging, target)  # readers holding the old file keep reading it
    except BaseException:
        for path in (staging, staging.with_name(staging.name + ".wal")):
            path.unlink(missing_ok=True)
        raise
    log.info("published %d relations to %s", len(relations), target)
    return target


def _copy_into(con: duckdb.DuckDBPyConnection, staging: Path, relations: list[tuple], counts: list[tuple]) -> None:
    """Copy the relations and this run's row counts into a new DuckDB file at `staging`."""
    con.execute(f"attach '{staging}' as snapshot")
    try:
        for schema in PUBLISHED_SCHEMAS:
            con.execute(f"create schema snapshot.{schema}")
        for schema, name in relations:
            con.execute(f'create table snapshot.{schema}."{name}" as select * from {schema}."{name}"')
            crash_point("publish")
        _insert_row_counts(con, "snapshot.quality.row_counts", counts)
    finally:
        con.execute("detach snapshot")


def _remove_dead_staging(target: Path) -> None:
    """Delete the staging files (and their WALs) of publishes whose process died, this one's pid included.

    A publish killed mid-copy leaves `.<name>.<pid>.tmp` and its `.wal` behind, each up to a snapshot's
    size; nothing else would ever remove them. A live process's files are its publish in progress.
    """
    for path in target.parent.glob(f".{target.name}.*.tmp*"):
        pid = path.name[len(target.name) + 2:].split(".")[0]
        if pid.isdigit() and (int(pid) == os.getpid() or not _alive(int(pid))):
            path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def open_snapshot(settings: Settings) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the last published snapshot."""
    if not settings.snapshot_path.exists():
        raise FileNotFoundError(
            f"no published snapshot at {settings.snapshot_path}: run `eventwatch run` first (or use --live)")
    return duckdb.connect(str(settings.snapshot_path), read_only=True)
