"""An archived feed body parsed by its digest: what a parse worker (pipelines.parse.workers) is given.

Kept apart from pipelines.load.records so that a worker imports only the parser and the archive
(about 0.2 s), not the loader, DuckDB and the page fetcher (about 0.9 s)."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from pipelines.faults import crash_point
from pipelines.parse.feed import ParsedFeed, parse_feed
from pipelines.store import archive


def parse_archived(archive_dir: Path, archive_sha256: str, headers: dict[str, str], base_url: str | None,
                   max_bytes: int) -> ParsedFeed:
    """Parse one archived feed body, in a parse worker or in the calling process."""
    if multiprocessing.parent_process() is not None:
        crash_point("parse_worker")  # only workers reach it: the crash test kills a worker, not the run
    return parse_feed(archive.read(archive_dir, archive_sha256), headers, base_url=base_url, max_bytes=max_bytes)
