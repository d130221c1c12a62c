"""`eventwatch run` over the third-party corpus (../shared/corpus/feeds) in one go: ill-formed feeds,
wrong encodings and ordinary news of every kind must not block a run (issue 9).

Nothing of the corpus is copied here; the module is skipped when the folder is absent.
"""

from __future__ import annotations

import re
from contextlib import closing
from pathlib import Path

import duckdb
import pytest

from tests.conftest import SHARED_CORPUS
from tests.e2e.test_run import run

FEEDS = SHARED_CORPUS / "feeds"
pytestmark = [pytest.mark.slow, pytest.mark.corpus,
              pytest.mark.skipif(not FEEDS.is_dir(), reason="../shared/corpus is absent")]
AS_OF = "2024-01-01T00:00:00Z"


def _feeds_file(tmp_path: Path, files: list[Path]) -> Path:
    """A feeds file listing `files` by path, each under an id made from its name."""
    lines = ["feeds:"]
    for path in files:
        lines += [f"  - id: {re.sub(r'[^a-z0-9]+', '-', path.stem.lower()).strip('-')}", f"    url: {path}"]
    feeds = tmp_path / "corpus-feeds.yml"
    feeds.write_text("\n".join(lines) + "\n")
    return feeds


def _assert_published(data_dir: Path, result) -> None:
    assert result.returncode == 0, result.stderr[-3000:]
    assert "blocked" not in result.stderr
    with closing(duckdb.connect(str(data_dir / "published" / "eventwatch.duckdb"), read_only=True)) as con:
        assert con.execute("select count(*) from marts.articles").fetchone()[0] > 0
        assert con.execute("select count(*) from quality.results where severity = 'block'").fetchone() == (0,)


@pytest.mark.reliability(kind="input", fault="all 32 third-party feed files (22 edge cases, 10 real news feeds) "
                         "in one run", outcome="the run exits 0 and publishes; nothing blocks",
                         lost="only what the parser quarantines or a feed that is not a feed")
def test_one_run_over_every_corpus_file_publishes(tmp_path):
    files = sorted(FEEDS.iterdir())
    assert len(files) == 32
    data_dir = tmp_path / "data"
    _assert_published(data_dir, run(data_dir, as_of=AS_OF, feeds=_feeds_file(tmp_path, files)))


@pytest.mark.reliability(kind="input", fault="the ten real news feeds of the corpus, in several "
                         "languages, in one run", outcome="the run exits 0 and publishes; the yield "
                         "gate abstains on feeds without history", lost="nothing")
def test_one_run_over_the_real_feeds_publishes(tmp_path):
    files = sorted(p for p in FEEDS.iterdir() if p.name.startswith("R"))
    assert len(files) == 10
    data_dir = tmp_path / "data"
    _assert_published(data_dir, run(data_dir, as_of=AS_OF, feeds=_feeds_file(tmp_path, files)))
    with closing(duckdb.connect(str(data_dir / "published" / "eventwatch.duckdb"), read_only=True)) as con:
        details = [d for (d,) in con.execute("select detail from quality.expectation_results "
                                             "where suite = 'extract_yield'").fetchall()]
    assert details and all("abstained on 10 of 10" in d for d in details)
