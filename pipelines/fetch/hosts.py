"""Politeness per host. Across processes (the feeds): `per_host` slot files per host in the data dir; in one
run (article pages): `PoliteHosts`, a concurrency limit, a delay between requests and robots.txt.

Feeds: `per_host` slot files per host in the data dir.

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
import threading
import time
import urllib.robotparser
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from urllib.parse import urlparse, urlsplit

from pipelines.fetch.client import ACCEPT_HTML, USER_AGENT, fetch
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


class PoliteHosts:
    """Politeness per host for one run: a concurrency limit, a delay between requests, robots.txt."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._slots: dict[str, threading.Semaphore] = {}
        self._next_at: dict[str, float] = {}
        self._robots: dict[str, urllib.robotparser.RobotFileParser | str | None] = {}
        self._robots_locks: dict[str, threading.Lock] = {}

    def _host(self, url: str) -> str | None:
        parts = urlsplit(url)
        return parts.netloc.lower() if parts.scheme in ("http", "https") else None

    def fetch(self, url: str, listed_url: str, etag: str | None = None, last_modified: str | None = None):
        """One polite fetch: waits for a slot and for the host's delay."""
        host = self._host(url)
        policy = self.settings.fetch_policy
        fetch_policy = replace(policy, total_timeout_s=self.settings.page_policy.timeout_s,
                               read_timeout_s=min(policy.read_timeout_s, self.settings.page_policy.timeout_s))
        if host is None:  # a local file needs no politeness
            return fetch(url, etag, last_modified, policy=fetch_policy, listed_url=listed_url, accept=ACCEPT_HTML)
        with self._lock:
            slot = self._slots.setdefault(host, threading.Semaphore(max(1, policy.per_host)))
        with slot:
            with self._lock:
                now = time.monotonic()
                start = max(now, self._next_at.get(host, now))
                self._next_at[host] = start + self.settings.page_policy.delay_s
            time.sleep(max(0.0, start - now))
            return fetch(url, etag, last_modified, policy=fetch_policy, listed_url=listed_url, accept=ACCEPT_HTML)

    def disallowed(self, url: str, listed_url: str) -> str | None:
        """Why `url` is not to be fetched: robots.txt forbids it or its host is unreachable (None: go ahead)."""
        host = self._host(url)
        if host is None:
            return None
        with self._lock:
            lock = self._robots_locks.setdefault(host, threading.Lock())
        with lock:  # one robots.txt request per host, however many pages wait for it
            if host not in self._robots:
                self._robots[host] = self._load_robots(url, listed_url)
        rules = self._robots[host]
        if isinstance(rules, str):
            return rules
        if rules is not None and not rules.can_fetch(USER_AGENT, url):
            return f"robots.txt of {host} disallows {urlsplit(url).path or '/'}"
        return None

    def _load_robots(self, url: str, listed_url: str):
        parts = urlsplit(url)
        result = self.fetch(f"{parts.scheme}://{parts.netloc}/robots.txt", listed_url)
        if result.http_status is None and result.error:  # refused, unresolvable, down: no page is tried this run
            return f"host unreachable: {result.error}"
        if result.http_status is not None and result.http_status >= 500:
            return f"robots.txt of {parts.netloc} answered HTTP {result.http_status}: pages wait"
        if result.body is None:  # missing (4xx) or unreachable: RFC 9309 lets crawlers proceed
            return None
        rules = urllib.robotparser.RobotFileParser()
        rules.parse(result.body.decode("utf-8", "replace").splitlines())
        return rules
