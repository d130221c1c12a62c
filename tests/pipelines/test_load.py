import json
from datetime import datetime

import pytest

from pipelines.load.entries import load_entries
from pipelines.parse.feed import parse_feed
from pipelines.store import archive
from tests.pipelines.feeds_fixtures import RSS_TWO_ITEMS, RSS_TWO_ITEMS_EDITED

SEEN = datetime(2022, 1, 5, 12)


def _load(con, body, fetch_id):
    parsed = parse_feed(body)
    return load_entries(con, list(parsed.entries), list(parsed.rejected), feed_id="test-wire",
                        fetch_id=fetch_id, archive_sha256="0" * 64, seen_at=SEEN)


def test_load_is_idempotent_and_accounting_reconciles(fresh_db):
    first = _load(fresh_db, RSS_TWO_ITEMS, "f1")
    assert (first.seen, first.new, first.new_versions, first.unchanged) == (2, 2, 0, 0) and first.reconciles()
    again = _load(fresh_db, RSS_TWO_ITEMS, "f2")
    assert (again.new, again.unchanged) == (0, 2) and again.reconciles()
    assert fresh_db.execute("select count(*) from raw.entries").fetchone()[0] == 2


def test_an_edit_is_a_new_version_never_an_overwrite(fresh_db):
    _load(fresh_db, RSS_TWO_ITEMS, "f1")
    edited = _load(fresh_db, RSS_TWO_ITEMS_EDITED, "f2")
    assert (edited.new, edited.new_versions, edited.unchanged) == (0, 1, 1) and edited.reconciles()
    titles = fresh_db.execute(
        "select title from raw.entries where canonical_url like '%quiet-day' order by title").fetchall()
    assert titles == [("A quiet day in Vienna",), ("A quiet day in Vienna, then a statement",)]
    assert fresh_db.execute("select count(distinct article_id) from raw.entries").fetchone()[0] == 2


def test_the_same_story_in_two_feeds_is_one_article_with_two_sources(fresh_db):
    _load(fresh_db, RSS_TWO_ITEMS, "f1")
    other = RSS_TWO_ITEMS.replace(b"tw-1", b"other-desk-77").replace(b"?utm_source=rss#top", b"?utm_medium=feed")
    parsed = parse_feed(other)
    load_entries(fresh_db, list(parsed.entries), [], feed_id="other-desk", fetch_id="f2", archive_sha256="1" * 64,
                 seen_at=SEEN)
    rows = fresh_db.execute("select count(distinct feed_id), count(distinct article_id), count(distinct content_hash) "
                            "from raw.entries where canonical_url like '%second-round'").fetchall()
    assert rows == [(2, 1, 1)]


def test_missing_date_falls_back_to_first_seen_and_says_so(fresh_db):
    _load(fresh_db, RSS_TWO_ITEMS, "f1")
    row = fresh_db.execute(
        "select published_at, published_at_source, date_flag, published_raw from raw.entries "
        "join raw.entry_details using (entry_version_id) where guid is null"
    ).fetchall()
    assert row == [(SEEN, "first_seen", "missing", None)]


def _dated(date: bytes, updated: bytes | None = None) -> bytes:
    extra = b"<atom:updated>" + updated + b"</atom:updated>" if updated else b""
    return RSS_TWO_ITEMS.replace(b'<rss version="2.0">', b'<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">'
                                 ).replace(b"Tue, 04 Jan 2022 09:30:00 -0500", date).replace(b"<guid", extra + b"<guid", 1)


@pytest.mark.parametrize("date, updated, expected", [
    # implausible: the feed's text is kept, the fallback is used and flagged
    (b"Thu, 01 Jan 1970 00:00:00 GMT", None, (SEEN, "first_seen", "before_1990")),
    (b"Thu, 01 Jan 1970 00:00:00 GMT", b"2022-01-04T15:00:00Z", (datetime(2022, 1, 4, 15), "updated", "before_1990")),
    # nobody can read it: fallback, flagged, the text kept
    (b"sometime last week", None, (SEEN, "first_seen", "unparsed")),
    (b"sometime last week", b"2022-01-04T15:00:00Z", (datetime(2022, 1, 4, 15), "updated", "unparsed")),
    # in the future of the fetch: kept (staging holds it back until the clock reaches it), flagged
    (b"Sat, 05 Feb 2022 10:00:00 +0000", None, (datetime(2022, 2, 5, 10), "published", "future")),
    (b"Thu, 06 Jan 2022 10:00:00 +0000", None, (datetime(2022, 1, 6, 10), "published", None)),  # within a day
])
@pytest.mark.reliability(
    kind="input",
    fault="dates that cannot be right: epoch zero (1970), unreadable text, a day in the future",
    outcome="the entry loads, with the fallback date where the feed's is implausible or unreadable, a date_flag "
            "(before_1990, unparsed, future) and the feed's text kept",
    lost="nothing")
def test_date_flags(fresh_db, date, updated, expected):
    counts = _load(fresh_db, _dated(date, updated), "f1")
    assert counts.quarantined == 0 and counts.reconciles()
    row = fresh_db.execute("select published_at, published_at_source, date_flag, published_raw from raw.entries "
                           "join raw.entry_details using (entry_version_id) where guid = 'tw-1'").fetchall()[0]
    assert row[:3] == expected and row[3] == date.decode()


def test_enclosures_are_kept_as_json(fresh_db):
    body = RSS_TWO_ITEMS.replace(b"<guid", b'<enclosure url="https://testwire.example/a.mp3" type="audio/mpeg" '
                                 b'length="1234"/><guid', 1)
    _load(fresh_db, body, "f1")
    (enclosures,) = fresh_db.execute("select enclosures from raw.entries join raw.entry_details "
                                     "using (entry_version_id) where guid = 'tw-1'").fetchall()[0]
    assert json.loads(enclosures) == [{"url": "https://testwire.example/a.mp3", "type": "audio/mpeg", "length": 1234}]


def test_rejected_entries_are_quarantined_with_reason_and_archive_pointer(fresh_db):
    body = RSS_TWO_ITEMS.replace(b"</channel>", b"<item><title> </title></item></channel>")
    counts = _load(fresh_db, body, "f1")
    assert (counts.seen, counts.new, counts.quarantined) == (3, 2, 1) and counts.reconciles()
    reason, pointer, fetch_id = fresh_db.execute("select reason, archive_sha256, fetch_id from raw.quarantine").fetchall()[0]
    assert "entry 2: entry has no id" in reason and pointer == "0" * 64 and fetch_id == "f1"


def test_archive_is_content_addressed(tmp_path):
    digest = archive.store(tmp_path, b"abc")
    assert digest == archive.store(tmp_path, b"abc")
    assert archive.read(tmp_path, digest) == b"abc"
    assert len(list(tmp_path.rglob("*.bin"))) == 1
