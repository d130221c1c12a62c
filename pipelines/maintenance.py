"""Daily upkeep of a data dir: archive compaction and retention, a DuckDB CHECKPOINT, a feed-health report.

One function per job; the `maintenance` DAG (and anyone else) calls them through pipelines.stages,
which holds the run lock around each. The archive policy never loses what a replay needs:

- **compaction**: a body whose last fetch is older than `compact_after_days` on the run's clock is
  gzip-compressed in place (`<digest>.bin` -> `<digest>.bin.gz`); `archive.read` reads either, so
  reparse and replay work as before.
- **retention**: a body stays as long as a `raw.fetch_log` row refers to it (reparse rebuilds
  raw.entries from all of them). Only orphans go: bodies no fetch refers to (a fetch archived by a
  task whose load never ran) and temporary files of interrupted writes, once older than
  `orphan_grace_days`. The grace is measured on file times, the only clock an orphan has; it keeps
  the bodies of an ingest run still in flight.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path

import duckdb

from pipelines.fetch.feeds import load_feeds
from pipelines.fetch.state import feed_status
from pipelines.settings import Settings

REPORT_NAME = "feed-health.json"


@dataclass(frozen=True)
class ArchivePolicy:
    """How long bodies stay uncompressed, and how long an orphan may wait; from EVENTWATCH_* variables."""

    compact_after_days: float = 7.0
    orphan_grace_days: float = 2.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ArchivePolicy:
        """Defaults, overridden by EVENTWATCH_ARCHIVE_COMPACT_AFTER_DAYS and EVENTWATCH_ARCHIVE_ORPHAN_GRACE_DAYS."""
        env = os.environ if env is None else env
        values = {}
        for name in ("compact_after_days", "orphan_grace_days"):
            raw = (env.get(f"EVENTWATCH_ARCHIVE_{name.upper()}") or "").strip()
            if raw:
                try:
                    values[name] = float(raw)
                except ValueError:
                    raise ValueError(f"EVENTWATCH_ARCHIVE_{name.upper()}={raw!r} is not a number of days") from None
                if values[name] < 0:
                    raise ValueError(f"EVENTWATCH_ARCHIVE_{name.upper()}={raw!r} is negative")
        return cls(**values)


@dataclass(frozen=True)
class ArchiveReport:
    compacted: int
    bytes_saved: int
    orphans_removed: int
    kept: int


@dataclass(frozen=True)
class CheckpointReport:
    bytes_before: int
    bytes_after: int


def maintain_archive(con: duckdb.DuckDBPyConnection, settings: Settings, policy: ArchivePolicy) -> ArchiveReport:
    """Compress old referenced bodies and delete old orphans, per `policy` (see the module docstring)."""
    # a body is referenced by a feed fetch or by an article-page fetch: reparse needs both
    last_fetch = dict(con.execute(
        "select archive_sha256, max(fetched_at) from (select archive_sha256, fetched_at from raw.fetch_log "
        "union all select archive_sha256, fetched_at from raw.page_log) "
        "where archive_sha256 is not null group by all").fetchall())
    compact_before = settings.as_of - timedelta(days=policy.compact_after_days)
    orphan_before = time.time() - policy.orphan_grace_days * 86400
    compacted = saved = removed = kept = 0
    for path in sorted(settings.archive_dir.glob("*/*")) if settings.archive_dir.exists() else ():
        digest = path.name.split(".")[0]
        if path.name.endswith(".tmp") or digest not in last_fetch:
            if path.stat().st_mtime < orphan_before:
                path.unlink()
                removed += 1
            continue
        kept += 1
        if path.suffix == ".bin" and last_fetch[digest] < compact_before:
            saved += _gzip_in_place(path)
            compacted += 1
    return ArchiveReport(compacted, saved, removed, kept)


def _gzip_in_place(path: Path) -> int:
    """Replace `path` by `path.gz` atomically (the .gz appears whole before the original goes); bytes saved."""
    target = path.with_name(path.name + ".gz")
    tmp = target.with_name(f".{target.name}.tmp")
    with path.open("rb") as src, gzip.open(tmp, "wb", compresslevel=6) as out:
        shutil.copyfileobj(src, out)
    os.replace(tmp, target)
    before = path.stat().st_size
    path.unlink()
    return before - target.stat().st_size


def checkpoint(con: duckdb.DuckDBPyConnection, settings: Settings) -> CheckpointReport:
    """Fold DuckDB's write-ahead log into the database file and reclaim freed blocks."""
    before = _size(settings.database) + _size(settings.database.with_name(settings.database.name + ".wal"))
    con.execute("checkpoint")
    return CheckpointReport(before, _size(settings.database))


def _size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def feed_health(con: duckdb.DuckDBPyConnection, settings: Settings) -> dict:
    """Per feed (state, failures, last success and error, next poll, entries per day) plus attempts in the
    last day; written to `<data dir>/reports/feed-health.json` and returned."""
    since = settings.as_of - timedelta(days=1)
    attempts = {feed: (n, failed) for feed, n, failed in con.execute(
        "select feed_id, count(*), count(error) from raw.fetch_log "
        "where fetched_at > ? and fetched_at <= ? group by all",
        [since, settings.as_of]).fetchall()}
    feeds = []
    for row in feed_status(con, load_feeds(settings.feeds_file), settings.as_of):
        n, failed = attempts.get(row.feed_id, (0, 0))
        feeds.append({**asdict(row), "attempts_24h": n, "failures_24h": failed})
    states = [f["state"] for f in feeds]
    report = {"as_of": settings.as_of.isoformat(), "feeds": feeds,
              "summary": {s: states.count(s) for s in ("ok", "failing", "parked", "new")}}
    target = settings.data_dir / "reports" / REPORT_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(json.dumps(report, indent=2, default=_json_default) + "\n")
    os.replace(tmp, target)  # readers (the dashboard, a monitor) never see half a report
    return report


def _json_default(value):
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")
