"""The dashboard's view of the published snapshot: read-only, reopened when a new one is swapped in.

Publish writes a fresh file and swaps it in with `os.replace`, so the path keeps its name but gets a
new inode. A reader compares the file's identity (device, inode, size, mtime) on every use and opens
the new file when it changed; connections still reading the old file keep their consistent view
until they are closed. The dashboard never opens the working database, so it never waits for a run
and a run never waits for it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb


class NoSnapshot(FileNotFoundError):
    """No snapshot has been published at the path yet."""


@dataclass(frozen=True)
class SnapshotVersion:
    """The identity of one published snapshot file: a new publish gives a new value."""

    path: str
    device: int
    inode: int
    size: int
    mtime_ns: int

    @property
    def key(self) -> str:
        """A short text key for caches: changes whenever the file is replaced."""
        return f"{self.inode}:{self.size}:{self.mtime_ns}"


def snapshot_version(path: Path) -> SnapshotVersion:
    """The identity of the file at `path` now."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise NoSnapshot(f"no published snapshot at {path}: run `eventwatch run` first") from None
    return SnapshotVersion(str(path), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


class _Generation:
    """One opened snapshot file and the cursors reading it; closed once retired and unused."""

    def __init__(self, version: SnapshotVersion) -> None:
        self.version = version
        self.con = _open_read_only(Path(version.path))
        self.readers = 0
        self.retired = False

    def release(self) -> None:
        self.readers -= 1
        self._close_if_done()

    def retire(self) -> None:
        self.retired = True
        self._close_if_done()

    def _close_if_done(self) -> None:
        # DuckDB closes a connection's cursors with it: wait for the queries still reading this file
        if self.retired and self.readers == 0:
            self.con.close()


class Snapshot:
    """A read-only connection to the snapshot at `path`, reopened when the file is replaced.

    One instance serves every session of the app (Streamlit runs sessions in threads): each query
    gets its own cursor, which DuckDB allows across threads. A swapped-out file stays open until
    the last query reading it is done.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._current: _Generation | None = None

    def version(self) -> SnapshotVersion:
        """The identity of the snapshot the next query will read (opening a new one if it was swapped)."""
        with self._lock:
            return self._generation().version

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor on the current snapshot, closed after use."""
        with self._lock:
            generation = self._generation()
            generation.readers += 1
        try:
            cur = generation.con.cursor()
            try:
                _session(cur)
                yield cur
            finally:
                cur.close()
        finally:
            with self._lock:
                generation.release()

    def close(self) -> None:
        """Close the connection once no query reads it."""
        with self._lock:
            if self._current is not None:
                self._current.retire()
            self._current = None

    def _generation(self) -> _Generation:
        # the identity is read before opening: if a swap falls in between, the next use sees a change
        # and opens again, so an old identity is never paired with a newer file for long
        version = snapshot_version(self.path)
        if self._current is None or version != self._current.version:
            previous, self._current = self._current, _Generation(version)
            if previous is not None:
                previous.retire()
        return self._current


def _open_read_only(path: Path) -> duckdb.DuckDBPyConnection:
    """A fresh in-memory database with the snapshot attached read-only as its default catalog.

    Not `duckdb.connect(path)`: DuckDB caches one database instance per path and process, so while
    any cursor still read the old file, connecting again by path would hand back the old snapshot.
    """
    con = duckdb.connect(":memory:")
    escaped = str(path).replace("'", "''")
    con.execute(f"attach '{escaped}' as snapshot (read_only)")
    _session(con)
    return con


def _session(con: duckdb.DuckDBPyConnection) -> None:
    # settings are per connection: every cursor reads the snapshot catalog, in UTC
    con.execute("use snapshot")
    con.execute("set TimeZone = 'UTC'")
