"""Run the Great Expectations suites of `expectations/` on batches pulled from DuckDB.

GX's SQL datasource on DuckDB is broken (it reads results after closing the connection), so each
batch is pulled as a pandas DataFrame and validated in an ephemeral context. Every suite run is a
row in quality.results, every expectation a row in quality.expectation_results; Data Docs are built
under the data dir.
"""

from __future__ import annotations

import importlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timezone

import duckdb
import pyarrow as pa

import expectations  # noqa: F401  (turns GX analytics off before run_gates imports GX: no network calls)
from pipelines.settings import Settings

log = logging.getLogger(__name__)

SUITE_MODULES = {
    "fetch": ("expectations.raw_entries", "expectations.articles"),
    "extract": ("expectations.extractions",),
    "marts": ("expectations.marts",),
}
STAGES = tuple(SUITE_MODULES)


class GateFailed(RuntimeError):
    """A blocking expectation failed: the run stops before the next stage writes."""


@dataclass(frozen=True)
class ExpectationOutcome:
    expectation: str
    column: str | None
    severity: str  # block | warn
    success: bool
    unexpected_count: int | None
    detail: str

    def describe(self) -> str:
        where = f" on {self.column}" if self.column else ""
        return f"{self.expectation}{where}: {self.detail}"


@dataclass(frozen=True)
class GateOutcome:
    stage: str
    suite: str
    outcomes: tuple[ExpectationOutcome, ...]

    @property
    def blocking_failures(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success and o.severity == "block"]

    @property
    def warnings(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success and o.severity == "warn"]

    @property
    def success(self) -> bool:
        return not self.blocking_failures


def _context(settings: Settings):
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    # GX sets INFO on this one logger itself, which would announce a temp dir per context
    for name in ("great_expectations", "great_expectations.data_context.types.base"):
        logging.getLogger(name).setLevel(logging.WARNING)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    # our site only: the ephemeral default would build a second copy in a temp dir
    context.variables.data_docs_sites = {
        "eventwatch": {
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                              "base_directory": str(settings.docs_dir.resolve())},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        }
    }
    return context


def _outcome(result) -> ExpectationOutcome:
    config = result.expectation_config
    level = getattr(config, "severity", None)
    severity = "warn" if getattr(level, "value", level) in ("warning", "info") else "block"
    details = result.result or {}
    unexpected = details.get("unexpected_count")
    if result.exception_info and result.exception_info.get("raised_exception"):
        detail = f"error: {result.exception_info.get('exception_message')}"
    elif unexpected is not None:
        detail = f"{unexpected} of {details.get('element_count')} rows unexpected"
        sample = details.get("partial_unexpected_list") or []
        if sample:
            detail += f", e.g. {json.dumps(sample[:3], default=str)}"
    else:
        detail = f"observed {json.dumps(details.get('observed_value'), default=str)}"
    return ExpectationOutcome(config.type, config.kwargs.get("column"), severity, bool(result.success),
                              unexpected, detail)


def run_gates(con: duckdb.DuckDBPyConnection, settings: Settings, stage: str, run_id: str) -> list[GateOutcome]:
    """Validate every suite of `stage`, record the results, and raise GateFailed on a blocking failure."""
    import great_expectations as gx

    gates = [gate for module in SUITE_MODULES[stage] for gate in importlib.import_module(module).gates(settings.as_of)]
    context = _context(settings)
    datasource = context.data_sources.add_pandas(f"eventwatch_{stage}")
    results: list[GateOutcome] = []
    for gate in gates:
        frame = gate.query(con) if callable(gate.query) else con.execute(gate.query).df()
        asset = datasource.add_dataframe_asset(gate.suite)
        suite = context.suites.add(gx.ExpectationSuite(name=gate.suite, expectations=list(gate.expectations)))
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=gate.suite, data=asset.add_batch_definition_whole_dataframe(gate.suite),
                                    suite=suite))
        checkpoint = context.checkpoints.add(gx.Checkpoint(
            name=gate.suite, validation_definitions=[definition], result_format="SUMMARY",
            actions=[gx.checkpoint.UpdateDataDocsAction(name="data_docs")]))
        run = checkpoint.run(batch_parameters={"dataframe": frame})
        validation = next(iter(run.run_results.values()))
        results.append(GateOutcome(stage, gate.suite, tuple(_outcome(r) for r in validation.results)))
    _record(con, settings, run_id, results)
    for outcome in results:
        for warning in outcome.warnings:
            log.warning("gate %s warns: %s", outcome.suite, warning.describe())
    failed = [o for o in results if not o.success]
    if failed:
        first = failed[0].blocking_failures[0]
        raise GateFailed(f"gate {failed[0].suite} blocked: {first.describe()}")
    return results


def _record(con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str, results: list[GateOutcome]) -> None:
    # checked_at is audit time (the load-time clock), unlike the data, which runs on as_of
    at = datetime.now(timezone.utc).replace(tzinfo=None)
    summary = pa.Table.from_pylist([
        {"run_id": run_id, "stage": r.stage, "suite": r.suite, "success": r.success,
         "evaluated": len(r.outcomes), "failed": sum(not o.success for o in r.outcomes),
         "severity": "block" if r.blocking_failures else ("warn" if r.warnings else "pass"), "checked_at": at}
        for r in results
    ])
    detail = pa.Table.from_pylist([
        {"run_id": run_id, "suite": r.suite, "expectation": o.expectation, "column_name": o.column,
         "severity": o.severity, "success": o.success, "unexpected_count": o.unexpected_count,
         "detail": o.detail, "checked_at": at}
        for r in results for o in r.outcomes
    ])
    con.register("_gate_summary", summary)
    con.register("_gate_detail", detail)
    try:
        con.execute("insert into quality.results by name select * from _gate_summary")
        con.execute("insert into quality.expectation_results by name select * from _gate_detail")
    finally:
        con.unregister("_gate_summary")
        con.unregister("_gate_detail")
