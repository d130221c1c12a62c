"""What the Airflow DAGs share: their params, default_args, settings for a DAG run, XCom conversions.

A run's options come from its params (the trigger form, or `conf`, which Airflow validates against
them and merges in). Its `as_of` comes from, in order: the `as_of` param, the `as_of` carried by the
asset event that triggered it, the end of its data interval, and its run_after time. Tasks never
read the wall clock.

Imported when the DAG files are parsed: only the standard library and Airflow's Param at the top.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime, timedelta

WRITER_POOL = "eventwatch_duckdb"  # one slot: DuckDB allows one writing process per file
# Under the CeleryExecutor the writers go to a queue only the worker beside the data volume consumes,
# so fetch workers on other machines never open the DuckDB file (LocalExecutor ignores queues).
WRITER_QUEUE = "eventwatch_duckdb"
WRITER = {"pool": WRITER_POOL, "queue": WRITER_QUEUE}
RAW_ASSET_URI = "eventwatch://raw/entries"
PUBLISHED_ASSET_URI = "eventwatch://published/snapshot"
OWNER = os.environ.get("EVENTWATCH_DAG_OWNER", "eventwatch")

# A hung writer must not hold the one-slot pool forever: every task has a timeout. Retries back off
# exponentially (a held run lock, a busy disk, a flaky feed host clear up); a blocking gate does not
# retry (see gate_fails_fast).
DEFAULT_ARGS = {
    "owner": OWNER,
    "retries": 2,
    "retry_delay": timedelta(seconds=30),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=10),
    "execution_timeout": timedelta(minutes=30),
}
FETCH_TIMEOUT = timedelta(minutes=10)  # a fetch's own limit is 60 s; the rest is waiting for a host slot
DBT_TIMEOUT = timedelta(hours=1)  # a full refresh of a winter's marts


def _param(default, types: list[str], description: str, **schema):
    from airflow.sdk import Param

    return Param(default, type=types, description=description, **schema)


def ingest_params() -> dict:
    """The ingest DAG's trigger form: the run's clock, the feeds file, and polling every feed now."""
    return {
        "as_of": _param(None, ["null", "string"], "The run's clock (ISO 8601, e.g. 2022-01-20T12:00:00Z); "
                        "empty: the end of the run's data interval.", title="as of"),
        "feeds": _param(None, ["null", "string"], "The feeds file (a path on the workers); empty: "
                        "EVENTWATCH_FEEDS.", title="feeds file"),
        "force": _param(False, ["boolean"], "Poll every feed now, ignoring per-feed next-poll times "
                        "(requests stay conditional).", title="force"),
    }


def transform_params() -> dict:
    """The transform DAG's trigger form: a full refresh of the dbt models, and the run's clock."""
    return {
        "full_refresh": _param(False, ["boolean"], "Rebuild every incremental model from scratch "
                               "(dbt build --full-refresh).", title="full refresh"),
        "as_of": _param(None, ["null", "string"], "The run's clock (ISO 8601); empty: the as_of of the "
                        "ingest run that triggered it, else the run's time.", title="as of"),
    }


def _options(context) -> dict:
    """The run's params (conf merged in by Airflow), else its raw conf (a DAG without params)."""
    run = context.get("dag_run")
    conf = (run.conf or {}) if run is not None else {}
    return {**conf, **{k: v for k, v in (context.get("params") or {}).items() if v is not None}}


def _as_of_from_context(context) -> str | None:
    options = _options(context)
    if options.get("as_of"):
        return str(options["as_of"])
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


def settings_for_run(context):
    """Settings from the EVENTWATCH_* environment, with the run's params and clock applied."""
    from pipelines.settings import Settings

    options = _options(context)
    return Settings.from_env(feeds=options.get("feeds"), data_dir=options.get("data_dir"), db=options.get("db"),
                             as_of=_as_of_from_context(context), force=bool(options.get("force", False)))


def full_refresh(context) -> bool:
    """Whether the run asked for a full refresh of the dbt models (the `full_refresh` param)."""
    return bool(_options(context).get("full_refresh", False))


@contextmanager
def gate_fails_fast():
    """A blocking gate is a verdict on the data, not a glitch: fail the task without retries."""
    from airflow.sdk.exceptions import AirflowFailException

    from pipelines.gates import GateFailed

    try:
        yield
    except GateFailed as exc:
        raise AirflowFailException(str(exc)) from exc


def gated(check, context, stages: tuple[str, ...]):
    """`check(settings, run_id, stages)` for this run, a blocking gate failing the task without retries."""
    with gate_fails_fast():
        return check(settings_for_run(context), context["run_id"], stages)


def announce(context, asset, result, **extra):
    """Put the run's as_of and `extra` on the asset event this task emits; returns `result` unchanged."""
    context["outlet_events"][asset].extra = {"as_of": settings_for_run(context).as_of.isoformat(), **extra}
    return result


def to_xcom(obj):
    """A frozen dataclass (or a list of them) as plain JSON-able data."""
    return [asdict(o) for o in obj] if isinstance(obj, list) else asdict(obj)


def fetch_plan(xcom: dict):
    """A fetch plan back from XCom."""
    from pipelines.fetch.plan import FetchPlan

    return FetchPlan(**xcom)


def archived_fetches(xcoms: list[dict]) -> list:
    """The mapped fetch tasks' results back from XCom."""
    from pipelines.fetch.plan import ArchivedFetch

    return [ArchivedFetch(**x) for x in xcoms]


def feed_counts(summary) -> dict:
    """What the load task tells the next ones: feeds ok and failed."""
    return {"feeds_ok": summary.feeds_ok, "feeds_failed": summary.feeds_failed}


def page_counts(pages) -> dict:
    """What the page re-check adds to it."""
    return {"pages_checked": pages.checked, "pages_new_versions": pages.new_versions}
