"""Connections to the working database (one writer) and the published snapshot (readers)."""

from __future__ import annotations

import duckdb

from pipelines.settings import Settings
from pipelines.store.tables import ensure_schema


def connect(settings: Settings) -> duckdb.DuckDBPyConnection:
    """Open the working database for writing, creating it and the Python-owned tables if needed."""
    settings.database.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(settings.database))
    con.execute("set TimeZone = 'UTC'")
    ensure_schema(con)
    return con
