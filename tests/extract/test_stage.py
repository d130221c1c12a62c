"""The extract stage on an in-memory DuckDB: bulk writes, idempotence, new versions, old extractor rows."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from pipelines.extract import extract_article, extractor_versions, load_gazetteer, stage
from pipelines.extract.stage import run_extract
from pipelines.store.tables import ensure_schema

REPO = Path(__file__).resolve().parents[2]

CALL = ("Putin and Biden speak for 50 minutes",
        "President Vladimir V. Putin and President Biden spoke on Thursday. Yuri Ushakov, a Kremlin aide, "
        "told reporters that Mr. Putin had warned that sanctions would cause a complete rupture. "
        "“It was a frank conversation,” Mr. Ushakov said. Talks open in Geneva on Jan. 10.")
BRIEFING = ("Officials prepare for Geneva",
            "A senior administration official said the United States would not discuss NATO's open door. "
            "Marta Kowalczyk, an analyst at the Baltic Policy Institute, said the talks would be tense. "
            "A NATO-Russia Council meeting follows in Brussels on Jan. 12.")
EMPTY = ("Weather", "It snowed.")
COUNTS = {
    "extract.mentions": "select count(*) from extract.mentions",
    "extract.claims": "select count(*) from extract.claims",
    "extract.time_expressions": "select count(*) from extract.time_expressions",
    "extract.actors": "select count(*) from extract.actors",
}


@pytest.fixture
def con():
    """An in-memory DuckDB with the Python-owned tables."""
    connection = duckdb.connect()
    ensure_schema(connection)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def gazetteer():
    """The project gazetteer, loaded once."""
    return load_gazetteer()


def _entry(feed_id, article_id, content_hash, title, body, published_at, first_seen_at):
    """One raw.entries row."""
    return {
        "entry_version_id": f"{feed_id}-{article_id}-{content_hash}", "feed_id": feed_id,
        "entry_key": f"{feed_id}:{article_id}", "article_id": article_id,
        "canonical_url": f"https://example.org/{article_id}", "url": f"https://example.org/{article_id}?utm=x",
        "guid": None, "title": title, "author": None, "content_html": f"<p>{body}</p>", "content_text": body,
        "content_hash": content_hash, "published_at": published_at,
        "published_at_source": "published" if published_at else "first_seen", "updated_at": None,
        "first_seen_at": first_seen_at, "fetch_id": "fetch-1", "archive_sha256": "0" * 64,
    }


def _load(con, rows):
    """Insert raw.entries rows through Arrow, as the loader does."""
    table = pa.Table.from_pylist(rows, schema=pa.schema([
        ("entry_version_id", pa.string()), ("feed_id", pa.string()), ("entry_key", pa.string()),
        ("article_id", pa.string()), ("canonical_url", pa.string()), ("url", pa.string()),
        ("guid", pa.string()), ("title", pa.string()), ("author", pa.string()),
        ("content_html", pa.string()), ("content_text", pa.string()), ("content_hash", pa.string()),
        ("published_at", pa.timestamp("us")), ("published_at_source", pa.string()),
        ("updated_at", pa.timestamp("us")), ("first_seen_at", pa.timestamp("us")),
        ("fetch_id", pa.string()), ("archive_sha256", pa.string()),
    ]))
    con.register("incoming", table)
    con.execute("insert into raw.entries select * from incoming")
    con.unregister("incoming")


def _counts(con):
    """Row counts of the extract tables."""
    return {name: con.execute(sql).fetchone()[0] for name, sql in COUNTS.items()}


def _seed(con):
    """Three article versions (four rows: one version arrives from two feeds)."""
    seen = datetime(2021, 12, 31, 6, 0)
    _load(con, [
        _entry("wire", "a-call", "h1", *CALL, datetime(2021, 12, 30, 22, 0), seen),
        # the same article version from a second feed, published a little later: one extraction
        _entry("paper", "a-call", "h1", *CALL, datetime(2021, 12, 30, 23, 0), seen),
        # no published date: first_seen_at stands in
        _entry("wire", "a-brief", "h2", *BRIEFING, None, datetime(2022, 1, 6, 12, 0)),
        # nothing to extract: no rows, and re-running still writes nothing
        _entry("wire", "a-snow", "h3", *EMPTY, datetime(2021, 12, 30, 8, 0), seen),
    ])


def test_run_extract_writes_every_table(con, gazetteer):
    _seed(con)
    summary = run_extract(con, gazetteer)
    assert summary.versions == 3
    assert summary.mentions > 0 and summary.claims >= 4 and summary.time_expressions >= 3
    counts = _counts(con)
    assert counts["extract.mentions"] == summary.mentions
    assert counts["extract.claims"] == summary.claims
    assert counts["extract.time_expressions"] == summary.time_expressions

    relayed = con.execute("""
        select speaker_actor_id, via_actor_id, cue_verb, claim_type
        from extract.claims where article_id = 'a-call' and via_actor_id is not null
    """).fetchall()
    assert relayed == [("vladimir-putin", "yuri-ushakov", "warn", "warning")]

    geneva = con.execute("""
        select due_start, location, is_future, event_label from extract.time_expressions
        where article_id = 'a-call' and surface = 'Jan. 10'
    """).fetchone()
    assert geneva == (datetime(2022, 1, 10).date(), "Geneva", True, "talks")

    # the fallback publication time (first_seen_at, Jan. 6) makes Jan. 12 future and in 2022
    brussels = con.execute("""
        select due_start, is_future from extract.time_expressions
        where article_id = 'a-brief' and surface = 'Jan. 12'
    """).fetchone()
    assert brussels == (datetime(2022, 1, 12).date(), True)

    actors = dict(con.execute("select actor_id, is_discovered from extract.actors").fetchall())
    assert actors["vladimir-putin"] is False
    assert actors["marta-kowalczyk"] is True
    assert actors["anonymous-senior-administration-official"] is True
    assert con.execute("select distinct extractor_version from extract.mentions").fetchall() == [
        (extractor_versions(gazetteer)["mentions"],)]

    # every offset points into title + "\n\n" + content_text
    title, body = CALL
    text = title + "\n\n" + body
    for surface, start, end in con.execute(
            "select surface, start_char, end_char from extract.mentions where article_id = 'a-call'").fetchall():
        assert text[start:end] == surface


def test_rerun_changes_nothing(con, gazetteer):
    _seed(con)
    run_extract(con, gazetteer)
    before = _counts(con)
    ids_before = con.execute("select mention_id from extract.mentions order by 1").fetchall()
    summary = run_extract(con, gazetteer)
    assert summary.mentions == summary.claims == summary.time_expressions == 0
    assert _counts(con) == before
    assert con.execute("select mention_id from extract.mentions order by 1").fetchall() == ids_before


def test_new_version_is_extracted_and_old_one_kept(con, gazetteer):
    _seed(con)
    run_extract(con, gazetteer)
    title, body = CALL
    edited = body.replace("Jan. 10", "Jan. 11")
    _load(con, [_entry("wire", "a-call", "h1b", title, edited, datetime(2021, 12, 31, 9, 0),
                       datetime(2021, 12, 31, 9, 5))])
    summary = run_extract(con, gazetteer)
    assert summary.mentions > 0
    dates = con.execute("""
        select content_hash, due_start from extract.time_expressions
        where article_id = 'a-call' and surface like 'Jan.%' order by content_hash
    """).fetchall()
    assert dates == [("h1", datetime(2022, 1, 10).date()), ("h1b", datetime(2022, 1, 11).date())]
    assert run_extract(con, gazetteer).mentions == 0


def test_a_new_version_of_one_extractor_re_reads_only_its_table(con, gazetteer):
    _seed(con)
    run_extract(con, gazetteer)
    expected = _counts(con)
    # as if the claims written so far came from an older claim finder
    con.execute("update extract.claims set extractor_version = 'claims-old', claim_text = 'stale'")
    con.execute("update extract.extracted_versions set extractor_version = 'claims-old' where extractor = 'claims'")
    con.execute("update extract.mentions set surface = 'kept'")
    summary = run_extract(con, gazetteer)
    assert summary.versions == 3 and summary.claims == expected["extract.claims"]
    assert summary.mentions == summary.time_expressions == 0
    assert _counts(con) == expected
    assert con.execute("select count(*) from extract.claims where claim_text = 'stale'").fetchone() == (0,)
    assert con.execute("select distinct extractor_version from extract.claims").fetchall() == [
        (extractor_versions(gazetteer)["claims"],)]
    # the mentions were not re-read
    assert con.execute("select distinct surface from extract.mentions").fetchall() == [("kept",)]


def test_a_version_with_nothing_to_extract_is_read_once(con, gazetteer):
    _seed(con)
    run_extract(con, gazetteer)
    empty = con.execute("""
        select extractor, row_count from extract.extracted_versions where article_id = 'a-snow' order by 1
    """).fetchall()
    assert empty == [("claims", 0), ("mentions", 0), ("time_expressions", 0)]
    assert run_extract(con, gazetteer).versions == 0


def test_a_changed_gazetteer_is_a_new_extractor_version(gazetteer, tmp_path):
    for name in ("actors.csv", "cue_verbs.csv", "roles.csv"):
        (tmp_path / name).write_bytes((REPO / "seeds" / name).read_bytes())
    with open(tmp_path / "actors.csv", "a", encoding="utf-8") as handle:
        handle.write("marta-kowalczyk,Marta Kowalczyk,person,PL,,\n")
    changed = load_gazetteer(tmp_path / "actors.csv")
    before, after = extractor_versions(gazetteer), extractor_versions(changed)
    assert before["mentions"] != after["mentions"] and before["claims"] != after["claims"]
    assert before["time_expressions"] == after["time_expressions"]


def test_targets_and_affiliations_are_written(con, gazetteer):
    _load(con, [_entry("wire", "a-warn", "h9", "Warning",
                       "Mr. Putin warned Mr. Biden that sanctions would be a mistake. A senior Kremlin official "
                       "said the call was useful.", datetime(2021, 12, 30, 22, 0), datetime(2021, 12, 31, 6, 0))])
    run_extract(con, gazetteer)
    assert con.execute("select target_actor_ids from extract.claims where speaker_actor_id = 'vladimir-putin'"
                       ).fetchall() == [(["joe-biden"],)]
    assert con.execute("select affiliation_actor_id from extract.actors where actor_id = "
                       "'anonymous-senior-kremlin-official'").fetchall() == [("kremlin",)]
    assert con.execute("select count(*) from extract.actor_roles").fetchone()[0] == len(gazetteer.roles)


def test_an_old_database_gets_the_new_columns():
    connection = duckdb.connect()
    connection.execute("create schema extract")
    connection.execute("create table extract.claims (claim_id varchar primary key)")
    connection.execute("create table extract.actors (actor_id varchar primary key)")
    ensure_schema(connection)
    columns = {r[0] for r in connection.execute("describe extract.claims").fetchall()}
    assert "target_actor_ids" in columns
    columns = {r[0] for r in connection.execute("describe extract.actors").fetchall()}
    assert "affiliation_actor_id" in columns
    connection.close()


def test_a_gazetteer_actor_is_not_downgraded_and_stale_actors_go(con, gazetteer):
    con.execute("""insert into extract.actors values
        ('tomas-lindqvist', 'Tomas Lindqvist', 'person', null, true, '0.0.1', null),
        ('kremlin', 'Kremlin', 'organization', 'RU', true, '0.0.1', null),
        ('retired-envoy', 'Retired Envoy', 'person', null, false, '0.0.1', null)""")
    _seed(con)
    run_extract(con, gazetteer)
    rows = dict(con.execute(
        "select actor_id, is_discovered from extract.actors "
        "where actor_id in ('tomas-lindqvist', 'kremlin', 'retired-envoy', 'marta-kowalczyk')").fetchall())
    # the gazetteer wins over an earlier discovery; a discovery nothing refers to and an actor the
    # gazetteer no longer has are gone; a discovery the articles mention stays
    assert rows == {"kremlin": False, "marta-kowalczyk": True}


def test_empty_database(con, gazetteer):
    summary = run_extract(con, gazetteer)
    assert summary.versions == 0
    assert "0 article versions" in str(summary)


def test_an_article_that_breaks_the_extractor_is_quarantined(con, gazetteer, monkeypatch):
    _seed(con)

    def brittle(text, published_at, gazetteer):
        """The real extractor, except that it fails on one article."""
        if "Baltic Policy Institute" in text:
            raise ValueError("cannot parse this one")
        return extract_article(text, published_at, gazetteer)

    monkeypatch.setattr(stage, "extract_article", brittle)
    summary = run_extract(con, gazetteer)
    assert summary.quarantined == 1 and summary.versions == 2
    assert "1 quarantined" in str(summary)
    rows = con.execute("select stage, record_key, reason, quarantined_at from raw.quarantine").fetchall()
    assert rows == [("extract", "a-brief/h2", "ValueError: cannot parse this one", datetime(2022, 1, 6, 12, 0))]
    # retried (and quarantined once only) on the next run; a fixed extractor then picks it up
    run_extract(con, gazetteer)
    assert con.execute("select count(*) from raw.quarantine").fetchone()[0] == 1
    monkeypatch.setattr(stage, "extract_article", extract_article)
    assert run_extract(con, gazetteer).versions >= 1
    assert con.execute("select count(*) from extract.mentions where article_id = 'a-brief'").fetchone()[0] > 0


def _story_entries(count: int) -> list[dict]:
    """raw.entries rows of `count` generated story articles (bench/storygen.py, our templates)."""
    import sys

    sys.path.insert(0, str(REPO / "bench"))
    from storygen import generate

    seen = datetime(2022, 4, 5)
    return [_entry(a.outlet, f"story-{n}", f"h{n}", a.title, " ".join(a.paragraphs), a.published_at, seen)
            for n, a in enumerate(generate(count))]


def test_a_process_pool_writes_the_same_rows_in_the_same_order_as_serial(gazetteer):
    entries = _story_entries(4 * stage._CHUNK + 20)  # enough for the pool to start
    tables = {}
    for workers in (1, 2):
        with duckdb.connect() as connection:
            ensure_schema(connection)
            _load(connection, entries)
            run_extract(connection, gazetteer, workers=workers)
            # the extractors' rows in the order written; tables rebuilt as sets (actors, roles) or
            # written by `insert or replace`, which DuckDB runs in parallel, by their content
            tables[workers] = {name: connection.execute(f"select * from {name} order by rowid").fetchall()
                               for name in ("extract.mentions", "extract.claims", "extract.time_expressions")}
            tables[workers] |= {name: connection.execute(f"select * from {name} order by all").fetchall()
                                for name in COUNTS.keys() - tables[workers].keys()
                                | {"extract.extracted_versions", "raw.quarantine"}}
    assert tables[1]["extract.claims"], "the story yields claims"
    for name, serial in tables[1].items():  # table by table, so a failure names the table
        assert tables[2][name] == serial, (name, tables[2][name][:3], serial[:3])


def test_many_small_batches_write_what_one_batch_writes(gazetteer):
    """Memory is bounded by batching; the tables (the discovered actors too) do not depend on it."""
    entries = _story_entries(90)
    tables, summaries = {}, {}
    for batch in (stage.BATCH, 7):
        with duckdb.connect() as connection:
            ensure_schema(connection)
            _seed(connection)  # with a discovered actor (Marta Kowalczyk) in the first batch only
            _load(connection, entries)
            summaries[batch] = run_extract(connection, gazetteer, workers=1, batch=batch)
            tables[batch] = {name: connection.execute(f"select * from {name} order by all").fetchall()
                             for name in COUNTS.keys() | {"extract.extracted_versions", "raw.quarantine"}}
    assert summaries[7] == summaries[stage.BATCH] and summaries[7].versions == 93
    assert ("marta-kowalczyk",) in [row[:1] for row in tables[7]["extract.actors"]]
    for name, whole in tables[stage.BATCH].items():
        assert tables[7][name] == whole, (name, len(tables[7][name]), len(whole))


def test_nothing_pending_still_writes_the_gazetteers_actors_and_roles(con, gazetteer):
    summary = run_extract(con, gazetteer)
    assert summary.versions == 0
    assert con.execute("select count(*) from extract.actors").fetchone()[0] == len(gazetteer.actors)
    assert con.execute("select count(*) from extract.actor_roles").fetchone()[0] == len(gazetteer.roles)
