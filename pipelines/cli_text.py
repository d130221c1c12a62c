"""What the `eventwatch` command prints: the run summary, tables of rows (table, CSV, JSON), cells."""

from __future__ import annotations

import csv
import json
import sys
from datetime import date, datetime

from pipelines.stages import RunSummary


def summary_lines(summary: RunSummary) -> list[str]:
    """The run summary `eventwatch run`, `fetch` and `check` print."""
    out = [f"run {summary.run_id}"]
    if summary.ingest:
        i = summary.ingest
        out.append(f"feeds: {i.feeds_ok} ok, {i.feeds_failed} failed; entries: {i.total('seen')} seen, "
                   f"{i.total('new')} new, {i.total('new_versions')} new versions, "
                   f"{i.total('quarantined')} quarantined")
        out += [f"  feed {o.feed_id} failed: {o.error}" for o in i.outcomes if not o.ok]
        waiting = [f"{n} {what}" for n, what in ((i.feeds_not_modified, "not modified"),
                                                 (len(i.not_due), "not due yet"), (len(i.parked), "parked")) if n]
        if waiting:
            out.append("  feeds " + ", ".join(waiting) + " (see `eventwatch feeds status`)")
    if summary.skipped:
        out.append(f"nothing new: extract, dbt build and gates skipped; {summary.skipped}")
    if summary.counts:
        out.append(", ".join(f"{k}: {v}" for k, v in summary.counts.items()))
    if summary.gates:
        passed = sum(g.success for g in summary.gates)
        warned = sum(1 for g in summary.gates if g.warnings)
        out.append(f"gates: {passed}/{len(summary.gates)} passed, {warned} with warnings")
        out += [f"  warning {g.suite}: {w.describe()}" for g in summary.gates for w in g.warnings]
    if summary.alerts is not None:
        out.append(str(summary.alerts))
    return out


def cell(value) -> str:
    """One value as the CLI prints it: empty for null, ISO 8601 for dates and times."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def print_rows(columns: list[str], rows: list[tuple], fmt: str) -> None:
    """Rows as a table, CSV or JSON on stdout (the formats of `eventwatch query`)."""
    out = sys.stdout
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([cell(v) for v in row] for row in rows)
    elif fmt == "json":
        json.dump([dict(zip(columns, row)) for row in rows], out, default=cell, ensure_ascii=False, indent=1)
        out.write("\n")
    else:
        cells = [[cell(v) for v in row] for row in rows]
        widths = [min(60, max([len(c)] + [len(r[i]) for r in cells])) for i, c in enumerate(columns)]
        fit = lambda text, w: text if len(text) <= w else text[: w - 1] + "…"  # noqa: E731
        out.write("  ".join(c.ljust(w) for c, w in zip(columns, widths)).rstrip() + "\n")
        out.write("  ".join("-" * w for w in widths) + "\n")
        for row in cells:
            out.write("  ".join(fit(v, w).ljust(w) for v, w in zip(row, widths)).rstrip() + "\n")
        out.write(f"({len(rows)} row{'s' if len(rows) != 1 else ''})\n")


def feeds_table(rows: list, page_cells: dict[str, str]) -> list[str]:
    """`eventwatch feeds status`: one line per feed (pipelines.fetch.state.FeedStatus), under a header."""
    header = ("feed", "state", "last success", "failures", "next poll", "per day", "pages", "last error")
    table = [(r.feed_id, r.state, cell(r.last_success_at) or "never", str(r.consecutive_failures), r.next_poll,
              f"{r.entries_per_day:.1f}", page_cells.get(r.feed_id, "-"),
              (f"{cell(r.last_error_at)} {r.last_error}" if r.last_error else "") + (f" [{r.note}]" if r.note else ""))
             for r in rows]
    widths = [max(len(h), *(len(row[i]) for row in table)) if table else len(h) for i, h in enumerate(header)]
    return ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in (header, *table)]
