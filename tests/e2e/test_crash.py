"""Crashes: `eventwatch run` SIGKILLed during load, during dbt and during publish; a disk that fills up.

Every crash is real: the run is a subprocess of the console script that kills itself with SIGKILL
at a named point (EVENTWATCH_CRASH_AT, see pipelines/faults.py), with no chance to clean up. After
it, a plain rerun at the same --as-of must leave every table as an uninterrupted run leaves it, and
the published snapshot must always be a complete one: the previous or the new.

The uninterrupted runs are shared: `baseline` (the corpus as of 2022-02-23) and `followup` (a copy
of it run again two days later, when the items of Feb. 24 come into view and statuses move on).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
from collections import Counter
from contextlib import closing
from pathlib import Path

import duckdb
import pytest

from pipelines.fetch.feeds import load_feeds
from tests.conftest import REPO, SAMPLE_FEEDS
from tests.e2e.test_run import EVENTWATCH
from tests.transform.dbt_tables import RUN_BOOKKEEPING

pytestmark = pytest.mark.slow

T2, T3 = "2022-02-23T12:00:00Z", "2022-02-25T12:00:00Z"
SNAPSHOT = Path("published") / "eventwatch.duckdb"
# the tables whose rows a crash must not change (quality holds audit rows stamped with run ids)
COMPARED_SCHEMAS = ("raw", "extract", "intermediate", "marts", "snapshots")
# columns that name the run, the attempt or the wall clock: they differ between any two runs
RUN_COLUMNS = {"fetch_id", "page_fetch_id", "run_id", "quarantine_id", "attempt_seq", "duration_ms", "checked_at"}


def _run(data_dir: Path, as_of: str, crash: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "EVENTWATCH_CRASH_AT"}
    if crash:
        env["EVENTWATCH_CRASH_AT"] = crash
    return subprocess.run([EVENTWATCH, "run", "--feeds", str(SAMPLE_FEEDS), "--data-dir", str(data_dir),
                           "--as-of", as_of], capture_output=True, text=True, timeout=600, cwd=REPO, env=env)


def _ok(result: subprocess.CompletedProcess) -> None:
    assert result.returncode == 0, result.stderr[-3000:]


def _killed(result: subprocess.CompletedProcess) -> None:
    assert result.returncode == -signal.SIGKILL, f"not killed (exit {result.returncode}): {result.stderr[-3000:]}"


def _rows(con: duckdb.DuckDBPyConnection, schemas: tuple[str, ...]) -> dict[str, list[tuple]]:
    """Every base table of the schemas, without the run's own columns, rows sorted."""
    names = con.execute(
        "select table_schema, table_name from information_schema.tables where table_type = 'BASE TABLE' "
        "and table_catalog = current_database() and table_schema in ? and table_name not in ? order by 1, 2",
        [list(schemas), list(RUN_BOOKKEEPING)]).fetchall()
    out = {}
    for schema, name in names:
        columns = [c for (c,) in con.execute(
            "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
            "and table_catalog = current_database() order by ordinal_position", [schema, name]).fetchall()
            if c not in RUN_COLUMNS]
        select = ", ".join(f'"{c}"' for c in columns)
        out[f"{schema}.{name}"] = con.execute(f'select {select} from {schema}."{name}" order by all').fetchall()
    return out


def _published(data_dir: Path) -> dict[str, list[tuple]]:
    with closing(duckdb.connect(str(data_dir / SNAPSHOT), read_only=True)) as con:
        return _rows(con, ("marts",))


def _state(data_dir: Path) -> dict[str, dict[str, list[tuple]]]:
    """What a run leaves: the working database's tables, the snapshot's marts, the row-count baseline."""
    with closing(duckdb.connect(str(data_dir / "eventwatch.duckdb"), read_only=True)) as con:
        working = _rows(con, COMPARED_SCHEMAS)
        baseline = con.execute("select relation, row_count, as_of from quality.row_counts order by all").fetchall()
    return {"working": working, "published": _published(data_dir), "row_counts": {"quality.row_counts": baseline}}


def _assert_same(after: dict, expected: dict) -> None:
    """Part by part, table by table, the same rows."""
    for part, tables in expected.items():
        assert sorted(after[part]) == sorted(tables), f"{part}: other tables than an uninterrupted run"
        for name, rows in tables.items():
            got = after[part][name]
            missing = list((Counter(map(repr, rows)) - Counter(map(repr, got))).elements())[:2]
            extra = list((Counter(map(repr, got)) - Counter(map(repr, rows))).elements())[:2]
            assert got == rows, f"{part} {name} differs from an uninterrupted run: missing {missing}, extra {extra}"


def _leftovers(data_dir: Path) -> list[str]:
    """Temporary files of the archive and the publish step that a crash may leave behind."""
    published = sorted(p.name for p in (data_dir / SNAPSHOT).parent.iterdir() if p.name != SNAPSHOT.name)
    return published + sorted(p.name for p in (data_dir / "archive").rglob("*.tmp"))


@pytest.fixture(scope="module")
def baseline(tmp_path_factory) -> tuple[Path, dict]:
    """An uninterrupted run as of the morning of 2022-02-23, and what it left."""
    data_dir = tmp_path_factory.mktemp("baseline") / "data"
    _ok(_run(data_dir, T2))
    return data_dir, _state(data_dir)


@pytest.fixture(scope="module")
def followup(baseline, tmp_path_factory) -> dict:
    """What the baseline's data dir holds after a second uninterrupted run two days later."""
    data_dir = tmp_path_factory.mktemp("followup") / "data"
    shutil.copytree(baseline[0], data_dir)
    result = _run(data_dir, T3)
    _ok(result)
    assert "6 ok" in result.stdout  # every feed was due again
    return _state(data_dir)


def _copy(baseline, tmp_path: Path) -> Path:
    data_dir = tmp_path / "data"
    shutil.copytree(baseline[0], data_dir)
    return data_dir


@pytest.mark.reliability(
    kind="crash", fault="SIGKILL inside the third feed's load transaction, two feeds committed",
    outcome="the third feed's rows are rolled back whole; the rerun fetches the unrecorded feeds and "
            "every table equals an uninterrupted run's",
    lost="nothing")
def test_a_kill_during_load_then_a_rerun_equals_an_uninterrupted_run(baseline, tmp_path):
    data_dir = tmp_path / "data"
    _killed(_run(data_dir, T2, crash="load:3"))
    with closing(duckdb.connect(str(data_dir / "eventwatch.duckdb"), read_only=True)) as con:
        logged = con.execute("select fetch_id, entries_new + entries_new_version from raw.fetch_log").fetchall()
        loaded = dict(con.execute("select fetch_id, count(*) from raw.entries group by 1").fetchall())
        states = con.execute("select count(*) from raw.feed_state").fetchone()[0]
    assert len(logged) == 2 and states == 2  # the two committed fetches, nothing of the third
    assert loaded == {fetch_id: n for fetch_id, n in logged if n}  # every feed all or nothing
    assert not (data_dir / SNAPSHOT).exists()

    rerun = _run(data_dir, T2)
    _ok(rerun)
    unrecorded = len(load_feeds(SAMPLE_FEEDS)) - 2
    assert f"feeds: {unrecorded} ok, 0 failed" in rerun.stdout and "2 not due yet" in rerun.stdout
    _assert_same(_state(data_dir), baseline[1])


@pytest.mark.reliability(
    kind="crash", fault="SIGKILL in the middle of an incremental dbt build, as its 12th model finishes",
    outcome="the last snapshot stays published; the build log says the build did not complete, so the rerun "
            "does a full refresh and every table equals an uninterrupted run's",
    lost="nothing")
def test_a_kill_during_dbt_then_a_rerun_equals_an_uninterrupted_run(baseline, followup, tmp_path):
    data_dir = _copy(baseline, tmp_path)
    _killed(_run(data_dir, T3, crash="dbt:12"))
    with closing(duckdb.connect(str(data_dir / "eventwatch.duckdb"), read_only=True)) as con:
        last = con.execute("select is_full_refresh, is_complete from intermediate.dbt_build_log "
                           "order by build_number desc limit 1").fetchone()
    assert last == (False, False)  # an incremental build, cut short
    assert _published(data_dir) == baseline[1]["published"]

    _ok(_run(data_dir, T3))
    _assert_same(_state(data_dir), followup)


@pytest.mark.reliability(
    kind="crash", fault="SIGKILL while publish copies the marts into the new snapshot file",
    outcome="readers keep the previous complete snapshot (a reader holding it open keeps reading it); the "
            "rerun removes the dead run's temporary files and publishes the new one, equal to an uninterrupted "
            "run's, with its row-count baseline recorded once",
    lost="nothing")
def test_a_kill_during_publish_leaves_a_complete_snapshot_and_the_rerun_recovers(baseline, followup, tmp_path):
    data_dir = _copy(baseline, tmp_path)
    before = baseline[1]["published"]
    with closing(duckdb.connect(str(data_dir / SNAPSHOT), read_only=True)) as reader:
        _killed(_run(data_dir, T3, crash="publish:5"))
        assert _published(data_dir) == before  # a new reader opens the previous snapshot, whole
        rerun = _run(data_dir, T3)
        _ok(rerun)
        assert _rows(reader, ("marts",)) == before  # an open reader never sees the swap
    assert _leftovers(data_dir) == []
    after = _state(data_dir)
    assert after["published"] != before
    _assert_same(after, followup)


def _mount_tmpfs(path: Path, size: str) -> None:
    """A real file system of `size` at `path` (tmpfs; needs root), or skip."""
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("a small real file system needs root to mount tmpfs")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount tmpfs here: {done.stderr.strip()}")


@pytest.fixture
def small_archive(tmp_path):
    """A data dir whose archive is a 40 KiB file system: only some of the sample feeds' bodies fit."""
    data_dir = tmp_path / "data"
    archive = data_dir / "archive"
    _mount_tmpfs(archive, "40k")
    try:
        yield data_dir
    finally:
        subprocess.run(["umount", str(archive)], check=False)


@pytest.mark.reliability(
    kind="crash", fault="the disk fills up while feeds are archived (a 40 KiB tmpfs under data/archive)",
    outcome="the run stops with a one-line error and exit 1 before anything of the unarchived feed is recorded "
            "(no fetch logged as the feed's failure, no temporary file); once space is freed the rerun fetches "
            "the rest and every table equals an uninterrupted run's",
    lost="nothing")
def test_a_full_disk_while_archiving_fails_cleanly_and_the_next_run_recovers(baseline, small_archive):
    data_dir = small_archive
    failed = _run(data_dir, T2)
    assert failed.returncode == 1, failed.stdout + failed.stderr[-3000:]
    last = failed.stderr.strip().splitlines()[-1]
    # which body meets the full disk first (a feed's, or an article page of the full-text feed) is a race
    assert last.startswith(("eventwatch run: failed: cannot archive the body of feed ",
                            "eventwatch run: failed: cannot archive the page ")) and \
        "No space left on device" in last, last
    archive = data_dir / "archive"
    assert not list(archive.rglob("*.tmp"))
    with closing(duckdb.connect(str(data_dir / "eventwatch.duckdb"), read_only=True)) as con:
        logged = con.execute("select archive_sha256, error from raw.fetch_log").fetchall()
        states = con.execute("select count(*) from raw.feed_state").fetchone()[0]
    feeds = len(load_feeds(SAMPLE_FEEDS))
    assert len(logged) < feeds and states == len(logged)
    for digest, error in logged:  # what was recorded is whole: a success whose body is kept, byte for byte
        assert error is None
        body = (archive / digest[:2] / f"{digest}.bin").read_bytes()
        assert hashlib.sha256(body).hexdigest() == digest
    assert not (data_dir / SNAPSHOT).exists()

    subprocess.run(["mount", "-o", "remount,size=64m", str(archive)], check=True)  # space freed
    rerun = _run(data_dir, T2)
    _ok(rerun)
    assert f"feeds: {feeds - len(logged)} ok, 0 failed" in rerun.stdout
    _assert_same(_state(data_dir), baseline[1])
