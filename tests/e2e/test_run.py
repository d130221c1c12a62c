"""`eventwatch run` over the sample corpus, as a user runs it: the console script, real files.

The facts asserted here are planted in seeds/corpus (see its README).
"""

from __future__ import annotations

import subprocess
import sys
from contextlib import closing
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from tests.conftest import REPO, SAMPLE_FEEDS

pytestmark = pytest.mark.slow

EVENTWATCH = str(Path(sys.executable).parent / "eventwatch")
CONTRACT_MARTS = ["articles", "dim_actors", "fct_mentions", "fct_claims", "fct_deadlines", "deadline_mentions",
                  "deadline_history", "actor_activity_daily"]
EDITED = "https://genevadesk.example/2022/01/18/blinken-lavrov-meeting-set"
TWO_FEEDS = "https://kyivwire.example/2021/12/30/biden-putin-call-ushakov-briefing"


def run(data_dir: Path, *args: str, as_of: str, feeds: Path = SAMPLE_FEEDS) -> subprocess.CompletedProcess:
    return subprocess.run([EVENTWATCH, "run", "--feeds", str(feeds), "--data-dir", str(data_dir),
                           "--as-of", as_of, *args], capture_output=True, text=True, timeout=600, cwd=REPO)


def snapshot(data_dir: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(data_dir / "published" / "eventwatch.duckdb"), read_only=True)


@pytest.fixture(scope="module")
def winter(tmp_path_factory) -> Path:
    """One run as of the morning of 2022-02-23."""
    data_dir = tmp_path_factory.mktemp("winter")
    result = run(data_dir, as_of="2022-02-23T12:00:00Z")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "feeds: 6 ok, 0 failed; entries: 81 seen, 81 new" in result.stdout
    return data_dir


def test_every_contract_relation_exists_and_is_not_empty(winter):
    with closing(snapshot(winter)) as con:
        for name in CONTRACT_MARTS:
            assert con.execute(f"select count(*) from marts.{name}").fetchone()[0] > 0, name
        stages = {r[0] for r in con.execute("select distinct stage from quality.results").fetchall()}
        assert stages == {"fetch", "extract", "marts"}
    with closing(duckdb.connect(str(winter / "eventwatch.duckdb"), read_only=True)) as con:
        assert con.execute("select count(*), count(error) from raw.fetch_log").fetchone() == (6, 0)


def test_articles_versions_and_sources(winter):
    with closing(snapshot(winter)) as con:
        # 71 canonical articles in the corpus; the 2 first published on Feb. 24 are after as_of
        assert con.execute("select count(*) from marts.articles").fetchone() == (69,)
        assert con.execute("select source_count, version_count from marts.articles where url = ?",
                           [TWO_FEEDS]).fetchone() == (2, 1)
        assert con.execute("select source_count, version_count from marts.articles where url = ?",
                           [EDITED]).fetchone() == (2, 2)
        # the latest version is the corrected one
        assert "Geneva" in con.execute("select title from marts.articles where url = ?", [EDITED]).fetchone()[0]


def test_a_summary_only_feed_is_read_from_its_article_pages(winter):
    """seeds/corpus/pages: teasers in the feed, the articles on pages next to it, read offline."""
    with closing(snapshot(winter)) as con:
        urls = [r[0] for r in con.execute("select url from marts.articles where url like '%deskbriefs%' order by 1")
                .fetchall()]
        assert urls == [f"https://deskbriefs.example/2022/{slug}" for slug in
                        ("harris-munich-conference", "ryabkov-no-concessions-geneva", "scholz-kyiv-moscow-trip")]
        speakers = {r[0] for r in con.execute(
            "select c.speaker_actor_id from marts.fct_claims c join marts.articles a using (article_id) "
            "where a.url like '%deskbriefs%'").fetchall()}
        assert {"olaf-scholz", "jens-stoltenberg", "sergei-ryabkov"} <= speakers  # none is in the teasers
    with closing(duckdb.connect(str(winter / "eventwatch.duckdb"), read_only=True)) as con:
        assert con.execute("select page_status, count(*) from raw.page_state group by 1").fetchall() == [("ok", 3)]
        assert con.execute("select published_at_source from raw.entries where feed_id = 'desk-briefs' "
                           "and entry_key like '%ryabkov%'").fetchall() == [("page",)]  # the feed gives no date for it: the page does


def test_the_moved_and_the_cancelled_meetings(winter):
    with closing(snapshot(winter)) as con:
        moved = con.execute(
            "select due_start from marts.deadline_history where deadline_id in ("
            "  select deadline_id from marts.deadline_history h join marts.fct_deadlines d using (deadline_id)"
            "  where d.location = 'Paris' and h.due_start = '2022-01-25') order by valid_from"
        ).fetchall()
        assert [r[0] for r in moved] == [date(2022, 1, 25), date(2022, 1, 26)]
        cancelled = con.execute(
            "select status, revision_count from marts.fct_deadlines where location = 'Geneva' and due_start = '2022-02-24'"
        ).fetchall()
        assert cancelled and all(status == "cancelled" for status, _ in cancelled)
        # the move is a revision, told on report time: announced Jan. 20, moved Jan. 24
        paris = con.execute(
            "select h.state_change, cast(h.valid_from as date), d.revision_count from marts.deadline_history h "
            "join marts.fct_deadlines d using (deadline_id) where d.location = 'Paris' "
            "and h.deadline_id in (select deadline_id from marts.deadline_history where due_start = '2022-01-25') "
            "order by h.state_number"
        ).fetchall()
        assert paris == [("announced", date(2022, 1, 20), 1), ("moved", date(2022, 1, 24), 1)]
        # talks in Paris and the meeting in Paris are one deadline
        assert con.execute(
            "select count(*) from marts.fct_deadlines where location = 'Paris' and due_start = '2022-01-26'"
        ).fetchone() == (1,)
        # the Geneva meeting was called off on Feb. 22, the day the first report said so
        assert con.execute(
            "select h.state_change, cast(h.valid_from as date) from marts.deadline_history h "
            "join marts.fct_deadlines d using (deadline_id) where d.location = 'Geneva' and d.due_start = '2022-02-24' "
            "and h.is_current"
        ).fetchall() == [("cancelled", date(2022, 2, 22))]
        # the Geneva talks of Jan. 10 and the Blinken-Lavrov meeting of Jan. 21 are two deadlines, not a chain
        assert con.execute(
            "select due_start from marts.fct_deadlines where location = 'Geneva' "
            "and due_start in ('2022-01-10', '2022-01-21') order by due_start"
        ).fetchall() == [(date(2022, 1, 10),), (date(2022, 1, 21),)]


def test_a_second_run_over_unchanged_feeds_writes_no_new_version(winter):
    with closing(snapshot(winter)) as con:
        before = con.execute("select count(*), sum(version_count) from marts.articles").fetchone()
    # at the same instant no feed is due yet; --force polls them all, still conditionally
    waiting = run(winter, as_of="2022-02-23T12:00:00Z")
    assert waiting.returncode == 0, waiting.stderr[-3000:]
    assert "feeds: 0 ok, 0 failed; entries: 0 seen" in waiting.stdout and "6 not due yet" in waiting.stdout
    result = run(winter, "--force", as_of="2022-02-23T12:00:00Z")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "feeds: 6 ok, 0 failed; entries: 0 seen, 0 new, 0 new versions, 0 quarantined" in result.stdout
    assert "6 not modified" in result.stdout
    with closing(snapshot(winter)) as con:
        assert con.execute("select count(*), sum(version_count) from marts.articles").fetchone() == before
    with closing(duckdb.connect(str(winter / "eventwatch.duckdb"), read_only=True)) as con:
        assert con.execute("select count(*) from raw.entries").fetchone() == (81,)
        assert con.execute("select count(*) from raw.fetch_log where not_modified and forced").fetchone() == (6,)


def test_geneva_talks_are_upcoming_as_of_jan_5(tmp_path):
    result = run(tmp_path, as_of="2022-01-05T12:00:00Z")
    assert result.returncode == 0, result.stderr[-3000:]
    with closing(snapshot(tmp_path)) as con:
        rows = con.execute(
            "select status from marts.fct_deadlines where location = 'Geneva' and due_start = '2022-01-10'"
        ).fetchall()
        assert rows and {r[0] for r in rows} == {"upcoming"}
        # nothing published after the run's clock reached the marts
        assert con.execute("select max(published_at) from marts.articles").fetchone()[0] <= datetime(2022, 1, 5, 12)


def test_query_command_reads_the_snapshot(winter):
    result = subprocess.run([EVENTWATCH, "query", "--data-dir", str(winter), "--format", "csv",
                             "select due_start, location from marts.fct_deadlines where location = 'Geneva' "
                             "and due_start = '2022-01-10'"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "due_start,location"
    assert "2022-01-10,Geneva" in result.stdout.splitlines()[1:]


def test_the_corpus_is_scored_against_the_launch_story_and_its_calendar_alerts(winter):
    with closing(snapshot(winter)) as con:
        # stories select, they never drop: every article has its row, in or out
        assert con.execute("select count(*) from marts.article_stories where story_id = 'ukraine-2022'").fetchone() == (
            con.execute("select count(*) from marts.articles").fetchone())
        members = con.execute("select count(*) from marts.article_stories where is_member").fetchone()[0]
        assert members >= 55  # the sample corpus is the winter's diplomacy, nearly item by item
        changes = {r[0] for r in con.execute(
            "select state_change from marts.alerts where rule = 'deadline_changed'").fetchall()}
        assert {"announced", "moved"} <= changes
    listed = subprocess.run([EVENTWATCH, "alerts", "list", "--data-dir", str(winter), "--story", "ukraine-2022",
                             "--format", "csv"], capture_output=True, text=True, timeout=120, cwd=REPO)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines()[0].startswith("fired_at,story_id,rule,subject,message")
    assert len(listed.stdout.splitlines()) > 3
    # the jsonl sink of seeds/stories.yml holds each alert once
    lines = (winter / "alerts.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(set(lines)) == len(listed.stdout.splitlines()) - 1


# the off-topic items of the sample corpus (seeds/corpus/README.md, "Off-topic items")
OFF_TOPIC = [f"https://{path}" for path in (
    "kyivwire.example/2021/12/12/podil-rovers-winter-break", "kyivwire.example/2022/01/21/freezing-rain-roads",
    "kyivwire.example/2022/01/27/portugal-snap-election", "capitalbriefing.example/2021/12/15/fed-faster-taper",
    "capitalbriefing.example/2022/01/27/stocks-swing-rate-fears",
    "capitalbriefing.example/2022/01/28/noreaster-blizzard-warnings")]


def test_off_topic_items_stay_in_the_marts_and_out_of_the_story(winter):
    """Stories select, they never drop: sports, weather and markets items are ingested, extracted and
    published, scored out of the launch story with the reason, and fire no alert."""
    with closing(snapshot(winter)) as con:
        rows = con.execute(
            "select a.url, s.is_member, s.explanation from marts.articles a "
            "join marts.article_stories s using (article_id) where s.story_id = 'ukraine-2022'").fetchall()
        outside = {url: why for url, member, why in rows if not member}
        assert set(outside) == set(OFF_TOPIC)  # every other article of the corpus is in the story
        assert len(rows) == con.execute("select count(*) from marts.articles").fetchone()[0]
        assert "excluded by: football" in outside[OFF_TOPIC[0]]  # the Kyiv club scores 4, the exclusion wins
        assert outside[OFF_TOPIC[1]].startswith("out: score 2 (min 3)")  # "Kyiv" in a weather title is not enough
        # their claims and deadlines are in the marts too, and no alert draws on them
        assert con.execute("select count(*) from marts.fct_claims c join marts.articles a using (article_id) "
                           "where a.url = ?", [OFF_TOPIC[3]]).fetchone()[0] >= 1
        vote = con.execute("select distinct m.deadline_id from marts.deadline_mentions m join marts.articles a "
                           "using (article_id) where a.url = ? and m.deadline_id is not null",
                           [OFF_TOPIC[2]]).fetchall()
        assert vote
        assert con.execute("select count(*) from marts.alerts a join marts.articles r using (article_id) "
                           "where r.url in (select unnest(?))", [OFF_TOPIC]).fetchone() == (0,)
        assert con.execute("select count(*) from marts.alerts where subject in (select unnest(?))",
                           [[v[0] for v in vote]]).fetchone() == (0,)
        assert con.execute("select article_count from marts.dim_stories where story_id = 'ukraine-2022'"
                           ).fetchone() == (len(rows) - len(OFF_TOPIC),)
