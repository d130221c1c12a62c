"""TimeML types and values of time expressions (issue 12): durations, sets, PRESENT/PAST/FUTURE_REF,
bare years, quarters, "a year ago", tense-aware weekdays, anchored expressions, extents without the
leading preposition; and durations, sets and refs never reach the deadline table."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pytest

from pipelines.extract import extract_article, load_gazetteer
from pipelines.extract.stage import run_extract
from pipelines.store.tables import ensure_schema
from tests.extract.test_stage import _entry, _load

OCT_29_1997 = datetime(1997, 10, 29, 9, 0)  # a Wednesday
MAR_4_1998 = datetime(1998, 3, 4, 9, 0)  # a Wednesday


@pytest.fixture(scope="module")
def gazetteer():
    """The project gazetteer, loaded once."""
    return load_gazetteer()


def _typed(gazetteer, text, published=MAR_4_1998):
    """(surface, TimeML type, value) of every time expression in an article."""
    return [(t.surface, t.timex_type, t.value) for t in extract_article(text, published, gazetteer).time_expressions]


@pytest.mark.parametrize(("text", "expected"), [
    ("The pier was closed for three weeks.", ("three weeks", "DURATION", "P3W")),
    ("Repairs took two years.", ("two years", "DURATION", "P2Y")),
    ("Ferries ran late over the past six months.", ("the past six months", "DURATION", "P6M")),
    ("The crossing takes about 20 minutes.", ("about 20 minutes", "DURATION", "PT20M")),
    ("The harbour board signed a five-year lease.", ("five-year", "DURATION", "P5Y")),
    ("It will take several months to dredge the channel.", ("several months", "DURATION", "PXM")),
    ("Fares have risen in recent years.", ("recent years", "DURATION", "PXY")),
])
def test_a_duration_carries_its_length(gazetteer, text, expected):
    assert expected in _typed(gazetteer, text)


@pytest.mark.parametrize(("text", "expected"), [
    ("The inspectors come every week.", ("every week", "SET", "P1W")),
    ("The board meets weekly.", ("weekly", "SET", "P1W")),
    ("Each year the ferry is repainted.", ("Each year", "SET", "P1Y")),
    ("The boats sail twice a day.", ("a day", "SET", "P1D")),
    ("A fair is held each July.", ("each July", "SET", "XXXX-07")),
])
def test_a_set_is_a_repetition(gazetteer, text, expected):
    assert expected in _typed(gazetteer, text)


def test_weekly_before_a_noun_is_no_set(gazetteer):
    assert _typed(gazetteer, "She writes a weekly column on shipping.") == []


@pytest.mark.parametrize(("text", "expected"), [
    ("The pier is now closed.", ("now", "DATE", "PRESENT_REF")),
    ("The ferry is currently out of service.", ("currently", "DATE", "PRESENT_REF")),
    ("The mayor recently visited the pier.", ("recently", "DATE", "PAST_REF")),
    ("Storms have damaged it in the past.", ("the past", "DATE", "PAST_REF")),
    ("A bridge may replace it in the future.", ("the future", "DATE", "FUTURE_REF")),
])
def test_now_and_the_past_are_refs(gazetteer, text, expected):
    assert expected in _typed(gazetteer, text)


def test_years_are_written_as_years(gazetteer):
    found = _typed(gazetteer, "The pier opened in 1987, and the 1997 budget paid for its repair. "
                              "Fiscal 1996 was worse.", OCT_29_1997)
    assert ("1987", "DATE", "1987") in found  # the preposition is left out of the extent
    assert ("1997", "DATE", "1997") in found
    assert ("Fiscal 1996", "DATE", "1996") in found


def test_a_quarter_and_the_quarter_a_year_before(gazetteer):
    found = _typed(gazetteer, "The ferry line earned $2 million in the third quarter, up from $1.5 million "
                              "a year ago. Fourth-quarter fares will rise. In the latest quarter costs fell.",
                   OCT_29_1997)
    assert ("the third quarter", "DATE", "1997-Q3") in found
    assert ("a year ago", "DATE", "1996-Q3") in found  # the same quarter, one year back
    assert ("Fourth-quarter", "DATE", "1997-Q4") in found
    assert ("the latest quarter", "DATE", "1997-Q3") in found  # the last one ended before publication


def test_ago_counts_back_from_publication(gazetteer):
    found = _typed(gazetteer, "The pier shut five months ago. A storm hit it a year ago. "
                              "The dock was rebuilt two weeks ago.")
    assert ("five months ago", "DATE", "1997-10") in found
    assert ("a year ago", "DATE", "1997") in found
    assert ("two weeks ago", "DATE", "1998-W08") in found


def test_a_weekday_follows_the_tense_of_its_sentence(gazetteer):
    assert ("Monday", "DATE", "1998-03-02") in _typed(gazetteer, "The ferry sank on Monday.")
    assert ("Monday", "DATE", "1998-03-09") in _typed(gazetteer, "The ferry will sail on Monday.")


def test_expressions_anchored_on_a_date_named_earlier(gazetteer):
    found = _typed(gazetteer, "The inquiry opens on March 9. The next day the divers go down, "
                              "and the report follows later in the week.")
    assert ("March 9", "DATE", "1998-03-09") in found
    assert ("The next day", "DATE", "1998-03-10") in found
    assert ("later in the week", "DATE", "1998-W11") in found


def test_times_of_day(gazetteer):
    found = _typed(gazetteer, "The captain spoke this morning. The vote is at 10 p.m. Thursday.")
    assert ("this morning", "TIME", "1998-03-04TMO") in found
    assert ("10 p.m. Thursday", "TIME", "1998-03-05T22:00") in found


def test_extents_leave_the_preposition_out(gazetteer):
    found = extract_article("The ferry sails on Monday, by March 20 and within days.", MAR_4_1998,
                            gazetteer).time_expressions
    assert [t.surface for t in found] == ["Monday", "March 20", "days"]
    assert [t.precision for t in found] == ["day", "day", "week"]  # the range is that of the whole phrase


def test_only_dated_expressions_are_deadline_candidates(gazetteer):
    found = extract_article("The ferry sails on Monday after three weeks of repairs; it now sails weekly. "
                            "It first sailed in 1987.", MAR_4_1998, gazetteer).time_expressions
    assert {t.surface: t.is_deadline_candidate for t in found} == {
        "Monday": True, "three weeks": False, "now": False, "weekly": False, "1987": True}
    assert all(t.due_start is None for t in found if t.timex_type in ("DURATION", "SET"))


def test_the_deadline_table_gets_no_duration_set_or_ref(gazetteer):
    con = duckdb.connect()
    ensure_schema(con)
    body = ("The ferry will sail on Monday after three weeks of repairs. It now sails weekly, "
            "as it has for two years, and earned more than a year ago.")
    _load(con, [_entry("wire", "a-ferry", "h1", "Ferry back", body, MAR_4_1998, MAR_4_1998)])
    run_extract(con, gazetteer)
    rows = con.execute("select surface from extract.time_expressions order by start_char").fetchall()
    con.close()
    assert rows == [("Monday",)]


def test_a_month_in_a_past_clause_is_behind_publication(gazetteer):
    assert ("April", "DATE", "1997-04") in _typed(gazetteer, "The pier reopened in April.", OCT_29_1997)
    assert ("April", "DATE", "1998-04") in _typed(gazetteer, "The pier will reopen in April.", OCT_29_1997)
    # far behind, a faint past (a verb elsewhere in the sentence) loses to the nearest April
    assert ("March", "DATE", "1998-03") in _typed(gazetteer, "Engineers wrote that a repair, in March, would "
                                                             "be cheaper.", datetime(1997, 12, 20))


def test_the_year_before_and_the_fiscal_year(gazetteer):
    found = _typed(gazetteer, "Traffic fell over the past year, and the fiscal year ends in June.", OCT_29_1997)
    assert ("the past year", "DATE", "1996") in found
    assert ("the fiscal year", "DURATION", "P1Y") in found


def test_extents_leave_earlier_later_and_an_adjective_quarters_the_out(gazetteer):
    found = _typed(gazetteer, "Earlier this month the line posted a third-quarter loss; the lease runs at least "
                              "20 more years, and the nine months to June were weak. A ramp opened in early 1996.",
                   OCT_29_1997)
    assert ("this month", "DATE", "1997-10") in found
    assert ("third-quarter", "DATE", "1997-Q3") in found
    assert ("at least 20 more years", "DURATION", "P20Y") in found  # "at least" is no preposition
    assert ("the nine months", "DURATION", "P9M") in found
    assert ("early 1996", "DATE", "1996") in found
