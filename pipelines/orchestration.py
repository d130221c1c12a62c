"""What the Airflow DAGs share: settings for a DAG run, and plain-data conversions for XCom.

A run's `as_of` comes from, in order: the run's conf (`{"as_of": ...}`), the `as_of` carried by the
asset event that triggered it, the end of its data interval, and its run_after time. Tasks never
read the wall clock.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from pipelines.settings import Settings

WRITER_POOL = "eventwatch_duckdb"  # one slot: DuckDB allows one writing process per file
RAW_ASSET_URI = "eventwatch://raw/entries"


def _as_of_from_context(context) -> str | None:
    conf = (context.get("dag_run").conf or {}) if context.get("dag_run") else {}
    if conf.get("as_of"):
        return str(conf["as_of"])
    for events in (context.get("triggering_asset_events") or {}).values():
        for event in events:
            if (event.extra or {}).get("as_of"):
                return str(event.extra["as_of"])
    for key in ("data_interval_end", "logical_date"):
        if context.get(key):
            return _iso(context[key])
    run = context.get("dag_run")
    return _iso(run.run_after) if run is not None and getattr(run, "run_after", None) else None


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def settings_for_run(context) -> Settings:
    """Settings from the EVENTWATCH_* environment, with the run's conf and clock applied."""
    conf = (context.get("dag_run").conf or {}) if context.get("dag_run") else {}
    return Settings.from_env(feeds=conf.get("feeds"), data_dir=conf.get("data_dir"), db=conf.get("db"),
                             as_of=_as_of_from_context(context), force=bool(conf.get("force", False)))


def to_xcom(obj) -> dict:
    """A frozen dataclass as plain JSON-able data."""
    return asdict(obj)
