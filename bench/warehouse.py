"""A million-article snapshot for the dashboard's queries: a published snapshot's marts, replicated.

Each copy of the source snapshot's article-level rows gets its ids suffixed with the copy number
(`article_id`, `claim_id`, `deadline_id`...), so joins stay within a copy and every key stays
unique; the dimensions a story does not multiply (actors, stories) and the quality tables are kept
once. The dates are not spread: a million articles fall on the source's days, so a day or a week
holds far more rows than a real story's would, which makes the time-window queries pessimistic.
What this measures is the dashboard's queries at a warehouse of that size, not the pipeline.

    python bench/warehouse.py SOURCE_SNAPSHOT DEST [--articles 1000000]
"""

from __future__ import annotations

import argparse
import math
import time
from contextlib import closing
from pathlib import Path

import duckdb

# ids that name one article's rows: suffixed per copy (actor and story ids are the same in every copy)
_PER_COPY_IDS = {"article_id", "claim_id", "deadline_id", "mention_id", "timex_id", "deadline_state_id",
                 "claim_cluster_id", "alert_id", "state_article_id", "state_key", "entry_version_id"}
_PER_COPY_LISTS = {"claim_ids", "evidence_article_ids"}
_KEPT_ONCE = {"dim_actors", "dim_stories"}
# the dashboard's marts are sorted by report time (zone maps): the 1M copy is sorted the same way
_SORT_KEYS = {"dash_claim_cluster_members": "published_at, claim_cluster_id, claim_id",
              "dash_claim_cluster_states": "valid_from, claim_cluster_id"}
# rollups with no article-level id: kept once with their counts multiplied, as dbt would compute them
# over the copies (every copy adds the same pairs on the same days)
_SCALED_COUNTS = {"dash_actor_pairs_daily": {"articles"}}


def _expression(column: str, data_type: str) -> str:
    """The column's value in copy `c`: an article-level id suffixed, anything else as it is."""
    quoted = f'"{column}"'
    if column in _PER_COPY_IDS and data_type == "VARCHAR":
        return f"case when c = 0 then {quoted} else {quoted} || '~' || c end as {quoted}"
    if column in _PER_COPY_LISTS:
        return f"case when c = 0 then {quoted} else list_transform({quoted}, lambda x: x || '~' || c) end as {quoted}"
    return quoted


def _scaled(column: str, counts: set[str], copies: int) -> str:
    """The column of a rollup kept once: its count times the number of copies."""
    return f'"{column}" * {int(copies)} as "{column}"' if column in counts else f'"{column}"'


def _columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[tuple[str, str]]:
    return con.execute("select column_name, data_type from information_schema.columns "
                       "where table_catalog = 'src' and table_schema = ? and table_name = ? "
                       "order by ordinal_position", [schema, table]).fetchall()


def scale_snapshot(source: Path, dest: Path, articles: int = 1_000_000) -> dict:
    """Write `dest`, a snapshot whose marts hold about `articles` articles; returns rows per table and seconds."""
    dest.unlink(missing_ok=True)
    started = time.perf_counter()
    with closing(duckdb.connect(str(dest))) as con:
        con.execute(f"attach '{source}' as src (read_only)")
        have = con.execute("select count(*) from src.marts.articles").fetchone()[0]
        copies = max(1, math.ceil(articles / max(1, have)))
        tables = con.execute("select table_schema, table_name from information_schema.tables "
                             "where table_catalog = 'src' and table_type = 'BASE TABLE' order by 1, 2").fetchall()
        rows = {}
        for schema, table in tables:
            con.execute(f"create schema if not exists {schema}")
            if schema != "marts" or table in _KEPT_ONCE:
                con.execute(f"create table {schema}.{table} as select * from src.{schema}.{table}")
            elif table in _SCALED_COUNTS:
                select = ", ".join(_scaled(name, _SCALED_COUNTS[table], copies)
                                   for name, _ in _columns(con, schema, table))
                con.execute(f"create table {schema}.{table} as select {select} from src.{schema}.{table}")
            else:
                select = ", ".join(_expression(name, kind) for name, kind in _columns(con, schema, table))
                # copy-major order would scatter each day over every copy: keep the source's sort key first
                order = _SORT_KEYS.get(table)
                con.execute(f"create table {schema}.{table} as select {select} "
                            f"from src.{schema}.{table}, range({copies}) as copies(c)"
                            + (f" order by {order}" if order else ""))
            rows[f"{schema}.{table}"] = con.execute(f"select count(*) from {schema}.{table}").fetchone()[0]
        con.execute("detach src")
        con.execute("checkpoint")
    return {"copies": copies, "rows": rows, "seconds": time.perf_counter() - started}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("dest", type=Path)
    parser.add_argument("--articles", type=int, default=1_000_000)
    args = parser.parse_args()
    figures = scale_snapshot(args.source, args.dest, args.articles)
    print(f"{figures['copies']} copies in {figures['seconds']:.1f} s; marts.articles "
          f"{figures['rows']['marts.articles']:,} rows, marts.fct_claims {figures['rows']['marts.fct_claims']:,}")


if __name__ == "__main__":
    main()
