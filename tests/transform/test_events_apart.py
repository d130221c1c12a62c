"""Two meetings on adjacent days, of two bodies in two places, stay two deadlines (issue 12).

A small feed we wrote, in the style of the sample corpus: the NATO-Russia Council in Brussels on
Wednesday, Jan. 12, and the OSCE's Permanent Council in Vienna on Thursday, Jan. 13. Two articles
name both meetings (one dates both; one dates only the council, and the extractor places it in
Vienna, the city named after it); a third dates only the Vienna meeting and says the talks "moved
to" Vienna, which the extractor reads as a postponement. That postponement must not pull the
council's report into the Vienna meeting: the bodies named differ.
"""

from __future__ import annotations

import subprocess
import sys
from contextlib import closing
from datetime import date
from pathlib import Path

import duckdb
import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow

EVENTWATCH = str(Path(sys.executable).parent / "eventwatch")
FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Lakeside Courier</title><link>https://lakeside.example/</link>
<description>A fictional outlet for eventwatch's tests.</description>
<item><title>After Geneva, two more rounds of talks</title>
<link>https://lakeside.example/2022/01/10/two-more-rounds</link>
<pubDate>Mon, 10 Jan 2022 18:00:00 +0000</pubDate>
<description>Ms. Sherman will sit down with Russian envoys at the NATO-Russia Council in Brussels on Wednesday, and at the Permanent Council of the OSCE in Vienna on Thursday.</description></item>
<item><title>Allies prepare for the council with Moscow</title>
<link>https://lakeside.example/2022/01/11/allies-prepare</link>
<pubDate>Tue, 11 Jan 2022 09:00:00 +0000</pubDate>
<description>Envoys of NATO's 30 members meet a Russian delegation at the NATO-Russia Council on Wednesday, before the talks go on to Vienna. The Organization for Security and Co-operation in Europe hosts the last round there.</description></item>
<item><title>Diplomacy reaches Vienna</title>
<link>https://lakeside.example/2022/01/12/diplomacy-reaches-vienna</link>
<pubDate>Wed, 12 Jan 2022 19:00:00 +0000</pubDate>
<description>The talks moved to Vienna on Thursday, where the Permanent Council of the Organization for Security and Co-operation in Europe meets.</description></item>
</channel></rss>
"""


def _published(data_dir: Path, sql: str) -> list[tuple]:
    with closing(duckdb.connect(str(data_dir / "published" / "eventwatch.duckdb"), read_only=True)) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def week(tmp_path_factory) -> Path:
    """One run over the three articles, as of the evening of Jan. 12."""
    tmp = tmp_path_factory.mktemp("events-apart")
    (tmp / "lakeside.rss").write_text(FEED, encoding="utf-8")
    feeds = tmp / "feeds.yml"
    feeds.write_text("feeds:\n  - id: lakeside\n    url: lakeside.rss\n    full_text: never\n", encoding="utf-8")
    data_dir = tmp / "data"
    result = subprocess.run([EVENTWATCH, "run", "--force", "--feeds", str(feeds), "--data-dir", str(data_dir),
                             "--as-of", "2022-01-12T20:00:00Z"], capture_output=True, text=True, timeout=600, cwd=REPO)
    assert result.returncode == 0, result.stderr[-3000:]
    return data_dir


def _deadlines_by_day(data_dir: Path) -> dict[date, set[str]]:
    """The deadlines the future mentions dated Jan. 12 and Jan. 13 belong to."""
    rows = _published(data_dir, "select due_start, deadline_id from marts.deadline_mentions "
                                "where is_future and due_start in ('2022-01-12', '2022-01-13')")
    days: dict[date, set[str]] = {}
    for due_start, deadline_id in rows:
        days.setdefault(due_start, set()).add(deadline_id)
    return days


def test_the_council_and_the_vienna_meeting_are_never_one_deadline(week):
    days = _deadlines_by_day(week)
    assert set(days) == {date(2022, 1, 12), date(2022, 1, 13)}
    assert not days[date(2022, 1, 12)] & days[date(2022, 1, 13)]


def test_the_vienna_meeting_is_due_on_the_13th_and_never_moved(week):
    rows = _published(week, "select due_start, due_end, revision_count from marts.fct_deadlines "
                            "where location = 'Vienna' and due_end >= '2022-01-13'")
    assert rows == [(date(2022, 1, 13), date(2022, 1, 13), 0)]


def test_the_council_in_brussels_stays_on_the_12th(week):
    rows = _published(week, "select due_start, due_end, revision_count from marts.fct_deadlines "
                            "where location = 'Brussels'")
    assert rows == [(date(2022, 1, 12), date(2022, 1, 12), 0)]
