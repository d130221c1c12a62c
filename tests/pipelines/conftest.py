"""An ingestion harness: a feeds file, settings on a chosen clock, runs, and an accounting check.

Every test that ingests through `ingest` gets, at teardown, the reconciliation check of the issue:
for every fetch, entries seen = new + new versions + unchanged + quarantined, and those numbers
match the rows actually stored (raw.entries and raw.quarantine) under that fetch's id.
"""

from __future__ import annotations

from contextlib import closing
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest
import yaml

from pipelines.fetch.polling import FetchPolicy
from pipelines.fetch.stage import IngestSummary, run_fetch
from pipelines.settings import Settings
from pipelines.store.connection import connect

T0 = datetime(2022, 1, 10, 12)


def assert_accounting_reconciles(con: duckdb.DuckDBPyConnection) -> int:
    """Check every fetch's accounting against the stored rows; returns how many fetches were checked."""
    rows = con.execute(
        """
        select f.fetch_id, f.feed_id, f.error, f.entries_seen, f.entries_new, f.entries_new_version,
               f.entries_unchanged, f.entries_quarantined,
               (select count(*) from raw.entries e where e.fetch_id = f.fetch_id) as stored,
               (select count(*) from raw.quarantine q where q.fetch_id = f.fetch_id and q.stage = 'parse') as held
        from raw.fetch_log f
        """
    ).fetchall()
    for fetch_id, feed_id, error, seen, new, new_version, unchanged, quarantined, stored, held in rows:
        where = f"fetch {fetch_id} of {feed_id}"
        if error is not None and error.startswith("feed batch held back"):
            # the feed broke: every entry it carried is quarantined, none stored
            assert seen == quarantined == held and stored == 0, f"{where} was held back but stored rows"
            continue
        if error is not None:
            assert seen is None and stored == 0 and held == 0, f"{where} failed but stored rows"
            continue
        assert seen is not None, f"{where} succeeded without accounting"
        assert seen == new + new_version + unchanged + quarantined, f"{where} does not reconcile"
        assert stored == new + new_version, f"{where}: {stored} rows stored, accounting says {new + new_version}"
        assert held == quarantined, f"{where}: {held} quarantined rows, accounting says {quarantined}"
    orphans = con.execute("select count(*) from raw.entries anti join raw.entry_details using (entry_version_id)")
    assert orphans.fetchall() == [(0,)], "an entry version without its details"
    return len(rows)


class Ingest:
    """Write a feeds file, run the fetch stage at chosen instants, look at the database."""

    def __init__(self, tmp_path: Path) -> None:
        self.feeds_file = tmp_path / "feeds.yml"
        self.settings = Settings(data_dir=tmp_path / "data", feeds_file=self.feeds_file, as_of=T0,
                                 fetch_policy=FetchPolicy(connect_timeout_s=2, read_timeout_s=2, total_timeout_s=10))
        self.feeds({})
        self._con: duckdb.DuckDBPyConnection | None = None
        self.runs = 0

    def feeds(self, urls: dict[str, str]) -> None:
        self.feeds_file.write_text(yaml.safe_dump({"feeds": [{"id": k, "url": v} for k, v in urls.items()]}))

    def policy(self, **changes) -> None:
        self.settings = self.settings.with_(fetch_policy=replace(self.settings.fetch_policy, **changes))

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            self._con = connect(self.settings)
        return self._con

    def run(self, at: datetime | timedelta = T0, force: bool = False, **kwargs) -> IngestSummary:
        """One fetch stage at `at` (an instant, or an offset from T0)."""
        as_of = T0 + at if isinstance(at, timedelta) else at
        self.runs += 1
        settings = self.settings.with_(as_of=as_of, force=force)
        return run_fetch(self.con, settings, f"run-{self.runs}", **kwargs)

    def one(self, sql: str, params=None):
        rows = self.con.execute(sql, params or []).fetchall()
        return rows[0] if rows else None

    def all(self, sql: str, params=None) -> list[tuple]:
        return self.con.execute(sql, params or []).fetchall()

    def state(self, feed_id: str) -> dict:
        cursor = self.con.execute("select * from raw.feed_state where feed_id = ?", [feed_id])
        columns = [d[0] for d in cursor.description]
        return dict(zip(columns, cursor.fetchall()[0]))

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None


@pytest.fixture
def ingest(tmp_path):
    harness = Ingest(tmp_path)
    yield harness
    if harness.settings.database.exists():
        harness.close()
        with closing(duckdb.connect(str(harness.settings.database))) as con:
            assert_accounting_reconciles(con)
    harness.close()
