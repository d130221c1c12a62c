"""Suite for the marts: the contract's keys, value sets and date logic hold before publishing."""

from __future__ import annotations

from datetime import datetime

import great_expectations.expectations as gxe

from expectations import Gate
from pipelines.load.entries import EARLIEST_PLAUSIBLE

STATUSES = ["upcoming", "due", "passed", "postponed", "cancelled"]
PRECISIONS = ["day", "week", "month", "season", "year"]
ACTOR_TYPES = ["person", "organization", "country", "group", "anonymous"]


# relations whose size is watched from run to run, and the smallest share of the last published
# count a run may keep: losing more than half of them is a broken input, not news. A mart that
# had fewer than MIN_BASELINE_ROWS rows at the last publish is too small a sample to judge.
WATCHED = ("articles", "dim_actors", "fct_claims", "fct_deadlines", "deadline_history")
MIN_KEPT_SHARE = 0.5
MIN_BASELINE_ROWS = 20


def row_counts_query(as_of: datetime) -> str:
    """Each watched mart's rows now, at the last publish, their ratio, and why it is not judged (null when it is)."""
    current = " union all ".join(f"select '{name}' as relation, count(*) as row_count from marts.{name}"
                                 for name in WATCHED)
    return f"""
        with current_counts as ({current}),
        last_run as (
            select run_id, as_of from quality.row_counts order by checked_at desc, as_of desc limit 1
        ),
        previous as (
            select r.relation, r.row_count, r.as_of
            from quality.row_counts r join last_run using (run_id)
        )
        select c.relation, c.row_count, p.row_count as previous_row_count,
               c.row_count / nullif(p.row_count, 0) as kept_share,
               case when p.row_count is null then 'nothing published yet'
                    -- a replay to an earlier as_of legitimately sees less
                    when timestamp '{as_of.isoformat(sep=" ")}' < p.as_of then 'a replay to an earlier as_of'
                    when p.row_count < {MIN_BASELINE_ROWS}
                        then format('{{}} rows at the last publish, need {MIN_BASELINE_ROWS}', p.row_count)
               end as abstained
        from current_counts c left join previous p using (relation)
    """


# the public contract (CONTRACT.md): each mart has at least these columns
CONTRACT_COLUMNS = {
    "articles": ["article_id", "url", "title", "published_at", "first_seen_at", "source_count", "version_count"],
    "dim_actors": ["actor_id", "name", "actor_type", "mention_count", "first_seen_at", "last_seen_at"],
    "fct_claims": ["claim_id", "article_id", "speaker_actor_id", "speaker_name", "via_actor_id", "cue_verb",
                   "claim_text", "is_direct_quote", "published_at"],
    "fct_deadlines": ["deadline_id", "label", "location", "due_start", "due_end", "precision", "status",
                      "first_reported_at", "last_reported_at", "mention_count", "revision_count"],
    "deadline_history": ["deadline_id", "due_start", "due_end", "status", "valid_from", "valid_to", "article_id"],
}


def _columns(mart: str):
    return gxe.ExpectTableColumnsToMatchSet(column_set=CONTRACT_COLUMNS[mart], exact_match=False)


def _key(column: str) -> tuple:
    return gxe.ExpectColumnValuesToBeUnique(column=column), gxe.ExpectColumnValuesToNotBeNull(column=column)


def gates(as_of: datetime) -> list[Gate]:
    return [
        Gate("marts", "marts_articles", "select * from marts.articles", (
            _columns("articles"),
            gxe.ExpectTableRowCountToBeBetween(min_value=1),
            *_key("article_id"),
            gxe.ExpectColumnValuesToNotBeNull(column="url", mostly=0.95, severity="warning"),
            gxe.ExpectColumnValuesToBeBetween(column="source_count", min_value=1),
            gxe.ExpectColumnValuesToBeBetween(column="version_count", min_value=1),
            gxe.ExpectColumnValuesToBeBetween(column="published_at", min_value=EARLIEST_PLAUSIBLE, max_value=as_of),
        ), key="article_id", unit=("article_id",)),
        Gate("marts", "marts_actors", "select * from marts.dim_actors", (
            _columns("dim_actors"),
            gxe.ExpectTableRowCountToBeBetween(min_value=1),
            *_key("actor_id"),
            gxe.ExpectColumnValuesToBeInSet(column="actor_type", value_set=ACTOR_TYPES),
            gxe.ExpectColumnValuesToBeBetween(column="mention_count", min_value=0),
        ), key="actor_id", unit=("actor_id",)),
        Gate("marts", "marts_claims", "select * from marts.fct_claims", (
            _columns("fct_claims"),
            *_key("claim_id"),
            gxe.ExpectColumnValuesToNotBeNull(column="cue_verb"),
            gxe.ExpectColumnValueLengthsToBeBetween(column="claim_text", min_value=3, max_value=2000),
            gxe.ExpectColumnValuesToNotBeNull(column="speaker_actor_id", mostly=0.8, severity="warning"),
        ), key="claim_id", unit=("article_id",)),
        Gate("marts", "marts_deadlines", "select * from marts.fct_deadlines", (
            _columns("fct_deadlines"),
            gxe.ExpectTableRowCountToBeBetween(min_value=1),
            *_key("deadline_id"),
            gxe.ExpectColumnValuesToBeInSet(column="status", value_set=STATUSES),
            gxe.ExpectColumnValuesToBeInSet(column="precision", value_set=PRECISIONS),
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="due_end", column_B="due_start", or_equal=True),
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="last_reported_at", column_B="first_reported_at",
                                                        or_equal=True),
        ), key="deadline_id", unit=("deadline_id",)),
        # a mart collapsing against the last publish is batch-level: it blocks (with a minimum sample)
        Gate("marts", "marts_row_counts", row_counts_query(as_of), (
            gxe.ExpectColumnValuesToBeBetween(column="kept_share", min_value=MIN_KEPT_SHARE),
        ), key="relation", abstain="abstained"),
        Gate("marts", "marts_deadline_history", "select * from marts.deadline_history", (
            _columns("deadline_history"),
            gxe.ExpectColumnValuesToNotBeNull(column="deadline_id"),
            gxe.ExpectColumnValuesToNotBeNull(column="valid_from"),
            gxe.ExpectColumnValuesToBeInSet(column="status", value_set=STATUSES),
        ), key="deadline_id", unit=("deadline_id",)),
    ]
