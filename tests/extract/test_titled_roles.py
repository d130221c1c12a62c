"""A role description whose holder the article names only through a title ("President X ... the
president"): it resolves to that person, who may be unknown to the gazetteer and to seeds/roles.csv."""

from __future__ import annotations

from datetime import datetime

import pytest

from pipelines.extract import extract_article, load_gazetteer

PUBLISHED = datetime(2016, 6, 1, 12)

_TITLED = pytest.mark.reliability(
    kind="input", fault="a person known only through a title, then named by the role ('President X ... the president')",
    outcome="the role resolves to the person the title names; the article extracts", lost="nothing")


@pytest.fixture(scope="module")
def gazetteer():
    """The project gazetteer, loaded once."""
    return load_gazetteer()


def _role_mention(gazetteer, text: str, role: str):
    """The extraction and the mention whose surface is the role description."""
    result = extract_article(text, PUBLISHED, gazetteer)
    found = [m for m in result.mentions if m.surface.lower() == role]
    assert found, [(m.surface, m.actor_id) for m in result.mentions]
    return result, found[0]


@_TITLED
@pytest.mark.parametrize(("text", "role", "person"), [
    ("President Tomas Herzel spoke on Saturday. Later the president said he would wait for the vote.",
     "the president", "tomas-herzel"),
    (("Prime Minister Greta Lindqvist arrived in the capital on Monday. The prime minister said the talks "
      "would go on."), "the prime minister", "greta-lindqvist"),
    ("Chancellor Oskar Brenner met farmers in the north. Afterwards the chancellor said prices would fall.",
     "the chancellor", "oskar-brenner"),
    ("Foreign Minister Ilse Marquardt flew home early. The foreign minister told reporters the plan was dead.",
     "the foreign minister", "ilse-marquardt"),
    ("Secretary of State Dana Whitfield visited the port. Hours later the secretary of state warned of delays.",
     "the secretary of state", "dana-whitfield"),
])
def test_a_role_resolves_to_the_person_its_title_named(gazetteer, text, role, person):
    result, mention = _role_mention(gazetteer, text, role)
    assert mention.actor_id == person
    assert person in {a.actor_id for a in result.actors}


@_TITLED
def test_the_speaker_of_the_role_is_the_titled_person(gazetteer):
    text = ("President Tomas Herzel opened the session on Tuesday.\n\n"
            "The president said the budget would pass by Friday.")
    result = extract_article(text, PUBLISHED, gazetteer)
    speakers = [c.speaker_actor_id for c in result.claims]
    assert "tomas-herzel" in speakers, [(c.speaker_surface, c.speaker_actor_id) for c in result.claims]


@_TITLED
def test_the_latest_titled_person_wins_over_an_earlier_one(gazetteer):
    text = ("President Tomas Herzel met President Anya Volkova in the border town. "
            "Afterwards the president said the meeting had gone well.")
    _, mention = _role_mention(gazetteer, text, "the president")
    assert mention.actor_id == "anya-volkova"
