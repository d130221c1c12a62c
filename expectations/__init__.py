"""Great Expectations suites as code, one module per stage (see pipelines/gates.py for how they run).

Each module exposes `gates(as_of) -> list[Gate]`: the batch to pull from DuckDB and the
expectations it must meet. What a failure does depends on its grain:

- an expectation tagged `meta=QUARANTINE` judges one record at a time: the failing records (by the
  gate's `key`) are quarantined in `quality.quarantined` with their reason, the dbt staging models
  leave them out, and the run goes on (the suite counts as a warning);
- severity `warning` is recorded and shown;
- anything else (severity `critical`, GX's default) is batch-level and blocks the run.

A statistical gate names an `abstain` column: rows where it is not null (a sample too small to
judge, with the reason) are left out of the batch, and every outcome says so.

A gate over a large table names its `unit`: the columns of a group of rows that change together
(an entry version, an article version). Its row-level expectations then see only the units whose
rows changed since the suite last passed (pipelines/gates.py); its table-level ones (`expect_table_*`)
see the table's columns and row count.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

# no network calls: GX analytics off before great_expectations is first imported
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

# the tag of a record-level expectation: its failing records are quarantined, the run goes on
QUARANTINE = {"on_failure": "quarantine"}


@dataclass(frozen=True)
class Gate:
    stage: str          # fetch | extract | marts
    suite: str          # the suite's name, as recorded in quality.results
    query: str | Callable  # the batch: SQL on the working database, or a function of the connection -> DataFrame
    expectations: tuple  # great_expectations.expectations.* instances
    key: str | None = None       # the column identifying a record: failing rows are reported (and quarantined) by it
    relation: str | None = None  # the table `key` identifies records of, e.g. raw.entries (needed to quarantine)
    abstain: str | None = None   # a column whose non-null value says why that row is too small a sample to judge
    unit: tuple[str, ...] = ()   # columns naming rows that change together: only changed units are validated
    derive: tuple = ()           # (column, source column, function): computed in Python on the rows pulled
