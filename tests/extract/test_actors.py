"""Actor extraction: gazetteer forms, titles, discovery, metonyms, anonymous sources, sentences."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import pytest

from pipelines.extract import extract_article, load_gazetteer
from pipelines.extract.text import slugify, split_sentences

REPO = Path(__file__).resolve().parents[2]
PUBLISHED = datetime(2022, 1, 5, 9, 30)


@pytest.fixture(scope="module")
def gazetteer():
    """The project gazetteer, loaded once."""
    return load_gazetteer()


def _mentions(gazetteer, text):
    """(surface, actor_id) pairs of an article, in text order."""
    return [(m.surface, m.actor_id) for m in extract_article(text, PUBLISHED, gazetteer).mentions]


def _ids(gazetteer, text):
    """Actor ids of an article's mentions, in text order."""
    return [actor_id for _, actor_id in _mentions(gazetteer, text)]


# --- the gazetteer itself ---


def test_gazetteer_rows_are_well_formed():
    with open(REPO / "seeds" / "actors.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows, "seeds/actors.csv is empty"
    for row in rows:
        assert row["actor_id"] == slugify(row["name"]), row
        assert row["actor_type"] in ("person", "organization", "country", "group"), row
    names = {row["name"] for row in rows}
    for required in ("Vladimir Putin", "Joe Biden", "Yuri Ushakov", "Dmitry Peskov", "Sergey Lavrov",
                     "Sergei Ryabkov", "Antony Blinken", "Wendy Sherman", "Jake Sullivan", "Mark Milley",
                     "Lloyd Austin", "Jens Stoltenberg", "Volodymyr Zelensky", "Dmytro Kuleba",
                     "Emmanuel Macron", "Olaf Scholz", "Jen Psaki", "Ned Price", "Alexander Lukashenko",
                     "Boris Johnson", "Liz Truss", "Andriy Yermak", "Dmitry Kozak", "Kamala Harris", "NATO",
                     "OSCE", "European Union", "UN Security Council", "White House", "Kremlin", "Pentagon",
                     "State Department", "Tass", "RAND", "Russian Foreign Ministry",
                     "Ukrainian Foreign Ministry", "Russia", "Ukraine", "United States", "Belarus",
                     "Germany", "France", "Britain", "China"):
        assert required in names, required


def test_every_gazetteer_actor_is_loaded(gazetteer):
    assert gazetteer.actors["kremlin"].actor_type == "organization"
    assert gazetteer.actors["russia"].country == "RU"
    assert gazetteer.cues["warned"].lemma == "warn"
    assert gazetteer.cues["warned"].claim_type == "warning"
    assert gazetteer.cues["according to"].claim_type == "statement"


# --- names, titles, honorifics ---


def test_full_name_with_title_and_middle_initial(gazetteer):
    mentions = _mentions(gazetteer, "Talks went on.\n\nPresident Vladimir V. Putin met his security council.")
    assert ("President Vladimir V. Putin", "vladimir-putin") in mentions


def test_honorific_and_surname_resolve_to_the_same_person(gazetteer):
    text = ("Envoys meet in Geneva\n\nWendy R. Sherman, the deputy secretary of state, led the American side. "
            "Ms. Sherman later met Mr. Ryabkov, and Gen. Mark A. Milley briefed Mr. Austin.")
    ids = _ids(gazetteer, text)
    assert ids.count("wendy-sherman") == 2
    assert "sergei-ryabkov" in ids and "mark-milley" in ids and "lloyd-austin" in ids


def test_titles_before_names(gazetteer):
    text = ("Ministers gather\n\nForeign Minister Lavrov greeted Secretary of State Antony Blinken, "
            "while Chancellor Olaf Scholz called Prime Minister Boris Johnson.")
    mentions = _mentions(gazetteer, text)
    assert ("Foreign Minister Lavrov", "sergey-lavrov") in mentions
    assert ("Secretary of State Antony Blinken", "antony-blinken") in mentions
    assert ("Chancellor Olaf Scholz", "olaf-scholz") in mentions
    assert ("Prime Minister Boris Johnson", "boris-johnson") in mentions


def test_transliteration_variants(gazetteer):
    text = ("Two spellings\n\nSergei Lavrov and Sergey Lavrov are one man, as are Volodymyr Zelenskyy "
            "and Volodymyr Zelensky, and Sergey Ryabkov.")
    ids = _ids(gazetteer, text)
    assert ids.count("sergey-lavrov") == 2
    assert ids.count("volodymyr-zelensky") == 2
    assert "sergei-ryabkov" in ids


def test_possessive_and_bare_surname(gazetteer):
    mentions = _mentions(gazetteer, "Kremlin view\n\nPutin's demands were read out by Peskov's office.")
    assert ("Putin", "vladimir-putin") in mentions
    assert ("Peskov", "dmitry-peskov") in mentions


def test_ambiguous_surname_needs_a_first_mention(gazetteer):
    early = _ids(gazetteer, "Pentagon briefing\n\nAustin is a city in Texas.")
    assert "lloyd-austin" not in early
    later = _ids(gazetteer, "Pentagon briefing\n\nLloyd J. Austin III spoke first. Austin's aides followed.")
    assert later.count("lloyd-austin") == 2


# --- institutions and capitals ---


def test_institutions(gazetteer):
    text = ("Readouts\n\nThe Kremlin said the call was useful, and the White House and the State Department "
            "agreed. The U.N. Security Council did not meet; NATO and the OSCE did.")
    ids = _ids(gazetteer, text)
    for actor_id in ("kremlin", "white-house", "state-department", "un-security-council", "nato", "osce"):
        assert actor_id in ids, actor_id


def test_capital_counts_only_when_it_acts(gazetteer):
    acting = _mentions(gazetteer, "Reply\n\nMoscow says it will answer, and Washington warned of costs.")
    assert ("Moscow", "russia") in acting
    assert ("Washington", "united-states") in acting
    placed = _ids(gazetteer, "Reply\n\nThe envoys flew to Moscow after talks in Washington and Kyiv.")
    assert "russia" not in placed and "united-states" not in placed and "ukraine" not in placed


def test_foreign_ministries(gazetteer):
    text = "Notes\n\nRussia's Foreign Ministry replied, and the Ukrainian Foreign Ministry objected."
    ids = _ids(gazetteer, text)
    assert "russian-foreign-ministry" in ids
    assert "ukrainian-foreign-ministry" in ids


# --- discovery ---


def test_unknown_person_with_appositive_is_discovered(gazetteer):
    text = ("Analysts weigh in\n\nMarta Kowalczyk, an analyst at the Baltic Policy Institute, said the "
            "talks would stall. Ms. Kowalczyk added that Kowalczyk's view was shared by others.")
    result = extract_article(text, PUBLISHED, gazetteer)
    actors = {a.actor_id: a for a in result.actors}
    assert actors["marta-kowalczyk"].actor_type == "person"
    assert actors["marta-kowalczyk"].is_discovered
    assert actors["baltic-policy-institute"].actor_type == "organization"
    assert [m.surface for m in result.mentions if m.actor_id == "marta-kowalczyk"] == [
        "Marta Kowalczyk", "Ms. Kowalczyk", "Kowalczyk"]


def test_person_discovered_from_speech_cue(gazetteer):
    text = "Views\n\nThe offer was hollow, said Tomas Lindqvist, who studies Russian policy in Uppsala."
    ids = _ids(gazetteer, text)
    assert "tomas-lindqvist" in ids


def test_sentence_openers_are_not_names(gazetteer):
    text = "Views\n\nBut Officials Said nothing. On Monday Ivan Petrenko said the border was calm."
    ids = _ids(gazetteer, text)
    assert "ivan-petrenko" in ids
    assert not any(i.startswith(("but-", "on-")) for i in ids)


# --- anonymous sources ---


def test_anonymous_sources(gazetteer):
    text = ("Inside the talks\n\nA senior administration official said the offer stood. Officials said "
            "more would follow, according to two Western diplomats. The plan, said a person familiar "
            "with the matter, is ready.")
    ids = _ids(gazetteer, text)
    assert "anonymous-senior-administration-official" in ids
    assert "anonymous-official" in ids
    assert "anonymous-western-diplomat" in ids
    assert "anonymous-person-familiar-with-the-matter" in ids
    result = extract_article(text, PUBLISHED, gazetteer)
    assert {a.actor_type for a in result.actors if a.actor_id.startswith("anonymous-")} == {"anonymous"}


def test_an_aide_in_an_appositive_is_not_an_anonymous_source(gazetteer):
    ids = _ids(gazetteer, "Call\n\nYuri Ushakov, a Kremlin aide, told reporters the call went well.")
    assert "yuri-ushakov" in ids
    assert not any(i.startswith("anonymous-") for i in ids)


# --- sentences ---


def test_sentence_splitting_keeps_abbreviations_together():
    text = ("Mr. Putin spoke with Gen. Mark A. Milley on Jan. 10. The U.S. Embassy was closed. "
            "Talks moved to the U.S. Then they ended.")
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == [
        "Mr. Putin spoke with Gen. Mark A. Milley on Jan. 10.",
        "The U.S. Embassy was closed.",
        "Talks moved to the U.S.",
        "Then they ended.",
    ]
    assert all(text[s.start:s.end] == s.text for s in sentences)


def test_mention_offsets_and_sentence_index(gazetteer):
    text = "Headline about Biden\n\nThe first sentence. Then Mr. Lavrov spoke."
    result = extract_article(text, PUBLISHED, gazetteer)
    for mention in result.mentions:
        assert text[mention.start_char:mention.end_char] == mention.surface
    lavrov = next(m for m in result.mentions if m.actor_id == "sergey-lavrov")
    assert lavrov.sentence_index == 2
