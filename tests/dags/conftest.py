"""An Airflow home of its own for the DAG tests: fresh metadata DB, no examples, the writer pool."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def airflow_env(home: Path) -> dict[str, str]:
    return {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API_AUTH__JWT_SECRET": "eventwatch-tests-" + "0" * 47,
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }


@pytest.fixture(scope="session")
def airflow_home(tmp_path_factory) -> Path:
    """Migrate a fresh metadata DB and create the pool; the env must be set before airflow is imported."""
    home = tmp_path_factory.mktemp("airflow_home")
    env = airflow_env(home)
    os.environ.update(env)
    subprocess.run([str(BIN / "airflow"), "db", "migrate"], env={**os.environ}, check=True,
                   capture_output=True, timeout=300)
    from pipelines.orchestration import WRITER_POOL

    subprocess.run([str(BIN / "airflow"), "pools", "set", WRITER_POOL, "1", "eventwatch DuckDB writers"],
                   env={**os.environ}, check=True, capture_output=True, timeout=120)
    return home
