"""Transform stage: build the dbt project (dbt_project/) in-process against the DuckDB file.

dbt owns the schemas staging, intermediate, marts and snapshots; it reads raw.* and extract.*.
The run's clock reaches the models through a one-row table, `transform.build_settings` (as_of and
the project digest), written before each dbt call and emptied after it, so statuses and held-back
entries depend on the settings, never on the wall clock. Not through `--vars`: a var that changes
makes dbt parse the whole project again, and as_of changes every run (docs/design.md, "Incremental
runs"). The large models are incremental; `build` decides
when a build must be a full refresh instead (docs/design.md, "Incremental runs").
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from pipelines import resources
from pipelines.faults import crash_point
from pipelines.settings import Settings

PROJECT_DIR = resources.dbt_project_dir()

_FAILED = {"error", "fail", "runtime error"}
_PASSED = {"success", "pass"}


class TransformError(RuntimeError):
    """dbt did not succeed; the message is one line naming the failing node."""


@dataclass(frozen=True)
class DbtResult:
    """What one dbt invocation did, counted by node kind (unit tests count as tests)."""

    success: bool
    models_passed: int = 0
    models_failed: int = 0
    tests_passed: int = 0
    tests_failed: int = 0
    tests_warned: int = 0
    snapshots_passed: int = 0
    snapshots_failed: int = 0
    skipped: int = 0
    full_refresh: bool = False
    full_parse: bool = False  # dbt parsed the whole project: no saved manifest, or one it could not use


def run_dbt(settings: Settings, *args: str) -> DbtResult:
    """Run one dbt command (e.g. "build", or "docs", "generate") against the settings' database."""
    from dbt.cli.main import dbtRunner  # heavy import: only when a transform runs

    target_dir = settings.dbt_target_dir.resolve()
    log_dir = (settings.data_dir / "dbt_logs").resolve()
    command = [
        *args,
        "--project-dir", str(PROJECT_DIR),
        "--profiles-dir", str(PROJECT_DIR),
        "--target-path", str(target_dir),
        "--log-path", str(log_dir),
    ]
    if args[:1] == ("build",):
        # unit tests check the models' logic on fixed rows, not the data: `make test` runs them
        # (tests/transform/test_dbt_build.py), a pipeline build need not pay for them every run
        command += ["--exclude-resource-type", "unit_test"]
    if "--log-level" not in args:
        command += ["--log-level", "warn"]  # terse on the console...
    if "--log-level-file" not in args:
        command += ["--log-level-file", "debug"]  # ...complete in <data dir>/dbt_logs/dbt.log
    environment = {
        "EVENTWATCH_DB": str(Path(settings.database).resolve()),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    full_parses: list[str] = []

    def on_parse(event: Any) -> None:
        if event.info.name == "UnableToPartialParse":
            full_parses.append(event.info.msg)

    with _environment(environment), _build_settings(settings):
        try:
            outcome = dbtRunner(callbacks=[_on_dbt_event, on_parse]).invoke(command)
        finally:
            _release_database()
    result = replace(_count(outcome.success, outcome.result), full_parse=bool(full_parses))
    if not outcome.success:
        raise TransformError(_failure_reason(" ".join(args), outcome))
    return result


def _on_dbt_event(event: Any) -> None:
    """dbt reports each finished model: a crash test may kill the build there (pipelines/faults.py)."""
    if event.info.name == "LogModelResult":
        crash_point("dbt")


def build(settings: Settings, *, full_refresh: bool = False) -> DbtResult:
    """`dbt build`: models, their data tests and the snapshots, in DAG order (unit tests: run_dbt).

    Incremental models recompute what changed since the last complete build. The build is a full
    refresh when asked, and also when the last build did not complete or was made by another
    version of the dbt project (see last_build).
    """
    if not full_refresh:
        previous = last_build(settings)
        full_refresh = previous is None or not previous.is_complete or previous.project_digest != project_digest()
    result = run_dbt(settings, "build", *(["--full-refresh"] if full_refresh else []))
    return replace(result, full_refresh=full_refresh)


@dataclass(frozen=True)
class BuildRecord:
    """The last row of intermediate.dbt_build_log (dbt_project/macros/build_log.sql)."""

    build_number: int
    as_of: datetime
    project_digest: str | None
    is_full_refresh: bool
    is_complete: bool


def last_build(settings: Settings) -> BuildRecord | None:
    """The last dbt build or run recorded in the settings' database; None before the first."""
    if not Path(settings.database).exists():
        return None
    with closing(duckdb.connect(str(settings.database), read_only=True)) as con:
        return read_last_build(con)


def read_last_build(con: duckdb.DuckDBPyConnection) -> BuildRecord | None:
    """The last row of intermediate.dbt_build_log on this connection; None before the first build."""
    try:
        row = con.execute(
            "select build_number, as_of, project_digest, is_full_refresh, is_complete "
            "from intermediate.dbt_build_log order by build_number desc limit 1"
        ).fetchone()
    except duckdb.CatalogException:  # no build yet
        return None
    return BuildRecord(*row) if row else None


def project_digest() -> str:
    """A digest of everything in the dbt project that decides what the tables hold."""
    digest = hashlib.sha256()
    paths = [PROJECT_DIR / "dbt_project.yml"] + sorted(
        path for folder in ("models", "macros", "snapshots") for path in (PROJECT_DIR / folder).rglob("*")
        if path.is_file()
    )
    for path in paths:
        digest.update(path.relative_to(PROJECT_DIR).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


# read by dbt_project/macros/as_of.sql (as_of_timestamp, build_digest)
BUILD_SETTINGS = "transform.build_settings"


@contextmanager
def _build_settings(settings: Settings) -> Iterator[None]:
    """Hold the run's as_of and the project digest in BUILD_SETTINGS for the duration of one dbt call.

    Emptied afterwards, so a bare `dbt` call outside the pipeline falls back to now, as it always did.
    """
    database = str(Path(settings.database).resolve())
    with closing(duckdb.connect(database)) as con:
        con.execute("create schema if not exists transform")
        con.execute(f"create or replace table {BUILD_SETTINGS} (as_of timestamp not null, project_digest varchar)")
        con.execute(f"insert into {BUILD_SETTINGS} values (?, ?)", [settings.as_of, project_digest()])
    try:
        yield
    finally:
        with closing(duckdb.connect(database)) as con:
            con.execute(f"delete from {BUILD_SETTINGS}")


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables for the duration of one dbt call, then restore them."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _release_database() -> None:
    """Close the DuckDB instance dbt-duckdb keeps for the process after a command.

    dbt-duckdb 1.11 holds it past the end of dbtRunner.invoke; until it is closed the file stays
    locked, later connections with another configuration (read_only) fail, and a copy of the file
    (publish) could miss what is still in the write-ahead log.
    """
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:  # pragma: no cover - dbt-duckdb is a dependency
        return
    with DuckDBConnectionManager._LOCK:
        environment = DuckDBConnectionManager._ENV
        DuckDBConnectionManager._ENV = None
        if environment is not None:
            environment.close()


def _node_results(result: Any) -> list[Any]:
    """The per-node results of a run-like command; other commands (docs, parse) have none."""
    return list(getattr(result, "results", None) or [])


def _count(success: bool, result: Any) -> DbtResult:
    counts: dict[str, Any] = dict.fromkeys(
        (
            "models_passed", "models_failed", "tests_passed", "tests_failed", "tests_warned",
            "snapshots_passed", "snapshots_failed", "skipped",
        ),
        0,
    )
    kinds = {"model": "models", "test": "tests", "unit_test": "tests", "snapshot": "snapshots"}
    for node_result in _node_results(result):
        status = str(node_result.status).lower()
        kind = kinds.get(str(getattr(node_result.node, "resource_type", "")).lower())
        if status == "skipped":
            counts["skipped"] += 1
        elif kind is None:
            continue
        elif status in _PASSED:
            counts[f"{kind}_passed"] += 1
        elif status in _FAILED:
            counts[f"{kind}_failed"] += 1
        elif status == "warn" and kind == "tests":
            counts["tests_warned"] += 1
    return DbtResult(success=success, **counts)


def _first_line(text: str) -> str:
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    return lines[0] if lines else ""


def _failure_reason(command: str, outcome: Any) -> str:
    """One line: the first failing node and its message, or the exception dbt raised."""
    failures = [
        node_result
        for node_result in _node_results(outcome.result)
        if str(node_result.status).lower() in _FAILED
    ]
    if failures:
        first = failures[0]
        node = getattr(first.node, "unique_id", "?")
        more = f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""
        return f"dbt {command} failed at {node}{more}: {_first_line(first.message or '')}"
    if outcome.exception is not None:
        return f"dbt {command} failed: {_first_line(str(outcome.exception))}"
    return f"dbt {command} failed"
