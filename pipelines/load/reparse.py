"""Replay: rebuild raw.entries from the archived bodies with today's parser, no network (`eventwatch
reparse`), page texts included (re-extracted from the archived pages, in time order)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime

import duckdb

from pipelines.fetch.pages import PageCheck
from pipelines.load.entries import LoadCounts, load_entries, store_page_version
from pipelines.parse.feed import ParsedFeed, parse_feed
from pipelines.parse.page import PageText, extract_page, with_page
from pipelines.settings import Settings
from pipelines.store import archive


@dataclass(frozen=True)
class ReparseSummary:
    fetches: int
    feeds: tuple[str, ...]
    counts: LoadCounts


def reparse(con: duckdb.DuckDBPyConnection, settings: Settings, feed_id: str | None = None) -> ReparseSummary:
    """Rebuild raw.entries (and the parse quarantine) from the archived bodies, in fetch order, no network.

    Every parsed fetch is parsed again with today's parser and loaded as it was then (same fetch id,
    same first-seen time), so the result is what ingestion would have stored had this parser run
    all along. One transaction: all of it or nothing. Refuses when an archived body is missing.
    """
    where = "archive_sha256 is not null and entries_seen is not null and not coalesce(body_unchanged, false)"
    params: list = []
    if feed_id is not None:
        where += " and feed_id = ?"
        params.append(feed_id)
    rows = con.execute(
        f"select fetch_id, feed_id, url, final_url, content_type, archive_sha256, fetched_at from raw.fetch_log "
        f"where {where} order by fetched_at, attempt_seq nulls first, fetch_id", params).fetchall()
    missing = sorted({r[5] for r in rows if not archive.has(settings.archive_dir, r[5])})
    if missing:
        raise FileNotFoundError(f"the archive lacks {len(missing)} bodies (first: {missing[0]}); "
                                "reparsing would lose their entries")
    feeds = tuple(sorted({r[1] for r in rows}))
    replay = Replay(con, settings, feed_id)  # page texts, re-extracted from the archived pages
    totals: Counter[str] = Counter()
    con.begin()
    try:
        scope, scope_params = ("where feed_id = ?", [feed_id]) if feed_id is not None else ("", [])
        con.execute(f"delete from raw.entry_details where entry_version_id in (select entry_version_id "
                    f"from raw.entries {scope})", scope_params)
        con.execute(f"delete from raw.entries {scope}", scope_params)
        con.execute(f"delete from raw.quarantine where stage = 'parse' {scope.replace('where', 'and')}", scope_params)
        for fetch_id, feed, url, final_url, content_type, digest, fetched_at in rows:
            base = final_url or url
            replay.versions_until(con, fetched_at)
            parsed = parse_feed(archive.read(settings.archive_dir, digest),
                                {"content-type": content_type} if content_type else {},
                                base_url=base if base.startswith("http") else None,
                                max_bytes=settings.fetch_policy.max_body_bytes)
            parsed = replay.entries(feed, parsed, fetched_at)
            counts = load_entries(con, list(parsed.entries), list(parsed.rejected), feed_id=feed, fetch_id=fetch_id,
                                  archive_sha256=digest, seen_at=fetched_at)
            decoded = parsed.decoded
            con.execute(
                """
                update raw.fetch_log set entries_seen = ?, entries_new = ?, entries_new_version = ?,
                    entries_unchanged = ?, entries_quarantined = ?, bozo_reason = ?, encoding = ?,
                    encoding_source = ?, http_charset = ?, declared_encoding = ?, feed_format = ?
                where fetch_id = ?
                """,
                [counts.seen, counts.new, counts.new_versions, counts.unchanged, counts.quarantined,
                 parsed.bozo_reason, decoded.encoding if decoded else None, decoded.source if decoded else None,
                 decoded.http_charset if decoded else None, decoded.declared if decoded else None,
                 parsed.version or None, fetch_id])
            totals.update(counts.__dict__)
        replay.versions_until(con, None)
        con.commit()
    except Exception:
        con.rollback()
        raise
    return ReparseSummary(len(rows), feeds, LoadCounts(**{k: totals[k] for k in LoadCounts.__dataclass_fields__}))


class Replay:
    """Page texts for `eventwatch reparse`: re-extracted from the archived page bodies, in time order."""

    def __init__(self, con: duckdb.DuckDBPyConnection, settings: Settings, feed_id: str | None = None) -> None:
        where, params = ("and feed_id = ?", [feed_id]) if feed_id else ("", [])
        self.rows = con.execute(
            "select page_fetch_id, feed_id, entry_key, url, final_url, archive_sha256, fetched_at, made_version "
            "from raw.page_log where page_status = 'ok' and archive_sha256 is not null " + where +
            " order by fetched_at, page_fetch_id", params).fetchall()
        self.settings, self._done = settings, 0
        self._pages: dict[str, PageText | None] = {}
        missing = sorted({r[5] for r in self.rows if not archive.path_for(settings.archive_dir, r[5]).exists()})
        if missing:
            raise FileNotFoundError(f"the archive lacks {len(missing)} page bodies (first: {missing[0]}); "
                                    "reparsing would lose their text")

    def _page(self, row) -> PageText | None:
        if row[5] not in self._pages:
            self._pages[row[5]] = extract_page(archive.read(self.settings.archive_dir, row[5]), row[4] or row[3])
        return self._pages[row[5]]

    def entries(self, feed_id: str, parsed: ParsedFeed, at: datetime) -> ParsedFeed:
        """The parsed feed with the page text each entry had in use at `at`."""
        latest = {r[2]: r for r in self.rows if r[1] == feed_id and r[6] <= at}
        entries = []
        for entry in parsed.entries:
            row = latest.get(entry.entry_key)
            page = self._page(row) if row else None
            entries.append(with_page(entry, _as_state(page)) if page else entry)
        return replace(parsed, entries=tuple(entries))

    def versions_until(self, con: duckdb.DuckDBPyConnection, at: datetime | None) -> int:
        """Store again the versions re-checks made up to `at` (all that are left when None)."""
        stored = 0
        while self._done < len(self.rows) and (at is None or self.rows[self._done][6] < at):
            row = self.rows[self._done]
            self._done += 1
            page = self._page(row) if row[7] else None
            if page is not None:
                check = PageCheck(row[0], row[1], row[2], row[3], "ok", None, None, None, row[5], 0.0, page, {})
                stored += store_page_version(con, self.settings, check, seen_at=row[6])
        return stored


def _as_state(page: PageText) -> dict:
    return dict(content_text=page.text, content_html=page.html, canonical_url=page.canonical_url, author=page.author,
                published_at=page.published_at, updated_at=page.updated_at)
