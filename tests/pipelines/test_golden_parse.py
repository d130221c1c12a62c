"""Golden-file parse tests: each sample feed's expected parse sits in tests/golden/<file>.json.

Regenerate after an intended parser change with `EVENTWATCH_UPDATE_GOLDEN=1 make test-fast`,
then read the diff before committing it.
"""

from __future__ import annotations

import hashlib
import json
import os

import pytest

from pipelines.parse.feed import parse_feed
from tests.conftest import REPO

SAMPLES = sorted(p for p in (REPO / "seeds" / "corpus").iterdir() if p.suffix in (".rss", ".atom", ".rdf"))
GOLDEN = REPO / "tests" / "golden"


def _summary(body: bytes) -> dict:
    parsed = parse_feed(body)
    return {
        "title": parsed.title,
        "format": parsed.version,
        "encoding": [parsed.decoded.encoding, parsed.decoded.source],
        "bozo_reason": parsed.bozo_reason,
        "rejected": [r.reason for r in parsed.rejected],
        "entries": [
            {
                "entry_key": e.entry_key,
                "canonical_url": e.canonical_url,
                "title": e.title,
                "author": e.author,
                "published_at": e.published_at.isoformat() if e.published_at else None,
                "updated_at": e.updated_at.isoformat() if e.updated_at else None,
                "published_raw": e.published_raw,
                "date_parsed_by": e.date_parsed_by,
                "content_text": e.content_text,
                "content_html_sha1": hashlib.sha1(e.content_html.encode()).hexdigest(),
            }
            for e in parsed.entries
        ],
    }


def test_there_are_five_sample_feeds_in_three_formats():
    assert {p.suffix for p in SAMPLES} == {".rss", ".atom", ".rdf"} and len(SAMPLES) == 5


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_sample_feed_parses_as_its_golden_file(path):
    actual = _summary(path.read_bytes())
    golden = GOLDEN / f"{path.name}.json"
    if os.environ.get("EVENTWATCH_UPDATE_GOLDEN"):
        golden.write_text(json.dumps(actual, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    assert golden.exists(), f"no golden file {golden.name}: run with EVENTWATCH_UPDATE_GOLDEN=1"
    assert actual == json.loads(golden.read_text(encoding="utf-8"))
