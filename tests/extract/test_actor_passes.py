"""The actor finder's passes, each run alone on sentences we wrote, and the word lists they read."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from pipelines.extract import actors as A, extractor_versions, load_gazetteer
from pipelines.extract.actors import _Article

REPO = Path(__file__).resolve().parents[2]
PUBLISHED = date(2022, 1, 5)


@pytest.fixture(scope="module")
def gazetteer():
    """The project gazetteer, loaded once."""
    return load_gazetteer()


def _run(gazetteer, text, *passes):
    """Run the passes in order on text; the article's (surface, actor_id) spans in text order."""
    article = _Article(text, gazetteer)
    for a_pass in passes:
        a_pass(article)
    return article, [(text[s.start:s.end], s.actor_id) for s in sorted(article.spans, key=lambda s: s.start)]


def test_gazetteer_pass_takes_a_title_and_skips_a_building_as_a_place(gazetteer):
    article, spans = _run(gazetteer, "President Vladimir V. Putin spoke. Talks at the Kremlin went on.",
                          A._gazetteer_pass)
    assert spans == [("President Vladimir V. Putin", "vladimir-putin")]
    assert article.roles == [(0, "president", "vladimir-putin")]


def test_discovery_pass_finds_an_unknown_person_by_apposition(gazetteer):
    article, spans = _run(gazetteer, "Marta Kowalczyk, an analyst at a think tank, said the talks would fail.",
                          A._discovery_pass)
    assert spans == [("Marta Kowalczyk", "marta-kowalczyk")]
    assert article.actors["marta-kowalczyk"].is_discovered


def test_title_pass_finds_an_honorific_and_its_gender_but_no_general_assembly(gazetteer):
    article, spans = _run(gazetteer, "Ms. Kowalczyk disagreed. The General Assembly met.", A._title_pass)
    assert spans == [("Ms. Kowalczyk", "kowalczyk")]
    assert article.genders == {"kowalczyk": "f"}


def test_organization_pass_finds_an_institution_by_its_head_noun(gazetteer):
    _, spans = _run(gazetteer, "The Baltic Policy Institute published a report.", A._organization_pass)
    assert spans == [("Baltic Policy Institute", "baltic-policy-institute")]


def test_surname_pass_needs_a_first_mention(gazetteer):
    text = "Kowalczyk was quiet. Marta Kowalczyk, an analyst, said no. Kowalczyk added more."
    _, spans = _run(gazetteer, text, A._discovery_pass, A._surname_pass)
    assert spans == [("Marta Kowalczyk", "marta-kowalczyk"), ("Kowalczyk", "marta-kowalczyk")]


def test_anonymous_pass_keeps_a_source_and_its_affiliation(gazetteer):
    article, spans = _run(gazetteer, "A senior administration official said the offer stood. Officials met.",
                          A._anonymous_pass)
    assert spans == [("A senior administration official", "anonymous-senior-administration-official")]
    assert article.actors["anonymous-senior-administration-official"].affiliation == "united-states"


def test_role_pass_resolves_a_description_on_the_publication_date(gazetteer):
    article, spans = _run(gazetteer, "The German chancellor said little.")
    A._role_pass(article, PUBLISHED)
    assert [actor_id for _, actor_id in _spans(article)] == ["olaf-scholz"]
    article, _ = _run(gazetteer, "The German chancellor said little.")
    A._role_pass(article, date(2021, 6, 1))
    assert [actor_id for _, actor_id in _spans(article)] == ["angela-merkel"]


def _spans(article):
    """(surface, actor_id) of an article's spans, in text order."""
    return [(article.text[s.start:s.end], s.actor_id) for s in sorted(article.spans, key=lambda s: s.start)]


def test_an_anonymous_source_inside_a_resolved_person_is_dropped(gazetteer):
    article, spans = _run(gazetteer, "The Kremlin spokesman said no.", A._gazetteer_pass, A._anonymous_pass)
    assert ("The Kremlin spokesman", "anonymous-kremlin-spokesman") in spans
    A._role_pass(article, PUBLISHED)
    A._drop_anonymous_inside_people(article)
    assert [actor_id for _, actor_id in _spans(article)] == ["dmitry-peskov", "kremlin"]


def test_group_noun_pass_takes_the_latest_actor_of_its_kind(gazetteer):
    article, _ = _run(gazetteer, "NATO and the OSCE met. The alliance said no.", A._gazetteer_pass)
    A._group_noun_pass(article)
    assert _spans(article)[-1] == ("The alliance", "nato")


def test_the_word_lists_are_in_the_fingerprint_and_read_beside_the_gazetteer(gazetteer, tmp_path):
    for name in ("actors.csv", "cue_verbs.csv", "roles.csv", A.WORDS_FILE):
        shutil.copy(REPO / "seeds" / name, tmp_path / name)
    with open(tmp_path / A.WORDS_FILE, "a", encoding="utf-8") as handle:
        handle.write("title,Commissioner,commissioner\n")
    changed = load_gazetteer(tmp_path / "actors.csv")
    assert extractor_versions(changed)["mentions"] != extractor_versions(gazetteer)["mentions"]
    article, spans = _run(changed, "Commissioner Marta Novak arrived.", A._title_pass)
    assert spans == [("Commissioner Marta Novak", "marta-novak")]
    assert article.roles == [(0, "commissioner", "marta-novak")]
    assert _run(gazetteer, "Commissioner Marta Novak arrived.", A._title_pass)[1] == []


@pytest.mark.reliability(kind="fault", fault="seeds/actor_words.csv names a word list the code does not know",
                         outcome="loading the gazetteer fails with a one-line error naming the list",
                         lost="nothing: no article is extracted with half a vocabulary")
def test_an_unknown_word_list_is_a_clear_error(tmp_path):
    path = tmp_path / A.WORDS_FILE
    path.write_text("list,word,value\ntitel,Commissioner,commissioner\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown word list 'titel'"):
        A.load_vocabulary(path)
