"""Render docs/reliability.md from the tests that carry `@pytest.mark.reliability(...)`.

The doc is the list of faults tried, inputs fuzzed, hostile inputs fed and crashes injected, each
with what happened, what was lost and the test that proves it. Nothing is written by hand: pytest
collects the suite in-process (no test runs) and a small plugin reads the markers. Rows are sorted,
so the output depends only on the markers.

    python -m tests.reliability_doc            # print the doc
    python -m tests.reliability_doc --write    # write docs/reliability.md (`make reliability-doc`)
    python -m tests.reliability_doc --check    # exit 1 when docs/reliability.md is stale
"""

from __future__ import annotations

import contextlib
import io
import re
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "reliability.md"
FIELDS = ("kind", "fault", "outcome", "lost")
# kind -> the section's title, in the order the doc shows them
KINDS = {
    "fault": "Faults tried",
    "input": "Hostile inputs",
    "fuzz": "Inputs fuzzed",
    "crash": "Crashes injected",
}
INTRO = """\
# Reliability: what was tried, what happened, what was lost

Every row below is a test in `tests/` that breaks something on purpose: a server that misbehaves, an
input written to hurt, generated inputs by the hundred, or the process killed mid-run. Each states
what eventwatch did and what, if anything, was lost, and names the test that checks it, so the
table cannot claim more than the suite proves. The file is generated from the tests' `reliability`
markers by `tests/reliability_doc.py`: do not edit it by hand, run `make reliability-doc` (a test fails
when it is stale).
"""


class MarkerError(ValueError):
    """A reliability marker that the doc cannot render."""


@dataclass(frozen=True, order=True)
class Case:
    kind: str
    test: str  # path::name, without parametrization
    fault: str
    outcome: str
    lost: str


def _test_name(nodeid: str) -> str:
    """`tests/x.py::test_y[param]` -> `tests/x.py::test_y`: one row per test, not per parameter."""
    return re.sub(r"\[.*\]$", "", nodeid)


def case_from_marker(nodeid: str, args: tuple, kwargs: dict) -> Case:
    """Validate one marker: four non-empty keyword strings, a known kind."""
    where = _test_name(nodeid)
    if args or set(kwargs) != set(FIELDS):
        raise MarkerError(f"{where}: reliability marker needs exactly the keyword arguments {', '.join(FIELDS)}")
    if any(not isinstance(kwargs[f], str) or not kwargs[f].strip() for f in FIELDS):
        raise MarkerError(f"{where}: reliability marker arguments must be non-empty strings")
    if kwargs["kind"] not in KINDS:
        raise MarkerError(f"{where}: reliability kind {kwargs['kind']!r} is not one of {', '.join(KINDS)}")
    return Case(kwargs["kind"], where, *(" ".join(kwargs[f].split()) for f in ("fault", "outcome", "lost")))


class _Collector:
    """A pytest plugin that keeps the reliability markers of every collected item."""

    def __init__(self) -> None:
        self.cases: set[Case] = set()
        self.errors: list[str] = []

    def pytest_collection_modifyitems(self, items) -> None:
        for item in items:
            for marker in item.iter_markers("reliability"):
                try:
                    self.cases.add(case_from_marker(item.nodeid, marker.args, marker.kwargs))
                except MarkerError as exc:
                    self.errors.append(str(exc))


def collect(paths: tuple[str, ...] = ("tests",)) -> list[Case]:
    """Collect the suite (without running it) and return its reliability cases, sorted."""
    import pytest

    collector = _Collector()
    output = io.StringIO()
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
        code = pytest.main(["--collect-only", "-q", "-p", "no:cacheprovider", "--rootdir", str(REPO),
                            *(str(REPO / p) for p in paths)], plugins=[collector])
    if code not in (0, 5):  # 5: nothing collected
        raise RuntimeError(f"pytest could not collect the suite (exit {code}):\n{output.getvalue()[-3000:]}")
    if collector.errors:
        raise MarkerError("\n".join(sorted(set(collector.errors))))
    return sorted(collector.cases)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render(cases: list[Case]) -> str:
    """The whole document: the intro, then one section per kind, a table when it has cases."""
    parts = [INTRO]
    for kind, title in KINDS.items():
        rows = sorted(c for c in cases if c.kind == kind)
        parts.append(f"\n## {title} ({len(rows)})\n\n")
        if not rows:
            parts.append("No test of this kind yet.\n")
            continue
        parts.append("| fault | what happened | what was lost | test |\n| --- | --- | --- | --- |\n")
        parts.append("".join(f"| {_cell(c.fault)} | {_cell(c.outcome)} | {_cell(c.lost)} | `{_cell(c.test)}` |\n"
                             for c in sorted(rows, key=lambda c: (c.test, c.fault))))
    return "".join(parts)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    text = render(collect())
    if "--write" in args:
        DOC.write_text(text, encoding="utf-8")
        print(f"wrote {DOC.relative_to(REPO)}")
    elif "--check" in args:
        if not DOC.exists() or DOC.read_text(encoding="utf-8") != text:
            print(f"{DOC.relative_to(REPO)} is stale: run `make reliability-doc`", file=sys.stderr)
            return 1
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
