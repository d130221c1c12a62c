"""The raw archive: every fetched body, content-addressed and immutable, stored before parsing."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def store(archive_dir: Path, body: bytes) -> str:
    """Write `body` under its SHA-256 (once) and return the hex digest."""
    digest = hashlib.sha256(body).hexdigest()
    path = path_for(archive_dir, digest)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        tmp.write_bytes(body)
        os.replace(tmp, path)  # atomic: a reader never sees half a body
    return digest


def path_for(archive_dir: Path, digest: str) -> Path:
    return archive_dir / digest[:2] / f"{digest}.bin"


def read(archive_dir: Path, digest: str) -> bytes:
    """The archived body with this digest (for replays and reparses)."""
    return path_for(archive_dir, digest).read_bytes()
