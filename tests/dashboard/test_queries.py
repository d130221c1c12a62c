"""The dashboard's queries on the sample corpus's snapshot: as-of semantics on report time, links, filters."""

from __future__ import annotations

import subprocess
from contextlib import closing
from datetime import date, datetime

import duckdb
import pandas as pd
import pytest

from pipelines.dashboard import queries
from tests.conftest import REPO, SAMPLE_FEEDS
from tests.dashboard.conftest import EVENTWATCH

JAN_5 = queries.board_as_of(date(2022, 1, 5), datetime(2022, 2, 23, 12))


def test_board_as_of_is_the_end_of_the_day_but_never_after_the_snapshot():
    assert queries.board_as_of(date(2022, 1, 5), datetime(2022, 2, 23, 12)) == datetime(2022, 1, 5, 23, 59, 59, 999999)
    assert queries.board_as_of(date(2022, 2, 23), datetime(2022, 2, 23, 12)) == datetime(2022, 2, 23, 12)


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JaVaScRiPt:alert(1)", " data:text/html,<b>x</b>",
                                 "file:///etc/passwd", "//evil.example/x", "", None, 42])
def test_only_http_links_are_kept(url):
    assert queries.safe_url(url) is None


def test_http_links_are_kept():
    assert queries.safe_url("https://kyivwire.example/a") == "https://kyivwire.example/a"
    assert queries.safe_url("HTTP://x.example/") == "HTTP://x.example/"


@pytest.mark.slow
def test_as_of_jan_5_nothing_reported_after_that_day_appears(snapshot_con):
    con = snapshot_con
    cutoff = pd.Timestamp(JAN_5)
    frames = {
        "deadlines": (queries.deadlines(con, JAN_5), ["first_reported_at", "state_reported_at", "last_reported_at"]),
        "claims": (queries.claims(con, JAN_5), ["published_at"]),
        "clusters": (queries.claim_clusters(con, JAN_5), ["first_reported_at", "last_reported_at"]),
        "activity": (queries.actor_activity(con, JAN_5, ["vladimir-putin", "joe-biden"]), ["day"]),
        "mentions": (queries.actor_mentions(con, JAN_5, "vladimir-putin"), ["published_at"]),
        "actor claims": (queries.actor_claims(con, JAN_5, "vladimir-putin"), ["published_at"]),
        "per day": (queries.articles_per_day(con, JAN_5), ["day"]),
        "top": (queries.top_actors(con, JAN_5), ["last_day"]),
    }
    for name, (frame, columns) in frames.items():
        assert len(frame) > 0, name
        for column in columns:
            assert pd.to_datetime(frame[column]).max() <= cutoff, (name, column)
    daily = frames["activity"][0]
    weekly = queries.actor_activity(con, JAN_5, ["vladimir-putin", "joe-biden"], grain="week")
    assert weekly["mentions"].sum() == daily["mentions"].sum()
    assert (pd.to_datetime(weekly["day"]).dt.dayofweek == 0).all()  # weeks from Monday
    # the snapshot's run fetched on Feb. 23: on Jan. 5 there was no fetch and no gate run yet
    assert queries.feed_health(con, JAN_5).empty
    assert queries.gate_results(con, JAN_5).empty
    assert queries.last_run(con, JAN_5) is None
    # a deadline reported on Jan. 20 (the Paris meeting) is not known yet
    assert not (queries.deadlines(con, JAN_5)["location"] == "Paris").any()


@pytest.mark.slow
def test_a_deadline_page_as_of_a_day_holds_only_what_was_reported_by_then(snapshot_con):
    con = snapshot_con
    paris = con.execute("select deadline_id from marts.fct_deadlines where location = 'Paris' "
                        "and due_start = '2022-01-26'").fetchone()[0]
    # as of Jan. 22: announced for Jan. 25, not moved yet
    jan_22 = queries.board_as_of(date(2022, 1, 22), None)
    history = queries.deadline_history(con, jan_22, paris)
    assert list(history["state_change"]) == ["announced"] and history["valid_to"].isna().all()
    row = queries.deadlines(con, jan_22).set_index("deadline_id").loc[paris]
    assert str(row["due_start"])[:10] == "2022-01-25" and row["status"] == "upcoming" and not row["moved"]
    # as of Feb. 23: moved to Jan. 26, both dates shown, both reports linked
    now = datetime(2022, 2, 23, 12)
    history = queries.deadline_history(con, now, paris)
    assert list(history["state_change"]) == ["announced", "moved"]
    assert history["url"].str.startswith("https://").all()
    row = queries.deadlines(con, now).set_index("deadline_id").loc[paris]
    assert row["dates"] == "2022-01-25 → 2022-01-26" and row["moved"]
    assert [str(d) for d in row["moved_from"]] == ["2022-01-25"]
    reports = queries.deadline_reports(con, now, paris)
    assert reports["reported_at"].is_monotonic_increasing and set(reports["state_number"]) == {1, 2}


@pytest.mark.slow
def test_claim_filters_and_clusters(snapshot_con):
    con = snapshot_con
    now = datetime(2022, 2, 23, 12)
    options = queries.claim_options(con, now)
    assert "Vladimir Putin" in options["speaker"] and "kyiv-wire" in options["outlet"]
    putin = queries.claims(con, now, speakers=["Vladimir Putin"], cues=["warn"])
    assert len(putin) > 0 and set(putin["speaker_name"]) == {"Vladimir Putin"} and set(putin["cue_verb"]) == {"warn"}
    december = queries.claims(con, now, since=date(2021, 12, 1), until=date(2021, 12, 31))
    assert pd.to_datetime(december["published_at"]).dt.month.eq(12).all()
    clusters = queries.claim_clusters(con, now)
    carried = clusters[clusters["source_count"] >= 2]
    assert len(carried) > 0
    assert all(len(urls) >= 1 and all(u.startswith("https://") for u in urls) for urls in carried["urls"])
    # a cluster counts only the reports made by the day asked: earlier, fewer claims or none
    first = carried.iloc[0]
    before = queries.claim_clusters(con, pd.Timestamp(first["last_reported_at"]).to_pydatetime().replace(microsecond=0)
                                    - pd.Timedelta(seconds=1))
    match = before[before["claim_cluster_id"] == first["claim_cluster_id"]]
    assert match.empty or int(match["claim_count"].iloc[0]) < int(first["claim_count"])


@pytest.fixture(scope="module")
def published_jan_5(tmp_path_factory):
    """The sample corpus run as of the end of Jan. 5: what the pipeline itself believed that day."""
    data_dir = tmp_path_factory.mktemp("jan-5")
    result = subprocess.run([EVENTWATCH, "run", "--feeds", str(SAMPLE_FEEDS), "--data-dir", str(data_dir),
                             "--as-of", "2022-01-05T23:59:59"], capture_output=True, text=True, timeout=900,
                            cwd=REPO, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    with closing(duckdb.connect(str(data_dir / "published" / "eventwatch.duckdb"), read_only=True)) as con:
        yield con


@pytest.mark.slow
def test_the_board_as_of_jan_5_matches_a_run_made_on_jan_5(snapshot_con, published_jan_5):
    """History on report time makes the past exact: the Feb. 23 snapshot drawn as of Jan. 5 gives the
    calendar a run on Jan. 5 published."""
    def calendar(frame: pd.DataFrame) -> list[tuple]:
        return sorted((str(r.location), str(r.due_start)[:10], str(r.due_end)[:10], r.status)
                      for r in frame.itertuples())

    as_of = datetime(2022, 1, 5, 23, 59, 59)
    then = published_jan_5.execute("select label, location, due_start, due_end, status from marts.fct_deadlines").df()
    assert calendar(queries.deadlines(snapshot_con, as_of)) == calendar(then)


# --- stories and alerts -----------------------------------------------------------------------------

STORY = "ukraine-2022"
NOW = datetime(2022, 2, 23, 12)
# off-topic items of the sample corpus (seeds/corpus/README.md, "Off-topic items")
PORTUGAL = "https://kyivwire.example/2022/01/27/portugal-snap-election"
FED = "https://capitalbriefing.example/2021/12/15/fed-faster-taper"


def _article_id(con, url: str) -> str:
    return con.execute("select article_id from marts.articles where url = ?", [url]).fetchone()[0]


def _members(con) -> set[str]:
    return {r[0] for r in con.execute("select article_id from marts.article_stories where story_id = ? and is_member",
                                      [STORY]).fetchall()}


@pytest.mark.slow
def test_the_story_filter_keeps_members_and_drops_the_off_topic_items(snapshot_con):
    con = snapshot_con
    members = _members(con)
    portugal, fed = _article_id(con, PORTUGAL), _article_id(con, FED)
    assert members and portugal not in members and fed not in members
    # articles: the election day report is in the marts, and out of the story
    jan_27 = queries.board_as_of(date(2022, 1, 27), NOW)
    every_day = queries.reported_on(con, jan_27)["articles"]
    story_day = queries.reported_on(con, jan_27, story_id=STORY)["articles"]
    assert PORTUGAL in set(every_day["url"]) and PORTUGAL not in set(story_day["url"])
    assert 0 < len(story_day) < len(every_day)
    per_day = queries.articles_per_day(con, NOW, story_id=STORY)
    assert per_day["articles"].sum() < queries.articles_per_day(con, NOW)["articles"].sum()
    # claims: Mr. Powell's (an off-topic item) only without the filter; every member's claim with it
    every = queries.claims(con, NOW, limit=None)  # every row, not the board's first page
    story = queries.claims(con, NOW, story_id=STORY, limit=None)
    assert "Jerome Powell" in set(every["speaker_name"]) and "Jerome Powell" not in set(story["speaker_name"])
    member_claims = {r[0] for r in con.execute("select claim_id from marts.fct_claims where article_id in "
                                               "(select unnest(?))", [sorted(members)]).fetchall()}
    assert set(story["claim_id"]) == member_claims
    assert "Jerome Powell" not in queries.claim_options(con, NOW, story_id=STORY)["speaker"]
    clusters = queries.claim_clusters(con, NOW, story_id=STORY)
    assert "Jerome Powell" not in set(clusters["speaker_name"]) and len(clusters) > 0
    # deadlines: the Portuguese election (Jan. 30) is on the board of all stories, not on the story's
    jan_28 = queries.board_as_of(date(2022, 1, 28), NOW)
    assert (queries.deadlines(con, jan_28)["label"] == "vote").any()
    in_story = queries.deadlines(con, jan_28, story_id=STORY)
    assert not (in_story["label"] == "vote").any() and (in_story["location"] == "Geneva").any()
    assert not (queries.due_within(con, jan_28, story_id=STORY)["label"] == "vote").any()
    # actors: Mr. Powell appears only in off-topic items
    assert "Jerome Powell" in set(queries.actor_options(con, NOW)["name"])
    assert "Jerome Powell" not in set(queries.actor_options(con, NOW, story_id=STORY)["name"])
    putin_all = queries.actor_mentions(con, NOW, "vladimir-putin")
    assert len(queries.actor_mentions(con, NOW, "vladimir-putin", story_id=STORY)) == len(putin_all)


@pytest.mark.slow
def test_story_activity_rolls_up_like_the_daily_mart(snapshot_con):
    """Given a story, actor activity is rebuilt from mentions and claims: for a story's members it
    must add up as marts.actor_activity_daily does for those articles."""
    con = snapshot_con
    story = queries.top_actors(con, NOW, limit=200, story_id=STORY).set_index("actor_id")
    every = queries.top_actors(con, NOW, limit=200).set_index("actor_id")
    putin = "vladimir-putin"  # he appears in no off-topic item, so his counts are the same either way
    assert story.loc[putin, ["mentions", "claims", "relayed_claims"]].tolist() == \
        every.loc[putin, ["mentions", "claims", "relayed_claims"]].tolist()
    assert "jerome-powell" in every.index and "jerome-powell" not in story.index  # off-topic items only


@pytest.mark.slow
def test_alerts_are_those_fired_by_the_boards_day_newest_first(snapshot_con):
    con = snapshot_con
    everything = queries.alerts(con, NOW)
    assert len(everything) == con.execute("select count(*) from marts.alerts").fetchone()[0] > 0
    assert everything["fired_at"].is_monotonic_decreasing
    jan_5 = queries.alerts(con, JAN_5)
    assert 0 < len(jan_5) < len(everything)
    assert pd.to_datetime(jan_5["fired_at"]).max() <= pd.Timestamp(JAN_5)
    assert set(jan_5["alert_id"]) <= set(everything["alert_id"])
    # the Geneva meeting of Feb. 24 was called off on Feb. 22: not yet on the 21st, then with what changed
    def cancelled(day: date) -> pd.DataFrame:
        frame = queries.alerts(con, queries.board_as_of(day, NOW))
        return frame[(frame["rule"] == "deadline_changed") & frame["message"].str.contains("Geneva: cancelled")]
    assert cancelled(date(2022, 2, 21)).empty
    called_off = cancelled(date(2022, 2, 22))
    assert len(called_off) >= 1 and called_off["what_changed"].str.contains("upcoming → cancelled").all()
    assert called_off["url"].str.startswith("https://").all() and (called_off["outlets"] != "").all()
    assert set(everything["story"]) == {"Ukraine diplomacy, winter 2021-22"}
    # stories select: an alert fires only for a story's deadlines, never for the off-topic election
    vote = con.execute("select deadline_id from marts.fct_deadlines where label = 'vote'").fetchall()
    assert vote and not set(everything["subject"]) & {v[0] for v in vote}
    assert queries.alerts(con, NOW, story_id=STORY)["alert_id"].tolist() == everything["alert_id"].tolist()
    assert queries.alerts(con, NOW, story_id="no-such-story").empty
