"""One writer at a time per data dir: an OS lock on `<data dir>/eventwatch.lock`.

DuckDB allows one writing process per file and answers a second one with a raw "Could not set
lock" error. Every writer of the working database (the stages, `feeds enable/disable`, the
Airflow tasks) takes this lock first; a second writer waits up to `EVENTWATCH_LOCK_WAIT_S` seconds,
then gives up with one line naming the holder. The lock is `fcntl.flock` on an open file, so the
kernel releases it when the holder exits in any way (kill -9 included): no stale lock survives.
The file's content (who holds it, since when) is only information for that message.

Readers of the working database (`query --live`, `feeds status`) take it shared and without
waiting: several may read together, none while a writer writes.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from pipelines.settings import Settings

log = logging.getLogger(__name__)
LOCK_NAME = "eventwatch.lock"
_POLL_S = 0.1
_held: dict[Path, int] = {}  # lock file -> nesting depth, in this process: the lock is re-entrant
_held_guard = threading.Lock()


class RunLocked(RuntimeError):
    """Another process holds the data dir's run lock."""


def lock_path(settings: Settings) -> Path:
    """The data dir's lock file."""
    return (settings.data_dir / LOCK_NAME).resolve()


@contextmanager
def run_lock(settings: Settings, what: str, run_id: str | None = None) -> Iterator[None]:
    """Hold the data dir's write lock for the block; wait up to `settings.lock_wait_s` for it."""
    path = lock_path(settings)
    if _enter_again(path):
        try:
            yield
        finally:
            _leave(path)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        _acquire(fd, path, settings.lock_wait_s, what)
        _write_holder(fd, what, run_id)
        with _held_guard:
            _held[path] = 1
        try:
            yield
        finally:
            with _held_guard:
                del _held[path]
            os.ftruncate(fd, 0)  # clear the holder's details before the kernel lets the next one in
    finally:
        os.close(fd)  # closing the descriptor releases the lock


@contextmanager
def read_lock(settings: Settings) -> Iterator[None]:
    """Hold the lock shared while reading the working database; fail at once if a writer holds it."""
    path = lock_path(settings)
    if _enter_again(path):  # this process writes: its own reads need no lock
        try:
            yield
        finally:
            _leave(path)
        return
    if not path.parent.exists():
        yield
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunLocked(f"the working database is being written ({_holder(fd)}); query the published "
                            "snapshot (without --live) or try again when it is done") from None
        yield
    finally:
        os.close(fd)


def _enter_again(path: Path) -> bool:
    with _held_guard:
        if path in _held:
            _held[path] += 1
            return True
    return False


def _leave(path: Path) -> None:
    with _held_guard:
        _held[path] -= 1


def _acquire(fd: int, path: Path, wait_s: float, what: str) -> None:
    """Take the exclusive lock, polling until `wait_s` has passed; RunLocked if it never comes."""
    deadline = time.monotonic() + max(0.0, wait_s)
    announced = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise RunLocked(f"{path.parent} is in use: {_holder(fd)}; gave up after waiting {wait_s:g} s "
                                "(EVENTWATCH_LOCK_WAIT_S)") from None
            if not announced:  # say why nothing happens, once
                log.info("%s waits up to %g s for %s: %s", what, wait_s, path.parent, _holder(fd))
                announced = True
            time.sleep(_POLL_S)


def _write_holder(fd: int, what: str, run_id: str | None) -> None:
    info = {"what": what, "run_id": run_id, "pid": os.getpid(), "host": socket.gethostname(),
            "since": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]])[:200] if sys.argv else None}
    data = (json.dumps(info) + "\n").encode()
    os.ftruncate(fd, 0)
    os.pwrite(fd, data, 0)


def _holder(fd: int) -> str:
    """Who holds the lock, from the details its holder wrote, in words."""
    try:
        info = json.loads(os.pread(fd, 4096, 0).decode() or "null")
    except (OSError, ValueError):
        info = None
    if not isinstance(info, dict) or not _alive(info):
        return "held by a reader of the working database (query --live, feeds status)"
    run = f", run {info['run_id']}" if info.get("run_id") else ""
    return (f"held by `{info.get('command') or info.get('what')}` ({info.get('what')}{run}), pid {info.get('pid')} "
            f"on {info.get('host')}, since {info.get('since')}")


def _alive(info: dict) -> bool:
    """False when the recorded holder is a process of this host that no longer exists (its details are stale)."""
    if info.get("host") != socket.gethostname() or not isinstance(info.get("pid"), int):
        return True
    try:
        os.kill(info["pid"], 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
