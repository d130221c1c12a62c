"""Time expressions: absolute dates, ranges, weekdays, relative and vague horizons, seasons; event,
place, status and tense, all resolved against the publication date."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta, timezone

import pytest

from pipelines.extract import extract_article, load_gazetteer

DEC_30 = datetime(2021, 12, 30, 21, 0)  # a Thursday
JAN_5 = datetime(2022, 1, 5, 8, 0)  # a Wednesday


@pytest.fixture(scope="module")
def gazetteer():
    """The project gazetteer, loaded once."""
    return load_gazetteer()


def _timexes(gazetteer, text, published=DEC_30):
    """The time expressions of an article that may become deadlines (TimeML extents: no preposition)."""
    return tuple(t for t in extract_article(text, published, gazetteer).time_expressions if t.is_deadline_candidate)


def _one(gazetteer, text, surface, published=DEC_30):
    """The single time expression with this surface."""
    hits = [t for t in _timexes(gazetteer, text, published) if t.surface == surface]
    assert len(hits) == 1, (surface, _timexes(gazetteer, text, published))
    return hits[0]


def test_december_article_means_next_january(gazetteer):
    text = "Geneva next\n\nRussian and American negotiators will open talks in Geneva on Jan. 10."
    timex = _one(gazetteer, text, "Jan. 10")
    assert (timex.due_start, timex.due_end, timex.precision) == (date(2022, 1, 10), date(2022, 1, 10), "day")
    assert timex.is_future
    assert timex.event_label == "talks" and timex.location == "Geneva" and timex.status_cue == "scheduled"


def test_earlier_december_date_is_past(gazetteer):
    timex = _one(gazetteer, "Calls\n\nThe two presidents first spoke on Dec. 3 about the border.", "Dec. 3")
    assert timex.due_start == date(2021, 12, 3)
    assert not timex.is_future
    assert timex.event_label == "call"


def test_full_month_names_and_day_month_year(gazetteer):
    text = "Dates\n\nThe council meets on January 12, and the OSCE gathers on 13 January 2022 in Vienna."
    assert _one(gazetteer, text, "January 12").due_start == date(2022, 1, 12)
    vienna = _one(gazetteer, text, "13 January 2022")
    assert vienna.due_start == date(2022, 1, 13) and vienna.location == "Vienna"


def test_day_ranges(gazetteer):
    text = ("Schedule\n\nNATO and Russia meet in Brussels on Jan. 12-13. Joint exercises with Belarus run "
            "Feb. 10-20, and a second round of drills will run from Feb. 21 to March 3.")
    brussels = _one(gazetteer, text, "Jan. 12-13")
    assert (brussels.due_start, brussels.due_end) == (date(2022, 1, 12), date(2022, 1, 13))
    assert brussels.location == "Brussels"
    drills = _one(gazetteer, text, "Feb. 10-20")
    assert (drills.due_start, drills.due_end, drills.precision) == (date(2022, 2, 10), date(2022, 2, 20), "day")
    assert drills.event_label == "exercises"
    second = _one(gazetteer, text, "Feb. 21 to March 3")
    assert (second.due_start, second.due_end) == (date(2022, 2, 21), date(2022, 3, 3))


def test_weekday_follows_tense(gazetteer):
    future = _one(gazetteer, "Next\n\nThe foreign ministers will meet on Monday in Geneva.", "Monday", JAN_5)
    assert future.due_start == date(2022, 1, 10) and future.is_future
    past = _one(gazetteer, "Last\n\nThe foreign ministers met on Monday in Geneva.", "Monday", JAN_5)
    assert past.due_start == date(2022, 1, 3) and not past.is_future


def test_same_day_weekday_in_past_tense_is_not_future(gazetteer):
    timex = _one(gazetteer, "Call\n\nMr. Biden and Mr. Putin spoke on Thursday for 50 minutes.", "Thursday")
    assert timex.due_start == date(2021, 12, 30)
    assert not timex.is_future


def test_relative_weeks_and_months(gazetteer):
    text = ("Horizons\n\nTalks will continue next week, a decision is due next month, and answers could "
            "come within days. The envoys fly to Brussels later in the week.")
    next_week = _one(gazetteer, text, "next week", JAN_5)
    assert (next_week.due_start, next_week.due_end, next_week.precision) == (
        date(2022, 1, 10), date(2022, 1, 16), "week")
    next_month = _one(gazetteer, text, "next month", JAN_5)
    assert (next_month.due_start, next_month.due_end, next_month.precision) == (
        date(2022, 2, 1), date(2022, 2, 28), "month")
    days = _one(gazetteer, text, "days", JAN_5)
    assert days.due_start == date(2022, 1, 5) and days.due_end == date(2022, 1, 12)
    later = _one(gazetteer, text, "later in the week", JAN_5)
    assert (later.due_start, later.due_end) == (date(2022, 1, 6), date(2022, 1, 9))
    assert later.location == "Brussels"


def test_vague_month_horizons(gazetteer):
    text = ("Deadlines\n\nMoscow wants written answers by the end of January and a summit in mid-February, "
            "with exercises in March or April.")
    end_jan = _one(gazetteer, text, "the end of January")
    assert (end_jan.due_start, end_jan.due_end, end_jan.precision) == (date(2022, 1, 21), date(2022, 1, 31), "month")
    assert end_jan.event_label == "response"
    mid_feb = _one(gazetteer, text, "mid-February")
    assert (mid_feb.due_start, mid_feb.due_end) == (date(2022, 2, 11), date(2022, 2, 20))
    assert mid_feb.event_label == "summit"
    spring = _one(gazetteer, text, "March or April")
    assert (spring.due_start, spring.due_end, spring.precision) == (date(2022, 3, 1), date(2022, 4, 30), "month")


def test_seasons(gazetteer):
    text = ("Outlook\n\nAnalysts expect an offensive before the spring thaw, and a vote this spring "
            "remains possible.")
    thaw = _one(gazetteer, text, "the spring thaw")
    assert (thaw.due_start, thaw.due_end, thaw.precision) == (date(2022, 3, 1), date(2022, 3, 31), "season")
    assert thaw.event_label == "invasion"
    this_spring = _one(gazetteer, text, "this spring")
    assert (this_spring.due_start, this_spring.due_end) == (date(2022, 3, 1), date(2022, 5, 31))


def test_status_cues(gazetteer):
    text = ("Changes\n\nThe summit planned for Feb. 3 was called off. The meeting was moved to Jan. 14. "
            "The White House confirmed the call on Jan. 20. Talks resume Jan. 26.")
    assert _one(gazetteer, text, "Feb. 3").status_cue == "cancelled"
    moved = _one(gazetteer, text, "Jan. 14")
    assert moved.status_cue == "postponed" and moved.is_future
    assert _one(gazetteer, text, "Jan. 20").status_cue == "confirmed"
    assert _one(gazetteer, text, "Jan. 26").status_cue == "scheduled"


def test_a_move_to_a_city_is_a_change_of_venue_not_a_postponement(gazetteer):
    text = ("Venue\n\nThe second round, due on Jan. 13, was moved to Vienna. "
            "The press briefing was moved to Friday. The summit on Feb. 3 has been pushed to February.")
    assert _one(gazetteer, text, "Jan. 13").status_cue == "scheduled"
    assert _one(gazetteer, text, "Friday").status_cue == "postponed"
    assert _one(gazetteer, text, "Feb. 3").status_cue == "postponed"


def test_a_city_after_a_clause_about_another_event_is_not_the_place(gazetteer):
    text = ("Council\n\nAlliance envoys will sit down with Russian diplomats on Jan. 12, before the talks "
            "go on to Vienna. The OSCE meets on Jan. 13 in Vienna.")
    assert _one(gazetteer, text, "Jan. 12").location is None
    assert _one(gazetteer, text, "Jan. 13").location == "Vienna"
    text = "Council\n\nThe envoys will meet on Jan. 12 at a hotel in Vienna."
    assert _one(gazetteer, text, "Jan. 12").location == "Vienna"


def test_ordinal_day_takes_the_month_in_context(gazetteer):
    text = "Moved\n\nThe talks were set for Jan. 10. They have now been pushed back to the 12th."
    timex = _one(gazetteer, text, "to the 12th")
    assert timex.due_start == date(2022, 1, 12) and timex.status_cue == "postponed"


def test_capital_as_speaker_is_not_the_location(gazetteer):
    text = "Reply\n\nMoscow says the talks will open in Geneva on Jan. 10."
    assert _one(gazetteer, text, "Jan. 10").location == "Geneva"
    text = "Reply\n\nMoscow says it will answer on Jan. 10."
    assert _one(gazetteer, text, "Jan. 10").location is None


def test_modal_may_and_plain_numbers_are_not_dates(gazetteer):
    text = "Numbers\n\nRussia may send 100,000 troops, and talks may last 10 hours."
    assert _timexes(gazetteer, text) == ()


def test_offsets_and_sentence(gazetteer):
    text = "Headline on Jan. 10 talks\n\nThe talks open on Jan. 10 in Geneva."
    for timex in _timexes(gazetteer, text):
        assert text[timex.start_char:timex.end_char] == timex.surface
        assert timex.sentence in text


def test_later_in_the_week_counts_from_the_day_named_before(gazetteer):
    saturday = datetime(2022, 1, 8, 12, 0)
    text = "Itinerary\n\nTalks open in Geneva on Monday and move to Brussels and Vienna later in the week."
    monday = _one(gazetteer, text, "Monday", saturday)
    assert monday.due_start == date(2022, 1, 10) and monday.location == "Geneva"
    later = _one(gazetteer, text, "later in the week", saturday)
    assert (later.due_start, later.due_end) == (date(2022, 1, 11), date(2022, 1, 16))
    assert later.event_label == "talks" and later.location == "Vienna"


def test_weekday_with_date_next_day_and_next_weekday(gazetteer):
    text = "Shuttle\n\nMr. Macron met Mr. Putin in Moscow on Monday, Feb. 7, and flew to Kyiv the next day."
    meeting = _one(gazetteer, text, "Monday, Feb. 7", datetime(2022, 2, 8, 12))
    assert meeting.due_start == date(2022, 2, 7) and meeting.location == "Moscow" and not meeting.is_future
    next_day = _one(gazetteer, text, "the next day", datetime(2022, 2, 8, 12))
    assert next_day.due_start == date(2022, 2, 8) and next_day.location == "Kyiv" and not next_day.is_future
    friday = _one(gazetteer, "Answer\n\nThe answer will come next Friday.", "next Friday",
                  datetime(2022, 1, 27, 12))  # a Thursday: next week's Friday
    assert friday.due_start == date(2022, 2, 4)


def test_past_weekday_in_a_participle_clause(gazetteer):
    text = "Summit\n\nThe summit, proposed by Mr. Macron on Sunday, was called off on Feb. 24."
    sunday = _one(gazetteer, text, "Sunday", datetime(2022, 2, 24, 12))
    assert sunday.due_start == date(2022, 2, 20) and not sunday.is_future
    assert _one(gazetteer, text, "Feb. 24", datetime(2022, 2, 24, 12)).status_cue == "cancelled"


def test_years_and_hours(gazetteer):
    text = ("Alert\n\nAn attack could come within 48 hours, Mr. Sullivan said, recalling the war that began "
            "in 2014.")
    hours = _one(gazetteer, text, "48 hours", datetime(2022, 2, 13, 12))
    assert (hours.due_start, hours.due_end, hours.precision) == (date(2022, 2, 13), date(2022, 2, 15), "day")
    assert hours.event_label == "invasion"
    year = _one(gazetteer, text, "2014", datetime(2022, 2, 13, 12))
    assert (year.due_start, year.precision, year.is_future) == (date(2014, 1, 1), "year", False)


def test_title_case_headline_infinitive_is_future(gazetteer):
    text = "Biden and Putin to Talk Thursday as Tensions Rise\n\nNo details were given."
    thursday = _one(gazetteer, text, "Thursday", datetime(2021, 12, 29, 18))  # a Wednesday
    assert thursday.due_start == date(2021, 12, 30) and thursday.is_future and thursday.event_label == "talks"


# --- the grammar's newer forms ---

MON_FEB_14 = datetime(2022, 2, 14, 9, 0)  # a Monday


def test_part_of_a_month_or_the_next(gazetteer):
    timex = _one(gazetteer, "Outlook\n\nAn offensive could come in late March or April.", "late March or April")
    assert (timex.due_start, timex.due_end, timex.precision) == (date(2022, 3, 21), date(2022, 4, 30), "month")
    early = _one(gazetteer, "Outlook\n\nTalks may resume in early March or mid-April.", "early March or mid-April")
    assert (early.due_start, early.due_end) == (date(2022, 3, 1), date(2022, 4, 20))


def test_two_days_joined_by_and(gazetteer):
    pair = _one(gazetteer, "Talks\n\nThe envoys meet in Vienna on Feb. 3 and 4.", "Feb. 3 and 4", JAN_5)
    assert (pair.due_start, pair.due_end, pair.precision) == (date(2022, 2, 3), date(2022, 2, 4), "day")
    apart = _one(gazetteer, "Talks\n\nThe envoys meet on Feb. 3 and 17.", "Feb. 3 and 17", JAN_5)
    assert (apart.due_start, apart.due_end) == (date(2022, 2, 3), date(2022, 2, 3))


def test_month_after_for(gazetteer):
    timex = _one(gazetteer, "Drills\n\nNew drills are planned for March.", "March", JAN_5)
    assert (timex.due_start, timex.due_end, timex.event_label) == (date(2022, 3, 1), date(2022, 3, 31), "exercises")


def test_offsets_from_the_day_named_in_the_sentence(gazetteer):
    later = _one(gazetteer, "Calls\n\nThey spoke on Dec. 7 and again three days later.", "three days later")
    assert later.due_start == date(2021, 12, 10) and not later.is_future
    before = _one(gazetteer, "Vote\n\nHe arrived on Jan. 12, two days before the vote.", "two days before", JAN_5)
    assert before.due_start == date(2022, 1, 14)
    assert not [t for t in _timexes(gazetteer, "Calls\n\nThey spoke again three days later.")
                if "later" in t.surface]


def test_the_next_hours(gazetteer):
    timex = _one(gazetteer, "Warning\n\nAn attack could come in the next 72 hours.", "the next 72 hours", MON_FEB_14)
    assert (timex.due_start, timex.due_end, timex.precision, timex.is_future) == (
        date(2022, 2, 14), date(2022, 2, 17), "day", True)


def test_a_capitalized_season_in_a_name_is_not_a_season(gazetteer):
    text = "Games\n\nThe Winter Olympics close on Feb. 20, and this winter has been mild."
    surfaces = [t.surface for t in _timexes(gazetteer, text, MON_FEB_14)]
    assert "this winter" in surfaces and not any("Winter" in s for s in surfaces)


def test_in_weeks_and_in_months(gazetteer):
    weeks = _one(gazetteer, "Next round\n\nThey meet again in three weeks.", "three weeks", MON_FEB_14)
    assert (weeks.due_start, weeks.due_end, weeks.precision) == (date(2022, 3, 4), date(2022, 3, 10), "week")
    months = _one(gazetteer, "Next round\n\nThey meet again in two months.", "two months", MON_FEB_14)
    assert (months.due_start, months.due_end, months.precision) == (date(2022, 4, 1), date(2022, 4, 30), "month")


def test_relative_days_count_from_the_articles_own_clock(gazetteer):
    text = "Late news\n\nThe envoys meet again tomorrow."
    local = extract_article(text, datetime(2022, 2, 13, 22, 30, tzinfo=timezone(timedelta(hours=-5))), gazetteer)
    assert local.time_expressions[0].due_start == date(2022, 2, 14)  # Sunday evening in Washington
    utc = extract_article(text, datetime(2022, 2, 14, 3, 30), gazetteer)  # the same instant, read as UTC
    assert utc.time_expressions[0].due_start == date(2022, 2, 15)


def test_a_present_tense_schedule_is_future(gazetteer):
    timex = _one(gazetteer, "Brussels\n\nThe council convenes on Wednesday.", "Wednesday", MON_FEB_14)
    assert timex.due_start == date(2022, 2, 16) and timex.is_future


def test_a_weekday_takes_the_tense_of_the_expression_before_it(gazetteer):
    text = "Trip\n\nMr. Scholz flies to Kyiv on Monday and to Moscow on Tuesday, an aide said."
    monday = _one(gazetteer, text, "Monday", datetime(2022, 2, 11, 9))
    tuesday = _one(gazetteer, text, "Tuesday", datetime(2022, 2, 11, 9))
    assert (monday.due_start, tuesday.due_start) == (date(2022, 2, 14), date(2022, 2, 15))


def test_a_verb_right_before_the_day_sets_the_tense(gazetteer):
    timex = _one(gazetteer, "Kremlin\n\nThe Kremlin confirmed on Monday that the call took place.", "Monday",
                 MON_FEB_14)
    assert timex.due_start == date(2022, 2, 14) and not timex.is_future


def test_a_gerund_keeps_its_own_time(gazetteer):
    text = "Trip\n\nMr. Blinken met Mr. Kuleba before flying to Berlin on Tuesday."
    assert _one(gazetteer, text, "Tuesday", MON_FEB_14).due_start == date(2022, 2, 15)


def test_a_day_that_dates_a_statement_has_no_event(gazetteer):
    text = "Summit\n\nThe Kremlin said on Monday that the summit would take place in Geneva on Feb. 24."
    said = _one(gazetteer, text, "Monday", MON_FEB_14)
    summit = _one(gazetteer, text, "Feb. 24", MON_FEB_14)
    assert (said.event_label, said.location) == (None, None)
    assert (summit.event_label, summit.location, summit.is_future) == ("summit", "Geneva", True)


def test_a_condition_confirms_nothing(gazetteer):
    text = "Talks\n\nThe envoys meet in Minsk on Friday if Kyiv confirms its delegation."
    assert _one(gazetteer, text, "Friday", MON_FEB_14).status_cue == "scheduled"
    text = "Talks\n\nKyiv confirmed that the envoys meet in Minsk on Friday."
    assert _one(gazetteer, text, "Friday", MON_FEB_14).status_cue == "confirmed"


def test_a_deadline_that_contains_publication_looks_ahead(gazetteer):
    text = "Answers\n\nMoscow had been promised answers by the end of the month."
    timex = _one(gazetteer, text, "the end of the month", datetime(2022, 1, 24, 9))
    assert (timex.due_start, timex.due_end, timex.is_future) == (date(2022, 1, 21), date(2022, 1, 31), True)


@pytest.mark.parametrize("text", [
    "Noise\n\n" + "Jan. 10 and " * 300,
    "Noise\n\n" + "Alpha Beta Gamma " * 300 + "'s foreign minister said on Monday.",
    "Noise\n\nMr. Putin" + ", the a thing" * 300 + " said on Friday that it was.",
    "Noise\n\nMr. Putin said that " + ", a step they " * 200 + "described as bad.",
    "Noise\n\n" + "senior " * 200 + "officials in " + "the " * 100 + "said.",
    "Noise\n\n" + "“a” " * 500 + "within days " * 100,
])
def test_adversarial_text_stays_fast(gazetteer, text):
    # a blow-up detector, not a speed target (that is `make bench`): CPU time, so a loaded box does not fail it
    started = time.process_time()
    extract_article(text, JAN_5, gazetteer)
    assert time.process_time() - started < 2.0


def test_a_count_before_in_n_days_is_a_duration(gazetteer):
    text = "Calendar\n\nThree meetings in four days left little time, and a fourth comes in four days."
    surfaces = [(t.surface, t.due_start) for t in _timexes(gazetteer, text, JAN_5)]
    assert surfaces == [("four days", date(2022, 1, 9))]


def test_the_place_a_statement_was_made_is_not_the_events(gazetteer):
    text = ("Talks\n\nMr. Ryabkov told reporters in Moscow that talks could start as soon as Saturday; "
            "the delegations meet in Vienna on Monday.")
    saturday = _one(gazetteer, text, "Saturday", DEC_30)
    monday = _one(gazetteer, text, "Monday", DEC_30)
    assert (saturday.event_label, saturday.location) == ("talks", None)
    assert monday.location == "Vienna"


def test_a_clause_after_a_semicolon_keeps_its_own_event(gazetteer):
    text = "Plans\n\nThe ministers meet in Geneva; Washington sends its ideas in writing next week."
    timex = _one(gazetteer, text, "next week", JAN_5)
    assert (timex.event_label, timex.location) == ("response", None)
