"""Fault injection for the crash tests: `EVENTWATCH_CRASH_AT=<point>[:<n>]` SIGKILLs the process.

The n-th time (default the first) the run reaches the named point, the process kills itself with
SIGKILL, as the OOM killer or a pulled plug would: no cleanup, no `finally`, no atexit. The points:

- `load`: inside a fetch's load transaction, after its entries were inserted, before the commit;
- `dbt`: when dbt reports a model finished (`dbt:12`: after the twelfth), mid-build;
- `publish`: after some of the snapshot's tables were copied, before the file is swapped in;
- `parse_worker`: when a parse worker process (pipelines.parse.workers) begins a feed; only workers
  reach it, so it kills a worker and not the run.

Unset (always, outside tests/e2e/test_crash.py) it costs one environment lookup per point.
"""

from __future__ import annotations

import os
import signal
from collections import Counter

_reached: Counter = Counter()


def crash_point(name: str) -> None:
    """SIGKILL this process if EVENTWATCH_CRASH_AT names this point and its count is reached."""
    point, _, nth = os.environ.get("EVENTWATCH_CRASH_AT", "").partition(":")
    if point != name:
        return
    _reached[name] += 1
    if _reached[name] >= int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
