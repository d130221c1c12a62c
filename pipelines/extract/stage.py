"""The extract stage: every article version not yet extracted at EXTRACTOR_VERSION, in one transaction.

Reads the distinct (article_id, content_hash) versions of raw.entries that have no rows at the
current extractor version, extracts title + "\\n\\n" + content_text (the string offsets point into)
against min(coalesce(published_at, first_seen_at)), replaces whatever older extractor versions left
for those versions, and writes extract.mentions, extract.claims, extract.time_expressions and
extract.actors (upserted by actor_id) in bulk through Arrow. Re-running changes nothing.

An article the extractors fail on is quarantined (raw.quarantine, stage 'extract', one row per
version and extractor version, stamped with the version's first_seen_at, never the wall clock)
instead of failing the run; it is retried on the next run, and a fixed extractor picks it up.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from pipelines.extract import EXTRACTOR_VERSION, ArticleExtraction, Gazetteer, extract_article, load_gazetteer

_PENDING_SQL = """
with versions as (
    select article_id, content_hash,
           min(title) as title,
           min(content_text) as content_text,
           min(coalesce(published_at, first_seen_at)) as published_at,
           max(first_seen_at) as first_seen_at,
           min(feed_id) as feed_id,
           min(fetch_id) as fetch_id,
           min(archive_sha256) as archive_sha256
    from raw.entries
    group by article_id, content_hash
),
done as (
    select article_id, content_hash from extract.mentions where extractor_version = $version
    union
    select article_id, content_hash from extract.claims where extractor_version = $version
    union
    select article_id, content_hash from extract.time_expressions where extractor_version = $version
)
select v.article_id, v.content_hash, v.title, v.content_text, v.published_at,
       v.first_seen_at, v.feed_id, v.fetch_id, v.archive_sha256
from versions v
where not exists (
    select 1 from done d where d.article_id = v.article_id and d.content_hash = v.content_hash
)
order by v.article_id, v.content_hash
"""

_SCHEMAS = {
    "mentions": pa.schema([
        ("mention_id", pa.string()), ("article_id", pa.string()), ("content_hash", pa.string()),
        ("actor_id", pa.string()), ("surface", pa.string()), ("start_char", pa.int32()),
        ("end_char", pa.int32()), ("sentence_index", pa.int32()), ("extractor_version", pa.string()),
    ]),
    "claims": pa.schema([
        ("claim_id", pa.string()), ("article_id", pa.string()), ("content_hash", pa.string()),
        ("speaker_actor_id", pa.string()), ("speaker_surface", pa.string()), ("via_actor_id", pa.string()),
        ("via_surface", pa.string()), ("cue_verb", pa.string()), ("claim_type", pa.string()),
        ("claim_text", pa.string()), ("is_direct_quote", pa.bool_()), ("start_char", pa.int32()),
        ("end_char", pa.int32()), ("sentence", pa.string()), ("extractor_version", pa.string()),
    ]),
    "time_expressions": pa.schema([
        ("timex_id", pa.string()), ("article_id", pa.string()), ("content_hash", pa.string()),
        ("surface", pa.string()), ("due_start", pa.date32()), ("due_end", pa.date32()),
        ("precision", pa.string()), ("is_future", pa.bool_()), ("event_label", pa.string()),
        ("location", pa.string()), ("status_cue", pa.string()), ("start_char", pa.int32()),
        ("end_char", pa.int32()), ("sentence", pa.string()), ("extractor_version", pa.string()),
    ]),
    "actors": pa.schema([
        ("actor_id", pa.string()), ("name", pa.string()), ("actor_type", pa.string()),
        ("country", pa.string()), ("is_discovered", pa.bool_()), ("extractor_version", pa.string()),
    ]),
    "versions": pa.schema([("article_id", pa.string()), ("content_hash", pa.string())]),
    "quarantine": pa.schema([
        ("quarantine_id", pa.string()), ("stage", pa.string()), ("feed_id", pa.string()),
        ("fetch_id", pa.string()), ("archive_sha256", pa.string()), ("record_key", pa.string()),
        ("reason", pa.string()), ("payload", pa.string()), ("quarantined_at", pa.timestamp("us")),
    ]),
}
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExtractSummary:
    """What one run of the extract stage wrote."""

    versions: int
    mentions: int
    claims: int
    time_expressions: int
    actors: int
    quarantined: int = 0

    def __str__(self) -> str:
        """One line for the CLI."""
        text = (f"extracted {self.versions} article versions: {self.mentions} mentions, {self.claims} claims, "
                f"{self.time_expressions} time expressions, {self.actors} actors")
        return text + (f"; {self.quarantined} quarantined" if self.quarantined else "")


def run_extract(con: duckdb.DuckDBPyConnection, gazetteer: Gazetteer | None = None) -> ExtractSummary:
    """Extract every article version not yet extracted at EXTRACTOR_VERSION and write the results."""
    gazetteer = gazetteer or load_gazetteer()
    pending = con.execute(_PENDING_SQL, {"version": EXTRACTOR_VERSION}).fetchall()
    rows: dict[str, dict[str, list]] = {name: {f.name: [] for f in schema} for name, schema in _SCHEMAS.items()}
    seen_ids: set[str] = set()
    referenced: dict[str, object] = {}
    for article_id, content_hash, title, content_text, published_at, first_seen_at, *origin in pending:
        text = (title or "") + "\n\n" + (content_text or "")
        try:
            result = extract_article(text, published_at, gazetteer)
        except Exception as exc:  # one bad article must not stop the run: quarantine it
            log.warning("extract failed for %s/%s: %r", article_id, content_hash, exc)
            _append("quarantine", rows, _quarantine_row(article_id, content_hash, first_seen_at, origin, exc))
            continue
        _append("versions", rows, {"article_id": article_id, "content_hash": content_hash})
        _collect(rows, seen_ids, article_id, content_hash, result)
        for actor in result.actors:
            if actor.actor_id not in referenced or not actor.is_discovered:
                referenced[actor.actor_id] = actor
    actors = {a.actor_id: a for a in gazetteer.actors.values()}
    for actor_id, actor in referenced.items():
        actors.setdefault(actor_id, actor)
    for actor in sorted(actors.values(), key=lambda a: a.actor_id):
        _append("actors", rows, {
            "actor_id": actor.actor_id, "name": actor.name, "actor_type": actor.actor_type,
            "country": actor.country, "is_discovered": actor.is_discovered,
            "extractor_version": EXTRACTOR_VERSION,
        })
    tables = {name: pa.Table.from_pydict(columns, schema=_SCHEMAS[name]) for name, columns in rows.items()}
    _write(con, tables)
    return ExtractSummary(
        versions=tables["versions"].num_rows,
        mentions=tables["mentions"].num_rows,
        claims=tables["claims"].num_rows,
        time_expressions=tables["time_expressions"].num_rows,
        actors=len(referenced),
        quarantined=tables["quarantine"].num_rows,
    )


def _quarantine_row(article_id: str, content_hash: str, first_seen_at, origin: list, exc: Exception) -> dict:
    """A raw.quarantine row for an article version the extractors failed on."""
    feed_id, fetch_id, archive_sha256 = origin
    key = f"{article_id}/{content_hash}"
    return {
        "quarantine_id": _row_id(article_id, content_hash, "quarantine:" + EXTRACTOR_VERSION, 0, 0),
        "stage": "extract", "feed_id": feed_id, "fetch_id": fetch_id, "archive_sha256": archive_sha256,
        "record_key": key, "reason": f"{type(exc).__name__}: {exc}"[:500],
        "payload": json.dumps({"article_id": article_id, "content_hash": content_hash,
                               "extractor_version": EXTRACTOR_VERSION}),
        "quarantined_at": first_seen_at,
    }


def _collect(rows: dict, seen_ids: set[str], article_id: str, content_hash: str,
             result: ArticleExtraction) -> None:
    """Append one article version's results to the column lists, with stable ids."""
    base = {"article_id": article_id, "content_hash": content_hash, "extractor_version": EXTRACTOR_VERSION}
    for mention in result.mentions:
        row_id = _row_id(article_id, content_hash, "mention", mention.start_char, mention.end_char)
        if row_id not in seen_ids:
            seen_ids.add(row_id)
            _append("mentions", rows, {**base, "mention_id": row_id, **_fields(mention)})
    for claim in result.claims:
        row_id = _row_id(article_id, content_hash, "claim", claim.start_char, claim.end_char)
        if row_id not in seen_ids:
            seen_ids.add(row_id)
            _append("claims", rows, {**base, "claim_id": row_id, **_fields(claim)})
    for timex in result.time_expressions:
        row_id = _row_id(article_id, content_hash, "timex", timex.start_char, timex.end_char)
        if row_id not in seen_ids:
            seen_ids.add(row_id)
            _append("time_expressions", rows, {**base, "timex_id": row_id, **_fields(timex)})


def _write(con: duckdb.DuckDBPyConnection, tables: dict[str, pa.Table]) -> None:
    """Replace the extracted versions' rows and upsert the actors, all in one transaction."""
    con.execute("begin transaction")
    try:
        con.register("batch_versions", tables["versions"])
        for name in ("mentions", "claims", "time_expressions"):
            con.execute(f"""
                delete from extract.{name} t using batch_versions v
                where t.article_id = v.article_id and t.content_hash = v.content_hash
            """)
            columns = ", ".join(tables[name].column_names)
            con.register("batch", tables[name])
            con.execute(f"insert into extract.{name} ({columns}) select {columns} from batch")
            con.unregister("batch")
        con.register("batch", tables["actors"])
        con.execute("""
            insert into extract.actors (actor_id, name, actor_type, country, is_discovered, extractor_version)
            select actor_id, name, actor_type, country, is_discovered, extractor_version from batch
            on conflict (actor_id) do update set
                name = excluded.name,
                actor_type = excluded.actor_type,
                country = excluded.country,
                is_discovered = excluded.is_discovered,
                extractor_version = excluded.extractor_version
            where not excluded.is_discovered or actors.is_discovered
        """)
        con.unregister("batch")
        con.unregister("batch_versions")
        con.register("batch", tables["quarantine"])
        con.execute("""
            insert into raw.quarantine (quarantine_id, stage, feed_id, fetch_id, archive_sha256, record_key,
                                        reason, payload, quarantined_at)
            select quarantine_id, stage, feed_id, fetch_id, archive_sha256, record_key, reason, payload,
                   quarantined_at
            from batch where quarantine_id not in (select quarantine_id from raw.quarantine)
        """)
        con.unregister("batch")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def _row_id(article_id: str, content_hash: str, kind: str, start: int, end: int) -> str:
    """First 16 hex digits of sha1 over the row's natural key."""
    key = "\x1f".join((article_id, content_hash, kind, str(start), str(end)))
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def _fields(record) -> dict:
    """A frozen dataclass's fields as a dict (shallow)."""
    return dict(record.__dict__)


def _append(name: str, rows: dict, values: dict) -> None:
    """Append one row to a table's column lists; unknown keys are ignored."""
    for column, cells in rows[name].items():
        cells.append(values.get(column))
