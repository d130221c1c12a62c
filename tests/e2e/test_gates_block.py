"""A blocking gate stops the run before the next stage writes and leaves the published snapshot as it was."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from contextlib import closing
from pathlib import Path

import duckdb
import pytest

from tests.conftest import REPO
from tests.e2e.test_run import EVENTWATCH, run

pytestmark = pytest.mark.slow
AS_OF = "2022-02-23T12:00:00Z"


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    data_dir = tmp_path_factory.mktemp("published")
    result = run(data_dir, as_of=AS_OF)
    assert result.returncode == 0, result.stderr[-3000:]
    return data_dir


@pytest.fixture
def data_dir(published, tmp_path) -> Path:
    """A private copy of a published run, to break."""
    copy = tmp_path / "data"
    shutil.copytree(published, copy)
    return copy


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _count(data_dir: Path, relation: str, snapshot: bool = False) -> int:
    path = data_dir / ("published/eventwatch.duckdb" if snapshot else "eventwatch.duckdb")
    with closing(duckdb.connect(str(path), read_only=True)) as con:
        return con.execute(f"select count(*) from {relation}").fetchone()[0]


def _run_without_fetching(data_dir: Path, tmp_path: Path):
    """The whole chain with nothing to fetch, so what was broken stays broken; every stage runs, since
    a fetch with nothing new would skip them and the breakage is in the database, not in a feed."""
    feeds = tmp_path / "no-feeds.yml"
    feeds.write_text("feeds: []\n")
    return run(data_dir, "--all-stages", as_of=AS_OF, feeds=feeds)


def _break(data_dir: Path, sql: str) -> None:
    with closing(duckdb.connect(str(data_dir / "eventwatch.duckdb"))) as con:
        con.execute(sql)


# Issue 9 changed what blocks: a yield collapse is a drift signal now (a warning, judged per feed once it
# has history; the sample feeds are too small, so it abstains), and a bad record is quarantined. The
# proof that a block before dbt leaves everything as it was uses a batch-level failure instead: the
# loader's own contract broken.
@pytest.mark.reliability(
    kind="fault",
    fault="the loader's own contract broken (an entry whose date source is not one the loader writes)",
    outcome="the raw_entries gate blocks before extraction: exit 1, a one-line reason; the published snapshot"
            " stays byte-identical",
    lost="that run's update; the last good snapshot stays published")
def test_a_broken_loader_contract_blocks_before_extraction(data_dir, tmp_path):
    snapshot = data_dir / "published" / "eventwatch.duckdb"
    before, mentions = _digest(snapshot), _count(data_dir, "marts.fct_mentions")
    _break(data_dir, "update raw.entries set published_at_source = 'guessed' where feed_id = 'kyiv-wire'")

    result = _run_without_fetching(data_dir, tmp_path)

    assert result.returncode == 1
    reason = result.stderr.strip().splitlines()[-1]
    assert reason.startswith("eventwatch run: blocked: gate raw_entries blocked: "
                             "expect_column_values_to_be_in_set on published_at_source")
    assert _count(data_dir, "marts.fct_mentions") == mentions  # dbt did not run
    assert _digest(snapshot) == before  # the last good snapshot stays published
    with closing(duckdb.connect(str(data_dir / "eventwatch.duckdb"), read_only=True)) as con:
        assert con.execute("select success, severity from quality.results where suite = 'raw_entries' "
                           "order by checked_at desc limit 1").fetchone() == (False, "block")


def _check(data_dir: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    feeds = tmp_path / "no-feeds.yml"
    feeds.write_text("feeds: []\n")
    return subprocess.run([EVENTWATCH, "check", "--feeds", str(feeds), "--data-dir", str(data_dir), "--as-of", AS_OF,
                           *args], capture_output=True, text=True, timeout=600, cwd=REPO)


@pytest.mark.reliability(kind="fault", fault="one time expression resolved twenty years ahead of its article",
                         outcome="it is quarantined with its reason, the run publishes without it; "
                                 "`check --explain` names it; fixed, it is back at the next run",
                         lost="that time expression, until fixed")
def test_a_bad_record_is_quarantined_the_run_publishes_and_a_fix_releases_it(data_dir, tmp_path):
    snapshot = data_dir / "published" / "eventwatch.duckdb"
    before = _digest(snapshot)
    with closing(duckdb.connect(str(data_dir / "eventwatch.duckdb"), read_only=True)) as con:
        (timex,) = con.execute("select min(timex_id) from marts.deadline_mentions").fetchone()
    shift = "update extract.time_expressions set due_start = due_start + interval ({0}) year, " \
            "due_end = due_end + interval ({0}) year where timex_id = '{1}'"
    _break(data_dir, shift.format(20, timex))  # what a resolver bug would write

    result = _run_without_fetching(data_dir, tmp_path)

    assert result.returncode == 0, result.stderr[-3000:]
    assert "1 record quarantined" in result.stdout
    assert _digest(snapshot) != before  # published, without the record
    with closing(duckdb.connect(str(snapshot), read_only=True)) as con:
        assert con.execute("select count(*) from marts.deadline_mentions where timex_id = ?", [timex]).fetchone() == (0,)
        held = con.execute("select distinct relation, record_key from quality.quarantined").fetchall()
        assert held == [("extract.time_expressions", timex)]
        assert con.execute("select severity from quality.results where suite = 'extract_time_expressions' "
                           "order by checked_at desc limit 1").fetchone() == ("warn",)

    explained = _check(data_dir, tmp_path, "--explain")
    assert explained.returncode == 0, explained.stderr[-2000:]
    assert "extract_time_expressions quarantines: expect_column_values_to_be_between on start_offset_days" \
        in explained.stdout
    assert f"timex_id={timex}" in explained.stdout

    _break(data_dir, shift.format(-20, timex))  # the resolver fixed and the article re-read
    result = _run_without_fetching(data_dir, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    with closing(duckdb.connect(str(snapshot), read_only=True)) as con:
        assert con.execute("select count(*) from marts.deadline_mentions where timex_id = ?", [timex]).fetchone() == (1,)
        assert con.execute("select count(*) from quality.quarantined").fetchone() == (0,)


@pytest.mark.reliability(
    kind="fault",
    fault="four feeds' entries deleted consistently, so dbt's own tests pass",
    outcome="the marts_row_counts gate blocks the publish: exit 1; the snapshot stays byte-identical",
    lost="that run's update; the last good snapshot stays published")
def test_a_mart_that_loses_most_of_its_rows_is_not_published(data_dir, tmp_path):
    snapshot = data_dir / "published" / "eventwatch.duckdb"
    before = _digest(snapshot)
    articles = _count(data_dir, "marts.articles", snapshot=True)
    # a botched clean-up: four feeds' entries and their extractions gone, consistently (dbt's own
    # relationship tests pass), leaving marts a fraction of their published size
    _break(data_dir, """
        delete from raw.entry_details where entry_version_id in
            (select entry_version_id from raw.entries where feed_id <> 'kyiv-wire');
        delete from raw.entries where feed_id <> 'kyiv-wire';
        delete from extract.mentions where article_id not in (select article_id from raw.entries);
        delete from extract.claims where article_id not in (select article_id from raw.entries);
        delete from extract.time_expressions where article_id not in (select article_id from raw.entries);
        delete from extract.extracted_versions where article_id not in (select article_id from raw.entries);
    """)

    result = _run_without_fetching(data_dir, tmp_path)

    assert result.returncode == 1
    assert "gate marts_row_counts blocked: expect_column_values_to_be_between on kept_share" in result.stderr
    assert _count(data_dir, "marts.articles") < articles / 2  # dbt ran on what was left...
    assert _digest(snapshot) == before  # ...but nothing of it was published
    assert _count(data_dir, "marts.articles", snapshot=True) == articles


def test_a_replay_to_an_earlier_instant_may_shrink_the_marts(data_dir):
    result = run(data_dir, as_of="2022-01-05T12:00:00Z")
    assert result.returncode == 0, result.stderr[-2000:]
    assert _count(data_dir, "marts.articles", snapshot=True) < 30


@pytest.mark.reliability(
    kind="fault",
    fault="entries deleted from under their extractions (broken relationships)",
    outcome="a dbt relationship test fails the build: exit 1 naming the test; the snapshot stays byte-identical",
    lost="that run's update; the last good snapshot stays published")
def test_a_failing_dbt_test_leaves_the_snapshot_published(data_dir, tmp_path):
    snapshot = data_dir / "published" / "eventwatch.duckdb"
    before = _digest(snapshot)
    # extractions left pointing at entries that are gone: dbt's relationship tests catch it
    _break(data_dir, "delete from raw.entries where feed_id = 'geneva-desk'")

    result = _run_without_fetching(data_dir, tmp_path)

    assert result.returncode == 1
    reason = result.stderr.strip().splitlines()[-1]
    assert reason.startswith("eventwatch run: failed: dbt build failed at test.eventwatch.relationships_")
    assert _digest(snapshot) == before
