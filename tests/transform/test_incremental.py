"""Incremental dbt builds against full refreshes and one-run replays, on a small story we wrote.

The story: OSCE envoys are to meet in Vienna on March 3; the meeting is pushed back to March 8,
then called off. A wire copy confirming the first date was published before the move but reaches
us only at the end (a late report); an analysis is edited after publication (a new version).
Raw entries and extraction rows are written here directly, so the tests exercise dbt only. Each
build takes seconds: the tests that need several of their own are marked slow.
"""

from __future__ import annotations

from contextlib import closing
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from pipelines.settings import Settings
from pipelines.store.tables import ensure_schema
from pipelines.transform import build, last_build, project_digest, run_dbt
from tests.transform.dbt_tables import assert_same_tables, dbt_tables, full_refresh_copy

AS_OF_1 = datetime(2022, 2, 26, 8, 0)   # the meeting is set for March 3
AS_OF_2 = datetime(2022, 3, 1, 8, 0)    # it was pushed back to March 8
AS_OF_3 = datetime(2022, 3, 7, 8, 0)    # it was called off

# (entry_version_id, feed_id, article_id, content_hash, title, text, published_at, updated_at)
ENTRIES = {
    "set": ("e-set", "alpine-desk", "art-set", "h-set", "OSCE envoys to meet in Vienna on March 3",
            "Envoys of the OSCE member states will meet in Vienna on March 3, the chairmanship said.",
            "2022-02-25 09:00:00", None),
    "late": ("e-late", "wire-aggregator", "art-late", "h-late", "Vienna envoys' meeting on March 3 confirmed",
             "The chairmanship confirmed on Saturday that the envoys meet in Vienna on March 3.",
             "2022-02-26 10:00:00", None),
    "moved": ("e-moved", "kyiv-wire", "art-moved", "h-moved", "Vienna meeting of OSCE envoys pushed back",
              "The meeting of OSCE envoys that had been set for March 3 in Vienna has been pushed back to "
              "March 8, officials said.", "2022-02-28 16:00:00", None),
    "off": ("e-off", "alpine-desk", "art-off", "h-off", "OSCE envoys' Vienna meeting called off",
            "The chairmanship called off the meeting of envoys planned for March 8 in Vienna.",
            "2022-03-06 11:00:00", None),
    "analysis-1": ("e-analysis-1", "kyiv-wire", "art-analysis", "h-analysis-1", "Why Vienna still matters",
                   "Diplomats expect the envoys to sit down in Vienna on March 3, one analyst said.",
                   "2022-02-27 12:00:00", None),
    "analysis-2": ("e-analysis-2", "kyiv-wire", "art-analysis", "h-analysis-2", "Why Vienna still matters",
                   "The envoys' meeting has slipped, one analyst wrote, and the calendar is now the test.",
                   "2022-02-27 12:00:00", "2022-03-02 09:00:00"),
}

ACTORS = [
    ("osce", "OSCE", "organization", None, False),
    ("an-analyst", "an analyst", "anonymous", None, True),
    ("osce-chairmanship", "OSCE chairmanship", "organization", None, True),
]

# entry -> (mention_id, actor_id, surface)
MENTIONS = {
    "set": [("m-set", "osce", "OSCE"), ("m-set-chair", "osce-chairmanship", "the chairmanship")],
    "late": [("m-late", "osce-chairmanship", "The chairmanship")],
    "moved": [("m-moved", "osce", "OSCE")],
    "off": [("m-off", "osce-chairmanship", "The chairmanship")],
    "analysis-1": [("m-analysis-1", "an-analyst", "one analyst")],
    "analysis-2": [("m-analysis-2", "an-analyst", "one analyst")],
}

# entry -> (claim_id, speaker, cue, text)
CLAIMS = {
    "set": [("c-set", "osce-chairmanship", "say", "envoys of the OSCE member states will meet in Vienna on March 3")],
    "late": [("c-late", "osce-chairmanship", "confirm", "the envoys meet in Vienna on March 3")],
    "analysis-1": [("c-analysis-1", "an-analyst", "say", "diplomats expect the envoys to sit down in Vienna")],
    "analysis-2": [("c-analysis-2", "an-analyst", "write", "the envoys' meeting has slipped")],
}

# entry -> (timex_id, surface, due_start, is_future, label, location, cue)
TIMEXES = {
    "set": [("t-set", "on March 3", "2022-03-03", True, "meeting", "Vienna", "scheduled")],
    "late": [("t-late", "on March 3", "2022-03-03", True, "meeting", "Vienna", "confirmed"),
             ("t-late-sat", "on Saturday", "2022-02-26", False, None, None, None)],
    "moved": [("t-moved-from", "for March 3", "2022-03-03", True, "meeting", "Vienna", "postponed"),
              ("t-moved-to", "to March 8", "2022-03-08", True, "meeting", "Vienna", "postponed")],
    "off": [("t-off", "for March 8", "2022-03-08", True, "meeting", "Vienna", "cancelled")],
    "analysis-1": [("t-analysis-1", "on March 3", "2022-03-03", True, "talks", "Vienna", None)],
    "analysis-2": [],
}


def _load(database: Path, *names: str) -> None:
    """Append the named entries and their extraction rows, as fetch and extract would."""
    with closing(duckdb.connect(str(database))) as con:
        ensure_schema(con)
        con.executemany(
            "insert into extract.actors (actor_id, name, actor_type, country, is_discovered, extractor_version) "
            "values (?, ?, ?, ?, ?, 'test-1') on conflict do nothing", ACTORS
        )
        for name in names:
            entry_id, feed, article, content_hash, title, text, published, updated = ENTRIES[name]
            con.execute(
                """
                insert into raw.entries (
                    entry_version_id, feed_id, entry_key, article_id, canonical_url, url, title,
                    content_text, content_hash, published_at, published_at_source, updated_at,
                    first_seen_at, fetch_id, archive_sha256
                ) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?::timestamp, 'published', ?::timestamp,
                          coalesce(?::timestamp, ?::timestamp) + interval 5 minute, ?, ?)
                """,
                [entry_id, feed, f"{feed}:{article}", article, f"https://news.example/{article}",
                 f"https://news.example/{article}", title, text, content_hash, published, updated,
                 updated, published, f"fetch-{entry_id}", f"sha-{entry_id}"],
            )
            _insert(
                con, "insert into extract.mentions values (?, ?, ?, ?, ?, 0, 10, 0, 'test-1')",
                [(mid, article, content_hash, actor, surface) for mid, actor, surface in MENTIONS[name]],
            )
            _insert(
                con,
                """insert into extract.claims (
                       claim_id, article_id, content_hash, speaker_actor_id, cue_verb, claim_type,
                       claim_text, is_direct_quote, start_char, end_char, sentence, extractor_version
                   ) values (?, ?, ?, ?, ?, 'statement', ?, false, 0, 10, ?, 'test-1')""",
                [(cid, article, content_hash, speaker, cue, claim, text)
                 for cid, speaker, cue, claim in CLAIMS.get(name, [])],
            )
            _insert(
                con,
                """insert into extract.time_expressions (
                       timex_id, article_id, content_hash, surface, due_start, due_end, precision,
                       is_future, event_label, location, status_cue, start_char, end_char, sentence,
                       extractor_version
                   ) values (?, ?, ?, ?, ?::date, ?::date, 'day', ?, ?, ?, ?, 0, 10, ?, 'test-1')""",
                [(tid, article, content_hash, surface, due, due, future, label, place, cue, text)
                 for tid, surface, due, future, label, place, cue in TIMEXES[name]],
            )


def _insert(con: duckdb.DuckDBPyConnection, sql: str, rows: list[tuple]) -> None:
    if rows:
        con.executemany(sql, rows)


def _settings(tmp_path: Path, name: str, as_of: datetime) -> Settings:
    return Settings(data_dir=tmp_path / f"{name}-data", db_path=tmp_path / f"{name}.duckdb", as_of=as_of)


def _query(settings: Settings, sql: str) -> list[tuple]:
    with closing(duckdb.connect(str(settings.database), read_only=True)) as con:
        return con.execute(sql).fetchall()


HISTORY = (
    "select deadline_id, state_number, state_change, due_start::varchar, status, valid_from, valid_to, "
    "article_id, report_count from marts.deadline_history order by deadline_id, state_number"
)


@pytest.fixture(scope="module")
def fed_in_three_runs(tmp_path_factory):
    """The story fed as it happened: one run after each report; the late copy arrives last."""
    tmp_path = tmp_path_factory.mktemp("three-runs")
    settings = _settings(tmp_path, "stepwise", AS_OF_1)
    results = []
    for as_of, names in ((AS_OF_1, ("set",)), (AS_OF_2, ("moved",)), (AS_OF_3, ("off", "late"))):
        settings = settings.with_(as_of=as_of)
        _load(settings.database, *names)
        results.append(build(settings))
    return tmp_path, settings, results


def test_runs_after_the_first_are_incremental(fed_in_three_runs):
    _, settings, results = fed_in_three_runs
    assert [result.full_refresh for result in results] == [True, False, False]
    assert all(result.success for result in results)
    assert last_build(settings).is_complete


def test_builds_at_a_new_as_of_parse_the_project_partially(fed_in_three_runs):
    """The clock moves every run without making dbt parse the whole project again."""
    _, settings, results = fed_in_three_runs
    assert [result.full_parse for result in results] == [True, False, False]  # the first had nothing saved
    assert (settings.dbt_target_dir / "partial_parse.msgpack").is_file()
    assert _query(settings, "select as_of, project_digest from intermediate.dbt_build_log order by build_number") == [
        (as_of, project_digest()) for as_of in (AS_OF_1, AS_OF_2, AS_OF_3)]


def test_the_meeting_is_announced_moved_and_called_off(fed_in_three_runs):
    _, settings, _ = fed_in_three_runs
    assert _query(
        settings,
        "select state_change, due_start::varchar, status, valid_from, valid_to, article_id, report_count "
        "from marts.deadline_history order by state_number",
    ) == [
        ("announced", "2022-03-03", "upcoming", datetime(2022, 2, 25, 9), datetime(2022, 2, 28, 16), "art-set", 2),
        ("moved", "2022-03-08", "upcoming", datetime(2022, 2, 28, 16), datetime(2022, 3, 6, 11), "art-moved", 1),
        ("cancelled", "2022-03-08", "cancelled", datetime(2022, 3, 6, 11), None, "art-off", 1),
    ]
    assert _query(
        settings, "select label, due_start::varchar, status, revision_count, state_count, article_count "
                  "from marts.fct_deadlines",
    ) == [("meeting in Vienna", "2022-03-08", "cancelled", 1, 3, 4)]


def test_three_runs_give_the_history_of_one_replay(fed_in_three_runs):
    tmp_path, stepwise, _ = fed_in_three_runs
    replay = _settings(tmp_path, "replay", AS_OF_3)
    _load(replay.database, "set", "late", "moved", "off")
    assert build(replay).full_refresh
    assert _query(stepwise, HISTORY) == _query(replay, HISTORY)
    marts = {name: rows for name, rows in dbt_tables(replay).items() if name.startswith("marts.")}
    # first_seen_at is our own clock: the replay stored everything in one run
    loaded = "select * exclude (first_seen_at) from marts.articles order by all"
    assert _query(stepwise, loaded) == _query(replay, loaded)
    for name, rows in marts.items():
        if name != "marts.articles":
            assert _query(stepwise, f"select * from {name} order by all") == rows, name


def test_three_runs_equal_a_full_refresh(fed_in_three_runs):
    tmp_path, stepwise, _ = fed_in_three_runs
    assert_same_tables(dbt_tables(stepwise), dbt_tables(full_refresh_copy(stepwise, tmp_path / "full")))


def test_the_snapshots_audit_what_each_run_believed(fed_in_three_runs):
    _, settings, _ = fed_in_three_runs
    assert _query(
        settings,
        "select dbt_valid_from, due_start::varchar, status from snapshots.fct_deadlines_snapshot order by 1",
    ) == [(AS_OF_1, "2022-03-03", "upcoming"), (AS_OF_2, "2022-03-08", "upcoming"),
          (AS_OF_3, "2022-03-08", "cancelled")]
    # the two clocks: valid_from and valid_to are report time, dbt_valid_from and dbt_valid_to load
    # time. The late copy (published Feb. 26, loaded by the third run) adds a report to the first
    # state from that run on, while the state stays valid from Feb. 25.
    assert _query(
        settings,
        "select state_number, valid_from, valid_to, report_count, dbt_valid_from, dbt_valid_to "
        "from snapshots.deadline_history_snapshot order by state_number, dbt_valid_from",
    ) == [
        (1, datetime(2022, 2, 25, 9), None, 1, AS_OF_1, AS_OF_2),
        (1, datetime(2022, 2, 25, 9), datetime(2022, 2, 28, 16), 1, AS_OF_2, AS_OF_3),
        (1, datetime(2022, 2, 25, 9), datetime(2022, 2, 28, 16), 2, AS_OF_3, None),
        (2, datetime(2022, 2, 28, 16), None, 1, AS_OF_2, AS_OF_3),
        (2, datetime(2022, 2, 28, 16), datetime(2022, 3, 6, 11), 1, AS_OF_3, None),
        (3, datetime(2022, 3, 6, 11), None, 1, AS_OF_3, None),
    ]


@pytest.mark.slow  # several dbt invocations of its own; `make test` runs it
def test_a_new_version_takes_the_place_of_the_old_one(tmp_path):
    settings = _settings(tmp_path, "versions", AS_OF_2)
    _load(settings.database, "set", "moved", "analysis-1", "analysis-2")
    first = build(settings)
    # the edit (updated March 2) is held back at AS_OF_2: the first version is in the marts
    assert _query(settings, "select claim_id from marts.fct_claims where article_id = 'art-analysis'") == [
        ("c-analysis-1",)]
    assert _query(settings, "select report_count from marts.deadline_history where state_number = 1") == [(2,)]

    settings = settings.with_(as_of=AS_OF_3)
    second = build(settings)
    assert (first.full_refresh, second.full_refresh) == (True, False)
    assert _query(settings, "select claim_id from marts.fct_claims where article_id = 'art-analysis'") == [
        ("c-analysis-2",)]
    assert _query(settings, "select count(*) from marts.deadline_mentions where article_id = 'art-analysis'") == [
        (0,)]
    assert _query(settings, "select report_count from marts.deadline_history where state_number = 1") == [(1,)]
    assert _query(
        settings, "select version_count, latest_version_at from marts.articles where article_id = 'art-analysis'"
    ) == [(2, datetime(2022, 3, 2, 9))]
    assert_same_tables(dbt_tables(settings), dbt_tables(full_refresh_copy(settings, tmp_path / "full")))


@pytest.mark.slow  # several dbt invocations of its own; `make test` runs it
def test_an_earlier_as_of_takes_out_what_came_after_it(tmp_path):
    settings = _settings(tmp_path, "rewind", AS_OF_3)
    _load(settings.database, "set", "late", "moved", "off")
    build(settings)
    settings = settings.with_(as_of=AS_OF_1)
    assert not build(settings).full_refresh
    assert _query(settings, "select article_id from marts.articles") == [("art-set",)]
    assert _query(settings, "select state_change, due_start::varchar from marts.deadline_history") == [
        ("announced", "2022-03-03")]
    assert_same_tables(dbt_tables(settings), dbt_tables(full_refresh_copy(settings, tmp_path / "full")))


@pytest.mark.slow  # several dbt invocations of its own; `make test` runs it
def test_an_incomplete_or_outdated_build_makes_the_next_one_full(tmp_path):
    settings = _settings(tmp_path, "log", AS_OF_3)
    _load(settings.database, "set", "moved")
    assert build(settings).full_refresh
    assert not build(settings).full_refresh

    # a build stopped by a failing test: some incremental tables may have moved, others not
    with closing(duckdb.connect(str(settings.database))) as con:
        con.execute("insert into extract.mentions values ('m-ghost', 'art-set', 'h-set', 'ghost', 'Ghost', "
                    "0, 1, 0, 'test-1')")
    with pytest.raises(Exception, match="relationships"):
        build(settings)
    assert not last_build(settings).is_complete
    with closing(duckdb.connect(str(settings.database))) as con:
        con.execute("delete from extract.mentions where mention_id = 'm-ghost'")
    assert build(settings).full_refresh

    # a build made by another version of the dbt project
    with closing(duckdb.connect(str(settings.database))) as con:
        con.execute("update intermediate.dbt_build_log set project_digest = 'older'")
    assert build(settings).full_refresh
    assert not build(settings).full_refresh


@pytest.mark.slow  # several dbt invocations of its own; `make test` runs it
def test_docs_generate_leaves_the_build_log_alone(tmp_path):
    settings = _settings(tmp_path, "docs", AS_OF_1)
    _load(settings.database, "set")
    build(settings)
    before = last_build(settings)
    run_dbt(settings, "docs", "generate")
    assert last_build(settings) == before
