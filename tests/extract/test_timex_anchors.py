"""Time expressions anchored on what the article named before (issue 12): "then", "that year", "the
following month", "the next day"; "the weekend" by tense; "later in the week" after a dated first
round, with every city the talks move to; tense of passives and of "amounted to"; refs TimeML counts
("as soon as" is none); and two meetings on adjacent days kept apart by place and body."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from pipelines.extract import extract_article, load_gazetteer

MON_AUG_13_1990 = datetime(1990, 8, 13, 9, 0)  # a Monday
OCT_30_1989 = datetime(1989, 10, 30, 9, 0)  # a Monday
DEC_30_2021 = datetime(2021, 12, 30, 21, 0)  # a Thursday


@pytest.fixture(scope="module")
def gazetteer():
    """The project gazetteer, loaded once."""
    return load_gazetteer()


def _typed(gazetteer, text, published):
    """(surface, TimeML type, value) of every time expression in an article."""
    return [(t.surface, t.timex_type, t.value) for t in extract_article(text, published, gazetteer).time_expressions]


def _one(gazetteer, text, surface, published):
    """The single time expression with this surface."""
    hits = [t for t in extract_article(text, published, gazetteer).time_expressions if t.surface == surface]
    assert len(hits) == 1, (surface, hits)
    return hits[0]


def test_then_and_that_year_take_the_date_named_before(gazetteer):
    found = _typed(gazetteer, "The warrants lapse on Nov. 30. Until then, the shares trade as usual. "
                              "The mill closed in 1988; that year the town lost its bakery too.", OCT_30_1989)
    assert ("then", "DATE", "1989-11-30") in found
    assert ("that year", "DATE", "1988") in found


def test_then_alone_is_no_time_expression(gazetteer):
    assert _typed(gazetteer, "The board met, and then it voted. The then mayor agreed.", OCT_30_1989) == []


def test_the_following_month_counts_from_the_month_named_before(gazetteer):
    found = _typed(gazetteer, "The brewer rejected the bid in March. The following month, it put itself up "
                              "for sale.", OCT_30_1989)
    assert ("March", "DATE", "1989-03") in found
    assert ("The following month", "DATE", "1989-04") in found


def test_the_next_day_and_the_following_week_count_from_a_far_date(gazetteer):
    text = ("Agenda\n\nThe envoys meet in Geneva on Jan. 10. The next day they brief the allies, "
            "and the following week they report to their capitals.")
    next_day = _one(gazetteer, text, "The next day", DEC_30_2021)
    assert next_day.due_start == date(2022, 1, 11) and next_day.value == "2022-01-11"
    week = _one(gazetteer, text, "the following week", DEC_30_2021)
    assert (week.due_start, week.due_end, week.value) == (date(2022, 1, 17), date(2022, 1, 23), "2022-W03")


@pytest.mark.parametrize(("text", "value"), [
    ("The ambassador said over the weekend that the ships would stay.", "1990-W32-WE"),
    ("Over the weekend, officials confirmed the order.", "1990-W32-WE"),
    ("The envoy will return over the weekend.", "1990-W33-WE"),
    ("The talks this weekend were cut short.", "1990-W32-WE"),
    ("The fleet sails this weekend.", "1990-W33-WE"),
])
def test_the_weekend_follows_the_tense(gazetteer, text, value):
    [(surface, kind, found)] = _typed(gazetteer, text, MON_AUG_13_1990)
    assert (kind, found) == ("DATE", value) and surface.lower().endswith("weekend")


def test_a_passive_after_to_be_looks_ahead(gazetteer):
    found = _typed(gazetteer, "Guidelines to be published in early November will decide.", OCT_30_1989)
    assert ("early November", "DATE", "1989-11") in found
    found = _typed(gazetteer, "Program trading amounted to more than 13% in September.", OCT_30_1989)
    assert ("September", "DATE", "1989-09") in found


def test_a_past_date_months_back_stays_behind(gazetteer):
    found = _typed(gazetteer, "The chain earned $50 million in the year ended March 31.", OCT_30_1989)
    assert ("March 31", "DATE", "1989-03-31") in found
    found = _typed(gazetteer, "Orders rose from the low levels of the early summer.", OCT_30_1989)
    assert ("early summer", "DATE", "1989-SU") in found


def test_a_season_before_a_price_or_after_into(gazetteer):
    assert ("this summer", "DATE", "1989-SU") in _typed(
        gazetteer, "The stock began trading this summer at $14 apiece.", OCT_30_1989)
    assert ("the summer", "DATE", "1990-SU") in _typed(
        gazetteer, "Shortages will last well into the summer.", OCT_30_1989)


def test_as_soon_as_is_no_future_ref(gazetteer):
    assert _typed(gazetteer, "Crews may leave as soon as the storm ends.", OCT_30_1989) == []
    assert ("soon", "DATE", "FUTURE_REF") in _typed(gazetteer, "Crews will leave soon.", OCT_30_1989)


def test_later_in_the_week_after_a_dated_first_round_keeps_both_cities(gazetteer):
    text = ("Talks\n\nThe first round opens in Geneva on Jan. 10. The delegations then move on to Brussels "
            "and Vienna later in the week.")
    first = _one(gazetteer, text, "Jan. 10", DEC_30_2021)
    assert first.due_start == date(2022, 1, 10) and first.location == "Geneva"
    later = _one(gazetteer, text, "later in the week", DEC_30_2021)
    assert (later.due_start, later.due_end) == (date(2022, 1, 11), date(2022, 1, 16))
    assert later.value == "2022-W02"
    assert set(later.places) == {"Brussels", "Vienna"} and later.location in later.places
    assert first.places == ("Geneva",)


def test_later_this_week_stays_in_the_publication_week(gazetteer):
    text = "Talks\n\nThe first round opens in Geneva on Jan. 10. A briefing comes later this week."
    later = _one(gazetteer, text, "this week", DEC_30_2021)  # TimeML leaves "later" out
    assert later.due_end == date(2022, 1, 2)


def test_adjacent_meetings_keep_their_body_and_place(gazetteer):
    text = ("Schedule\n\nThe NATO-Russia Council meets in Brussels on Jan. 12. The OSCE Permanent Council "
            "gathers in Vienna on Jan. 13.")
    council = _one(gazetteer, text, "Jan. 12", DEC_30_2021)
    osce = _one(gazetteer, text, "Jan. 13", DEC_30_2021)
    assert (council.location, council.due_start) == ("Brussels", date(2022, 1, 12))
    assert (osce.location, osce.due_start) == ("Vienna", date(2022, 1, 13))
    assert "NATO" in council.sentence and "OSCE" not in council.sentence
    assert "OSCE" in osce.sentence and "NATO" not in osce.sentence


def test_centuries_decade_words_and_a_part_of_yesterday(gazetteer):
    found = _typed(gazetteer, "It was the worst storm of the 20th century, and numbers fell through the nineties. "
                              "Shares rose by mid-afternoon yesterday.", OCT_30_1989)
    assert ("the 20th century", "DATE", "19") in found
    assert ("the nineties", "DATE", "199") in found
    assert ("mid-afternoon yesterday", "TIME", "1989-10-29TAF") in found
    assert _typed(gazetteer, "The skipper is in her forties.", OCT_30_1989) == []


def test_lengths_without_a_count_and_the_year_ended(gazetteer):
    found = _typed(gazetteer, "The valley was farmed for centuries, and over the years the mill grew. The co-op "
                              "earned $2 million in the year ended March 31. Rain delayed planting earlier in "
                              "the year; the rest will be paid at a later date.", OCT_30_1989)
    assert ("centuries", "DURATION", "PXE") in found
    assert ("the years", "DURATION", "PXY") in found
    assert ("the year", "DURATION", "P1Y") in found and ("March 31", "DATE", "1989-03-31") in found
    assert ("earlier in the year", "DATE", "1989") in found
    assert ("a later date", "DATE", "FUTURE_REF") in found
    assert ("two years", "DURATION", "P2Y") in _typed(gazetteer, "It ran for two years.", OCT_30_1989)
