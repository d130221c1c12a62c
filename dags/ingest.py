"""
### eventwatch ingest

Every 15 minutes (`EVENTWATCH_INGEST_SCHEDULE`, a cron expression or `none`): plan the fetches (stored ETag / Last-Modified per feed), fetch each feed into the
raw archive (mapped, one task per feed, no database access), load the archived bodies into
`raw.entries` in one writer task, and gate them with the `raw_entries` suite. A passing gate
updates the raw-entries Asset, which schedules the `transform` DAG.

Business logic lives in `pipelines/`; this file only wires it.
"""

from __future__ import annotations

import os

import pendulum
from airflow.sdk import Asset, dag, get_current_context, task

from pipelines.orchestration import RAW_ASSET_URI, WRITER_POOL

RAW_ENTRIES = Asset(name="eventwatch_raw_entries", uri=RAW_ASSET_URI)
# a cron expression, or "none" for triggered runs only (replays, tests)
SCHEDULE = os.environ.get("EVENTWATCH_INGEST_SCHEDULE", "*/15 * * * *")


@dag(
    dag_id="ingest",
    schedule=None if SCHEDULE == "none" else SCHEDULE,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["eventwatch"],
)
def ingest():
    @task(pool=WRITER_POOL)
    def plan() -> list[dict]:
        from pipelines import stages
        from pipelines.ingest import plan_fetches
        from pipelines.orchestration import settings_for_run, to_xcom

        settings = settings_for_run(get_current_context())
        with stages.writing(settings, "ingest plan") as con:
            return [to_xcom(p) for p in plan_fetches(con, settings)]

    @task
    def fetch_feed(plan: dict) -> dict:
        from pipelines.ingest import FetchPlan, fetch_and_archive
        from pipelines.orchestration import settings_for_run, to_xcom

        return to_xcom(fetch_and_archive(FetchPlan(**plan), settings_for_run(get_current_context())))

    @task(pool=WRITER_POOL)
    def load(fetched: list[dict]) -> dict:
        from pipelines import stages
        from pipelines.ingest import ArchivedFetch, record_fetch
        from pipelines.orchestration import settings_for_run

        context = get_current_context()
        settings = settings_for_run(context)
        with stages.writing(settings, "ingest load", context["run_id"]) as con:
            outcomes = [record_fetch(con, settings, context["run_id"], ArchivedFetch(**f)) for f in fetched]
        return {"feeds_ok": sum(o.ok for o in outcomes), "feeds_failed": sum(not o.ok for o in outcomes)}

    @task(pool=WRITER_POOL, outlets=[RAW_ENTRIES])
    def gate(loaded: dict) -> dict:
        from pipelines import stages
        from pipelines.orchestration import settings_for_run

        context = get_current_context()
        settings = settings_for_run(context)
        stages.check(settings, context["run_id"], ("fetch",))
        context["outlet_events"][RAW_ENTRIES].extra = {"as_of": settings.as_of.isoformat()}
        return loaded

    gate(load(fetch_feed.expand(plan=plan())))


ingest()
