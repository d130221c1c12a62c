"""Suite for the extractions: keys, value sets, offsets, plausible dates and a yield within bounds.

Runs after `extract` and before dbt reads extract.*; it sees every extraction of the current
article versions, so a broken extractor keeps blocking until it is fixed.
"""

from __future__ import annotations

from datetime import datetime

import great_expectations.expectations as gxe

from expectations import Gate
from expectations.marts import PRECISIONS

CLAIM_TYPES = ["warning", "demand", "assessment", "denial", "commitment", "statement"]
STATUS_CUES = ["scheduled", "confirmed", "postponed", "cancelled"]

# yields per thousand words over every current version; the sample corpus gives about 110
# mentions, 30 claims and 20 time expressions (docs/design.md, "Quality gates")
YIELD_BOUNDS = {"mentions": (5, 500), "claims": (0.5, 150), "time_expressions": (0.5, 150)}

_VERSIONS = """
    select article_id, content_hash,
           min(published_at)::date as published_date,
           -- words: runs of non-space characters in title and text
           any_value(len(regexp_split_to_array(trim(coalesce(title, '') || ' ' || coalesce(content_text, '')), '\\s+')))
               as words
    from raw.entries group by article_id, content_hash
"""


def _yield_query() -> str:
    counts = "\n".join(
        f", (select count(*) from extract.{table} x where x.article_id = v.article_id "
        f"and x.content_hash = v.content_hash) as {table}"
        for table in YIELD_BOUNDS
    )
    per_version = f"select v.article_id, v.content_hash, v.words {counts} from ({_VERSIONS}) v"
    ratios = ", ".join(f"1000.0 * sum({t}) / nullif(sum(words), 0) as {t}_per_kword" for t in YIELD_BOUNDS)
    return f"select count(*) as versions, sum(words) as words, {ratios} from ({per_version})"


def gold_scores(con=None):
    """The extractors' scores on the bundled gold set beside their recorded floors, one row per metric."""
    import pandas as pd

    from pipelines.extract.evaluate import evaluate, load_floors

    values = evaluate().metrics()
    return pd.DataFrame([{"metric": name, "value": values[name], "floor": floor, "margin": values[name] - floor}
                         for name, floor in sorted(load_floors().items())])


def gates(as_of: datetime) -> list[Gate]:
    return [
        Gate("extract", "extract_mentions", "select * from extract.mentions", (
            gxe.ExpectColumnValuesToBeUnique(column="mention_id"),
            gxe.ExpectColumnValuesToNotBeNull(column="actor_id"),
            gxe.ExpectColumnValueLengthsToBeBetween(column="surface", min_value=1, max_value=200),
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="end_char", column_B="start_char"),
        )),
        Gate("extract", "extract_claims", "select * from extract.claims", (
            gxe.ExpectColumnValuesToBeUnique(column="claim_id"),
            gxe.ExpectColumnValuesToBeInSet(column="claim_type", value_set=CLAIM_TYPES),
            gxe.ExpectColumnValuesToNotBeNull(column="cue_verb"),
            gxe.ExpectColumnValueLengthsToBeBetween(column="claim_text", min_value=3, max_value=2000),
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="end_char", column_B="start_char"),
            gxe.ExpectColumnValuesToNotBeNull(column="speaker_actor_id", mostly=0.8, severity="warning"),
        )),
        Gate(
            "extract",
            "extract_time_expressions",
            f"""select t.*, t.due_start - v.published_date as start_offset_days,
                       t.due_end - v.published_date as end_offset_days
                from extract.time_expressions t join ({_VERSIONS}) v using (article_id, content_hash)""",
            (
                gxe.ExpectColumnValuesToBeUnique(column="timex_id"),
                gxe.ExpectColumnValuesToBeInSet(column="precision", value_set=PRECISIONS),
                gxe.ExpectColumnValuesToBeInSet(column="status_cue", value_set=STATUS_CUES),
                gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="due_end", column_B="due_start", or_equal=True),
                # a resolved date within a plausible window of its article: nothing scheduled more than
                # two years ahead, nothing recalled from before the article's century
                gxe.ExpectColumnValuesToBeBetween(column="start_offset_days", min_value=-36500, max_value=730),
                gxe.ExpectColumnValuesToBeBetween(column="end_offset_days", min_value=-36500, max_value=1100),
            ),
        ),
        Gate("extract", "extract_gold_scores", gold_scores, (
            gxe.ExpectTableRowCountToBeBetween(min_value=1),
            # precision, recall and F1 per extractor on seeds/gold/passages.yml, not below seeds/gold/floors.json
            gxe.ExpectColumnValuesToBeBetween(column="margin", min_value=-1e-9),
        )),
        Gate("extract", "extract_yield", _yield_query(), (
            *(gxe.ExpectColumnValuesToBeBetween(column=f"{table}_per_kword", min_value=low, max_value=high)
              for table, (low, high) in YIELD_BOUNDS.items()),
        )),
    ]
