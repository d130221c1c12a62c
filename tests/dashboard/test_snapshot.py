"""The dashboard's snapshot reader: read-only, and it follows publish's atomic swap."""

from __future__ import annotations

import os
from contextlib import closing
from pathlib import Path

import duckdb
import pytest

from pipelines.dashboard.snapshot import NoSnapshot, Snapshot


def _publish(path: Path, rows: int) -> None:
    """Write a snapshot as publish does: a fresh file beside the target, swapped in with os.replace."""
    staging = path.with_name(f".{path.name}.tmp")
    staging.unlink(missing_ok=True)
    with closing(duckdb.connect(str(staging))) as con:
        con.execute("create schema marts")
        con.execute(f"create table marts.articles as select range as n from range({rows})")
    os.replace(staging, path)


def _count(snapshot: Snapshot) -> int:
    with snapshot.cursor() as con:
        return con.execute("select count(*) from marts.articles").fetchone()[0]


@pytest.mark.reliability(kind="fault", fault="a run publishes a new snapshot while a dashboard query is reading the old one",
                         outcome="the query finishes on the old file; the next query reads the new one",
                         lost="nothing")
def test_a_new_snapshot_is_read_after_the_swap_and_an_open_cursor_keeps_the_old_one(tmp_path):
    path = tmp_path / "eventwatch.duckdb"
    _publish(path, 1)
    snapshot = Snapshot(path)
    assert _count(snapshot) == 1
    first = snapshot.version()
    with snapshot.cursor() as reading:  # a query under way while a run publishes
        _publish(path, 2)
        assert reading.execute("select count(*) from marts.articles").fetchone() == (1,)
        assert _count(snapshot) == 2
        # the reader moved on to the new file; the query under way still reads the old one
        assert reading.execute("select count(*) from marts.articles").fetchone() == (1,)
    assert snapshot.version() != first
    snapshot.close()


@pytest.mark.reliability(kind="fault", fault="a dashboard query tries to write the snapshot",
                         outcome="DuckDB refuses: the snapshot is attached read-only", lost="nothing")
def test_the_snapshot_cannot_be_written_through_the_dashboard(tmp_path):
    path = tmp_path / "eventwatch.duckdb"
    _publish(path, 1)
    snapshot = Snapshot(path)
    with snapshot.cursor() as con, pytest.raises(duckdb.Error, match="read-only"):
        con.execute("insert into marts.articles values (9)")
    snapshot.close()


def test_no_snapshot_yet_is_a_clear_error(tmp_path):
    with pytest.raises(NoSnapshot, match="run `eventwatch run` first"):
        Snapshot(tmp_path / "missing.duckdb").version()
