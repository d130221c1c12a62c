"""`dag.test()` of the maintenance DAG on a data dir that a real fetch filled."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, SAMPLE_FEEDS

AS_OF = "2022-01-20T12:00:00+00:00"
pytestmark = pytest.mark.slow


def test_maintenance_dag_runs_its_jobs_on_a_real_data_dir(airflow_home, tmp_path, monkeypatch):
    from airflow.dag_processing.dagbag import DagBag
    from airflow.utils.state import DagRunState

    data_dir = tmp_path / "data"
    fetched = subprocess.run([str(Path(sys.executable).parent / "eventwatch"), "fetch", "--feeds", str(SAMPLE_FEEDS),
                              "--data-dir", str(data_dir), "--as-of", AS_OF], capture_output=True, text=True,
                             timeout=600)
    assert fetched.returncode == 0, fetched.stderr[-3000:]
    bodies = sorted(p.name for p in (data_dir / "archive").glob("*/*.bin"))
    assert bodies
    monkeypatch.setenv("EVENTWATCH_ARCHIVE_COMPACT_AFTER_DAYS", "0")  # every body is old enough

    later = "2022-01-21T00:00:00+00:00"
    run = DagBag(dag_folder=str(REPO / "dags")).get_dag("maintenance").test(
        run_conf={"data_dir": str(data_dir), "feeds": str(SAMPLE_FEEDS), "as_of": later})
    assert run.state == DagRunState.SUCCESS

    assert sorted(p.name for p in (data_dir / "archive").glob("*/*.bin.gz")) == [f"{b}.gz" for b in bodies]
    report = json.loads((data_dir / "reports" / "feed-health.json").read_text())
    assert report["as_of"].startswith("2022-01-21")
    assert {f["feed_id"] for f in report["feeds"]} and sum(report["summary"].values()) == len(report["feeds"])
    assert report["summary"]["ok"] >= 1
    assert not (data_dir / "eventwatch.duckdb.wal").exists()
