"""Load parsed entries into raw.entries: append-only versions, bulk through Arrow, one transaction.

Accounting per fetch: entries seen = new + new versions + unchanged + quarantined.

Dates: the effective publication time is the feed's published date, else its updated date, else
the first time we saw the entry (`published_at_source` says which), and `date_flag` says why a
fallback or a doubt applies: `missing` (no date), `unparsed` (a date nobody could read; the text
is kept in `published_raw`), `before_1990` (implausible, e.g. an epoch-zero bug: the fallback is
used), `future` (more than a day after the fetch: kept, and held back from the marts until the
run's clock reaches it).
"""

from __future__ import annotations

import hashlib
import json
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb
import pyarrow as pa

from pipelines.parse.feed import Entry, Rejected

EARLIEST_PLAUSIBLE = datetime(1990, 1, 1)
FUTURE_TOLERANCE = timedelta(days=1)  # a feed's clock may run a little ahead of ours


@contextmanager
def registered(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table):
    """`table` visible to SQL as `name` for the block; a failed transaction does not mask the error."""
    con.register(name, table)
    try:
        yield
    finally:
        try:
            con.unregister(name)
        except duckdb.Error:
            pass  # the transaction is aborted; the caller rolls back, and the next register replaces it


def short_hash(*parts: object) -> str:
    """A stable 16-hex key over the parts."""
    return hashlib.sha1("\x1f".join("" if p is None else str(p) for p in parts).encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class LoadCounts:
    seen: int
    new: int
    new_versions: int
    unchanged: int
    quarantined: int

    def reconciles(self) -> bool:
        return self.seen == self.new + self.new_versions + self.unchanged + self.quarantined


_ENTRY_SCHEMA = pa.schema([
    ("entry_version_id", pa.string()), ("feed_id", pa.string()), ("entry_key", pa.string()),
    ("article_id", pa.string()), ("canonical_url", pa.string()), ("url", pa.string()),
    ("guid", pa.string()), ("title", pa.string()), ("author", pa.string()),
    ("content_html", pa.string()), ("content_text", pa.string()), ("content_hash", pa.string()),
    ("published_at", pa.timestamp("us")), ("published_at_source", pa.string()),
    ("updated_at", pa.timestamp("us")), ("first_seen_at", pa.timestamp("us")),
    ("fetch_id", pa.string()), ("archive_sha256", pa.string()),
])
# what issue 3 adds per entry version lives beside raw.entries, so its shape stays what readers know
_DETAIL_SCHEMA = pa.schema([
    ("entry_version_id", pa.string()), ("published_raw", pa.string()), ("updated_raw", pa.string()),
    ("date_flag", pa.string()), ("enclosures", pa.string()),
])


def _effective_dates(entry: Entry, seen_at: datetime) -> tuple[datetime, str, datetime | None, str | None]:
    """(published_at, its source, updated_at, date_flag) after the fallback and the plausibility checks."""
    published, updated, flag = entry.published_at, entry.updated_at, None
    if published is not None and published < EARLIEST_PLAUSIBLE:
        published, flag = None, "before_1990"
    if updated is not None and updated < EARLIEST_PLAUSIBLE:
        updated, flag = None, flag or "before_1990"
    if published is not None:
        effective, source = published, entry.published_source or "published"
    elif updated is not None:
        effective, source = updated, "updated"
    else:
        effective, source = seen_at, "first_seen"
    if flag is None and source == "first_seen":
        flag = "unparsed" if (entry.published_raw or entry.updated_raw) else "missing"
    elif flag is None and entry.date_parsed_by == "unparsed" and source != "published":
        flag = "unparsed"
    if flag is None and effective > seen_at + FUTURE_TOLERANCE:
        flag = "future"
    return effective, source, updated, flag


def _row(entry: Entry, feed_id: str, fetch_id: str, archive_sha256: str, seen_at: datetime) -> dict:
    content_hash = short_hash(entry.title, entry.content_text)
    published, source, updated, flag = _effective_dates(entry, seen_at)
    return {
        "entry_version_id": short_hash(feed_id, entry.entry_key, content_hash),
        "feed_id": feed_id,
        "entry_key": entry.entry_key,
        # an entry without a usable link is an article of its own feed
        "article_id": short_hash(entry.canonical_url or f"{feed_id}\x1f{entry.entry_key}"),
        "canonical_url": entry.canonical_url,
        "url": entry.url,
        "guid": entry.guid,
        "title": entry.title,
        "author": entry.author,
        "content_html": entry.content_html,
        "content_text": entry.content_text,
        "content_hash": content_hash,
        "published_at": published,
        "published_at_source": source,
        "updated_at": updated,
        "first_seen_at": seen_at,
        "fetch_id": fetch_id,
        "archive_sha256": archive_sha256,
        "published_raw": entry.published_raw,
        "updated_raw": entry.updated_raw,
        "date_flag": flag,
        "enclosures": json.dumps([{"url": e.url, "type": e.media_type, "length": e.length}
                                  for e in entry.enclosures]) if entry.enclosures else None,
    }


def quarantine(con: duckdb.DuckDBPyConnection, rejected: list[Rejected], *, stage: str, feed_id: str | None,
               fetch_id: str | None, archive_sha256: str | None, at: datetime) -> int:
    """Store rejected records with their reason and a pointer to the archived bytes."""
    if not rejected:
        return 0
    table = pa.table({
        "quarantine_id": [short_hash(stage, fetch_id, r.record_key, r.reason) for r in rejected],
        "stage": [stage] * len(rejected),
        "feed_id": [feed_id] * len(rejected),
        "fetch_id": [fetch_id] * len(rejected),
        "archive_sha256": [archive_sha256] * len(rejected),
        "record_key": [r.record_key for r in rejected],
        "reason": [r.reason for r in rejected],
        "payload": [json.dumps(r.payload, default=str, ensure_ascii=False) for r in rejected],
        "quarantined_at": pa.array([at] * len(rejected), pa.timestamp("us")),
    })
    with registered(con, "_quarantine_batch", table):
        con.execute("insert or ignore into raw.quarantine by name select * from _quarantine_batch")
    return len(rejected)


def load_entries(con: duckdb.DuckDBPyConnection, entries: list[Entry], rejected: list[Rejected], *,
                 feed_id: str, fetch_id: str, archive_sha256: str, seen_at: datetime) -> LoadCounts:
    """Append the entry versions not stored yet; the caller holds the transaction."""
    rows = [_row(entry, feed_id, fetch_id, archive_sha256, seen_at) for entry in entries]
    table = pa.Table.from_pylist(rows, schema=_ENTRY_SCHEMA)
    details = pa.Table.from_pylist(rows, schema=_DETAIL_SCHEMA)
    with registered(con, "_detail_batch", details):
        con.execute(
            "insert into raw.entry_details by name select * from _detail_batch d "
            "where not exists (select 1 from raw.entry_details x where x.entry_version_id = d.entry_version_id)"
        )
    with registered(con, "_entry_batch", table):
        known = con.execute(
            """
            select b.entry_version_id,
                   exists (select 1 from raw.entries e where e.entry_version_id = b.entry_version_id) as same_version,
                   exists (select 1 from raw.entries e
                           where e.feed_id = b.feed_id and e.entry_key = b.entry_key) as same_key
            from _entry_batch b
            """
        ).fetchall()
        con.execute(
            "insert into raw.entries by name select * from _entry_batch b "
            "where not exists (select 1 from raw.entries e where e.entry_version_id = b.entry_version_id)"
        )
    unchanged = sum(1 for _, same_version, _ in known if same_version)
    new_versions = sum(1 for _, same_version, same_key in known if same_key and not same_version)
    quarantined = quarantine(con, list(rejected), stage="parse", feed_id=feed_id, fetch_id=fetch_id,
                             archive_sha256=archive_sha256, at=seen_at)
    return LoadCounts(
        seen=len(entries) + len(rejected),
        new=len(rows) - unchanged - new_versions,
        new_versions=new_versions,
        unchanged=unchanged,
        quarantined=quarantined,
    )
