"""Great Expectations suites as code, one module per stage (see pipelines/gates.py for how they run).

Each module exposes `gates(as_of) -> list[Gate]`: the batch to pull from DuckDB and the
expectations it must meet. Severity `critical` blocks the run; `warning` is recorded and shown.
"""

from __future__ import annotations

from dataclasses import dataclass

import great_expectations as gx  # noqa: F401  (re-exported for the suite modules)


@dataclass(frozen=True)
class Gate:
    stage: str          # fetch | extract | marts
    suite: str          # the suite's name, as recorded in quality.results
    query: str          # the batch, pulled from the working database
    expectations: tuple  # great_expectations.expectations.* instances
