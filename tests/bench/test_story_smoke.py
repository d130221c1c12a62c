"""A smoke of the story benchmark's harness: the generator and a first and a no-op run on ~50 articles."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import story
import storygen
import warehouse

pytestmark = pytest.mark.slow


def test_the_generator_is_deterministic_and_story_shaped():
    articles = storygen.generate(60)
    assert articles == storygen.generate(60)
    words = [len(" ".join(a.paragraphs).split()) for a in articles]
    assert min(words) >= 550  # about 600; an edited re-run swaps its last paragraph for a shorter update
    text = " ".join(p for a in articles for p in a.paragraphs)
    assert sum(text.count(short) for _, short in storygen.LEADERS) > 100  # leaders quoted again and again
    assert len({a.link for a in articles}) < len(articles)  # some articles come back edited


def test_the_harness_measures_a_first_and_a_noop_run():
    figures = story.bench_story(50, timeout_s=600)
    assert not figures["first"]["timed_out"]
    assert figures["first"]["skipped"] is None
    assert figures["rerun"]["skipped"], "the unchanged rerun skips extract, dbt and the gates"
    assert set(figures["first"]["stages"]) >= {"fetch", "extract", "dbt_build", "gates_marts", "publish", "alerts"}
    assert figures["first"]["peak_rss_mib"] > 0 and figures["bare_parse_s"] > 0


def test_the_warehouse_scales_a_snapshot_and_keeps_its_joins_within_a_copy(tmp_path):
    source = tmp_path / "source.duckdb"
    with duckdb.connect(str(source)) as con:  # a snapshot in miniature: two articles, three claims, one actor
        con.execute("create schema marts")
        con.execute("create table marts.articles as select * from (values ('a1', 'Talks set'), ('a2', 'Talks moved')) "
                    "as t(article_id, title)")
        con.execute("create table marts.fct_claims as select * from (values ('c1', 'a1', 'sergei-lavrov'), "
                    "('c2', 'a1', 'antony-blinken'), ('c3', 'a2', 'sergei-lavrov')) as t(claim_id, article_id, "
                    "speaker_actor_id)")
        con.execute("create table marts.dim_actors as select 'sergei-lavrov' as actor_id")
    figures = warehouse.scale_snapshot(source, tmp_path / "big.duckdb", articles=10)
    assert figures["copies"] == 5 and figures["rows"]["marts.articles"] == 10
    with duckdb.connect(str(tmp_path / "big.duckdb"), read_only=True) as con:
        assert con.execute("select count(*), count(distinct claim_id) from marts.fct_claims").fetchone() == (15, 15)
        assert con.execute("select count(*) from marts.fct_claims join marts.articles using (article_id)"
                           ).fetchone() == (15,)  # each claim finds its own copy's article, and only it
        assert con.execute("select count(*) from marts.dim_actors").fetchone() == (1,)  # actors are not copied
        assert con.execute("select count(distinct speaker_actor_id) from marts.fct_claims").fetchone() == (2,)
