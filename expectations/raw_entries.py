"""Suite for raw entries: what the fetch stage stored must be keyed, typed and plausibly dated.

These are the loader's own columns (keys, the published_at_source it chose): a violation means the
loader is broken for every record, so it blocks; problems of one entry's content are judged, and
quarantined, by the article_versions suite (expectations/articles.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import great_expectations.expectations as gxe

from expectations import Gate
from pipelines.load.entries import EARLIEST_PLAUSIBLE

# a feed's clock may run ahead of ours a little; more than this is a future-dated entry
FUTURE_TOLERANCE = timedelta(days=1)


# a feed that has not loaded for this long while we kept trying is stale: a warning to look at it
STALE_AFTER_HOURS = 48


def gates(as_of: datetime) -> list[Gate]:
    return [
        Gate(
            stage="fetch",
            suite="raw_entries",
            query="select * from raw.entries",
            expectations=(
                gxe.ExpectTableRowCountToBeBetween(min_value=1),
                gxe.ExpectColumnValuesToBeUnique(column="entry_version_id"),
                *(gxe.ExpectColumnValuesToNotBeNull(column=c) for c in
                  ("entry_version_id", "feed_id", "entry_key", "article_id", "content_hash",
                   "published_at", "first_seen_at", "archive_sha256")),
                gxe.ExpectColumnValuesToBeInSet(column="published_at_source",
                                                value_set=["published", "updated", "first_seen", "page"]),
                gxe.ExpectColumnValuesToBeBetween(column="published_at", min_value=EARLIEST_PLAUSIBLE,
                                                  max_value=as_of + FUTURE_TOLERANCE, severity="warning"),
                gxe.ExpectColumnValuesToNotBeNull(column="title", mostly=0.95, severity="warning"),
                gxe.ExpectColumnValueLengthsToBeBetween(column="content_text", min_value=1, mostly=0.9,
                                                        severity="warning"),
            ),
            key="entry_version_id",
            unit=("entry_version_id",),
        ),
        Gate(
            stage="fetch",
            suite="feed_freshness",
            # hours between a feed's last successful load and its last attempt (null: never loaded)
            query="""select feed_id, parked_at is not null as is_parked,
                            date_diff('hour', coalesce(last_success_at, timestamp '1970-01-01'), last_attempt_at)
                                as hours_without_success
                     from raw.feed_state where last_attempt_at is not null""",
            expectations=(
                gxe.ExpectColumnValuesToBeBetween(column="hours_without_success", max_value=STALE_AFTER_HOURS,
                                                  severity="warning"),
                gxe.ExpectColumnValuesToBeInSet(column="is_parked", value_set=[False], severity="warning"),
            ),
            key="feed_id",
        ),
    ]
