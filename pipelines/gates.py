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

import hashlib
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
from pipelines.store.connection import registered
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
# rules about the table as a whole (its columns, its row count), judged on its shape, not on changed rows
_TABLE_LEVEL = "expect_table_"
# the instant a suite's fingerprint is taken at: the rules' as_of bounds move every run, the rules do not
_FINGERPRINT_AS_OF = datetime(2000, 1, 1)


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
    context.variables.data_docs_sites = _docs_sites(settings)
    return context


def _docs_sites(settings: Settings) -> dict:
    # our site only: the ephemeral default would build a second copy in a temp dir
    return {
        "eventwatch": {
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                              "base_directory": str(settings.docs_dir.resolve())},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        }
    }


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


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _checked_columns(gate: Gate) -> list[str] | None:
    """The columns the gate's expectations, key and abstain column read (None: a rule reads them all)."""
    names = [name for name in (gate.key, gate.abstain) if name]
    for expectation in gate.expectations:
        kwargs = expectation.configuration.kwargs
        if expectation.expectation_type.startswith(_TABLE_LEVEL):
            continue
        found = [kwargs[k] for k in ("column", "column_A", "column_B") if kwargs.get(k)]
        if not found:
            return None
        names += found
    derived = {column: source for column, source, _ in gate.derive}
    return list(dict.fromkeys(derived.get(name, name) for name in names))


def _split(gate: Gate) -> tuple[tuple, tuple]:
    """The gate's row-level expectations and its table-level ones (`expect_table_*`)."""
    rows = tuple(e for e in gate.expectations if not e.expectation_type.startswith(_TABLE_LEVEL))
    return rows, tuple(e for e in gate.expectations if e.expectation_type.startswith(_TABLE_LEVEL))


class _Pull:
    """The batches of one SQL gate: the rows to judge (only changed units, for a gate with a unit) and
    the table's shape for its table-level rules, pulled with the columns the rules read and no more."""

    def __init__(self, con: duckdb.DuckDBPyConnection, gate: Gate, stored: bool,
                 fingerprint: str, as_of: datetime) -> None:
        self.con, self.gate, self.fingerprint, self.as_of = con, gate, fingerprint, as_of
        self.source = f"({gate.query})"
        described = con.execute(f"select * from {self.source} limit 0")
        present = [d[0] for d in described.description]
        described.fetchall()  # DuckDB wants a result finished before the connection does other work
        wanted = _checked_columns(gate)
        self.columns = [c for c in (present if wanted is None else wanted) if c in present]
        self.unit = (f"hash({', '.join(_quote(c) for c in gate.unit)})"
                     if gate.unit and all(c in present for c in gate.unit) else None)
        self.incremental = bool(self.unit and stored)
        self.present = present

    def rows(self):
        """The rows the row-level rules judge: all, or the changed units, the stage's quarantined records
        and every row whose value a uniqueness rule must compare."""
        select = f"select {', '.join(_quote(c) for c in self.columns) or '*'} from {self.source} q"
        if not self.unit:
            return self.con.execute(select).df()
        digest_of = ", ".join(_quote(c) for c in self.columns)
        self.con.execute(f"create or replace temp table _gate_units as select {self.unit} as unit, "
                         f"hash(count(*), sum(hash({digest_of})::hugeint)) as digest from {self.source} q group by 1")
        if not self.incremental:
            return self.con.execute(select).df()
        self.con.execute("""create or replace temp table _gate_changed as
                            select unit from (select unit, digest from _gate_units except
                                              select unit, digest from gate_state.unit_digests where suite = ?)""",
                         [self.gate.suite])
        wheres = [f"{self.unit} in (select unit from _gate_changed)"]
        params: list = []
        if self.gate.key in self.columns:
            wheres.append(f"{_quote(self.gate.key)}::varchar in "
                          "(select record_key from quality.quarantined where suite = ?)")
            params.append(self.gate.suite)
        for column in _unique_columns(self.gate):
            if column in self.columns:
                wheres.append(f"{_quote(column)} in (select {_quote(column)} from {self.source} d "
                              f"group by 1 having count(*) > 1)")
        return self.con.execute(f"{select} where {' or '.join(wheres)}", params).df()

    def shape(self, needs_rows: bool):
        """The table's columns, with as many (empty) rows as it has when a rule counts them."""
        frame = self.con.execute(f"select * from {self.source} q limit 0").df()
        if not needs_rows:
            return frame
        ((count,),) = self.con.execute(f"select count(*) from {self.source} q").fetchall()
        return frame.reindex(range(count))

    def remember(self, failed_keys: set) -> None:
        """Record the units judged now as passed, except those holding a record a rule failed."""
        if not self.unit:
            return
        keys = pa.table({"record_key": pa.array(sorted(str(k) for k in failed_keys), pa.string())})
        held = (f"where unit not in (select {self.unit} from {self.source} q where "
                f"{_quote(self.gate.key)}::varchar in (select record_key from _gate_failed))"
                if failed_keys and self.gate.key in self.present else "")
        with registered(self.con, "_gate_failed", keys):
            self.con.execute("begin")
            try:
                self.con.execute("delete from gate_state.unit_digests where suite = ?", [self.gate.suite])
                self.con.execute("insert into gate_state.unit_digests select ?, ?, ?, unit, digest "
                                 f"from _gate_units {held}", [self.gate.suite, self.fingerprint, self.as_of])
                self.con.execute("commit")
            except Exception:
                self.con.execute("rollback")
                raise


def _unique_columns(gate: Gate) -> list[str]:
    return [e.configuration.kwargs["column"] for e in gate.expectations
            if e.expectation_type == "expect_column_values_to_be_unique"]


def _stored(con: duckdb.DuckDBPyConnection, gate: Gate, fingerprint: str, as_of: datetime) -> bool:
    """Whether the suite's last pass was judged by these rules at this as_of or before (so still holds)."""
    (row,) = con.execute("select any_value(fingerprint), max(as_of) from gate_state.unit_digests where suite = ?",
                         [gate.suite]).fetchall()
    # the rules' only as_of bounds are "not after as_of": what passed then passes at a later as_of
    return bool(row and row[0] == fingerprint and row[1] is not None and row[1] <= as_of)


def _abstain(frame, gate: Gate):
    """The frame without the rows the gate abstains on, and a note naming those (empty if none)."""
    if not gate.abstain:
        return frame, ""
    held = frame[gate.abstain].notna()
    reasons = [f"{row[gate.key] if gate.key else index}: {row[gate.abstain]}"
               for index, row in frame[held].iterrows()]
    if not reasons:
        return frame, ""
    more = f"; and {len(reasons) - _NAMED} more" if len(reasons) > _NAMED else ""
    return frame[~held], f"; abstained on {len(reasons)} of {len(frame)}: " + "; ".join(reasons[:_NAMED]) + more


def _derive(frame, gate: Gate, keep: set[str]):
    """Add the gate's computed columns; drop a source column no rule reads itself."""
    for column, source, function in gate.derive:
        if source in frame.columns:
            frame[column] = [function(value) if isinstance(value, str) else None for value in frame[source]]
            if source not in keep:
                frame = frame.drop(columns=[source])
    return frame


def _fingerprint(gate: Gate) -> str:
    """The rules of a gate and its batch, as a digest: a change re-judges every unit."""
    rules = [(e.expectation_type, e.configuration.kwargs, e.meta, str(getattr(e, "severity", "")))
             for e in gate.expectations]
    text = json.dumps([str(gate.query), gate.key, list(gate.unit), [d[:2] for d in gate.derive], rules,
                       duckdb.__version__], default=str, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _fingerprints(stage: str) -> dict[str, str]:
    """Each suite's fingerprint, with the rules as they are at a fixed as_of (as_of is handled apart)."""
    return {gate.suite: _fingerprint(gate) for module in SUITE_MODULES[stage]
            for gate in importlib.import_module(module).gates(_FINGERPRINT_AS_OF)}


class _Validator:
    """One GX context for the process: its setup is paid once, each gate adds or replaces its suite."""

    _context = None

    @classmethod
    def get(cls, settings: Settings):
        if cls._context is None:
            cls._context = _context(settings)
        context = cls._context
        context.variables.data_docs_sites = _docs_sites(settings)
        return context


def _validate(context, gate: Gate, name: str, frame, rules: tuple, shown: list) -> list:
    """GX's results of `rules` on `frame` as suite `name`; its result's id joins `shown` (Data Docs)."""
    import great_expectations as gx

    result_format = ({"result_format": "COMPLETE", "unexpected_index_column_names": [gate.key]}
                     if gate.key in frame.columns else "SUMMARY")
    datasource = context.data_sources.add_or_update_pandas(f"eventwatch_{name}")
    asset = datasource.add_dataframe_asset(name)
    suite = context.suites.add_or_update(gx.ExpectationSuite(name=name, expectations=list(rules)))
    definition = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=name, data=asset.add_batch_definition_whole_dataframe(name), suite=suite))
    # no Data Docs action: it re-renders the site per suite; run_gates builds the stage's pages once
    checkpoint = context.checkpoints.add_or_update(gx.Checkpoint(
        name=name, validation_definitions=[definition], result_format=result_format, actions=[]))
    run = checkpoint.run(batch_parameters={"dataframe": frame})
    shown += list(run.run_results)
    return list(next(iter(run.run_results.values())).results)


def _run_gate(con, context, gate: Gate, fingerprint: str, as_of: datetime, stage: str, shown: list):
    """Validate one gate; returns its outcome and, for a SQL gate, the pull that can remember what passed."""
    if callable(gate.query):
        frame, abstained = _abstain(_derive(gate.query(con), gate, set()), gate)
        results = _validate(context, gate, gate.suite, frame, gate.expectations, shown)
        return GateOutcome(stage, gate.suite,
                           tuple(_outcome(r, gate, abstained) for r in _ordered(results, gate))), None
    pull = _Pull(con, gate, _stored(con, gate, fingerprint, as_of), fingerprint, as_of)
    row_rules, table_rules = _split(gate)
    keep = {c for c in (_checked_columns(gate) or []) if c not in {d[0] for d in gate.derive}}
    frame, abstained = _abstain(_derive(pull.rows(), gate, keep), gate)
    results = _validate(context, gate, gate.suite, frame, row_rules, shown) if row_rules else []
    if table_rules:
        counts = any(e.expectation_type.startswith("expect_table_row_count") for e in table_rules)
        results += _validate(context, gate, f"{gate.suite}.table", pull.shape(counts), table_rules, shown)
    judged = abstained + (f"; judged {len(frame)} rows of changed units" if pull.incremental else "")
    outcome = GateOutcome(stage, gate.suite, tuple(
        _outcome(r, gate, abstained if r.expectation_config.type.startswith(_TABLE_LEVEL) else judged)
        for r in _ordered(results, gate)))
    return outcome, pull


def _docs(context, shown: list) -> None:
    """Build the Data Docs pages of this gate run and the index, then let the context forget the results
    (the index lists the stage's latest runs, as a fresh context did, and a long-lived process stays small)."""
    context.build_data_docs(resource_identifiers=shown)
    for identifier in shown:
        context.validation_results_store.remove_key(identifier)


def _ordered(results: list, gate: Gate) -> list:
    """GX's results in the order the gate lists its expectations."""
    position = {e.id: i for i, e in enumerate(gate.expectations)}
    return sorted(results, key=lambda r: position.get(r.expectation_config.id, len(position)))


def _failed_keys(outcome: GateOutcome, gate: Gate) -> set:
    """Keys of the records a per-record rule (no `mostly`) failed: their units are judged again next run."""
    keys = set()
    for expectation, result in zip(gate.expectations, outcome.outcomes):
        if not result.success and expectation.configuration.kwargs.get("mostly") in (None, 1, 1.0):
            keys |= {row.get(gate.key) for row in result.rows}
    return keys


def run_gates(con: duckdb.DuckDBPyConnection, settings: Settings, stage: str, run_id: str,
              gates: list[Gate] | None = None) -> list[GateOutcome]:
    """Validate every suite of `stage` (or the `gates` given), record the results, quarantine the records
    that record-level rules failed, and raise GateFailed on a blocking failure."""
    fingerprints = _fingerprints(stage) if gates is None else {}
    if gates is None:
        gates = [gate for module in SUITE_MODULES[stage]
                 for gate in importlib.import_module(module).gates(settings.as_of)]
    context = _Validator.get(settings)
    results: list[GateOutcome] = []
    shown: list = []
    for gate in gates:
        fingerprint = fingerprints.get(gate.suite) or _fingerprint(gate)
        outcome, pull = _run_gate(con, context, gate, fingerprint, settings.as_of, stage, shown)
        results.append(outcome)
        if pull is not None and outcome.success:
            pull.remember(_failed_keys(outcome, gate))
    _docs(context, shown)
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
