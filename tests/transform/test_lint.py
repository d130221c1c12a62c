"""The dbt project passes sqlfluff (dbt templater, duckdb dialect: dbt_project/.sqlfluff), as `make lint` runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pipelines.transform import PROJECT_DIR

SQLFLUFF = Path(sys.executable).parent / "sqlfluff"


def test_the_dbt_project_passes_sqlfluff(tmp_path):
    # the dbt templater compiles the project, and is_incremental() looks into the database
    environment = {**os.environ, "EVENTWATCH_DB": str(tmp_path / "lint.duckdb"),
                   "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    result = subprocess.run([str(SQLFLUFF), "lint", "--nocolor", "."], cwd=PROJECT_DIR, env=environment,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "All Finished" in result.stdout
