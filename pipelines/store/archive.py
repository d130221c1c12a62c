"""The raw archive: every fetched body, content-addressed and immutable, stored before parsing.

A body is `<digest>.bin`, or `<digest>.bin.gz` once maintenance has compacted it (pipelines.maintenance);
`read` and `has` accept either.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
from pathlib import Path


class ArchiveError(RuntimeError):
    """A fetched body could not be archived (disk full, read-only): the run stops, the fetch is not recorded.

    Never parse what could not be kept; and a full disk is not the feed's failure, so it must not
    count towards the feed's backoff or parking. Feed bodies and article pages both raise it.
    """


def store(archive_dir: Path, body: bytes) -> str:
    """Write `body` under its SHA-256 (once) and return the hex digest; safe from many threads at once."""
    digest = hashlib.sha256(body).hexdigest()
    path = path_for(archive_dir, digest)
    if not has(archive_dir, digest):
        path.parent.mkdir(parents=True, exist_ok=True)
        # a temporary file of its own per writer: two feeds may deliver the same bytes at once
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{digest[:12]}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(body)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)  # atomic: a reader never sees half a body
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return digest


def path_for(archive_dir: Path, digest: str) -> Path:
    """Where the body with this digest lives (whether or not it is there)."""
    return archive_dir / digest[:2] / f"{digest}.bin"


def has(archive_dir: Path, digest: str) -> bool:
    """Whether the body with this digest is archived, plain or compacted."""
    path = path_for(archive_dir, digest)
    return path.exists() or _compacted(path).exists()


def read(archive_dir: Path, digest: str) -> bytes:
    """The archived body with this digest (for replays and reparses), plain or compacted."""
    path = path_for(archive_dir, digest)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        if not _compacted(path).exists():
            raise
    return gzip.decompress(_compacted(path).read_bytes())


def _compacted(path: Path) -> Path:
    return path.with_name(path.name + ".gz")
