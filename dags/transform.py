"""
### eventwatch transform

Scheduled on the `eventwatch_raw_entries` Asset that `ingest` updates: extract actors, claims and
time expressions from new article versions, gate the extractions, build the dbt project (models,
tests, snapshots), gate the marts, publish the read-only snapshot, which updates the
`eventwatch_published` Asset (for downstream DAGs: exports), and deliver the new alerts. A blocking
gate fails the run before `publish`, so the last good snapshot stays published; a sink that is down
leaves its alerts queued for the next run.

Trigger with params: `full_refresh` (rebuild every incremental model), `as_of` (the run's clock).
Business logic lives in `pipelines/`; this file only wires it.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Asset, dag, task

from pipelines.orchestration import (
    DBT_TIMEOUT,
    DEFAULT_ARGS,
    PUBLISHED_ASSET_URI,
    RAW_ASSET_URI,
    WRITER,
    transform_params,
)

PUBLISHED = Asset(name="eventwatch_published", uri=PUBLISHED_ASSET_URI)


@dag(
    dag_id="transform",
    schedule=[Asset(name="eventwatch_raw_entries", uri=RAW_ASSET_URI)],
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    params=transform_params(),
    doc_md=__doc__,
    tags=["eventwatch"],
)
def transform():
    @task(**WRITER)
    def extract(**context) -> None:
        from pipelines import orchestration as o, stages

        stages.extract(o.settings_for_run(context))

    @task(**WRITER)
    def gate_extractions(**context) -> None:
        from pipelines import orchestration as o, stages

        o.gated(stages.check, context, ("extract",))

    @task(**WRITER, execution_timeout=DBT_TIMEOUT)
    def dbt_build(**context) -> dict:
        from pipelines import orchestration as o, stages

        return {"full_refresh": stages.transform(o.settings_for_run(context),
                                                 full_refresh=o.full_refresh(context)).full_refresh}

    @task(**WRITER)
    def gate_marts(**context) -> None:
        from pipelines import orchestration as o, stages

        o.gated(stages.check, context, ("marts",))

    @task(**WRITER, outlets=[PUBLISHED])
    def publish(**context) -> str:
        from pipelines import orchestration as o, stages

        return str(o.announce(context, PUBLISHED, stages.publish(o.settings_for_run(context), context["run_id"]),
                              run_id=context["run_id"]))

    @task(**WRITER)
    def alerts(**context) -> str:
        from pipelines import orchestration as o, stages

        return str(stages.alerts(o.settings_for_run(context), context["run_id"]))

    extract() >> gate_extractions() >> dbt_build() >> gate_marts() >> publish() >> alerts()


transform()
