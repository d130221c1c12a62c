"""Great Expectations suites as code, one module per stage (see pipelines/gates.py for how they run).

Each module exposes `gates(as_of) -> list[Gate]`: the batch to pull from DuckDB and the
expectations it must meet. Severity `critical` blocks the run; `warning` is recorded and shown.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

# no network calls: GX analytics off before great_expectations is first imported
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


@dataclass(frozen=True)
class Gate:
    stage: str          # fetch | extract | marts
    suite: str          # the suite's name, as recorded in quality.results
    query: str | Callable  # the batch: SQL on the working database, or a function of the connection -> DataFrame
    expectations: tuple  # great_expectations.expectations.* instances
