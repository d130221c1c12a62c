"""A live Airflow: scheduler, dag-processor and api-server processes; ingest triggered over REST
runs the transform DAG through the Asset, and the published snapshot follows the run's as_of; a
transform triggered with the `full_refresh` param rebuilds every model from scratch."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from contextlib import closing
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
import requests

from tests.conftest import SAMPLE_FEEDS
from tests.dags.conftest import BIN, airflow_env

pytestmark = pytest.mark.slow
AS_OF = "2022-01-20T12:00:00+00:00"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(what: str, check, timeout: float, logs: Path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(2)
    tails = "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in sorted(logs.glob("*.log")))
    pytest.fail(f"timed out waiting for {what}\n{tails}")


@pytest.fixture
def live_airflow(tmp_path):
    home, logs = tmp_path / "airflow", tmp_path / "logs"
    home.mkdir()
    logs.mkdir()
    port = _free_port()
    env = {
        **os.environ,
        **airflow_env(home),
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        "EVENTWATCH_INGEST_SCHEDULE": "none",
        "EVENTWATCH_DATA_DIR": str(tmp_path / "data"),
        "EVENTWATCH_FEEDS": str(SAMPLE_FEEDS),
    }
    subprocess.run([str(BIN / "airflow"), "db", "migrate"], env=env, check=True, capture_output=True, timeout=300)
    subprocess.run([str(BIN / "airflow"), "pools", "set", "eventwatch_duckdb", "1", "writers"], env=env,
                   check=True, capture_output=True, timeout=120)
    processes = [
        subprocess.Popen([str(BIN / "airflow"), command], env=env, start_new_session=True,
                         stdout=(logs / f"{command}.log").open("w"), stderr=subprocess.STDOUT)
        for command in ("api-server", "scheduler", "dag-processor")
    ]
    try:
        yield f"http://127.0.0.1:{port}", home, logs, tmp_path / "data"
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def test_triggered_ingest_runs_transform_through_the_asset(live_airflow):
    base, home, logs, data_dir = live_airflow
    passwords = home / "simple_auth_manager_passwords.json.generated"

    def token():
        try:
            password = json.loads(passwords.read_text())["admin"]
            response = requests.post(f"{base}/auth/token", json={"username": "admin", "password": password}, timeout=5)
        except (OSError, ValueError, requests.RequestException):
            return None
        return response.json()["access_token"] if response.status_code in (200, 201) else None

    headers = {"Authorization": f"Bearer {_wait('the api-server', token, 120, logs)}"}

    def api(method: str, path: str, **kwargs):
        # generous: the api-server shares two loaded cores with the scheduler, the tasks and other suites
        response = requests.request(method, f"{base}/api/v2{path}", headers=headers, timeout=60, **kwargs)
        response.raise_for_status()
        return response.json()

    def parsed():
        try:
            return {d["dag_id"] for d in api("GET", "/dags")["dags"]} >= {"ingest", "transform"}
        except requests.Timeout:
            return False

    _wait("both DAGs parsed", parsed, 300, logs)
    for dag_id in ("ingest", "transform"):
        api("PATCH", f"/dags/{dag_id}", json={"is_paused": False})  # new DAGs start paused
    api("POST", "/dags/ingest/dagRuns", json={"logical_date": None, "conf": {"as_of": AS_OF}})

    def finished(dag_id: str):
        try:
            runs = api("GET", f"/dags/{dag_id}/dagRuns")["dag_runs"]
        except requests.Timeout:  # a slow answer while polling is no failure: ask again
            return None
        assert not [r for r in runs if r["state"] == "failed"], f"{dag_id} failed: see {home / 'logs'}"
        return [r for r in runs if r["state"] == "success"]

    # generous: the machine is shared, and the first dbt build of a data dir is a full one
    _wait("ingest to succeed", lambda: finished("ingest"), 600, logs)
    transform_runs = _wait("transform to run on the asset", lambda: finished("transform"), 900, logs)
    assert transform_runs[0]["run_type"] == "asset_triggered"

    # the first build was full (nothing built before); a second one is full only if the param got through
    api("POST", "/dags/transform/dagRuns", json={"logical_date": None, "conf": {"full_refresh": True, "as_of": AS_OF}})
    _wait("the full-refresh transform", lambda: len(finished("transform") or []) == 2, 900, logs)
    with closing(duckdb.connect(str(data_dir / "eventwatch.duckdb"), read_only=True)) as con:
        builds = con.execute("select is_full_refresh from intermediate.dbt_build_log order by build_number").fetchall()
    assert builds == [(True,), (True,)]

    with closing(duckdb.connect(str(data_dir / "published" / "eventwatch.duckdb"), read_only=True)) as con:
        latest = con.execute("select max(published_at) from marts.articles").fetchone()[0]
        assert latest <= datetime(2022, 1, 20, 12)  # the as_of travelled with the asset event
        assert con.execute("select status from marts.fct_deadlines where location = 'Geneva' "
                           "and due_start = '2022-01-10'").fetchall() == [("passed",)]
