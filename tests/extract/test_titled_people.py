"""People discovered from congressional and media titles and appositions (issue 12), on sentences we
wrote: the title gives the person's role, and capitalised common phrases still invent no one."""

from __future__ import annotations

from datetime import datetime

import pytest

from pipelines.extract import load_gazetteer
from pipelines.extract.actors import find_actors
from pipelines.extract.text import split_sentences

PUBLISHED = datetime(2022, 1, 5, 12)
LEAD = "Talks resumed in Geneva.\n\n"


@pytest.fixture(scope="module")
def gazetteer():
    """The project gazetteer, loaded once."""
    return load_gazetteer()


def _find(gazetteer, sentence: str):
    """The findings of a short article: a plain headline, then the sentence."""
    text = LEAD + sentence
    return find_actors(text, split_sentences(text), gazetteer, PUBLISHED.date())


def _people(findings):
    """(surface, actor_id) of the person mentions."""
    return [(m.surface, m.actor_id) for m in findings.mentions
            if findings.actors[m.actor_id].actor_type == "person"]


def _role_of(findings, actor_id: str) -> set[str]:
    """The roles titles and appositions gave an actor."""
    return {role for _, role, holder in findings.roles if holder == actor_id}


@pytest.mark.parametrize(("sentence", "surface", "role"), [
    ("Representative Sam Poe called the summit a failure.", "Representative Sam Poe", "representative"),
    ("House Speaker Jane Roe told reporters the vote would wait.", "House Speaker Jane Roe", "speaker"),
    ("Senate Majority Leader Sam Poe said the chamber would act.", "Senate Majority Leader Sam Poe",
     "majority leader"),
    ("Senate Minority Leader Sam Poe objected to the timetable.", "Senate Minority Leader Sam Poe",
     "minority leader"),
    ("Congresswoman Jane Roe disagreed with the timetable.", "Congresswoman Jane Roe", "representative"),
    ("Governor Jane Roe sent the state guard home.", "Governor Jane Roe", "governor"),
    ("Sen. Jane Roe wants a vote this week.", "Sen. Jane Roe", "senator"),
    ("Fox News host Sam Poe asked whether war was near.", "host Sam Poe", "host"),
    ("The Sunday show host Sam Poe doubted the offer.", "host Sam Poe", "host"),
])
def test_a_title_names_an_unknown_person_and_gives_the_role(gazetteer, sentence, surface, role):
    findings = _find(gazetteer, sentence)
    people = _people(findings)
    assert [s for s, _ in people] == [surface]
    actor_id = people[0][1]
    assert actor_id in ("sam-poe", "jane-roe")
    assert role in _role_of(findings, actor_id)


@pytest.mark.parametrize(("sentence", "actor_id", "role"), [
    ("Sam Poe, the host of a Sunday program, doubted the offer.", "sam-poe", "host"),
    ("Jane Roe, a Republican senator from Ohio, has long pushed for sanctions.", "jane-roe", "senator"),
    ("Sam Poe, the Democratic congressman from Texas, disagreed.", "sam-poe", "representative"),
    ("Jane Roe, the House speaker, kept the vote off the floor.", "jane-roe", "speaker"),
])
def test_an_apposition_names_an_unknown_person_and_gives_the_role(gazetteer, sentence, actor_id, role):
    findings = _find(gazetteer, sentence)
    assert [a for _, a in _people(findings)] == [actor_id]
    assert role in _role_of(findings, actor_id)


def test_a_later_surname_and_honorific_follow_the_titled_person(gazetteer):
    findings = _find(gazetteer, "Senate Majority Leader Sam Poe said the chamber would act. Mr. Poe added "
                                "that Poe's staff had a draft.")
    assert {a for _, a in _people(findings)} == {"sam-poe"}
    assert len(_people(findings)) == 3


@pytest.mark.parametrize("sentence", [
    "Biden will host Camp David talks. Moscow will host Champions League games.",
    "The Representative Office of Taiwan said so. The Speaker Series resumed.",
    "The Senate Foreign Relations Committee met, and the Majority Leader Office stayed shut.",
    "The House Majority Leader Office issued Host Nation Support rules.",
    "A host of Western Balkans leaders came. The talk show hosts Super Bowl parties.",
])
def test_capitalised_common_phrases_invent_no_one(gazetteer, sentence):
    findings = _find(gazetteer, sentence)
    assert [a for a in findings.actors.values() if a.is_discovered and a.actor_type == "person"] == []


@pytest.mark.parametrize(("sentence", "people"), [
    ("Sens. Jane Roe (D-Ohio) and Sam Poe (R-Texas) wrote to the White House.", ["jane-roe", "sam-poe"]),
    ("Sens. Jane Roe (D-Ohio), Sam Poe (R-Texas) and Ann Lee (D-Vt.) wrote to the White House.",
     ["jane-roe", "sam-poe", "ann-lee"]),
    ("Senators Jane Q. Roe, Republican of Ohio, and Sam Poe, Democrat of Vermont, disagreed.",
     ["jane-roe", "sam-poe"]),
    ("Reps. Jane Roe and Sam Poe disagreed.", ["jane-roe", "sam-poe"]),
])
def test_a_plural_title_names_each_coordinated_person_with_its_role(gazetteer, sentence, people):
    findings = _find(gazetteer, sentence)
    assert [a for _, a in _people(findings)] == people
    assert all(_role_of(findings, p) for p in people)


def test_joined_initials_after_a_title(gazetteer):
    findings = _find(gazetteer, "Rep. J.K. Roe (D-N.C.) called it a disgrace.")
    assert _people(findings) == [("Rep. J.K. Roe", "jk-roe")]


def test_a_plural_title_does_not_coordinate_a_place(gazetteer):
    findings = _find(gazetteer, "Sens. Jane Roe and Sam Poe visited Kyiv and Warsaw Station.")
    assert [a for _, a in _people(findings)] == ["jane-roe", "sam-poe"]


def test_a_title_case_headline_invents_no_one_after_a_title(gazetteer):
    text = "Speaker Just Shared This Stunning Video With Voters\n\nHouse Speaker Jane Roe posted it."
    findings = find_actors(text, split_sentences(text), gazetteer, PUBLISHED.date())
    assert _people(findings) == [("House Speaker Jane Roe", "jane-roe")]


def test_a_title_takes_the_known_person_at_the_start_of_a_long_capitalised_run(gazetteer):
    findings = _find(gazetteer, "Sam Poe, the House speaker, spoke. Aides said “Speaker Sam Poe Joins Growing "
                                "List of Critics” was the subject line.")
    assert [(s, a) for s, a in _people(findings) if s.startswith("Speaker")] == [("Speaker Sam Poe", "sam-poe")]
    assert {a for _, a in _people(findings)} == {"sam-poe"}
