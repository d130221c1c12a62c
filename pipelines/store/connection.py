"""Connections to the working database (one writer) and the published snapshot (readers)."""

from __future__ import annotations

from contextlib import contextmanager

import duckdb
import pyarrow as pa

from pipelines.settings import Settings
from pipelines.store.tables import ensure_schema


def connect(settings: Settings) -> duckdb.DuckDBPyConnection:
    """Open the working database for writing, creating it and the Python-owned tables if needed."""
    settings.database.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(settings.database))
    con.execute("set TimeZone = 'UTC'")
    ensure_schema(con)
    return con


def ensure_database(settings: Settings) -> None:
    """Create the working database and its Python-owned tables if needed, for dbt (it opens the file itself)."""
    connect(settings).close()


@contextmanager
def registered(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table):
    """`table` visible to SQL as `name` for the block; a failed transaction does not mask the error."""
    con.register(name, table)
    try:
        yield
    finally:
        try:
            con.unregister(name)
        except duckdb.Error:
            pass  # the transaction is aborted; the caller rolls back, and the next register replaces it
