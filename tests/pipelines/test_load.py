from datetime import datetime

from pipelines import archive
from pipelines.load import load_entries
from pipelines.parse import parse_feed
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


def test_missing_date_falls_back_to_first_seen_and_says_so(fresh_db):
    _load(fresh_db, RSS_TWO_ITEMS, "f1")
    row = fresh_db.execute(
        "select published_at, published_at_source from raw.entries where guid is null").fetchone()
    assert row == (SEEN, "first_seen")


def test_pre_1990_dates_are_quarantined_with_reason(fresh_db):
    old = RSS_TWO_ITEMS.replace(b"Tue, 04 Jan 2022", b"Thu, 04 Jan 1979")
    counts = _load(fresh_db, old, "f1")
    assert counts.quarantined == 1 and counts.reconciles()
    reason, pointer = fresh_db.execute("select reason, archive_sha256 from raw.quarantine").fetchone()
    assert "before 1990" in reason and pointer == "0" * 64


def test_archive_is_content_addressed(tmp_path):
    digest = archive.store(tmp_path, b"abc")
    assert digest == archive.store(tmp_path, b"abc")
    assert archive.read(tmp_path, digest) == b"abc"
    assert len(list(tmp_path.rglob("*.bin"))) == 1
