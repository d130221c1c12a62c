"""Reading the dbt tables of a database whole, to compare an incremental build with a full refresh."""

from __future__ import annotations

import shutil
from contextlib import closing
from pathlib import Path

import duckdb

from pipelines.settings import Settings
from pipelines.transform import build

# the bookkeeping of runs: what changed in the last one, and which builds ran
RUN_BOOKKEEPING = ("int_article_changes", "dbt_build_log")


def dbt_tables(settings: Settings) -> dict[str, list[tuple]]:
    """Every table of the intermediate and marts schemas but the run bookkeeping, rows sorted."""
    with closing(duckdb.connect(str(settings.database), read_only=True)) as con:
        names = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_schema in ('intermediate', 'marts') and table_type = 'BASE TABLE' "
            "and table_name not in ? order by 1",
            [list(RUN_BOOKKEEPING)],
        ).fetchall()
        return {name: con.execute(f"select * from {name} order by all").fetchall() for (name,) in names}


def full_refresh_copy(settings: Settings, directory: Path) -> Settings:
    """A copy of the settings' database, rebuilt from scratch at the same as_of."""
    directory.mkdir(parents=True, exist_ok=True)
    copy = Settings(data_dir=directory / "data", db_path=directory / "full-refresh.duckdb", as_of=settings.as_of)
    shutil.copyfile(settings.database, copy.database)
    result = build(copy, full_refresh=True)
    assert result.success and result.full_refresh
    return copy


def assert_same_tables(incremental: dict[str, list[tuple]], full: dict[str, list[tuple]]) -> None:
    """Table by table, the same rows."""
    assert sorted(incremental) == sorted(full)
    for name, rows in full.items():
        missing = [row for row in rows if row not in incremental[name]][:3]
        extra = [row for row in incremental[name] if row not in rows][:3]
        assert incremental[name] == rows, f"{name} differs from a full refresh: missing {missing}, extra {extra}"
