"""The extract stage: every article version an extractor has not read at its current version, in
batches of one transaction each.

Each extractor (mentions, claims, time_expressions) has a version (`extractor_versions`: the package
version, its rules' version and the gazetteer's fingerprint). `extract.extracted_versions` records
which article versions (article_id, content_hash) each extractor has read, at which version, and how
many rows it wrote, so a version that yields nothing is not read again and a new version of one
extractor re-reads only its own table. Pending versions are extracted from title + "\\n\\n" +
content_text (the string offsets point into) against min(coalesce(published_at, first_seen_at)); for
each, the rows of the stale tables are replaced, in bulk through Arrow. extract.actors is rebuilt:
the gazetteer's actors plus the discovered ones some row still refers to, so nothing stale remains;
extract.actor_roles mirrors seeds/roles.csv. Re-running changes nothing.

An article the extractors fail on is quarantined (raw.quarantine, stage 'extract', one row per
version and extractor version, stamped with the version's first_seen_at, never the wall clock)
instead of failing the run; it is retried on the next run, and a fixed extractor picks it up.
"""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from pipelines.extract import (
    EXTRACTOR_VERSION,
    ArticleExtraction,
    Gazetteer,
    extract_article,
    extractor_versions,
    load_gazetteer,
)
from pipelines.extract.actors import Actor
from pipelines.parse.workers import worker_count
from pipelines.store.connection import registered
from pipelines.store.tables import arrow_schema

TABLES = ("mentions", "claims", "time_expressions")

# which article versions some extractor has not read at its current version (keys only: cheap)
_PENDING_SQL = """
with versions as (
    select distinct article_id, content_hash from raw.entries
),
current_versions (extractor, extractor_version) as (
    values ('mentions', $mentions), ('claims', $claims), ('time_expressions', $time_expressions)
)
select v.article_id, v.content_hash, list(c.extractor order by c.extractor) as extractors
from versions v
cross join current_versions c
where not exists (
    select 1 from extract.extracted_versions e
    where e.article_id = v.article_id and e.content_hash = v.content_hash
      and e.extractor = c.extractor and e.extractor_version = c.extractor_version
)
group by v.article_id, v.content_hash
order by v.article_id, v.content_hash
"""

# the text and origin of one batch of pending versions (`_batch_keys`), in the batch's order
_BATCH_SQL = """
select e.article_id, e.content_hash,
       min(e.title) as title,
       min(e.content_text) as content_text,
       min(coalesce(e.published_at, e.first_seen_at)) as published_at,
       max(e.first_seen_at) as first_seen_at,
       min(e.feed_id) as feed_id,
       min(e.fetch_id) as fetch_id,
       min(e.archive_sha256) as archive_sha256
from raw.entries e
inner join _batch_keys k using (article_id, content_hash)
group by e.article_id, e.content_hash
order by e.article_id, e.content_hash
"""

# article versions read, extracted and written per transaction: memory stays bounded however much is new
BATCH = 2000

# the tables the main process builds row by row; TABLES come from the workers as Arrow tables
_SMALL = ("actors", "actor_roles", "extracted_versions", "quarantine")


def _schema(name: str) -> pa.Schema:
    """The Arrow schema of a table this stage writes, read from its DDL (pipelines/store/) when a run
    needs it, not when a pool worker imports this module."""
    return arrow_schema(("raw." if name == "quarantine" else "extract.") + name)


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


def run_extract(con: duckdb.DuckDBPyConnection, gazetteer: Gazetteer | None = None,
                workers: int | None = None, batch: int = BATCH) -> ExtractSummary:
    """Extract every article version an extractor has not read at its current version; write the results.

    `workers` processes share the extraction (default: EVENTWATCH_EXTRACT_WORKERS, else the CPU
    count); 1, or too few versions to pay for a pool, extracts in this process. Versions go `batch`
    at a time, each batch in its own transaction, so memory is bounded and a crash keeps the batches
    done. Either way the rows are the same.
    """
    gazetteer = gazetteer or load_gazetteer()
    versions = extractor_versions(gazetteer)
    keys = con.execute(_PENDING_SQL, versions).fetchall()
    run = _Run(gazetteer, versions)
    with _pool(gazetteer, workers, len(keys)) as pool:
        for start in range(0, max(len(keys), 1), batch):  # nothing pending still refreshes actors and roles
            run.extract_batch(con, keys[start:start + batch], pool)
    return run.summary()


class _Run:
    """One run of the stage, batch by batch: what is written so far, and the actors referenced so far."""

    def __init__(self, gazetteer: Gazetteer, versions: dict[str, str]):
        self.gazetteer, self.versions = gazetteer, versions
        self.referenced: dict[str, Actor] = {}
        self.written = {"versions": 0, "mentions": 0, "claims": 0, "time_expressions": 0, "quarantine": 0}

    def extract_batch(self, con: duckdb.DuckDBPyConnection, keys: list, pool: ProcessPoolExecutor | None) -> None:
        """Read, extract and write one batch of pending versions, in one transaction."""
        stale_of = {(article_id, content_hash): extractors for article_id, content_hash, extractors in keys}
        batch_keys = pa.table({"article_id": pa.array([k[0] for k in keys], pa.string()),
                               "content_hash": pa.array([k[1] for k in keys], pa.string())})
        with registered(con, "_batch_keys", batch_keys):
            pending = con.execute(_BATCH_SQL).fetchall()
        jobs = [_Job(article_id, content_hash, (title or "") + "\n\n" + (content_text or ""), published_at,
                     tuple(stale_of[(article_id, content_hash)]), self.versions)
                for article_id, content_hash, title, content_text, published_at, *_ in pending]
        origins = {(article_id, content_hash): (first_seen_at, origin)
                   for article_id, content_hash, _, _, _, first_seen_at, *origin in pending}
        rows: dict[str, dict[str, list]] = {name: {f.name: [] for f in _schema(name)} for name in _SMALL}
        found: dict[str, list[pa.Table]] = {name: [] for name in TABLES}
        for chunk_jobs, chunk in _extract_all(jobs, self.gazetteer, pool):
            for name in TABLES:
                found[name].append(chunk.tables[name])
            for job, outcome in zip(chunk_jobs, chunk.outcomes):
                self._note(rows, job, outcome, origins)
        self._actor_rows(rows)  # every batch: the actors referenced so far, so no batch leaves one dangling
        tables = {name: pa.Table.from_pydict(columns, schema=_schema(name)) for name, columns in rows.items()}
        for name in TABLES:
            tables[name] = pa.concat_tables([_empty(name), *found[name]])
        _write(con, tables)
        self.written["versions"] += len({(a, c) for a, c in zip(rows["extracted_versions"]["article_id"],
                                                                 rows["extracted_versions"]["content_hash"])})
        for name in ("mentions", "claims", "time_expressions", "quarantine"):
            self.written[name] += tables[name].num_rows

    def _note(self, rows: dict, job: _Job, outcome: _Outcome | _Failure, origins: dict) -> None:
        """Record what one version gave: its extracted_versions rows and actors, or its quarantine row."""
        if isinstance(outcome, _Failure):  # one bad article must not stop the run: quarantine it
            log.warning("extract failed for %s/%s: %s", job.article_id, job.content_hash, outcome.reason)
            first_seen_at, origin = origins[(job.article_id, job.content_hash)]
            _append("quarantine", rows, _quarantine_row(job.article_id, job.content_hash, first_seen_at, origin,
                                                        outcome))
            return
        for extractor in job.stale:
            _append("extracted_versions", rows, {
                "article_id": job.article_id, "content_hash": job.content_hash, "extractor": extractor,
                "extractor_version": self.versions[extractor], "row_count": outcome.counts[extractor],
            })
        for actor in outcome.actors:
            if actor.actor_id not in self.referenced or not actor.is_discovered:
                self.referenced[actor.actor_id] = actor

    def _actor_rows(self, rows: dict) -> None:
        """The gazetteer's actors, the discovered ones referenced so far, and the roles."""
        gazetteer, versions = self.gazetteer, self.versions
        discovered = {a: v for a, v in self.referenced.items() if a not in gazetteer.actors}
        for actor in sorted({**gazetteer.actors, **discovered}.values(), key=lambda a: a.actor_id):
            _append("actors", rows, {
                "actor_id": actor.actor_id, "name": actor.name, "actor_type": actor.actor_type,
                "country": actor.country, "is_discovered": actor.is_discovered,
                "extractor_version": versions["mentions"], "affiliation_actor_id": actor.affiliation,
            })
        for role in gazetteer.roles:
            _append("actor_roles", rows, {
                "actor_id": role.actor_id, "role": role.title, "of_code": role.of, "to_code": role.to,
                "start_date": role.start, "end_date": role.end, "extractor_version": versions["mentions"],
            })

    def summary(self) -> ExtractSummary:
        written = self.written
        return ExtractSummary(versions=written["versions"], mentions=written["mentions"], claims=written["claims"],
                              time_expressions=written["time_expressions"], actors=len(self.referenced),
                              quarantined=written["quarantine"])


def pending_versions(con: duckdb.DuckDBPyConnection, gazetteer: Gazetteer | None = None) -> int:
    """How many article versions some extractor has not read at its current version."""
    versions = extractor_versions(gazetteer or load_gazetteer())
    return con.execute(f"select count(*) from ({_PENDING_SQL})", versions).fetchone()[0]


@dataclass(frozen=True)
class _Failure:
    """An article version the extractors raised on, as a picklable reason."""

    reason: str


@dataclass(frozen=True)
class _Job:
    """One pending article version: what to read, and which extractors' tables it is stale in."""

    article_id: str
    content_hash: str
    text: str
    published_at: Any
    stale: tuple[str, ...]
    versions: dict[str, str]


@dataclass(frozen=True)
class _Outcome:
    """What one version's extraction gave besides its rows: rows per table, and the actors it names."""

    counts: dict[str, int]
    actors: tuple[Actor, ...]


@dataclass(frozen=True)
class _Chunk:
    """A chunk of versions extracted together: their outcomes in order, and their rows as Arrow tables
    (the jobs themselves stay with the parent: their texts need not travel back)."""

    outcomes: tuple[_Outcome | _Failure, ...]
    tables: dict[str, pa.Table]


def _empty(name: str) -> pa.Table:
    """No rows of a table the workers write, with its schema (a batch may have no chunk at all)."""
    return _schema(name).empty_table()


_CHUNK = 64  # article versions per task: large enough that pickling stays a small share
_POOL_MIN = 4 * _CHUNK  # below this a pool's start-up costs more than it saves
_worker_gazetteer: Gazetteer | None = None


@contextmanager
def _pool(gazetteer: Gazetteer, workers: int | None, pending: int) -> Iterator[ProcessPoolExecutor | None]:
    """One process pool for the whole stage (its start-up is paid once), or None to extract in-process."""
    workers = worker_count(workers, "EVENTWATCH_EXTRACT_WORKERS")
    if workers <= 1 or pending < _POOL_MIN:
        yield None
        return
    # spawn, not fork: the parent holds a DuckDB connection and its threads
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker, initargs=(gazetteer,)) as pool:
        yield pool


def _extract_all(jobs: list[_Job], gazetteer: Gazetteer,
                 pool: ProcessPoolExecutor | None) -> Iterator[tuple[list[_Job], _Chunk]]:
    """Each chunk of `jobs` with its extracted rows, in the order of `jobs`."""
    chunks = [jobs[i:i + _CHUNK] for i in range(0, len(jobs), _CHUNK)]
    if pool is None:
        results: Iterator[_Chunk] = (_rows_of(chunk, gazetteer) for chunk in chunks)
    else:
        results = pool.map(_extract_chunk, chunks)  # map keeps order
    return zip(chunks, results)


def _init_worker(gazetteer: Gazetteer) -> None:
    """Keep the gazetteer in the worker, sent once rather than with every chunk."""
    global _worker_gazetteer
    _worker_gazetteer = gazetteer


def _extract_chunk(jobs: list[_Job]) -> _Chunk:
    """Extract a chunk of versions in a worker, rows and all: the parent only concatenates them."""
    assert _worker_gazetteer is not None
    return _rows_of(jobs, _worker_gazetteer)


def _rows_of(jobs: list[_Job], gazetteer: Gazetteer) -> _Chunk:
    """Each version's extraction as rows of the tables it is stale in (or a _Failure), with stable ids."""
    rows: dict[str, dict[str, list]] = {name: {f.name: [] for f in _schema(name)} for name in TABLES}
    outcomes: list[_Outcome | _Failure] = []
    for job in jobs:
        try:
            result = extract_article(job.text, job.published_at, gazetteer)
        except Exception as exc:
            outcomes.append(_Failure(f"{type(exc).__name__}: {exc}"))
            continue
        counts = _collect(rows, job, result)
        outcomes.append(_Outcome(counts, tuple(result.actors)))
    tables = {name: pa.Table.from_pydict(columns, schema=_schema(name)) for name, columns in rows.items()}
    return _Chunk(tuple(outcomes), tables)


def _quarantine_row(article_id: str, content_hash: str, first_seen_at, origin: list, failure: _Failure) -> dict:
    """A raw.quarantine row for an article version the extractors failed on."""
    feed_id, fetch_id, archive_sha256 = origin
    key = f"{article_id}/{content_hash}"
    return {
        "quarantine_id": _row_id(article_id, content_hash, "quarantine:" + EXTRACTOR_VERSION, 0, 0),
        "stage": "extract", "feed_id": feed_id, "fetch_id": fetch_id, "archive_sha256": archive_sha256,
        "record_key": key, "reason": failure.reason[:500],
        "payload": json.dumps({"article_id": article_id, "content_hash": content_hash,
                               "extractor_version": EXTRACTOR_VERSION}),
        "quarantined_at": first_seen_at,
    }


def _collect(rows: dict, job: _Job, result: ArticleExtraction) -> dict[str, int]:
    """Append one article version's results for the tables it is stale in, with stable ids; rows per table."""
    counts = {name: 0 for name in TABLES}
    # durations, sets, refs and TimeML-only dates ("1997", "a year ago") are no deadlines: not written
    deadlines = tuple(t for t in result.time_expressions if t.is_deadline_candidate)
    records: dict[str, Sequence[Any]] = {"mentions": result.mentions, "claims": result.claims,
                                         "time_expressions": deadlines}
    kinds = {"mentions": ("mention", "mention_id"), "claims": ("claim", "claim_id"),
             "time_expressions": ("timex", "timex_id")}
    seen_ids: set[str] = set()  # a row id names its version, so repeats can only come from one version
    for table in TABLES:
        if table not in job.stale:
            continue
        kind, key = kinds[table]
        base = {"article_id": job.article_id, "content_hash": job.content_hash,
                "extractor_version": job.versions[table]}
        for record in records[table]:
            row_id = _row_id(job.article_id, job.content_hash, kind, record.start_char, record.end_char)
            if row_id not in seen_ids:
                seen_ids.add(row_id)
                fields = _fields(record)
                if table == "claims":
                    fields["target_actor_ids"] = list(record.target_actor_ids)
                _append(table, rows, {**base, key: row_id, **fields})
                counts[table] += 1
    return counts


def _write(con: duckdb.DuckDBPyConnection, tables: dict[str, pa.Table]) -> None:
    """Replace the stale tables' rows of the extracted versions, record them as read, rebuild the
    actors and their roles, all in one transaction."""
    con.execute("begin transaction")
    try:
        con.register("batch_versions", tables["extracted_versions"])
        for name in TABLES:
            con.execute(f"""
                delete from extract.{name} t using batch_versions v
                where t.article_id = v.article_id and t.content_hash = v.content_hash and v.extractor = '{name}'
            """)
            columns = ", ".join(tables[name].column_names)
            con.register("batch", tables[name])
            con.execute(f"insert into extract.{name} ({columns}) select {columns} from batch")
            con.unregister("batch")
        con.execute("""
            insert or replace into extract.extracted_versions
            select article_id, content_hash, extractor, extractor_version, row_count from batch_versions
        """)
        con.unregister("batch_versions")
        _write_actors(con, tables["actors"], tables["actor_roles"])
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


def _write_actors(con: duckdb.DuckDBPyConnection, actors: pa.Table, roles: pa.Table) -> None:
    """Upsert the actors (a discovery never downgrades a gazetteer actor), then drop the ones nothing
    refers to any more: discovered actors without a row, gazetteer actors no longer in the gazetteer."""
    con.register("batch", actors)
    con.execute("""
        insert into extract.actors (actor_id, name, actor_type, country, is_discovered, extractor_version,
                                    affiliation_actor_id)
        select actor_id, name, actor_type, country, is_discovered, extractor_version, affiliation_actor_id
        from batch
        on conflict (actor_id) do update set
            name = excluded.name,
            actor_type = excluded.actor_type,
            country = excluded.country,
            is_discovered = excluded.is_discovered,
            extractor_version = excluded.extractor_version,
            affiliation_actor_id = excluded.affiliation_actor_id
        where not excluded.is_discovered or actors.is_discovered
    """)
    con.execute("""
        delete from extract.actors
        where (not is_discovered and actor_id not in (select actor_id from batch where not is_discovered))
           or (is_discovered and actor_id not in (
                select actor_id from extract.mentions
                union select speaker_actor_id from extract.claims where speaker_actor_id is not null
                union select via_actor_id from extract.claims where via_actor_id is not null
                union select unnest(target_actor_ids) from extract.claims
                union select affiliation_actor_id from extract.actors where affiliation_actor_id is not null))
    """)
    con.unregister("batch")
    con.execute("delete from extract.actor_roles")
    con.register("batch", roles)
    con.execute("insert into extract.actor_roles select * from batch")
    con.unregister("batch")


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
