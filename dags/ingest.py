"""
### eventwatch ingest

Every 15 minutes (`EVENTWATCH_INGEST_SCHEDULE`, a cron expression or `none`): plan the fetches
(stored ETag / Last-Modified per feed), fetch each feed into the raw archive (mapped, one task per
feed, named by feed id, no database access, at most `EVENTWATCH_PER_HOST` at once per host), load
the archived bodies into `raw.entries` in one writer task (fetching the article pages of new
entries whose feed carries only a teaser), re-check the known article pages due on their decaying
schedule (an edit becomes a new version), and gate them with the `raw_entries` suite. A passing
gate updates the `eventwatch_raw_entries` Asset, which schedules `transform`.

Trigger with params: `as_of` (the run's clock), `feeds` (a feeds file), `force` (poll every feed now).
Business logic lives in `pipelines/`; this file only wires it.
"""

from __future__ import annotations

import os

import pendulum
from airflow.sdk import Asset, dag, task

from pipelines.orchestration import DEFAULT_ARGS, FETCH_TIMEOUT, RAW_ASSET_URI, WRITER, ingest_params

RAW_ENTRIES = Asset(name="eventwatch_raw_entries", uri=RAW_ASSET_URI)
# a cron expression, or "none" for triggered runs only (replays, tests)
SCHEDULE = os.environ.get("EVENTWATCH_INGEST_SCHEDULE", "*/15 * * * *")


@dag(
    dag_id="ingest",
    schedule=None if SCHEDULE == "none" else SCHEDULE,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    params=ingest_params(),
    doc_md=__doc__,
    tags=["eventwatch"],
)
def ingest():
    @task(**WRITER)
    def plan(**context) -> list[dict]:
        from pipelines import orchestration as o, stages

        return o.to_xcom(stages.plan_fetches(o.settings_for_run(context)))

    @task(map_index_template="{{ task.op_kwargs['plan']['feed_id'] }}", execution_timeout=FETCH_TIMEOUT)
    def fetch_feed(plan: dict, **context) -> dict:
        from pipelines import orchestration as o, stages

        return o.to_xcom(stages.fetch_feed(o.settings_for_run(context), o.fetch_plan(plan)))

    @task(**WRITER)
    def load(fetched: list[dict], **context) -> dict:
        from pipelines import orchestration as o, stages

        return o.feed_counts(stages.record_fetches(o.settings_for_run(context), context["run_id"],
                                                   o.archived_fetches(fetched)))

    @task(**WRITER)
    def recheck_pages(loaded: dict, **context) -> dict:
        from pipelines import orchestration as o, stages

        return {**loaded, **o.page_counts(stages.recheck_pages(o.settings_for_run(context), context["run_id"]))}

    @task(**WRITER, outlets=[RAW_ENTRIES])
    def gate(loaded: dict, **context) -> None:
        from pipelines import orchestration as o, stages

        o.announce(context, RAW_ENTRIES, o.gated(stages.check, context, ("fetch",)), **loaded)

    gate(recheck_pages(load(fetch_feed.expand(plan=plan()))))


ingest()
