"""The dashboard's marts (dbt_project/models/marts/dash_*.sql) against the queries they replace, and paging.

Each mart is checked on the sample corpus's snapshot, built by real dbt, at several instants of
report time (a day's end, the middle of a day, the snapshot's clock): the page's query over the mart
must give the rows the former query computed from the facts. Paging: the pages of a table, one after
another, are the whole table in the same order, and the totals count them.
"""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from pipelines.dashboard import queries

pytestmark = pytest.mark.slow

NOW = datetime(2022, 2, 23, 12)
INSTANTS = [queries.board_as_of(date(2022, 1, 5), NOW), datetime(2022, 1, 21, 13, 30), datetime(2022, 2, 10, 9, 5),
            NOW]

# the statements as the page computed them before the marts: every statement's claims unpacked
_CLUSTERS_FROM_FACTS = """
    with members as (select k.claim_cluster_id, unnest(k.claim_ids) as claim_id from marts.claim_clusters k),
    visible as (
        select m.claim_cluster_id, c.*, a.url, a.feed_ids from members m
        join marts.fct_claims c using (claim_id) join marts.articles a using (article_id)
        where c.published_at <= $as_of
    ),
    matching as (select distinct claim_cluster_id from visible c where $q is null or c.claim_text ilike $q
                 or c.speaker_name ilike $q or c.via_name ilike $q or c.sentence ilike $q)
    select first(speaker_name order by published_at, claim_id) as speaker_name,
           first(claim_text order by published_at, claim_id) as claim_text,
           first(cue_verb order by published_at, claim_id) as cue_verb,
           min(published_at) as first_reported_at, max(published_at) as last_reported_at,
           count(*) as claim_count, count(distinct article_id) as article_count,
           list_sort(list_distinct(flatten(list(string_split(feed_ids, ','))))) as outlets,
           list_sort(list(distinct url)) as urls, claim_cluster_id
    from visible where claim_cluster_id in (select claim_cluster_id from matching)
    group by claim_cluster_id
    order by len(outlets) desc, claim_count desc, first_reported_at desc, claim_cluster_id
"""

# who appears with whom as the page computed it before the marts: a self-join over every mention
_PAIRS_FROM_FACTS = """
    with present as (
        select distinct m.article_id, m.actor_id from marts.fct_mentions m join marts.dim_actors d using (actor_id)
        where m.published_at <= $as_of and d.actor_type not in (select unnest($excluded))
    )
    select x.actor_id as actor_id, y.actor_id as with_actor_id, count(*) as articles
    from present x join present y on x.article_id = y.article_id and x.actor_id < y.actor_id
    group by all
"""


@pytest.mark.parametrize("search", [None, "Lavrov"])
def test_statements_from_the_mart_are_the_statements_from_the_facts(snapshot_con, search):
    for as_of in INSTANTS:
        expected = snapshot_con.execute(_CLUSTERS_FROM_FACTS, {"as_of": as_of, "q": f"%{search}%" if search else None}
                                        ).df()
        got = queries.claim_clusters(snapshot_con, as_of, search=search, limit=None)
        assert len(got) == len(expected) > 0, as_of
        assert got["claim_cluster_id"].tolist() == expected["claim_cluster_id"].tolist(), as_of
        for column in ("speaker_name", "claim_text", "cue_verb", "claim_count", "article_count"):
            assert got[column].tolist() == expected[column].tolist(), (as_of, column)
        for column in ("first_reported_at", "last_reported_at"):
            assert pd.to_datetime(got[column]).tolist() == pd.to_datetime(expected[column]).tolist(), (as_of, column)
        assert got["outlets"].tolist() == [", ".join(o) for o in expected["outlets"]]
        assert got["urls"].tolist() == [sorted(u) for u in expected["urls"]]
        assert queries.claim_cluster_count(snapshot_con, as_of, search=search) == len(expected)


def test_the_latest_statement_state_is_the_statement(snapshot_con):
    """Past the last report, every statement's running totals are claim_clusters' own."""
    latest = snapshot_con.execute("""
        select s.claim_cluster_id, s.claim_count, s.article_count, k.claim_count, k.article_count,
               s.first_reported_at = k.first_reported_at, s.valid_from = k.last_reported_at
        from marts.dash_claim_cluster_states s join marts.claim_clusters k using (claim_cluster_id)
        where s.valid_to is null
    """).fetchall()
    clusters = snapshot_con.execute("select count(*) from marts.claim_clusters").fetchone()[0]
    assert len(latest) == clusters > 0
    assert all(r[1] == r[3] and r[2] == r[4] and r[5] and r[6] for r in latest)
    # one state valid at any instant: each state ends where the next begins
    gaps = snapshot_con.execute("""
        select count(*) from (select valid_to, lead(valid_from) over (partition by claim_cluster_id
                                                                        order by valid_from) as next_from
                              from marts.dash_claim_cluster_states)
        where valid_to is distinct from next_from
    """).fetchone()[0]
    assert gaps == 0


@pytest.mark.parametrize("excluded", [("country", "anonymous"), ()])
def test_pairs_from_the_daily_mart_are_the_pairs_from_the_mentions(snapshot_con, excluded):
    for as_of in INSTANTS:
        expected = snapshot_con.execute(_PAIRS_FROM_FACTS, {"as_of": as_of, "excluded": list(excluded)}).df()
        got = queries.co_mentions(snapshot_con, as_of, limit=100_000, exclude_types=excluded)
        assert len(expected) > 0
        assert sorted(zip(got["actor_id"], got["with_actor_id"], got["articles"])) == \
            sorted(zip(expected["actor_id"], expected["with_actor_id"], expected["articles"])), as_of
        assert got["articles"].is_monotonic_decreasing
    putin = queries.co_mentions(snapshot_con, NOW, actor_id="vladimir-putin", limit=100_000)
    assert len(putin) > 0 and ((putin["actor_id"] == "vladimir-putin") | (putin["with_actor_id"] == "vladimir-putin")).all()


def _pages(fetch, total: int, rows: int) -> pd.DataFrame:
    frames = [fetch(limit=rows, offset=offset) for offset in range(0, total + rows, rows)]
    assert frames[-1].empty  # past the last page: nothing
    return pd.concat(frames, ignore_index=True)


def _same(paged: pd.DataFrame, whole: pd.DataFrame, key: list[str]) -> None:
    assert len(paged) == len(whole) > 0
    assert paged[key].astype(str).values.tolist() == whole[key].astype(str).values.tolist()


def test_claim_pages_add_up_to_every_claim(snapshot_con):
    con = snapshot_con
    whole = queries.claims(con, NOW, limit=None)
    assert queries.claim_count(con, NOW) == len(whole) > queries.PAGE_ROWS  # the sample needs more than a page
    assert len(queries.claims(con, NOW)) == queries.PAGE_ROWS
    _same(_pages(lambda **page: queries.claims(con, NOW, **page), len(whole), 97), whole, ["claim_id"])
    outlet = queries.claims(con, NOW, outlets=["kyiv-wire"], limit=None)
    assert queries.claim_count(con, NOW, outlets=["kyiv-wire"]) == len(outlet) < len(whole)
    statements = queries.claim_clusters(con, NOW, limit=None)
    _same(_pages(lambda **page: queries.claim_clusters(con, NOW, **page), len(statements), 53), statements,
          ["claim_cluster_id", "claim_count", "outlets"])


def test_an_actors_pages_add_up(snapshot_con):
    con = snapshot_con
    said = queries.actor_claims(con, NOW, "vladimir-putin", limit=None)
    assert queries.actor_claim_count(con, NOW, "vladimir-putin") == len(said)
    _same(_pages(lambda **page: queries.actor_claims(con, NOW, "vladimir-putin", **page), len(said), 11), said,
          ["published_at", "claim_text", "role"])
    named = queries.actor_mentions(con, NOW, "vladimir-putin", limit=None)
    assert queries.actor_mention_count(con, NOW, "vladimir-putin") == len(named)
    assert named["published_at"].is_monotonic_decreasing
    _same(_pages(lambda **page: queries.actor_mentions(con, NOW, "vladimir-putin", **page), len(named), 13), named,
          ["published_at", "surfaces", "mentions", "url"])


@pytest.mark.parametrize("as_of", INSTANTS)
def test_deadline_pages_add_up_to_every_deadline(snapshot_con, as_of):
    con = snapshot_con
    whole = queries.deadlines(con, as_of, limit=None)
    summary = queries.deadline_summary(con, as_of)
    assert summary["total"] == len(whole)
    assert summary["upcoming"] == (whole["status"] == "upcoming").sum()
    assert summary["moved"] == whole["moved"].sum()
    assert summary["cancelled_or_postponed"] == whole["status"].isin(["cancelled", "postponed"]).sum()
    for rows in (1, 4, 7):  # small pages: their edges fall inside runs of deadlines with the same window
        _same(_pages(lambda **page: queries.deadlines(con, as_of, **page), len(whole), rows), whole,
              ["deadline_id", "label", "dates", "article_count"])
    window = queries.deadlines(con, as_of, past_days=0, ahead_days=7, limit=None)
    short = (pd.to_datetime(window["due_end"]) - pd.to_datetime(window["due_start"])).dt.days < 14
    expected = window[short & (window["status"] != "cancelled")]
    week = queries.due_within(con, as_of, 7)
    assert week["deadline_id"].tolist() == expected["deadline_id"].tolist()
    assert queries.deadline_summary(con, as_of, past_days=0, ahead_days=7, short_only=True)["total"] == len(expected)
    then_now = _pages(lambda **page: queries.statuses_then_and_now(con, as_of, NOW, **page), len(whole), 5)
    assert then_now["label"].tolist() == whole["label"].tolist()
