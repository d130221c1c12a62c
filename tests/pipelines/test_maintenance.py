"""Maintenance jobs on a real data dir (real HTTP, archive, DuckDB), and the per-host limit across processes."""

from __future__ import annotations

import json
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import closing
from dataclasses import replace
from datetime import timedelta

import duckdb
import pytest

from pipelines import stages
from pipelines.fetch.plan import FetchPlan
from pipelines.maintenance import ArchivePolicy
from pipelines.store import archive
from tests.pipelines.conftest import T0
from tests.pipelines.feeds_fixtures import RSS_TWO_ITEMS, RSS_TWO_ITEMS_EDITED

DAY = timedelta(days=1)


def _entries(settings) -> list[tuple]:
    with closing(duckdb.connect(str(settings.database), read_only=True)) as con:
        return con.execute("select entry_version_id, content_hash, fetch_id from raw.entries order by all").fetchall()


def _two_bodies(ingest, feed_server):
    """Ingest a feed at T0 and its edit a day later: two archived bodies, both referenced."""
    feed_server.serve("/wire.xml", RSS_TWO_ITEMS)
    ingest.feeds({"wire": feed_server.url("/wire.xml")})
    ingest.run()
    feed_server.serve("/wire.xml", RSS_TWO_ITEMS_EDITED)
    ingest.run(DAY, force=True)
    ingest.close()
    return sorted(p for p in ingest.settings.archive_dir.glob("*/*.bin"))


def test_compaction_gzips_old_bodies_and_reparse_reads_them(ingest, feed_server, monkeypatch):
    bodies = _two_bodies(ingest, feed_server)
    assert len(bodies) == 2
    before = _entries(ingest.settings)
    monkeypatch.setenv("EVENTWATCH_ARCHIVE_COMPACT_AFTER_DAYS", "7")

    # eight days after the first fetch, seven after the second: only the first is old enough
    report = stages.maintain_archive(ingest.settings.with_(as_of=T0 + 8 * DAY))
    assert (report.compacted, report.kept, report.orphans_removed) == (1, 2, 0)
    assert len(list(ingest.settings.archive_dir.glob("*/*.bin.gz"))) == 1

    report = stages.maintain_archive(ingest.settings.with_(as_of=T0 + 9 * DAY))
    assert report.compacted == 1 and not list(ingest.settings.archive_dir.glob("*/*.bin"))
    for path in bodies:
        digest = path.name.split(".")[0]
        assert archive.has(ingest.settings.archive_dir, digest)
        assert archive.read(ingest.settings.archive_dir, digest) in (RSS_TWO_ITEMS, RSS_TWO_ITEMS_EDITED)

    stages.reparse(ingest.settings)  # refuses when a body is missing: compaction lost none
    assert _entries(ingest.settings) == before


@pytest.mark.reliability(kind="crash", fault="a fetch task archived a body and died before its load; a writer "
                         "died mid-write leaving a .tmp file", outcome="maintenance removes both once older than the "
                         "grace period, keeps them while an ingest may still be in flight, never touches a body a "
                         "fetch refers to", lost="nothing (the orphan's fetch was never recorded)")
def test_retention_removes_only_old_orphans(ingest, feed_server):
    referenced = _two_bodies(ingest, feed_server)
    folder = ingest.settings.archive_dir
    old_orphan = archive.path_for(folder, archive.store(folder, b"<rss>never loaded</rss>"))
    new_orphan = archive.path_for(folder, archive.store(folder, b"<rss>still in flight</rss>"))
    tmp = old_orphan.parent / ".0123456789ab.x.tmp"
    tmp.write_bytes(b"half a body")
    three_days_ago = time.time() - 3 * 86400
    for path in (old_orphan, tmp, *referenced):
        os.utime(path, (three_days_ago, three_days_ago))

    report = stages.maintain_archive(ingest.settings.with_(as_of=T0 + DAY))  # nothing old enough to compact
    assert (report.orphans_removed, report.kept, report.compacted) == (2, 2, 0)
    assert not old_orphan.exists() and not tmp.exists()
    assert new_orphan.exists() and all(p.exists() for p in referenced)


def test_archive_policy_from_env_rejects_nonsense():
    assert ArchivePolicy.from_env({"EVENTWATCH_ARCHIVE_ORPHAN_GRACE_DAYS": "0.5"}).orphan_grace_days == 0.5
    with pytest.raises(ValueError, match="EVENTWATCH_ARCHIVE_COMPACT_AFTER_DAYS='a week'"):
        ArchivePolicy.from_env({"EVENTWATCH_ARCHIVE_COMPACT_AFTER_DAYS": "a week"})
    with pytest.raises(ValueError, match="negative"):
        ArchivePolicy.from_env({"EVENTWATCH_ARCHIVE_ORPHAN_GRACE_DAYS": "-1"})


def test_checkpoint_folds_the_wal_in(ingest, feed_server):
    _two_bodies(ingest, feed_server)
    with closing(duckdb.connect(str(ingest.settings.database))) as con:
        con.execute("set checkpoint_threshold = '1GB'")  # keep what follows in the WAL
        con.execute("create table raw.padding as select range as n, repeat('x', 100) as s from range(20000)")
    wal = ingest.settings.database.with_name(ingest.settings.database.name + ".wal")
    report = stages.checkpoint(ingest.settings)
    assert report.bytes_after > 0 and (not wal.exists() or wal.stat().st_size == 0)
    with closing(duckdb.connect(str(ingest.settings.database), read_only=True)) as con:
        assert con.execute("select count(*) from raw.padding").fetchone() == (20000,)


def test_feed_health_reports_every_feed_with_its_failures(ingest, feed_server):
    feed_server.serve("/wire.xml", RSS_TWO_ITEMS)
    feed_server.serve("/broken.xml", b"oops", status=503)
    ingest.feeds({"wire": feed_server.url("/wire.xml"), "broken": feed_server.url("/broken.xml")})
    ingest.run()
    ingest.close()

    report = stages.feed_health(ingest.settings.with_(as_of=T0 + timedelta(hours=1)))
    written = json.loads((ingest.settings.data_dir / "reports" / "feed-health.json").read_text())
    assert written["summary"] == report["summary"] == {"ok": 1, "failing": 1, "parked": 0, "new": 0}
    by_id = {f["feed_id"]: f for f in written["feeds"]}
    assert (by_id["broken"]["state"], by_id["broken"]["attempts_24h"], by_id["broken"]["failures_24h"]) == ("failing", 1, 1)
    assert by_id["broken"]["last_error"] and by_id["wire"]["last_success_at"].startswith("2022-01-10")


def _fetch_in_child(settings, plan):
    return stages.fetch_feed(settings, plan).http_status


def test_per_host_limit_holds_across_processes(ingest, feed_server):
    """Six fetches of one host from six processes (as six mapped tasks): at most `per_host` in flight."""
    ingest.policy(per_host=2)
    for n in range(6):
        feed_server.serve(f"/f{n}.xml", RSS_TWO_ITEMS, delay_s=0.4)
    plans = [FetchPlan(f"f{n}", feed_server.url(f"/f{n}.xml")) for n in range(6)]
    with ProcessPoolExecutor(6, mp_context=multiprocessing.get_context("fork")) as pool:
        statuses = list(pool.map(_fetch_in_child, [ingest.settings] * 6, plans))
    assert statuses == [200] * 6
    assert feed_server.max_in_flight["127.0.0.1"] == 2  # the limit held, and was used


def test_plans_are_interleaved_by_host():
    from pipelines.fetch.hosts import interleave_by_host

    plans = [FetchPlan(i, u) for i, u in [("a1", "http://a.example/1"), ("a2", "http://a.example/2"),
                                          ("a3", "http://a.example/3"), ("b1", "https://b.example/1"),
                                          ("f1", "file:///tmp/x.xml")]]
    assert [p.feed_id for p in interleave_by_host(plans)] == ["a1", "b1", "f1", "a2", "a3"]
    assert replace(plans[0]) in interleave_by_host(plans)
