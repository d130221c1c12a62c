"""
### eventwatch maintenance

Daily: compact the raw archive and remove its orphans per the archive policy
(`EVENTWATCH_ARCHIVE_COMPACT_AFTER_DAYS`, `EVENTWATCH_ARCHIVE_ORPHAN_GRACE_DAYS`; no body a fetch
refers to is ever deleted), CHECKPOINT the DuckDB file, and write the feed-health report to
`<data dir>/reports/feed-health.json`. Each job is a writer in the one-slot DuckDB pool.

Business logic lives in `pipelines/maintenance.py`; this file only wires it.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import dag, task

from pipelines.orchestration import DEFAULT_ARGS, WRITER


@dag(
    dag_id="maintenance",
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    doc_md=__doc__,
    tags=["eventwatch"],
)
def maintenance():
    @task(**WRITER)
    def archive(**context) -> dict:
        from pipelines import orchestration as o, stages

        return o.to_xcom(stages.maintain_archive(o.settings_for_run(context)))

    @task(**WRITER)
    def checkpoint(**context) -> dict:
        from pipelines import orchestration as o, stages

        return o.to_xcom(stages.checkpoint(o.settings_for_run(context)))

    @task(**WRITER)
    def feed_health(**context) -> dict:
        from pipelines import orchestration as o, stages

        return stages.feed_health(o.settings_for_run(context))["summary"]

    archive() >> checkpoint() >> feed_health()


maintenance()
