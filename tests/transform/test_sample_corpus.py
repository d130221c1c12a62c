"""The sample corpus fed over the winter in three runs: incremental builds that equal a full refresh,
and a report-time history that equals one replay of the whole winter."""

from __future__ import annotations

from contextlib import closing

import duckdb
import pytest

from pipelines.settings import Settings, parse_as_of
from pipelines.stages import run_all
from pipelines.transform import last_build
from tests.conftest import SAMPLE_FEEDS
from tests.transform.dbt_tables import assert_same_tables, dbt_tables, full_refresh_copy

pytestmark = pytest.mark.slow

AS_OFS = ("2021-12-31T12:00:00Z", "2022-01-20T12:00:00Z", "2022-02-23T12:00:00Z")


def _query(settings: Settings, sql: str) -> list[tuple]:
    with closing(duckdb.connect(str(settings.database), read_only=True)) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def winter(tmp_path_factory):
    """One data dir polled on Dec. 31, Jan. 20 and Feb. 23: the first build full, the others incremental."""
    data_dir = tmp_path_factory.mktemp("winter")
    builds = []
    for as_of in AS_OFS:
        settings = Settings(data_dir=data_dir, feeds_file=SAMPLE_FEEDS, as_of=parse_as_of(as_of))
        run_all(settings)
        builds.append(last_build(settings))
    assert [(b.is_full_refresh, b.is_complete) for b in builds] == [(True, True), (False, True), (False, True)]
    return settings


def test_three_incremental_runs_equal_one_full_refresh(winter, tmp_path):
    incremental = dbt_tables(winter)
    assert all(incremental[f"marts.{name}"] for name in ("articles", "fct_deadlines", "deadline_history"))
    assert_same_tables(incremental, dbt_tables(full_refresh_copy(winter, tmp_path)))


def test_three_runs_give_the_history_of_one_replay(winter, tmp_path):
    replay = Settings(data_dir=tmp_path / "replay", feeds_file=SAMPLE_FEEDS, as_of=winter.as_of)
    run_all(replay)
    for relation in ("marts.deadline_history", "marts.fct_deadlines"):
        sql = f"select * from {relation} order by all"
        assert _query(winter, sql) == _query(replay, sql), relation


def test_the_snapshot_holds_what_each_run_believed(winter):
    rows = _query(winter, "select dbt_valid_from, count(*) from snapshots.fct_deadlines_snapshot group by all order by 1")
    assert [valid_from for valid_from, _ in rows] == [parse_as_of(as_of) for as_of in AS_OFS]
    # as of Dec. 31 the Geneva talks were upcoming; the audit keeps that belief after they passed
    assert _query(
        winter,
        "select status from snapshots.fct_deadlines_snapshot where location = 'Geneva' "
        "and due_start = '2022-01-10' and dbt_valid_from = '2021-12-31 12:00:00' and dbt_valid_to is not null",
    ) == [("upcoming",)]
