"""Capabilities measured on real news prose, tested on sentences we wrote: unnamed nominal speakers
("the Ohio governor said", "the bank said"), a definite nominal resolved to the person who just spoke,
appositives that keep the name as speaker, and fiscal quarters."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from pipelines.extract import extract_article, load_gazetteer

PUBLISHED = datetime(1990, 8, 15, 9, 0)


@pytest.fixture(scope="module")
def gazetteer():
    """The project gazetteer, loaded once."""
    return load_gazetteer()


def _claims(text, gazetteer):
    return [(c.speaker_surface, c.cue_verb, text[c.start_char:c.end_char])
            for c in extract_article(text, PUBLISHED, gazetteer).claims]


@pytest.mark.parametrize(("text", "speaker", "content"), [
    ("The Ohio governor said farmers and the banks were to blame for the delay.", "The Ohio governor",
     "farmers and the banks were to blame for the delay"),
    ("The bank said that it had closed two branches in the valley.", "The bank",
     "it had closed two branches in the valley"),
    ("A county clerk said the bridge would reopen after the inspection.", "A county clerk",
     "the bridge would reopen after the inspection"),
])
def test_an_unnamed_nominal_speaker_is_found(text, speaker, content, gazetteer):
    assert (speaker, "say", content) in _claims(text, gazetteer)


def test_a_definite_nominal_resolves_to_the_person_who_just_spoke(gazetteer):
    text = ("Dana Oakhurst said the levy had doubled since spring. "
            "The governor said the council would vote on it again.")
    claims = extract_article(text, PUBLISHED, gazetteer).claims
    second = next(c for c in claims if "council" in c.claim_text)
    first = next(c for c in claims if "levy" in c.claim_text)
    assert second.speaker_surface == "The governor"
    assert second.speaker_actor_id == first.speaker_actor_id is not None


def test_an_indefinite_nominal_stays_unnamed(gazetteer):
    text = ("Dana Oakhurst said the levy had doubled since spring. "
            "A governor said the council would vote on it again.")
    second = next(c for c in extract_article(text, PUBLISHED, gazetteer).claims if "council" in c.claim_text)
    assert second.speaker_surface == "A governor" and second.speaker_actor_id is None


@pytest.mark.parametrize("text", [
    "Dana Oakhurst, the county director, said the levy had doubled since spring.",
    "The county director, Dana Oakhurst, said the levy had doubled since spring.",
])
def test_a_nominal_beside_a_name_leaves_the_name_as_speaker(text, gazetteer):
    [(speaker, _, _)] = _claims(text, gazetteer)
    assert speaker == "Dana Oakhurst"


@pytest.mark.parametrize(("text", "surface", "start", "end"), [
    ("Third-quarter profit at the mill rose 5%.", "Third-quarter", date(1990, 7, 1), date(1990, 9, 30)),
    ("Sales fell in the first quarter of 1989.", "the first quarter of 1989", date(1989, 1, 1), date(1989, 3, 31)),
    # a quarter not yet begun: ahead in a present or future clause, last year's in a past one
    ("The mill expects a loss in the fourth quarter.", "the fourth quarter", date(1990, 10, 1), date(1990, 12, 31)),
    ("The mill lost money in the fourth quarter.", "the fourth quarter", date(1989, 10, 1), date(1989, 12, 31)),
])
def test_a_fiscal_quarter_is_three_months(text, surface, start, end, gazetteer):
    [found] = extract_article(text, PUBLISHED, gazetteer).time_expressions
    assert (found.surface, found.due_start, found.due_end, found.precision) == (surface, start, end, "season")



@pytest.mark.parametrize("text", [
    "The ballots were counted twice, according to the county clerk.",
    "According to the county clerk, the ballots were counted twice.",
])
def test_according_to_a_nominal_is_an_attribution(text, gazetteer):
    [(speaker, cue, content)] = _claims(text, gazetteer)
    assert (speaker.lower(), cue, content.lower()) == ("the county clerk", "according to", "the ballots were counted twice")
