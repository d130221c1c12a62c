"""Shapes of attribution that real news prose uses and the rules read (issue 12, session 20), on
sentences we wrote: subjects with a place, a dash aside or a participle after them, content that turns
into a quote, the verb forms news uses beside "said", second verbs of a subject, beliefs inside speech."""

from __future__ import annotations

from datetime import datetime

import pytest

from pipelines.extract import extract_article, load_gazetteer

PUBLISHED = datetime(2016, 6, 1, 12, 0)
LEAD = "The ferry line closed in May. "


@pytest.fixture(scope="module")
def gazetteer():
    """The project gazetteer, loaded once."""
    return load_gazetteer()


def _spoken(gazetteer, text):
    """(speaker surface, cue lemma, claim text) of each claim of LEAD + text."""
    claims = extract_article(LEAD + text, PUBLISHED, gazetteer).claims
    return [(c.speaker_surface, c.cue_verb, c.claim_text) for c in claims]


@pytest.mark.parametrize(("text", "speaker", "content"), [
    # a participle after the subject opens a modifier; "show" there is a noun, not a cue
    ("Sen. Dana Quill, R-Ore., appearing on a radio show after the debate, said the governor failed "
     "to explain the budget.", "Sen. Dana Quill", "the governor failed to explain the budget"),
    # an aside between dashes stands between the subject and its cue
    ("Ferry workers in the two harbour towns — Alder and Brook — said it is important that the line "
     "reopens soon.", "Ferry workers in the two harbour towns", "it is important that the line reopens soon"),
    # a place after the name, then an appositive
    ("Mayor Dana Quill of Alder, a Democrat, said Tuesday that the pier would close.", "Mayor Dana Quill",
     "the pier would close"),
    # a relative clause with its own time phrase; a negated modal is a clause
    ("Parrin, who worked for the harbour when it opened in 1992, says she couldn’t see herself voting "
     "for the plan.", "Parrin", "she couldn’t see herself voting for the plan"),
])
def test_subjects_with_modifiers_before_the_cue(gazetteer, text, speaker, content):
    assert (speaker, "say", content) in _spoken(gazetteer, text)


@pytest.mark.parametrize(("text", "content"), [
    ('Tomas Reyl said the ferry "had never been safer."', 'the ferry "had never been safer."'),
    # a quote right after the cue: the quote is the claim
    ("Tomas Reyl says “the whole pier is rotten” because nobody paid for it.", "the whole pier is rotten"),
])
def test_content_that_turns_into_a_quote(gazetteer, text, content):
    assert ("Tomas Reyl", "say", content) in _spoken(gazetteer, text)


@pytest.mark.parametrize(("text", "cue", "content"), [
    ("Tomas Reyl insisted the pier was safe.", "insist", "the pier was safe"),
    ("Tomas Reyl argued the pier was safe.", "argue", "the pier was safe"),
    ("Tomas Reyl alleged that the board had hidden the report.", "allege", "the board had hidden the report"),
    ("Tomas Reyl indicated that the pier would reopen in June.", "indicate", "the pier would reopen in June"),
    ("Tomas Reyl thought the pier would reopen in June.", "think", "the pier would reopen in June"),
    ("Tomas Reyl testified that nobody had inspected the hull.", "testify", "nobody had inspected the hull"),
    ("Tomas Reyl denounced the closure of the pier.", "denounce", "the closure of the pier"),
    ("Tomas Reyl made it clear that the pier would stay shut.", "make clear", "the pier would stay shut"),
])
def test_verb_forms_news_uses_beside_said(gazetteer, text, cue, content):
    assert ("Tomas Reyl", cue, content) in _spoken(gazetteer, text)


@pytest.mark.parametrize("text", [
    "Talks between the United States and the county are set for Monday.",  # "States" is no cue
    "The charges against the ferry company were dropped on Monday.",
    "The worry is that the pier will not survive the winter.",
])
def test_nouns_that_look_like_cues_are_not_attributions(gazetteer, text):
    assert _spoken(gazetteer, text) == []


def test_a_second_said_of_the_subject_is_its_own_claim(gazetteer):
    spoken = _spoken(gazetteer, "Fields later posted a photograph of the crack and said she had been warned.")
    assert spoken == [("Fields", "say", "she had been warned")]


def test_a_belief_inside_speech_keeps_the_speech(gazetteer):
    spoken = _spoken(gazetteer, "Ferry riders in all five towns say they feel betrayed by the board.")
    assert ("Ferry riders in all five towns", "say", "they feel betrayed by the board") in spoken


@pytest.mark.parametrize(("text", "speaker", "cue", "content"), [
    ("The county court ruled that the pier must close by June.", "The county court", "ruled",
     "the pier must close by June"),
    ("Mr. Lask learned that the board had hidden the report.", "Mr. Lask", "learned",
     "the board had hidden the report"),
])
def test_a_verb_right_before_that_and_a_clause_attributes(gazetteer, text, speaker, cue, content):
    assert (speaker, cue, content) in _spoken(gazetteer, text)


@pytest.mark.parametrize("text", [
    "The mayor demanded immediate guarantees that the pier would stay open.",  # a noun of another cue
    "Ferry riders passed laws that the board hated.",  # a relative clause, not a that-clause
    "Mr. Lask never learned that the board had met.",
])
def test_verb_that_needs_a_subject_and_no_other_cue(gazetteer, text):
    assert all(cue not in ("guarantees", "passed", "learned") for _, cue, _ in _spoken(gazetteer, text))


@pytest.mark.parametrize(("text", "cue", "content"), [
    ("Tomas Reyl pointed to the rust on the hull.", "point to", "the rust on the hull"),
    ("Tomas Reyl remarked that the hull was thin.", "remark", "the hull was thin"),
])
def test_more_cue_forms(gazetteer, text, cue, content):
    assert ("Tomas Reyl", cue, content) in _spoken(gazetteer, text)


def _speaker_ids(gazetteer, text):
    """(speaker actor id, speaker surface) of each claim of text, published in January 2022."""
    claims = extract_article(text, datetime(2022, 1, 10), gazetteer).claims
    return [(c.speaker_actor_id, c.speaker_surface) for c in claims]


def test_a_nominal_speaker_reaches_back_three_sentences(gazetteer):
    text = ("Sergei Lavrov met reporters in Geneva. He arrived late. "
            "Later the minister said the talks were useful.")
    assert _speaker_ids(gazetteer, text) == [("sergey-lavrov", "the minister")]


def test_a_nominal_speakers_demonym_picks_the_compatible_person(gazetteer):
    text = "Antony Blinken spoke after Sergei Lavrov. The Russian minister said the talks were useful."
    assert _speaker_ids(gazetteer, text) == [("sergey-lavrov", "The Russian minister")]


def test_a_nominal_speaker_stays_unnamed_beyond_its_reach(gazetteer):
    text = ("Sergei Lavrov said the talks were useful. The meeting ran long. Reporters waited outside. "
            "Crowds gathered. The minister added that more talks were needed.")
    assert _speaker_ids(gazetteer, text)[-1] == (None, "The minister")


@pytest.mark.parametrize(("text", "speaker", "cue", "content"), [
    ("Mayor Dana Quill released the following statement:\n\n“We offer our thanks to the crews who kept "
     "the ferry running all winter.”\n\nThe board met on Monday.", "Mayor Dana Quill", "say",
     "We offer our thanks to the crews who kept the ferry running all winter."),
    ("Tomas Reyl, a deckhand, echoed:\n\n“The pier needs new steel before the summer.”", "Tomas Reyl", "echo",
     "The pier needs new steel before the summer."),
    ("Tomas Reyl explained the delay by saying: “We ran out of steel for the pier.”", "Tomas Reyl", "say",
     "We ran out of steel for the pier."),
])
def test_a_quote_after_a_colon_is_the_introducing_subjects(gazetteer, text, speaker, cue, content):
    assert (speaker, cue, content) in _spoken(gazetteer, text)


def test_a_colon_without_a_subject_attributes_nothing(gazetteer):
    assert _spoken(gazetteer, "The agenda for Monday:\n\n“Opening remarks by the chair of the board.”") == []


@pytest.mark.parametrize(("text", "cue", "content"), [
    ("Tomas Reyl posted a comment of his own, saying, “We are so glad to see the ferry back!”", "say",
     "We are so glad to see the ferry back!"),
    ("Tomas Reyl shared the news last week, writing “Feels great to see the ferry running again.”", "write",
     "Feels great to see the ferry running again."),
    ("Tomas Reyl declared “What a week for the harbour!”", "declare", "What a week for the harbour!"),
])
def test_a_quote_right_after_its_cue_or_a_participle(gazetteer, text, cue, content):
    assert ("Tomas Reyl", cue, content) in _spoken(gazetteer, text)
