"""dbt build on a small hand-written corpus: versions, cross-feed articles, a moved and a cancelled
deadline, and an entry held back because it was published after as_of."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

import duckdb
import pytest
import yaml

from pipelines.settings import Settings
from pipelines.store.tables import ensure_schema
from pipelines.transform import PROJECT_DIR, TransformError, build, run_dbt

AS_OF = datetime(2022, 1, 11, 12, 0)
LATER = datetime(2022, 1, 13, 0, 0)


def _short_hash(*parts: str) -> str:
    return hashlib.md5("|".join(parts).encode()).hexdigest()[:16]


# "meeting" and "talks" are one event family (dbt_project.yml, var event_families)
MEETING_ID = _short_hash("talks", "geneva", "2022-01-25")
TALKS_ID = _short_hash("talks", "geneva", "2022-01-10")
SUMMIT_ID = _short_hash("summit", "brussels", "2022-01-28")

# (entry_version_id, feed_id, article_id, content_hash, title, published_at, updated_at)
ENTRIES = [
    ("e1", "kyiv-wire", "art-talks", "h-talks", "Envoys agree on Geneva talks", "2022-01-03 09:00:00", None),
    ("e2", "alpine-desk", "art-talks", "h-talks", "Envoys agree on Geneva talks", "2022-01-03 11:30:00", None),
    ("e3", "kyiv-wire", "art-moved", "h-moved", "Geneva meeting slips by a day", "2022-01-08 14:00:00", None),
    ("e4", "alpine-desk", "art-summit", "h-summit-1", "Brussels summit planned", "2022-01-05 10:00:00", None),
    ("e5", "alpine-desk", "art-summit", "h-summit-2", "Brussels summit called off", "2022-01-05 10:00:00", "2022-01-09 16:00:00"),
    ("e6", "kyiv-wire", "art-vienna", "h-vienna", "Vienna council next", "2022-01-12 08:00:00", None),
]

ACTORS = [
    ("vladimir-putin", "Vladimir Putin", "person", "RU", False),
    ("joe-biden", "Joe Biden", "person", "US", False),
    ("yuri-ushakov", "Yuri Ushakov", "person", "RU", False),
    ("sergey-lavrov", "Sergey Lavrov", "person", "RU", False),
    ("jens-stoltenberg", "Jens Stoltenberg", "person", None, False),
    ("nato", "NATO", "organization", None, False),
    ("a-senior-official", "a senior official", "anonymous", None, False),
    ("osce", "OSCE", "organization", None, False),
]

# (mention_id, article_id, content_hash, actor_id, surface)
MENTIONS = [
    ("m1", "art-talks", "h-talks", "vladimir-putin", "President Vladimir V. Putin"),
    ("m2", "art-talks", "h-talks", "joe-biden", "Mr. Biden"),
    ("m3", "art-moved", "h-moved", "sergey-lavrov", "Sergei Lavrov"),
    ("m4", "art-summit", "h-summit-1", "jens-stoltenberg", "Jens Stoltenberg"),
    ("m5", "art-summit", "h-summit-2", "nato", "NATO"),
    ("m6", "art-vienna", "h-vienna", "osce", "the OSCE"),
    ("m7", "art-vienna", "h-vienna", "vladimir-putin", "Mr. Putin"),
]

# (claim_id, article_id, content_hash, speaker, via, cue, text, is_direct_quote)
CLAIMS = [
    ("c1", "art-talks", "h-talks", "vladimir-putin", "yuri-ushakov", "warn",
     "new sanctions would be a grave mistake", False),
    ("c2", "art-moved", "h-moved", "a-senior-official", None, "say",
     "the delay was for scheduling reasons only", False),
    ("c3", "art-summit", "h-summit-1", "jens-stoltenberg", None, "say",
     "the allies are ready to meet", True),
    ("c4", "art-vienna", "h-vienna", "vladimir-putin", None, "demand", "guarantees in writing", True),
]

# (timex_id, article_id, content_hash, surface, due_start, due_end, is_future, label, location, cue)
TIMEXES = [
    ("t1", "art-talks", "h-talks", "on Jan. 10", "2022-01-10", "2022-01-10", True, "talks", "Geneva", "scheduled"),
    ("t2", "art-talks", "h-talks", "on Jan. 25", "2022-01-25", "2022-01-25", True, "meeting", "Geneva", "scheduled"),
    ("t3", "art-talks", "h-talks", "on Dec. 30", "2021-12-30", "2021-12-30", False, "call", None, None),
    ("t4", "art-moved", "h-moved", "to Jan. 26", "2022-01-26", "2022-01-26", True, "meeting", "Geneva", "postponed"),
    ("t5", "art-moved", "h-moved", "on Monday", "2022-01-10", "2022-01-10", True, "talks", "Geneva", None),
    ("t6", "art-summit", "h-summit-1", "on Jan. 28", "2022-01-28", "2022-01-28", True, "summit", "Brussels", "scheduled"),
    ("t7", "art-summit", "h-summit-2", "on Jan. 28", "2022-01-28", "2022-01-28", True, "summit", "Brussels", "cancelled"),
    ("t8", "art-vienna", "h-vienna", "on Thursday", "2022-01-13", "2022-01-13", True, "council", "Vienna", "scheduled"),
]


def _load_corpus(database) -> None:
    con = duckdb.connect(str(database))
    try:
        ensure_schema(con)
        for entry_id, feed, article, content_hash, title, published, updated in ENTRIES:
            con.execute(
                """
                insert into raw.entries (
                    entry_version_id, feed_id, entry_key, article_id, canonical_url, url, guid,
                    title, content_text, content_hash, published_at, published_at_source,
                    updated_at, first_seen_at, fetch_id, archive_sha256
                ) values (
                    ?, ?, ?, ?, ?, ? || '?utm_source=' || ?, null, ?, ?, ?, ?::timestamp,
                    'published', ?::timestamp,
                    coalesce(?::timestamp, ?::timestamp) + interval 10 minute, ?, 'sha-' || ?
                )
                """,
                [
                    entry_id, feed, f"{feed}:{article}", article, f"https://news.example/{article}",
                    f"https://news.example/{article}", feed, title, f"Body of {title}.",
                    content_hash, published, updated, updated, published, f"fetch-{entry_id}", entry_id,
                ],
            )
        con.executemany(
            "insert into extract.actors (actor_id, name, actor_type, country, is_discovered, extractor_version) "
            "values (?, ?, ?, ?, ?, 'test-1')", ACTORS
        )
        con.executemany(
            """insert into extract.mentions
               values (?, ?, ?, ?, ?, 0, 10, 0, 'test-1')""",
            MENTIONS,
        )
        con.executemany(
            """insert into extract.claims (
                   claim_id, article_id, content_hash, speaker_actor_id, via_actor_id, cue_verb,
                   claim_text, is_direct_quote, speaker_surface, claim_type, start_char, end_char,
                   sentence, extractor_version
               ) values (?, ?, ?, ?, ?, ?, ?, ?, null, 'statement', 0, 10, 'A sentence.', 'test-1')""",
            CLAIMS,
        )
        con.executemany(
            """insert into extract.time_expressions (
                   timex_id, article_id, content_hash, surface, due_start, due_end, is_future,
                   event_label, location, status_cue, precision, start_char, end_char, sentence,
                   extractor_version
               ) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'day', 0, 10, 'A sentence.', 'test-1')""",
            TIMEXES,
        )
    finally:
        con.close()


def _settings(tmp_path, as_of: datetime, name: str = "eventwatch.duckdb") -> Settings:
    return Settings(data_dir=tmp_path / "data", db_path=tmp_path / name, as_of=as_of)


def _query(settings: Settings, sql: str) -> list[tuple]:
    con = duckdb.connect(str(settings.database), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One database built at AS_OF, shared by the read-only assertions below."""
    tmp_path = tmp_path_factory.mktemp("built")
    settings = _settings(tmp_path, AS_OF)
    _load_corpus(settings.database)
    result = build(settings)
    return settings, result


def test_build_succeeds_and_counts_nodes(built):
    _, result = built
    assert result.success
    assert result.models_failed == 0 and result.tests_failed == 0
    assert result.models_passed >= 15
    assert result.tests_passed >= 50
    assert result.snapshots_passed == 2  # fct_deadlines_snapshot, deadline_history_snapshot


def test_articles_count_sources_and_versions(built):
    settings, _ = built
    rows = _query(
        settings,
        "select article_id, title, url, published_at, source_count, version_count "
        "from marts.articles order by article_id",
    )
    assert rows == [
        ("art-moved", "Geneva meeting slips by a day", "https://news.example/art-moved",
         datetime(2022, 1, 8, 14, 0), 1, 1),
        ("art-summit", "Brussels summit called off", "https://news.example/art-summit",
         datetime(2022, 1, 5, 10, 0), 1, 2),
        ("art-talks", "Envoys agree on Geneva talks", "https://news.example/art-talks",
         datetime(2022, 1, 3, 9, 0), 2, 1),
    ]


def test_held_back_entries_reach_no_mart(built):
    settings, _ = built
    for sql in (
        "select count(*) from marts.articles where article_id = 'art-vienna'",
        "select count(*) from marts.fct_mentions where article_id = 'art-vienna'",
        "select count(*) from marts.fct_claims where article_id = 'art-vienna'",
        "select count(*) from marts.deadline_mentions where article_id = 'art-vienna'",
        "select count(*) from marts.fct_deadlines where location = 'Vienna'",
        "select count(*) from marts.dim_actors where actor_id = 'osce'",
    ):
        assert _query(settings, sql) == [(0,)], sql
    assert _query(
        settings, "select mention_count from marts.dim_actors where actor_id = 'vladimir-putin'"
    ) == [(1,)]


def test_only_latest_versions_extractions_reach_the_marts(built):
    settings, _ = built
    assert _query(settings, "select count(*) from marts.fct_mentions where mention_id = 'm4'") == [(0,)]
    assert _query(settings, "select count(*) from marts.fct_claims where claim_id = 'c3'") == [(0,)]
    assert _query(settings, "select count(*) from marts.dim_actors where actor_id = 'jens-stoltenberg'") == [(0,)]
    assert _query(settings, "select timex_id from marts.deadline_mentions where article_id = 'art-summit'") == [("t7",)]


def test_deadlines_merge_reports_and_track_revisions(built):
    settings, _ = built
    rows = _query(
        settings,
        "select deadline_id, label, due_start::varchar, due_end::varchar, precision, status, "
        "first_reported_at, last_reported_at, mention_count, revision_count, state_count "
        "from marts.fct_deadlines order by label",
    )
    assert rows == [
        (MEETING_ID, "meeting in Geneva", "2022-01-26", "2022-01-26", "day", "upcoming",
         datetime(2022, 1, 3, 9, 0), datetime(2022, 1, 8, 14, 0), 2, 1, 2),
        (SUMMIT_ID, "summit in Brussels", "2022-01-28", "2022-01-28", "day", "cancelled",
         datetime(2022, 1, 9, 16, 0), datetime(2022, 1, 9, 16, 0), 1, 0, 1),
        (TALKS_ID, "talks in Geneva", "2022-01-10", "2022-01-10", "day", "passed",
         datetime(2022, 1, 3, 9, 0), datetime(2022, 1, 8, 14, 0), 2, 0, 1),
    ]


def test_deadline_history_is_on_report_time(built):
    settings, _ = built
    rows = _query(
        settings,
        "select due_start::varchar, state_change, status, valid_from, valid_to, article_id "
        f"from marts.deadline_history where deadline_id = '{MEETING_ID}' order by valid_from",
    )
    assert rows == [
        ("2022-01-25", "announced", "upcoming", datetime(2022, 1, 3, 9, 0), datetime(2022, 1, 8, 14, 0), "art-talks"),
        ("2022-01-26", "moved", "upcoming", datetime(2022, 1, 8, 14, 0), None, "art-moved"),
    ]
    # the summit's only state comes from the edited version, valid from the edit
    assert _query(
        settings,
        "select status, valid_from, valid_to from marts.deadline_history "
        f"where deadline_id = '{SUMMIT_ID}'",
    ) == [("cancelled", datetime(2022, 1, 9, 16, 0), None)]


def test_deadline_mentions_keep_past_expressions(built):
    settings, _ = built
    assert _query(
        settings,
        "select deadline_id, is_future, surface, published_at from marts.deadline_mentions "
        "where timex_id = 't3'",
    ) == [(None, False, "on Dec. 30", datetime(2022, 1, 3, 9, 0))]


def test_claims_and_daily_activity(built):
    settings, _ = built
    assert _query(
        settings,
        "select claim_id, speaker_name, via_actor_id, published_at from marts.fct_claims order by claim_id",
    ) == [
        ("c1", "Vladimir Putin", "yuri-ushakov", datetime(2022, 1, 3, 9, 0)),
        ("c2", "a senior official", None, datetime(2022, 1, 8, 14, 0)),
    ]
    assert _query(
        settings,
        "select actor_id, day::varchar, mentions, claims from marts.actor_activity_daily "
        "where actor_id in ('vladimir-putin', 'a-senior-official') order by actor_id",
    ) == [("a-senior-official", "2022-01-08", 0, 1), ("vladimir-putin", "2022-01-03", 1, 1)]
    assert _query(
        settings,
        "select actor_type, first_seen_at from marts.dim_actors where actor_id = 'a-senior-official'",
    ) == [("anonymous", datetime(2022, 1, 8, 14, 0))]


def test_snapshot_is_stamped_with_as_of(built):
    settings, _ = built
    assert _query(
        settings,
        "select count(*), min(dbt_valid_from), max(dbt_valid_to) from snapshots.fct_deadlines_snapshot",
    ) == [(3, AS_OF, None)]


def test_docs_generate(built):
    settings, _ = built
    run_dbt(settings, "docs", "generate")
    assert (settings.dbt_target_dir / "catalog.json").is_file()
    assert (settings.dbt_target_dir / "index.html").is_file()


def _declared_unit_tests() -> list[str]:
    """The names of the unit tests the project's YAML declares."""
    files = sorted((PROJECT_DIR / "models").rglob("*.yml"))
    return sorted(test["name"] for path in files for test in yaml.safe_load(path.read_text()).get("unit_tests", []))


def test_a_pipeline_build_leaves_the_unit_tests_to_the_test_suite(built):
    """`dbt build` in the pipeline skips unit tests (logic, not data); here they run, every one of them."""
    settings, _ = built
    run_dbt(settings, "build", "--select", "fct_deadlines")  # a model that has a unit test
    ran = json.loads((settings.dbt_target_dir / "run_results.json").read_text())["results"]
    assert "model.eventwatch.fct_deadlines" in {node["unique_id"] for node in ran}
    assert not [node for node in ran if node["unique_id"].startswith("unit_test.")]

    result = run_dbt(settings, "test", "--select", "test_type:unit")
    ran = json.loads((settings.dbt_target_dir / "run_results.json").read_text())["results"]
    unit_tests = [node["unique_id"] for node in ran if node["unique_id"].startswith("unit_test.")]
    assert sorted(unique_id.rsplit(".", 1)[-1] for unique_id in unit_tests) == _declared_unit_tests()
    assert result.tests_passed == len(_declared_unit_tests()) and result.tests_failed == 0


@pytest.mark.slow  # three builds; tests/transform/test_incremental.py covers the same in the fast suite
def test_runs_at_successive_as_of_equal_one_replay(tmp_path):
    """Feeding the corpus over two runs gives the history one replay gives; the snapshot audits both runs."""
    stepwise = _settings(tmp_path, AS_OF, "stepwise.duckdb")
    _load_corpus(stepwise.database)
    build(stepwise)
    build(stepwise.with_(as_of=LATER))
    replay = _settings(tmp_path, LATER, "replay.duckdb")
    _load_corpus(replay.database)
    build(replay)

    history = (
        "select deadline_id, state_number, due_start, due_end, status, valid_from, valid_to, article_id "
        "from marts.deadline_history order by all"
    )
    deadlines = "select * from marts.fct_deadlines order by deadline_id"
    assert _query(stepwise.with_(as_of=LATER), history) == _query(replay, history)
    assert _query(stepwise, deadlines) == _query(replay, deadlines)
    assert _query(replay, "select count(*) from marts.articles") == [(4,)]
    assert _query(
        stepwise,
        "select dbt_valid_from, count(*) from snapshots.fct_deadlines_snapshot group by all order by 1",
    ) == [(AS_OF, 3), (LATER, 1)]


def test_failing_test_raises_with_the_node_name(tmp_path):
    settings = _settings(tmp_path, AS_OF)
    _load_corpus(settings.database)
    con = duckdb.connect(str(settings.database))
    try:
        # an actor the extractor never registered: dim_actors cannot describe it
        con.execute(
            "insert into extract.mentions values ('m99', 'art-talks', 'h-talks', 'ghost', 'Ghost', 0, 1, 0, 'test-1')"
        )
    finally:
        con.close()
    with pytest.raises(TransformError, match=r"failed at test\.eventwatch\.relationships_\w+_actor_id"):
        build(settings)


def test_empty_database_builds_empty_marts(tmp_path):
    settings = _settings(tmp_path, AS_OF)
    con = duckdb.connect(str(settings.database))
    try:
        ensure_schema(con)
    finally:
        con.close()
    result = build(settings)
    assert result.success and result.models_failed == 0
    assert _query(settings, "select count(*) from marts.articles") == [(0,)]
    assert _query(settings, "select count(*) from marts.fct_deadlines") == [(0,)]


def _quarantine(settings: Settings, *records: tuple[str, str]) -> None:
    """What a gate run writes: these (relation, key) records quarantined, every other released."""
    con = duckdb.connect(str(settings.database))
    try:
        con.execute("delete from quality.quarantined")
        for relation, key in records:
            con.execute("insert into quality.quarantined values (?, ?, 'fetch', 's', 'e', null, 'a reason', 'r1', "
                        "timestamp '2022-01-11 12:00')", [relation, key])
    finally:
        con.close()


@pytest.mark.slow  # three builds
@pytest.mark.reliability(kind="fault", fault="an entry and a time expression quarantined by the gates, then "
                         "released", outcome="neither reaches a mart (nor breaks a dbt test) while quarantined; "
                         "both are back after the next, incremental build", lost="nothing once released")
def test_quarantined_records_stay_out_of_the_marts_until_released(tmp_path):
    from tests.transform.dbt_tables import assert_same_tables, dbt_tables, full_refresh_copy

    settings = _settings(tmp_path, AS_OF)
    _load_corpus(settings.database)
    _quarantine(settings, ("raw.entries", "e3"), ("extract.time_expressions", "t3"))
    assert build(settings).success
    assert ("art-moved",) not in _query(settings, "select article_id from marts.articles")
    # the quarantined entry's extractions went with it; the time expression alone left its article
    assert _query(settings, "select count(*) from marts.fct_claims where claim_id = 'c2'") == [(0,)]
    assert _query(settings, "select timex_id from marts.deadline_mentions where article_id = 'art-talks' "
                            "order by 1") == [("t1",), ("t2",)]

    _quarantine(settings)  # the rule was fixed: the next gate run quarantines nothing
    second = build(settings)
    assert second.success and not second.full_refresh
    assert ("art-moved",) in _query(settings, "select article_id from marts.articles")
    assert _query(settings, "select count(*) from marts.fct_claims where claim_id = 'c2'") == [(1,)]
    assert _query(settings, "select timex_id from marts.deadline_mentions where article_id = 'art-talks' "
                            "order by 1") == [("t1",), ("t2",), ("t3",)]
    assert_same_tables(dbt_tables(settings), dbt_tables(full_refresh_copy(settings, tmp_path / "full")))
