"""The per-host fetch limit across processes: `per_host` slot files per host in the data dir.

In one process `fetch_concurrently` keeps at most `per_host` fetches to a host in flight. Airflow
runs each feed's fetch as its own mapped task, possibly on several workers, so the limit must hold
between processes: a fetch takes one of the host's slots, `<data dir>/hosts/<host>.<n>.slot`, with
an exclusive `flock`, and waits while all are taken. The kernel releases a slot when its holder
exits in any way, so a killed task never keeps one. Why not an Airflow pool per host: a mapped
task's pool is fixed when the DAG is parsed, while hosts come from the feeds file at run time;
the data dir is shared by every worker anyway (the archive lives there).
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlparse

from pipelines.settings import Settings

log = logging.getLogger(__name__)
_POLL_S = 0.2
_UNSAFE = re.compile(r"[^a-z0-9.-]")


def host_of(url: str) -> str | None:
    """The politeness key of a URL: its host name (None for local files, which need no limit)."""
    parsed = urlparse(url)
    return (parsed.hostname or "").lower() if parsed.scheme in ("http", "https") else None


@contextmanager
def host_slot(settings: Settings, url: str) -> Iterator[int | None]:
    """Hold one of the URL's host's `per_host` slots for the block (waiting for one); yields its number."""
    host = host_of(url)
    if host is None:
        yield None
        return
    folder = settings.data_dir / "hosts"
    folder.mkdir(parents=True, exist_ok=True)
    fds = [os.open(folder / f"{_UNSAFE.sub('_', host)}.{n}.slot", os.O_RDWR | os.O_CREAT, 0o644)
           for n in range(max(1, settings.fetch_policy.per_host))]
    try:
        slot = _take_one(fds, host)
        yield slot
    finally:
        for fd in fds:
            os.close(fd)  # closing the held descriptor releases the slot


def _take_one(fds: list[int], host: str) -> int:
    """The number of the first free slot, polling until one is; the task's timeout bounds the wait."""
    announced = False
    while True:
        for n, fd in enumerate(fds):
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return n
            except BlockingIOError:
                continue
        if not announced:
            log.info("all %d fetch slots of %s are taken; waiting", len(fds), host)
            announced = True
        time.sleep(_POLL_S)


def interleave_by_host(plans: list) -> list:
    """The plans in round-robin order over their hosts (first appearance order kept within a host)."""
    queues: dict[str | None, list] = {}
    for plan in plans:
        queues.setdefault(host_of(plan.url), []).append(plan)
    out = []
    for depth in range(max((len(q) for q in queues.values()), default=0)):
        out += [q[depth] for q in queues.values() if depth < len(q)]
    return out
