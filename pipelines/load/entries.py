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

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa

from pipelines.parse.feed import Entry, Rejected
from pipelines.settings import Settings
from pipelines.store.connection import registered
from pipelines.store.keys import short_hash
from pipelines.store.tables import arrow_schema

if TYPE_CHECKING:
    from pipelines.fetch.pages import PageCheck

EARLIEST_PLAUSIBLE = datetime(1990, 1, 1)
FUTURE_TOLERANCE = timedelta(days=1)  # a feed's clock may run a little ahead of ours


@dataclass(frozen=True)
class LoadCounts:
    seen: int
    new: int
    new_versions: int
    unchanged: int
    quarantined: int

    def reconciles(self) -> bool:
        return self.seen == self.new + self.new_versions + self.unchanged + self.quarantined




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
    table = pa.Table.from_pydict({
        "quarantine_id": [short_hash(stage, fetch_id, r.record_key, r.reason) for r in rejected],
        "stage": [stage] * len(rejected),
        "feed_id": [feed_id] * len(rejected),
        "fetch_id": [fetch_id] * len(rejected),
        "archive_sha256": [archive_sha256] * len(rejected),
        "record_key": [r.record_key for r in rejected],
        "reason": [r.reason for r in rejected],
        "payload": [json.dumps(r.payload, default=str, ensure_ascii=False) for r in rejected],
        "quarantined_at": [at] * len(rejected),
    }, schema=arrow_schema("raw.quarantine"))
    with registered(con, "_quarantine_batch", table):
        con.execute("insert or ignore into raw.quarantine by name select * from _quarantine_batch")
    return len(rejected)


def load_entries(con: duckdb.DuckDBPyConnection, entries: list[Entry], rejected: list[Rejected], *,
                 feed_id: str, fetch_id: str, archive_sha256: str, seen_at: datetime) -> LoadCounts:
    """Append the entry versions not stored yet; the caller holds the transaction."""
    rows = [_row(entry, feed_id, fetch_id, archive_sha256, seen_at) for entry in entries]
    table = pa.Table.from_pylist(rows, schema=arrow_schema("raw.entries"))
    details = pa.Table.from_pylist(rows, schema=arrow_schema("raw.entry_details"))  # what issue 3 adds per version
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


def latest_version(con, feed_id: str, entry_key: str) -> dict | None:
    cur = con.execute("select e.*, d.published_raw, d.updated_raw, d.date_flag, d.enclosures from raw.entries e "
                      "left join raw.entry_details d using (entry_version_id) "
                      "where feed_id = ? and entry_key = ? order by first_seen_at desc, entry_version_id limit 1",
                      [feed_id, entry_key])
    row = cur.fetchone()
    return dict(zip([c[0] for c in cur.description], row)) if row else None


def store_page_version(con, settings: Settings, check: PageCheck, seen_at: datetime | None = None) -> bool:
    """A new raw.entries version: the entry's latest one with the page's text; False when it is stored already."""
    latest = latest_version(con, check.feed_id, check.entry_key)
    if latest is None:
        return False
    page = check.page
    content_hash = short_hash(latest["title"], page.text)
    row = dict(latest, content_text=page.text, content_html=page.html, content_hash=content_hash,
               entry_version_id=short_hash(check.feed_id, check.entry_key, content_hash),
               first_seen_at=seen_at or settings.as_of, fetch_id=check.page_fetch_id, archive_sha256=check.digest,
               author=latest["author"] or page.author, updated_at=page.updated_at or latest["updated_at"])
    if con.execute("select 1 from raw.entries where entry_version_id = ?", [row["entry_version_id"]]).fetchall():
        return False
    details = ("published_raw", "updated_raw", "date_flag", "enclosures")
    columns = [c for c in row if c not in details]
    con.execute(f"insert into raw.entries ({', '.join(columns)}) values ({', '.join('?' * len(columns))})",
                [row[c] for c in columns])
    con.execute("insert or ignore into raw.entry_details (entry_version_id, published_raw, updated_raw, date_flag, "
                "enclosures) values (?, ?, ?, ?, ?)", [row["entry_version_id"], *(row[c] for c in details)])
    return True
