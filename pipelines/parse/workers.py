"""Parsing on both cores: feed bodies and article pages parsed in worker processes while the main
process records what is already parsed.

The fetch stage opens `parsing()` around its work; inside it, `submit(func, *args, size=...)` runs
`func` in a worker process (spawned, as for extraction: the parent holds a DuckDB connection and
its threads) and returns a Future, and `run` waits for one. The pool starts only once the bytes
submitted pass `MIN_BYTES`, because starting a worker costs about a second of imports: a run over
a few small feeds parses in-process exactly as before. Outside `parsing()`, or with
EVENTWATCH_PARSE_WORKERS=1, everything runs in the calling thread. The functions given must be
importable by name (a worker imports them), and their results are the same in either place, so
what a run stores does not depend on where it parsed. A worker that dies takes its task with it
(the task raises BrokenProcessPool, which callers treat as a parse failure) and the rest of the
run parses in-process.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any

log = logging.getLogger(__name__)

# bytes submitted before the pool is worth starting: about a second of parsing on this machine
MIN_BYTES = 2 * 1024 * 1024


class _Pool:
    """A process pool started on demand, and the bytes submitted so far."""

    def __init__(self, workers: int):
        self.workers = workers
        self.submitted = 0
        self.executor: ProcessPoolExecutor | None = None
        self.broken = False
        self.lock = threading.Lock()  # page checks submit from several threads

    def submit(self, func: Callable, args: tuple, size: int) -> Future:
        """`func(*args)` in a worker when the pool is (or is now worth) running, else here and now."""
        with self.lock:
            self.submitted += size
            if self.executor is None and not self.broken and self.workers > 1 and self.submitted >= MIN_BYTES:
                context = multiprocessing.get_context("spawn")
                self.executor = ProcessPoolExecutor(self.workers, mp_context=context)
                log.debug("parsing in %d worker processes", self.workers)
            executor = None if self.broken else self.executor
        if executor is not None:
            try:
                return executor.submit(func, *args)
            except BrokenProcessPool:
                self.broke()
        return _done(func, args)

    def broke(self) -> None:
        """A worker died: parse the rest of the run in-process."""
        with self.lock:
            if not self.broken:
                log.warning("a parse worker process died; parsing the rest of this run in-process")
            self.broken = True

    def close(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)


_active: _Pool | None = None


def worker_count(workers: int | None = None, variable: str = "EVENTWATCH_PARSE_WORKERS") -> int:
    """Processes to use: the argument, else the environment `variable`, else the CPU count."""
    if workers is None:
        configured = os.environ.get(variable, "").strip()
        workers = int(configured) if configured.isdigit() else (os.cpu_count() or 1)
    return max(1, workers)


@contextmanager
def parsing(workers: int | None = None) -> Iterator[None]:
    """Within this block, `submit` and `run` may use worker processes (one pool for the block)."""
    global _active
    if _active is not None:  # nested: the outer block's pool serves
        yield
        return
    _active = _Pool(worker_count(workers))
    try:
        yield
    finally:
        pool, _active = _active, None
        pool.close()


def submit(func: Callable, *args: Any, size: int = 0) -> Future:
    """`func(*args)` as a Future: in a worker inside `parsing()` once worth it, else computed now."""
    pool = _active
    if pool is None:
        return _done(func, args)
    return pool.submit(func, args, size)


def run(func: Callable, *args: Any, size: int = 0) -> Any:
    """`func(*args)`, in a worker when `submit` would use one; its exception is raised here."""
    future = submit(func, *args, size=size)
    try:
        return future.result()
    except BrokenProcessPool:
        broke()
        raise


def broke() -> None:
    """Say a worker died (a task raised BrokenProcessPool): the rest of the block parses in-process."""
    pool = _active
    if pool is not None:
        pool.broke()


def _done(func: Callable, args: tuple) -> Future:
    """A Future already holding `func(*args)` or the exception it raised."""
    future: Future = Future()
    try:
        future.set_result(func(*args))
    except Exception as exc:  # handed to whoever reads the Future, as a worker's would be
        future.set_exception(exc)
    return future
