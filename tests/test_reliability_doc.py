"""docs/reliability.md is what tests/reliability_doc.py renders from the suite's reliability markers."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import REPO
from tests.reliability_doc import DOC, KINDS, Case, MarkerError, case_from_marker, render


def test_docs_reliability_md_is_current():
    # a subprocess: collecting the suite inside this pytest session would share its plugins and modules
    result = subprocess.run([sys.executable, "-m", "tests.reliability_doc"], capture_output=True, text=True,
                            timeout=300, cwd=REPO)
    assert result.returncode == 0, result.stderr[-3000:]
    assert DOC.read_text(encoding="utf-8") == result.stdout, (
        "docs/reliability.md differs from what the tests' reliability markers render: run `make reliability-doc`")


def test_every_kind_has_a_table_and_rows_name_their_test():
    text = DOC.read_text(encoding="utf-8")
    for title in KINDS.values():
        assert f"## {title} (" in text, title
    rows = [line for line in text.splitlines() if line.startswith("| ") and not line.startswith("| fault")]
    assert rows and all(line.rstrip().endswith("` |") and "`tests/" in line for line in rows if "---" not in line)


@pytest.mark.parametrize("args, kwargs, message", [
    ((), {"kind": "crash", "fault": "f", "outcome": "o"}, "exactly the keyword arguments"),
    (("crash",), {"fault": "f", "outcome": "o", "lost": "l"}, "exactly the keyword arguments"),
    ((), {"kind": "meteor", "fault": "f", "outcome": "o", "lost": "l"}, "is not one of"),
    ((), {"kind": "fault", "fault": " ", "outcome": "o", "lost": "l"}, "non-empty strings"),
])
def test_a_malformed_marker_is_refused_with_its_test_named(args, kwargs, message):
    with pytest.raises(MarkerError, match=message) as raised:
        case_from_marker("tests/x/test_y.py::test_z[p1]", args, kwargs)
    assert str(raised.value).startswith("tests/x/test_y.py::test_z:")


def test_rendering_is_sorted_deduplicated_per_test_and_escapes_pipes():
    marker = {"kind": "input", "fault": "a | in a title", "outcome": "loads\n  fine", "lost": "nothing"}
    cases = [case_from_marker(f"tests/a.py::test_b[{p}]", (), marker) for p in ("x", "y")]
    other = Case("input", "tests/a.py::test_a", "z", "o", "l")
    text = render(sorted({*cases, other}))
    assert render([cases[0], other]) == text  # order in, same doc out; parameters share one row
    assert "| a \\| in a title | loads fine | nothing | `tests/a.py::test_b` |" in text
    assert text.index("tests/a.py::test_a") < text.index("tests/a.py::test_b")
    assert "## Hostile inputs (2)" in text and "## Crashes injected (0)\n\nNo test of this kind yet." in text
