"""Run the Great Expectations suites of `expectations/` on batches pulled from DuckDB.

GX's SQL datasource on DuckDB is broken (it reads results after closing the connection), so each
batch is pulled as a pandas DataFrame and validated in an ephemeral context. Every suite run is a
row in quality.results, every expectation a row in quality.expectation_results; Data Docs are built
under the data dir.

A gate with a `key` is validated with GX's COMPLETE result format, so every failing expectation
names the records behind it (`eventwatch check --explain` prints them). The failing records of an
expectation tagged `expectations.QUARANTINE` are written to quality.quarantined, replacing what the
stage's last gate run put there (so a fixed rule or parser releases them on the next run); the dbt
staging models leave them out. Rows a statistical gate abstains on are left out of its batch, and
every outcome of that gate says which and why.
"""

from __future__ import annotations

import importlib
import json
import logging
import math
from dataclasses import dataclass
from datetime import datetime, timezone

import duckdb
import pyarrow as pa

import expectations  # noqa: F401  (turns GX analytics off before run_gates imports GX: no network calls)
from expectations import QUARANTINE, Gate
from pipelines.settings import Settings
from pipelines.store.tables import arrow_schema

log = logging.getLogger(__name__)

SUITE_MODULES = {
    "fetch": ("expectations.raw_entries", "expectations.articles"),
    "extract": ("expectations.extractions",),
    "marts": ("expectations.marts",),
}
STAGES = tuple(SUITE_MODULES)
# how many abstentions and failing rows a detail line names before "and N more"
_NAMED = 5


class GateFailed(RuntimeError):
    """A blocking expectation failed: the run stops before the next stage writes."""

    def __init__(self, message: str, outcomes: list[GateOutcome] | None = None) -> None:
        super().__init__(message)
        self.outcomes = outcomes or []  # every suite run so far, for `check --explain`


@dataclass(frozen=True)
class ExpectationOutcome:
    expectation: str
    column: str | None
    severity: str  # block | warn (a quarantining expectation is a warning at suite level)
    success: bool
    unexpected_count: int | None
    detail: str
    quarantine: bool = False  # record-level: its failing rows are quarantined
    rows: tuple[dict, ...] = ()  # the failing rows: the gate's key and the offending values

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
    def quarantines(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success and o.quarantine]

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


def _plain(value):
    """A JSON-friendly Python value from what pandas and GX hand back (numpy scalars, NaN, NaT)."""
    if hasattr(value, "item") and not isinstance(value, (list, tuple, dict, str)):
        value = value.item()
    return None if isinstance(value, float) and math.isnan(value) else value


def _rows(details: dict, key: str | None) -> tuple[dict, ...]:
    """GX's failing rows as plain dicts, the key first."""
    rows = [row for row in details.get("unexpected_index_list") or () if isinstance(row, dict)]
    return tuple({k: _plain(row[k]) for k in sorted(row, key=lambda name: name != key)} for row in rows)


def _outcome(result, gate: Gate, abstained: str) -> ExpectationOutcome:
    config = result.expectation_config
    level = getattr(config, "severity", None)
    details = result.result or {}
    unexpected = details.get("unexpected_count")
    rows = _rows(details, gate.key)
    raised = bool(result.exception_info and result.exception_info.get("raised_exception"))
    # a record-level rule that could not run, or failed without naming its records, is a batch problem
    quarantine = ((config.meta or {}).get("on_failure") == QUARANTINE["on_failure"] and bool(gate.relation)
                  and not raised and (bool(result.success) or bool(rows)))
    severity = "warn" if quarantine or getattr(level, "value", level) in ("warning", "info") else "block"
    if raised:
        detail = f"error: {result.exception_info.get('exception_message')}"
    elif unexpected is not None:
        detail = f"{unexpected} of {details.get('element_count')} rows unexpected"
        if quarantine and not result.success:
            keys = {row.get(gate.key) for row in rows}
            detail = f"{len(keys)} record{'s' if len(keys) != 1 else ''} quarantined ({detail})"
        sample = details.get("partial_unexpected_list") or []
        if sample:
            detail += f", e.g. {json.dumps([_plain(v) for v in sample[:3]], default=str)}"
    else:
        detail = f"observed {json.dumps(details.get('observed_value'), default=str)}"
    column = config.kwargs.get("column") or (
        "/".join(config.kwargs[c] for c in ("column_A", "column_B")) if "column_A" in config.kwargs else None)
    return ExpectationOutcome(config.type, column, severity, bool(result.success), unexpected,
                              detail + abstained, quarantine, rows)


def _batch(con: duckdb.DuckDBPyConnection, gate: Gate):
    """The gate's DataFrame without the rows it abstains on, and a note naming those (empty if none)."""
    frame = gate.query(con) if callable(gate.query) else con.execute(gate.query).df()
    if not gate.abstain:
        return frame, ""
    held = frame[gate.abstain].notna()
    reasons = [f"{row[gate.key] if gate.key else index}: {row[gate.abstain]}"
               for index, row in frame[held].iterrows()]
    if not reasons:
        return frame, ""
    more = f"; and {len(reasons) - _NAMED} more" if len(reasons) > _NAMED else ""
    return frame[~held], f"; abstained on {len(reasons)} of {len(frame)}: " + "; ".join(reasons[:_NAMED]) + more


def run_gates(con: duckdb.DuckDBPyConnection, settings: Settings, stage: str, run_id: str,
              gates: list[Gate] | None = None) -> list[GateOutcome]:
    """Validate every suite of `stage` (or the `gates` given), record the results, quarantine the records
    that record-level rules failed, and raise GateFailed on a blocking failure."""
    import great_expectations as gx

    if gates is None:
        gates = [gate for module in SUITE_MODULES[stage]
                 for gate in importlib.import_module(module).gates(settings.as_of)]
    context = _context(settings)
    datasource = context.data_sources.add_pandas(f"eventwatch_{stage}")
    results: list[GateOutcome] = []
    for gate in gates:
        frame, abstained = _batch(con, gate)
        # a keyed gate names the failing records (only failing rows are listed, so the cost is theirs)
        result_format = ({"result_format": "COMPLETE", "unexpected_index_column_names": [gate.key]}
                         if gate.key in frame.columns else "SUMMARY")
        asset = datasource.add_dataframe_asset(gate.suite)
        suite = context.suites.add(gx.ExpectationSuite(name=gate.suite, expectations=list(gate.expectations)))
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=gate.suite, data=asset.add_batch_definition_whole_dataframe(gate.suite),
                                    suite=suite))
        checkpoint = context.checkpoints.add(gx.Checkpoint(
            name=gate.suite, validation_definitions=[definition], result_format=result_format,
            actions=[gx.checkpoint.UpdateDataDocsAction(name="data_docs")]))
        run = checkpoint.run(batch_parameters={"dataframe": frame})
        validation = next(iter(run.run_results.values()))
        results.append(GateOutcome(stage, gate.suite, tuple(_outcome(r, gate, abstained) for r in validation.results)))
    _record(con, settings, run_id, results)
    _quarantine(con, run_id, stage, results, {gate.suite: gate for gate in gates})
    for outcome in results:
        for warning in outcome.warnings:
            log.warning("gate %s warns: %s", outcome.suite, warning.describe())
    failed = [o for o in results if not o.success]
    if failed:
        first = failed[0].blocking_failures[0]
        raise GateFailed(f"gate {failed[0].suite} blocked: {first.describe()}", results)
    return results


def _quarantine(con: duckdb.DuckDBPyConnection, run_id: str, stage: str, results: list[GateOutcome],
                gates: dict[str, Gate]) -> None:
    """Replace the stage's quarantined records with the ones its gates failed now (a fix releases them)."""
    at = datetime.now(timezone.utc).replace(tzinfo=None)
    rows = []
    for result in results:
        gate = gates[result.suite]
        for outcome in result.quarantines:
            for row in outcome.rows:
                values = {k: v for k, v in row.items() if k != gate.key}
                rows.append({"relation": gate.relation, "record_key": str(row.get(gate.key)), "stage": stage,
                             "suite": result.suite, "expectation": outcome.expectation,
                             "column_name": outcome.column, "run_id": run_id, "checked_at": at,
                             "reason": f"{result.suite}: {outcome.expectation} on {outcome.column}: "
                                       f"{json.dumps(values, default=str, ensure_ascii=False)[:500]}"})
    table = pa.Table.from_pylist(rows, schema=arrow_schema("quality.quarantined"))
    con.register("_gate_quarantine", table)
    try:
        con.execute("begin")
        con.execute("delete from quality.quarantined where stage = ?", [stage])
        con.execute("insert into quality.quarantined by name select * from _gate_quarantine")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    finally:
        con.unregister("_gate_quarantine")


def _record(con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str, results: list[GateOutcome]) -> None:
    # checked_at is audit time (the load-time clock), unlike the data, which runs on as_of
    at = datetime.now(timezone.utc).replace(tzinfo=None)
    summary = pa.Table.from_pylist([
        {"run_id": run_id, "stage": r.stage, "suite": r.suite, "success": r.success,
         "evaluated": len(r.outcomes), "failed": sum(not o.success for o in r.outcomes),
         "severity": "block" if r.blocking_failures else ("warn" if r.warnings else "pass"), "checked_at": at}
        for r in results
    ], schema=arrow_schema("quality.results"))
    detail = pa.Table.from_pylist([
        {"run_id": run_id, "suite": r.suite, "expectation": o.expectation, "column_name": o.column,
         "severity": o.severity, "success": o.success, "unexpected_count": o.unexpected_count,
         "detail": o.detail, "checked_at": at}
        for r in results for o in r.outcomes
    ], schema=arrow_schema("quality.expectation_results"))
    con.register("_gate_summary", summary)
    con.register("_gate_detail", detail)
    try:
        con.execute("insert into quality.results by name select * from _gate_summary")
        con.execute("insert into quality.expectation_results by name select * from _gate_detail")
    finally:
        con.unregister("_gate_summary")
        con.unregister("_gate_detail")


def explain(results: list[GateOutcome], limit: int = 20) -> list[str]:
    """Lines naming, for each failing, warning or quarantining expectation, the rows behind it."""
    lines = []
    for result in results:
        for outcome in result.outcomes:
            if outcome.success:
                continue
            action = "quarantines" if outcome.quarantine else ("warns" if outcome.severity == "warn" else "BLOCKS")
            lines.append(f"{result.suite} {action}: {outcome.describe()}")
            lines += [f"  {_row_text(row)}" for row in outcome.rows[:limit]]
            if len(outcome.rows) > limit:
                lines.append(f"  ... and {len(outcome.rows) - limit} more")
    return lines or ["every expectation passed"]


def _row_text(row: dict) -> str:
    """One failing row as `key=value` pairs, long values cut."""
    def cut(value) -> str:
        text = json.dumps(value, default=str, ensure_ascii=False) if not isinstance(value, str) else value
        return text if len(text) <= 80 else text[:79] + "…"
    return "  ".join(f"{name}={cut(value)}" for name, value in row.items())
