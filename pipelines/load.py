"""Load parsed entries into raw.entries: append-only versions, bulk through Arrow, one transaction.

Accounting per fetch: entries seen = new + new versions + unchanged + quarantined.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

import duckdb
import pyarrow as pa

from pipelines.parse import Entry, Rejected

EARLIEST_PLAUSIBLE = datetime(1990, 1, 1)


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


def _row(entry: Entry, feed_id: str, fetch_id: str, archive_sha256: str, seen_at: datetime) -> dict:
    content_hash = short_hash(entry.title, entry.content_text)
    if entry.published_at is not None:
        published, source = entry.published_at, "published"
    elif entry.updated_at is not None:
        published, source = entry.updated_at, "updated"
    else:
        published, source = seen_at, "first_seen"
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
        "updated_at": entry.updated_at,
        "first_seen_at": seen_at,
        "fetch_id": fetch_id,
        "archive_sha256": archive_sha256,
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
    con.register("_quarantine_batch", table)
    try:
        con.execute("insert or ignore into raw.quarantine select * from _quarantine_batch")
    finally:
        con.unregister("_quarantine_batch")
    return len(rejected)


def load_entries(con: duckdb.DuckDBPyConnection, entries: list[Entry], rejected: list[Rejected], *,
                 feed_id: str, fetch_id: str, archive_sha256: str, seen_at: datetime) -> LoadCounts:
    """Append the entry versions not stored yet; the caller holds the transaction."""
    rows, bad = [], list(rejected)
    for entry in entries:
        row = _row(entry, feed_id, fetch_id, archive_sha256, seen_at)
        if row["published_at"] < EARLIEST_PLAUSIBLE:
            bad.append(Rejected(entry.entry_key, f"publication date {row['published_at']:%Y-%m-%d} is before 1990",
                                {"title": entry.title, "url": entry.url}))
            continue
        rows.append(row)
    table = pa.Table.from_pylist(rows, schema=_ENTRY_SCHEMA)
    con.register("_entry_batch", table)
    try:
        known = con.execute(
            """
            select b.entry_version_id,
                   exists (select 1 from raw.entries e where e.entry_version_id = b.entry_version_id) as same_version,
                   exists (select 1 from raw.entries e where e.feed_id = b.feed_id and e.entry_key = b.entry_key) as same_key
            from _entry_batch b
            """
        ).fetchall()
        con.execute(
            "insert into raw.entries select * from _entry_batch b "
            "where not exists (select 1 from raw.entries e where e.entry_version_id = b.entry_version_id)"
        )
    finally:
        con.unregister("_entry_batch")
    unchanged = sum(1 for _, same_version, _ in known if same_version)
    new_versions = sum(1 for _, same_version, same_key in known if same_key and not same_version)
    quarantined = quarantine(con, bad, stage="parse", feed_id=feed_id, fetch_id=fetch_id,
                             archive_sha256=archive_sha256, at=seen_at)
    return LoadCounts(
        seen=len(entries) + len(rejected),
        new=len(rows) - unchanged - new_versions,
        new_versions=new_versions,
        unchanged=unchanged,
        quarantined=quarantined,
    )
