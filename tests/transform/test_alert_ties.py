"""A deadline_due alert when two states of one deadline fire at the same instant.

The OSCE envoys' Vienna meeting is set for March 10, called off, then confirmed again for March 10:
its first and third states have the same dates, and both were reported before March 7, the instant
a three-day deadline_due rule fires. The alert must cite the earlier state's article, whatever
order the rows reach the window in, so that two builds of one database give the same alert.
"""

from __future__ import annotations

from contextlib import closing
from datetime import datetime

import duckdb
import pytest

from pipelines.store.connection import connect
from pipelines.stories.file import load_stories
from pipelines.stories.score import score_articles
from pipelines.transform import build
from tests.transform import test_incremental as story

AS_OF = datetime(2022, 3, 8, 8, 0)

# name -> (entry, mentions, timexes), in the shapes of tests/transform/test_incremental.py
REPORTS = {
    "tie-set": (("e-tie-set", "alpine-desk", "art-tie-set", "h-tie-set", "OSCE envoys to meet in Vienna on March 10",
                 "Envoys of the OSCE will meet in Vienna on March 10, the chairmanship said.",
                 "2022-03-01 09:00:00", None),
                [("m-tie-set", "osce", "OSCE")],
                [("t-tie-set", "on March 10", "2022-03-10", True, "meeting", "Vienna", "scheduled")]),
    "tie-off": (("e-tie-off", "kyiv-wire", "art-tie-off", "h-tie-off", "OSCE envoys' Vienna meeting called off",
                 "The OSCE chairmanship called off the envoys' meeting planned for March 10 in Vienna.",
                 "2022-03-02 09:00:00", None),
                [("m-tie-off", "osce", "OSCE")],
                [("t-tie-off", "for March 10", "2022-03-10", True, "meeting", "Vienna", "cancelled")]),
    "tie-back": (("e-tie-back", "wire-aggregator", "art-tie-back", "h-tie-back", "OSCE envoys' meeting back on",
                  "The OSCE envoys will meet in Vienna on March 10 after all, the chairmanship confirmed.",
                  "2022-03-03 09:00:00", None),
                 [("m-tie-back", "osce", "OSCE")],
                 [("t-tie-back", "on March 10", "2022-03-10", True, "meeting", "Vienna", "confirmed")]),
}

STORY = """
stories:
  - id: vienna-envoys
    name: OSCE envoys in Vienna
    keywords: [OSCE, envoys]
    places: [Vienna]
    alerts:
      - rule: deadline_due
        within_days: 3
"""


def _query(database, sql: str) -> list[tuple]:
    with closing(duckdb.connect(str(database), read_only=True)) as con:
        return con.execute(sql).fetchall()


@pytest.fixture
def reports(monkeypatch):
    """The three reports, added to the written story's tables so that its loader writes them."""
    for name, (entry, mentions, timexes) in REPORTS.items():
        monkeypatch.setitem(story.ENTRIES, name, entry)
        monkeypatch.setitem(story.MENTIONS, name, mentions)
        monkeypatch.setitem(story.TIMEXES, name, timexes)


def test_a_due_alert_cites_the_earlier_of_two_states_that_fire_together(tmp_path, reports):
    stories_file = tmp_path / "stories.yml"
    stories_file.write_text(STORY, encoding="utf-8")
    settings = story._settings(tmp_path, "tie", AS_OF).with_(stories_file=stories_file)
    # the reinstating report is loaded first, so that it is not first in storage order either
    story._load(settings.database, "tie-back", "tie-off", "tie-set")
    with closing(connect(settings)) as con:
        score_articles(con, load_stories(settings.stories_file))
    assert build(settings).success

    states = _query(settings.database, "select state_number, state_change, due_start::varchar, article_id "
                                       "from marts.deadline_history order by state_number")
    assert states == [(1, "announced", "2022-03-10", "art-tie-set"), (2, "cancelled", "2022-03-10", "art-tie-off"),
                      (3, "reinstated", "2022-03-10", "art-tie-back")]
    alerts = _query(settings.database, "select rule, fired_at, new_value, article_id, evidence_outlets "
                                       "from marts.alerts where rule = 'deadline_due'")
    assert alerts == [("deadline_due", datetime(2022, 3, 7), "2022-03-10", "art-tie-set", ["alpine-desk"])]
