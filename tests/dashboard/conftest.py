"""The sample corpus published once per session, as `eventwatch run` publishes it, for the dashboard tests."""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import duckdb
import pytest

from tests.conftest import REPO, SAMPLE_FEEDS

EVENTWATCH = str(Path(sys.executable).parent / "eventwatch")
SAMPLE_AS_OF = "2022-02-23T12:00:00Z"


@pytest.fixture(scope="session")
def published(tmp_path_factory) -> Path:
    """A data dir holding the sample corpus's published snapshot, as of the morning of 2022-02-23."""
    data_dir = tmp_path_factory.mktemp("dashboard-data")
    result = subprocess.run([EVENTWATCH, "run", "--feeds", str(SAMPLE_FEEDS), "--data-dir", str(data_dir),
                             "--as-of", SAMPLE_AS_OF], capture_output=True, text=True, timeout=900, cwd=REPO, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    return data_dir


@pytest.fixture
def snapshot_con(published):
    """A read-only connection to the published snapshot."""
    with closing(duckdb.connect(str(published / "published" / "eventwatch.duckdb"), read_only=True)) as con:
        yield con


@pytest.fixture
def board_env(published, monkeypatch):
    """The environment the dashboard reads its data dir from, pointed at the sample snapshot."""
    monkeypatch.setenv("EVENTWATCH_DATA_DIR", str(published))
    os.environ.pop("EVENTWATCH_AS_OF", None)
    return published
