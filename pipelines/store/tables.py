"""Every table the Python stages own (raw.*, extract.*, alerts.*, quality.*), declared once in DDL
(schema_raw.py, schema_extract.py, schema_quality.py); dbt owns staging, intermediate and marts.

A table's Arrow schema, for the loaders' bulk inserts, is read from that DDL (`arrow_schema`), and
`ensure_schema` adds to an older database the columns the DDL has gained, so a column is never
declared twice. Every timestamp is naive UTC.
"""

from __future__ import annotations

from functools import cache

import duckdb
import pyarrow as pa

from pipelines.store.schema_extract import EXTRACT, STORIES
from pipelines.store.schema_quality import GATE_STATE, QUALITY, QUALITY_VIEWS
from pipelines.store.schema_raw import RAW

DDL = RAW + EXTRACT + QUALITY + STORIES + GATE_STATE
_COLUMNS_SQL = """
select table_schema || '.' || table_name, column_name, data_type from information_schema.columns
where table_schema in ('raw', 'extract', 'alerts', 'quality') order by table_schema, table_name, ordinal_position
"""


@cache
def _declared() -> duckdb.DuckDBPyConnection:
    """An empty in-memory database holding exactly the declared tables."""
    con = duckdb.connect(":memory:")
    con.execute(DDL)
    return con


def _columns(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[str, str]]]:
    """table -> [(column, type), ...] in column order, for the tables of `con`."""
    out: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in con.execute(_COLUMNS_SQL).fetchall():
        out.setdefault(table, []).append((column, data_type))
    return out


def arrow_schema(table: str) -> pa.Schema:
    """The Arrow schema of a declared table (e.g. "raw.entries"), its columns in table order."""
    return _arrow_schema(table)


@cache
def _arrow_schema(table: str) -> pa.Schema:
    cursor = _declared().cursor()  # a cursor per call: the cached connection may be shared by threads
    return cursor.sql(f"select * from {table} limit 0").to_arrow_table().schema


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create every raw, extract and quality table that does not exist yet, and add missing columns."""
    con.execute(DDL)
    have = _columns(con)
    for table, columns in _columns(_declared().cursor()).items():
        present = {name for name, _ in have.get(table, [])}
        for name, data_type in columns:
            if name not in present:  # a column the DDL gained after this database was made
                con.execute(f"alter table {table} add column if not exists {name} {data_type}")
    con.execute(QUALITY_VIEWS)
