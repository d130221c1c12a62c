"""Feed-batch screens: what one fetch's batch must look like before any of it is loaded.

These run per fetch, before the fetch's transaction, where a Great Expectations run per feed would
cost more than the rest of the fetch; the stage's GX suites (expectations/) then validate what
was stored. A record-level problem quarantines the record; a batch-level problem (the feed broke)
quarantines the whole batch and fails the fetch, so a broken feed mixed into a good run never puts
a row into the marts while the other feeds load as usual.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import duckdb

from pipelines.parse.feed import Entry, ParsedFeed, Rejected

# a batch holding this share of the feed's usual volume or less is a broken feed, not a quiet day
MIN_VOLUME_SHARE = 0.10
# the usual volume: the median entries of the feed's last few loaded fetches, when it is this big
VOLUME_BASELINE_FETCHES = 5
VOLUME_BASELINE_MIN = 10
# titles vanishing from most of a feed that used to have them means its template broke
MAX_UNTITLED_SHARE = 0.5
USUALLY_UNTITLED_SHARE = 0.1
UNTITLED_BASELINE_MIN = 10


@dataclass(frozen=True)
class Screened:
    parsed: ParsedFeed       # what may be loaded (with the record-level rejects added)
    blocked: str | None      # why the whole batch is held back, if it is


def _payload(entry: Entry) -> dict:
    return {"title": entry.title, "url": entry.url, "guid": entry.guid,
            "published_at": entry.published_at.isoformat() if entry.published_at else None}


def _usual_volume(con: duckdb.DuckDBPyConnection, feed_id: str) -> float | None:
    row = con.execute(
        """
        select median(entries_seen), count(*) from (
            select entries_seen from raw.fetch_log
            where feed_id = ? and error is null and coalesce(entries_seen, 0) > 0
            order by fetched_at desc, attempt_seq desc nulls last limit ?
        )
        """,
        [feed_id, VOLUME_BASELINE_FETCHES],
    ).fetchone()
    return float(row[0]) if row[1] and row[0] >= VOLUME_BASELINE_MIN else None


def _usual_untitled_share(con: duckdb.DuckDBPyConnection, feed_id: str) -> float | None:
    row = con.execute("select avg((title is null)::int), count(*) from raw.entries where feed_id = ?",
                      [feed_id]).fetchone()
    return float(row[0]) if row[1] >= UNTITLED_BASELINE_MIN else None


def _batch_problem(con: duckdb.DuckDBPyConnection, feed_id: str, entries: tuple[Entry, ...]) -> str | None:
    usual = _usual_volume(con, feed_id)
    if usual is not None and len(entries) <= MIN_VOLUME_SHARE * usual:
        return (f"volume dropped to {len(entries)} entries from a usual {usual:g} "
                f"(at most {MIN_VOLUME_SHARE:.0%} of it)")
    if entries:
        untitled = sum(e.title is None for e in entries) / len(entries)
        usual_untitled = _usual_untitled_share(con, feed_id)
        if untitled > MAX_UNTITLED_SHARE and usual_untitled is not None and usual_untitled < USUALLY_UNTITLED_SHARE:
            return f"{untitled:.0%} of the entries have no title, where the feed usually has {usual_untitled:.0%}"
    return None


def screen_batch(con: duckdb.DuckDBPyConnection, feed_id: str, parsed: ParsedFeed) -> Screened:
    """Hold back the whole batch, every entry quarantined with the reason, when the feed itself broke.

    Record-level problems (no usable content, ambiguous duplicate keys) are set aside by the parser.
    """
    problem = _batch_problem(con, feed_id, parsed.entries)
    if problem is None:
        return Screened(parsed, None)
    reason = f"feed batch held back: {problem}"
    held = tuple(Rejected(e.entry_key, reason, _payload(e)) for e in parsed.entries)
    return Screened(replace(parsed, entries=(), rejected=parsed.rejected + held), problem)
