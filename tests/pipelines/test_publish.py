import os
import subprocess
import sys
from contextlib import closing

import duckdb
import pytest

from pipelines.publish import open_snapshot, publish
from pipelines.store.connection import connect


def _marts(con):
    from expectations.marts import WATCHED

    con.execute("create schema marts")
    for name in WATCHED:
        con.execute(f"create table marts.{name} as select 'a1' as article_id")


def test_publish_copies_marts_and_quality_and_readers_cannot_write(settings):
    with closing(connect(settings)) as con:
        _marts(con)
        con.execute("create schema staging; create table staging.hidden as select 1 as x")
        publish(con, settings, "run-1")
        con.execute("insert into marts.articles values ('a2')")  # after publishing: not in the snapshot
    with closing(open_snapshot(settings)) as snap:
        assert snap.execute("select article_id from marts.articles").fetchall() == [("a1",)]
        assert snap.execute("select count(*) from quality.results").fetchone() == (0,)
        # the row counts recorded at publishing are the next run's baseline
        assert snap.execute("select row_count from quality.row_counts where relation = 'articles'").fetchall() == [(1,)]
        schemas = {r[0] for r in snap.execute("select distinct table_schema from information_schema.tables").fetchall()}
        assert schemas == {"marts", "quality"}
        with pytest.raises(duckdb.Error):
            snap.execute("insert into marts.articles values ('x')")


def test_republish_replaces_the_snapshot_atomically(settings):
    with closing(connect(settings)) as con:
        _marts(con)
        publish(con, settings, "run-1")
        reader = open_snapshot(settings)  # a reader holding the old snapshot keeps its view
        con.execute("insert into marts.articles values ('a2')")
        publish(con, settings, "run-1")
    assert reader.execute("select count(*) from marts.articles").fetchone() == (1,)
    reader.close()
    with closing(open_snapshot(settings)) as snap:
        assert snap.execute("select count(*) from marts.articles").fetchone() == (2,)
    assert [p.name for p in settings.snapshot_path.parent.iterdir()] == [settings.snapshot_path.name]


def test_no_snapshot_yet_is_a_clear_error(settings):
    with pytest.raises(FileNotFoundError, match="run `eventwatch run` first"):
        open_snapshot(settings)


@pytest.mark.reliability(
    kind="fault",
    fault="the staging files (.tmp and .tmp.wal) of a publish killed mid-copy, left next to the snapshot",
    outcome="the next publish removes them; a live process's staging file is left alone",
    lost="nothing")
def test_a_dead_publishs_staging_files_are_removed_and_a_live_ones_kept(settings):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # its pid is free now: the files stand for a publish killed mid-copy
    folder = settings.snapshot_path.parent
    folder.mkdir(parents=True)
    name = settings.snapshot_path.name
    left = [folder / f".{name}.{dead.pid}.tmp", folder / f".{name}.{dead.pid}.tmp.wal"]
    live = folder / f".{name}.{os.getppid()}.tmp"  # the parent is alive: a publish in progress
    for path in (*left, live):
        path.write_bytes(b"half a snapshot")
    with closing(connect(settings)) as con:
        _marts(con)
        publish(con, settings, "run-1")
    assert sorted(p.name for p in folder.iterdir()) == sorted([name, live.name])


@pytest.mark.reliability(
    kind="fault",
    fault="publish fails halfway through copying (a view over a dropped table)",
    outcome="the error propagates; no staging file, no snapshot and no row-count baseline are left",
    lost="that run's publish; the previous snapshot stays")
def test_a_failed_publish_leaves_no_staging_file_and_no_baseline(settings):
    with closing(connect(settings)) as con:
        _marts(con)
        con.execute("create table marts.broken as select 1 as x")
        con.execute("create view marts.gone as select * from marts.broken")
        con.execute("drop table marts.broken")  # the view cannot be copied: publish fails mid-copy
        with pytest.raises(duckdb.Error):
            publish(con, settings, "run-1")
        assert con.execute("select count(*) from quality.row_counts").fetchone() == (0,)
    assert [p.name for p in settings.snapshot_path.parent.iterdir()] == []
