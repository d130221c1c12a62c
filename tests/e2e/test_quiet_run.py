"""A run with nothing new does almost nothing, and statuses still follow a later as_of.

A small feed we wrote: talks in Geneva set for Jan. 10, reported on Jan. 3 and 4. A first run as
of Jan. 5; a rerun over the unchanged feed as of Jan. 5 writes nothing; a rerun as of Jan. 11
turns the talks from upcoming to passed without extract, the full dbt build or the gates, and its
marts equal those of a first run made on Jan. 11.
"""

from __future__ import annotations

import subprocess
import sys
from contextlib import closing
from pathlib import Path

import duckdb
import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow

EVENTWATCH = str(Path(sys.executable).parent / "eventwatch")
FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Lakeside Courier</title><link>https://lakeside.example/</link>
<description>A fictional outlet for eventwatch's tests.</description>
<item><title>Envoys agree to talks in Geneva</title><link>https://lakeside.example/2022/01/03/geneva-talks-set</link>
<pubDate>Mon, 03 Jan 2022 09:00:00 +0000</pubDate>
<description>Envoys of both governments will hold talks in Geneva on Jan. 10, the foreign ministry said on
Monday. "We expect a frank exchange," Secretary of State Antony Blinken said.</description></item>
<item><title>Geneva talks confirmed for next week</title><link>https://lakeside.example/2022/01/04/geneva-talks-confirmed</link>
<pubDate>Tue, 04 Jan 2022 10:30:00 +0000</pubDate>
<description>The talks in Geneva on Jan. 10 will go ahead, officials confirmed on Tuesday. "We expect a frank
exchange with our counterparts," Secretary of State Antony Blinken said.</description></item>
</channel></rss>
"""
MARTS = ["articles", "fct_claims", "fct_deadlines", "deadline_mentions", "deadline_history", "dim_actors"]
WRITTEN = ["raw.entries", "extract.mentions", "extract.claims", "extract.time_expressions", "quality.results",
           "quality.publish_log", "intermediate.dbt_build_log", "snapshots.fct_deadlines_snapshot"]


def run(feeds: Path, data_dir: Path, as_of: str) -> str:
    result = subprocess.run([EVENTWATCH, "run", "--force", "--feeds", str(feeds), "--data-dir", str(data_dir),
                             "--as-of", as_of], capture_output=True, text=True, timeout=600, cwd=REPO)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def counts(data_dir: Path) -> dict[str, int]:
    with closing(duckdb.connect(str(data_dir / "eventwatch.duckdb"), read_only=True)) as con:
        return {name: con.execute(f"select count(*) from {name}").fetchone()[0] for name in WRITTEN}


def published(data_dir: Path, sql: str) -> list:
    with closing(duckdb.connect(str(data_dir / "published" / "eventwatch.duckdb"), read_only=True)) as con:
        return con.execute(sql).fetchall()


def geneva_status(data_dir: Path) -> list:
    return published(data_dir, "select status from marts.fct_deadlines where location = 'Geneva'")


@pytest.fixture
def feeds(tmp_path) -> Path:
    (tmp_path / "lakeside.rss").write_text(FEED, encoding="utf-8")
    feeds_file = tmp_path / "feeds.yml"
    feeds_file.write_text("feeds:\n  - id: lakeside\n    url: lakeside.rss\n    full_text: never\n", encoding="utf-8")
    return feeds_file


def test_an_unchanged_rerun_writes_nothing_and_says_so(feeds, tmp_path):
    data_dir = tmp_path / "data"
    first = run(feeds, data_dir, "2022-01-05T12:00:00Z")
    assert "nothing new" not in first
    assert geneva_status(data_dir) == [("upcoming",)]
    before = counts(data_dir)
    snapshot_mtime = (data_dir / "published" / "eventwatch.duckdb").stat().st_mtime_ns

    again = run(feeds, data_dir, "2022-01-05T18:00:00Z")

    assert "nothing new: extract, dbt build and gates skipped" in again
    assert counts(data_dir) == before
    assert (data_dir / "published" / "eventwatch.duckdb").stat().st_mtime_ns == snapshot_mtime


def test_statuses_follow_a_later_as_of_and_match_a_first_run(feeds, tmp_path):
    data_dir = tmp_path / "data"
    run(feeds, data_dir, "2022-01-05T12:00:00Z")
    before = counts(data_dir)

    later = run(feeds, data_dir, "2022-01-11T12:00:00Z")

    assert "nothing new" in later and "statuses recomputed" in later
    assert geneva_status(data_dir) == [("passed",)]
    after = counts(data_dir)
    assert after["quality.results"] == before["quality.results"]  # no gate ran
    assert after["extract.claims"] == before["extract.claims"]
    assert after["intermediate.dbt_build_log"] == before["intermediate.dbt_build_log"] + 1
    # the load-time audit keeps the change, as a full build would
    assert after["snapshots.fct_deadlines_snapshot"] == before["snapshots.fct_deadlines_snapshot"] + 1

    fresh = tmp_path / "fresh"
    run(feeds, fresh, "2022-01-11T12:00:00Z")
    for name in MARTS:  # first_seen_at is when each data dir first fetched the entry: Jan. 5 against Jan. 11
        sql = f"select * exclude (first_seen_at) from marts.{name} order by all" if name == "articles" else \
            f"select * from marts.{name} order by all"
        assert published(data_dir, sql) == published(fresh, sql), name


def test_an_alert_falling_due_on_a_later_as_of_fires_in_a_quiet_run(feeds, tmp_path):
    """The launch story (seeds/stories.yml) alerts three days before a deadline: Jan. 7 for the talks."""
    data_dir = tmp_path / "data"
    run(feeds, data_dir, "2022-01-05T12:00:00Z")
    due = "select rule, subject, fired_at from marts.alerts where state_change = 'due' order by all"
    assert published(data_dir, due) == []

    later = run(feeds, data_dir, "2022-01-08T12:00:00Z")  # still upcoming: no status changes

    assert "nothing new" in later and "0 deadline statuses recomputed" in later
    fired = published(data_dir, due)
    assert [row[0] for row in fired] == ["deadline_due"]
    fresh = tmp_path / "fresh"
    run(feeds, fresh, "2022-01-08T12:00:00Z")
    assert fired == published(fresh, due)
    lines = (data_dir / "alerts.jsonl").read_text(encoding="utf-8").splitlines()
    assert sum('"deadline_due"' in line for line in lines) == 1
