"""Suite for the extractions: keys, value sets, offsets, plausible dates, the gold-set floors, and
each feed's yield against its own history.

Runs after `extract` and before dbt reads extract.*; it sees every extraction of the current
article versions. A row that breaks a rule (a date beyond the window, a claim 3,000 characters
long) is quarantined and the run goes on; a duplicate key or a gold-set score below its floor is
batch-level and blocks until fixed. The yield is a drift signal: judged per feed, on a minimum
sample, as a warning.
"""

from __future__ import annotations

from datetime import datetime

import great_expectations.expectations as gxe

from expectations import QUARANTINE, Gate
from expectations.marts import PRECISIONS

CLAIM_TYPES = ["warning", "demand", "assessment", "denial", "commitment", "statement"]
STATUS_CUES = ["scheduled", "confirmed", "postponed", "cancelled"]

# a resolved date within a plausible window of its article: up to ten years ahead ("by 2030" is
# ordinary news; a year's end may run one more year), back to the article's century
FUTURE_WINDOW_DAYS = 3653
PAST_WINDOW_DAYS = 36500

# yield drift, per feed: its latest YIELD_WINDOW versions against the ones before (at least
# YIELD_HISTORY of them); a yield per thousand words below 1/DRIFT_FACTOR or above DRIFT_FACTOR
# times the feed's own earlier yield warns. Fewer versions: the gate abstains for that feed.
YIELD_TABLES = ("mentions", "claims", "time_expressions")
YIELD_WINDOW = 30
YIELD_HISTORY = 30
DRIFT_FACTOR = 4.0

# the publication date of each article version, for the time expressions' offsets
_PUBLISHED = """
    select article_id, content_hash, min(published_at)::date as published_date
    from raw.entries group by article_id, content_hash
"""
# the unit of the extraction gates: one article version's rows, replaced together on re-extraction
_VERSION = ("article_id", "content_hash")


def _yield_query() -> str:
    """Per feed: yields per thousand words of its latest versions and of its earlier ones, their ratio,
    and why the feed is not judged (null when it is)."""
    counts = "\n".join(
        f"left join (select article_id, content_hash, count(*) as {t} from extract.{t} group by all) {t} "
        f"using (article_id, content_hash)" for t in YIELD_TABLES)
    window = f"recency <= {YIELD_WINDOW}"
    rates = ",\n".join(
        f"1000.0 * sum({t}) filter ({window}) / nullif(sum(words) filter ({window}), 0) as recent_{t}_per_kword, "
        f"1000.0 * sum({t}) filter (not {window}) / nullif(sum(words) filter (not {window}), 0) "
        f"as earlier_{t}_per_kword"
        for t in YIELD_TABLES)
    ratios = ", ".join(f"recent_{t}_per_kword / nullif(earlier_{t}_per_kword, 0) as {t}_ratio" for t in YIELD_TABLES)
    return f"""
        with versions as (
            select feed_id, article_id, content_hash, min(first_seen_at) as first_seen_at,
                   min(published_at) as published_at,
                   any_value(len(regexp_split_to_array(
                       trim(coalesce(title, '') || ' ' || coalesce(content_text, '')), '\\s+'))) as words
            from raw.entries group by feed_id, article_id, content_hash
        ),
        counted as (
            select v.feed_id, v.words, v.first_seen_at, v.published_at,
                   {", ".join(f"coalesce({t}, 0) as {t}" for t in YIELD_TABLES)}
            from versions v {counts}
        ),
        ranked as (
            select *, row_number() over (partition by feed_id
                                         order by first_seen_at desc, published_at desc nulls last) as recency
            from counted
        ),
        per_feed as (
            select feed_id, count(*) filter ({window}) as recent_versions,
                   count(*) filter (not {window}) as earlier_versions,
                   {rates}
            from ranked group by feed_id
        )
        select *, {ratios},
               case when earlier_versions < {YIELD_HISTORY}
                    then format('{{}} versions: need {YIELD_WINDOW} recent and {YIELD_HISTORY} earlier',
                                recent_versions + earlier_versions) end as abstained
        from per_feed order by feed_id
    """


def gold_scores(con=None):
    """The extractors' scores on the bundled gold set beside their recorded floors, one row per metric."""
    import pandas as pd

    from pipelines.extract.evaluate import evaluate, load_floors

    values = evaluate().metrics()
    return pd.DataFrame([{"metric": name, "value": values[name], "floor": floor, "margin": values[name] - floor}
                         for name, floor in sorted(load_floors().items())])


def gates(as_of: datetime) -> list[Gate]:
    return [
        # the key's uniqueness is the table's and blocks; every rule about one row quarantines that row
        Gate("extract", "extract_mentions", "select * from extract.mentions", (
            gxe.ExpectColumnValuesToBeUnique(column="mention_id"),
            gxe.ExpectColumnValuesToNotBeNull(column="actor_id", meta=QUARANTINE),
            gxe.ExpectColumnValueLengthsToBeBetween(column="surface", min_value=1, max_value=200, meta=QUARANTINE),
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="end_char", column_B="start_char", meta=QUARANTINE),
        ), key="mention_id", relation="extract.mentions", unit=_VERSION),
        Gate("extract", "extract_claims", "select * from extract.claims", (
            gxe.ExpectColumnValuesToBeUnique(column="claim_id"),
            gxe.ExpectColumnValuesToBeInSet(column="claim_type", value_set=CLAIM_TYPES, meta=QUARANTINE),
            gxe.ExpectColumnValuesToNotBeNull(column="cue_verb", meta=QUARANTINE),
            gxe.ExpectColumnValueLengthsToBeBetween(column="claim_text", min_value=3, max_value=2000, meta=QUARANTINE),
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="end_char", column_B="start_char", meta=QUARANTINE),
            gxe.ExpectColumnValuesToNotBeNull(column="speaker_actor_id", mostly=0.8, severity="warning"),
        ), key="claim_id", relation="extract.claims", unit=_VERSION),
        Gate(
            "extract",
            "extract_time_expressions",
            f"""select t.*, t.due_start - v.published_date as start_offset_days,
                       t.due_end - v.published_date as end_offset_days
                from extract.time_expressions t join ({_PUBLISHED}) v using (article_id, content_hash)""",
            (
                gxe.ExpectColumnValuesToBeUnique(column="timex_id"),
                gxe.ExpectColumnValuesToBeInSet(column="precision", value_set=PRECISIONS, meta=QUARANTINE),
                gxe.ExpectColumnValuesToBeInSet(column="status_cue", value_set=STATUS_CUES, meta=QUARANTINE),
                gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="due_end", column_B="due_start", or_equal=True,
                                                            meta=QUARANTINE),
                gxe.ExpectColumnValuesToBeBetween(column="start_offset_days", min_value=-PAST_WINDOW_DAYS,
                                                  max_value=FUTURE_WINDOW_DAYS, meta=QUARANTINE),
                gxe.ExpectColumnValuesToBeBetween(column="end_offset_days", min_value=-PAST_WINDOW_DAYS,
                                                  max_value=FUTURE_WINDOW_DAYS + 366, meta=QUARANTINE),
            ),
            key="timex_id", relation="extract.time_expressions", unit=_VERSION,
        ),
        # what guards the extractors: a score below its floor blocks
        Gate("extract", "extract_gold_scores", gold_scores, (
            gxe.ExpectTableRowCountToBeBetween(min_value=1),
            # precision, recall and F1 per extractor on seeds/gold/passages.yml, not below seeds/gold/floors.json
            gxe.ExpectColumnValuesToBeBetween(column="margin", min_value=-1e-9),
        ), key="metric"),
        # a drift signal: a feed whose yield moved far from its own history is worth a look, not a stop
        Gate("extract", "extract_yield", _yield_query(), tuple(
            gxe.ExpectColumnValuesToBeBetween(column=f"{table}_ratio", min_value=1 / DRIFT_FACTOR,
                                              max_value=DRIFT_FACTOR, severity="warning")
            for table in YIELD_TABLES
        ), key="feed_id", abstain="abstained"),
    ]
