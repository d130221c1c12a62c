"""
### eventwatch transform

Scheduled on the raw-entries Asset that `ingest` updates: extract actors, claims and time
expressions from new article versions, gate the extractions, build the dbt project (models, tests,
snapshots), gate the marts, publish the read-only snapshot, and deliver the new alerts. A blocking gate fails the run before `publish`, so the
last good snapshot stays published.

Business logic lives in `pipelines/`; this file only wires it.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Asset, dag, get_current_context, task

from pipelines.orchestration import RAW_ASSET_URI, WRITER_POOL


@dag(
    dag_id="transform",
    schedule=[Asset(name="eventwatch_raw_entries", uri=RAW_ASSET_URI)],
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["eventwatch"],
)
def transform():
    def _settings():
        from pipelines.orchestration import settings_for_run

        return settings_for_run(get_current_context())

    @task(pool=WRITER_POOL)
    def extract() -> None:
        from pipelines import stages

        stages.extract(_settings())

    @task(pool=WRITER_POOL)
    def gate_extractions() -> None:
        from pipelines import stages

        stages.check(_settings(), get_current_context()["run_id"], ("extract",))

    @task(pool=WRITER_POOL)
    def dbt_build() -> None:
        from pipelines import stages

        stages.transform(_settings())

    @task(pool=WRITER_POOL)
    def gate_marts() -> None:
        from pipelines import stages

        stages.check(_settings(), get_current_context()["run_id"], ("marts",))

    @task(pool=WRITER_POOL)
    def publish() -> str:
        from pipelines import stages

        return str(stages.publish(_settings(), get_current_context()["run_id"]))

    @task(pool=WRITER_POOL)
    def alerts() -> str:
        from pipelines import stages

        return str(stages.alerts(_settings(), get_current_context()["run_id"]))

    extract() >> gate_extractions() >> dbt_build() >> gate_marts() >> publish() >> alerts()


transform()
