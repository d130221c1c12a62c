from contextlib import closing

import pytest

from pipelines.db import connect
from pipelines.gates import GateFailed, run_gates
from pipelines.load import load_entries
from pipelines.parse import parse_feed
from tests.pipelines.feeds_fixtures import RSS_TWO_ITEMS


def _load_sample(con, settings):
    parsed = parse_feed(RSS_TWO_ITEMS)
    load_entries(con, list(parsed.entries), [], feed_id="test-wire", fetch_id="f1",
                 archive_sha256="0" * 64, seen_at=settings.as_of)


def test_raw_gate_passes_and_records_every_expectation(settings):
    with closing(connect(settings)) as con:
        _load_sample(con, settings)
        outcomes = run_gates(con, settings, "fetch", "run-1")
        assert [o.suite for o in outcomes] == ["raw_entries", "feed_freshness", "articles", "article_versions"]
        assert all(o.success for o in outcomes)
        row = con.execute("select stage, suite, success, evaluated, failed from quality.results "
                          "where suite = 'raw_entries'").fetchone()
        assert row[:3] == ("fetch", "raw_entries", True) and row[3] == len(outcomes[0].outcomes) and row[4] == 0
        recorded = con.execute("select count(*) from quality.expectation_results where run_id = 'run-1'").fetchone()[0]
        assert recorded == sum(len(o.outcomes) for o in outcomes)
    assert (settings.docs_dir / "index.html").exists()


def test_a_blocking_failure_raises_with_the_suite_and_expectation(settings):
    with closing(connect(settings)) as con:
        _load_sample(con, settings)
        # a value outside the documented set: the loader never writes one, so forge it
        con.execute("update raw.entries set published_at_source = 'guessed'")
        with pytest.raises(GateFailed, match=r"raw_entries blocked: expect_column_values_to_be_in_set on published_at_source"):
            run_gates(con, settings, "fetch", "run-2")
        assert con.execute("select success, severity from quality.results where suite = 'raw_entries'"
                           ).fetchone() == (False, "block")


def test_a_warning_is_recorded_but_does_not_block(settings):
    with closing(connect(settings)) as con:
        _load_sample(con, settings)
        con.execute("update raw.entries set published_at = timestamp '2030-01-01'")  # far after as_of
        outcomes = {o.suite: o for o in run_gates(con, settings, "fetch", "run-3")}
        assert outcomes["raw_entries"].success and outcomes["raw_entries"].warnings
        assert con.execute("select severity from quality.results where suite = 'raw_entries'").fetchone() == ("warn",)


@pytest.mark.parametrize(
    "forged, expectation",
    [
        ("content_html = '<p onclick=\"x()\">hi</p>'", "expect_column_values_to_not_match_regex on content_html"),
        ("canonical_url = canonical_url || '?utm_source=x'", "expect_column_values_to_not_match_regex on canonical_url"),
    ],
)
def test_normalization_failures_block(settings, forged, expectation):
    with closing(connect(settings)) as con:
        _load_sample(con, settings)
        con.execute(f"update raw.entries set {forged}")  # what a broken sanitizer or canonicalizer would store
        with pytest.raises(GateFailed, match=expectation):
            run_gates(con, settings, "fetch", "run-4")


def test_a_feed_failing_for_days_is_reported_stale(settings):
    with closing(connect(settings)) as con:
        _load_sample(con, settings)
        con.execute("insert into raw.feed_state (feed_id, url, last_success_at, last_attempt_at, consecutive_failures) "
                    "values ('fresh', 'https://a.example/', timestamp '2022-02-23 11:00', timestamp '2022-02-23 11:45', 0), "
                    "('stale', 'https://b.example/', timestamp '2022-02-19 10:00', timestamp '2022-02-23 11:45', 7)")
        freshness = {o.suite: o for o in run_gates(con, settings, "fetch", "run-5")}["feed_freshness"]
        assert freshness.success  # a warning, not a block
        (stale,) = freshness.warnings
        assert stale.column == "hours_without_success" and stale.unexpected_count == 1 and "97" in stale.detail


def test_a_mart_missing_a_contract_column_blocks(settings):
    from expectations.marts import CONTRACT_COLUMNS, WATCHED

    with closing(connect(settings)) as con:
        con.execute("create schema marts")
        for mart in {*CONTRACT_COLUMNS, *WATCHED}:
            columns = [c for c in CONTRACT_COLUMNS.get(mart, ["x"]) if (mart, c) != ("articles", "url")]
            con.execute(f"create table marts.{mart} ({', '.join(f'{c} varchar' for c in columns)})")
        with pytest.raises(GateFailed):
            run_gates(con, settings, "marts", "run-6")
        failed = con.execute("select suite, detail from quality.expectation_results where run_id = 'run-6' "
                             "and expectation = 'expect_table_columns_to_match_set' and not success").fetchall()
        assert [suite for suite, _ in failed] == ["marts_articles"]
