"""How news attributes, on sentences we wrote: bare surnames and nominals as speakers, pronouns resolved
to the nearest compatible named speaker, double-apostrophe quotes, beliefs and intentions, quotes
that run over several sentences, and quotes relayed through a news agency (issue 12)."""

from __future__ import annotations

from datetime import datetime

import pytest

from pipelines.extract import extract_article, load_gazetteer

PUBLISHED = datetime(2021, 12, 30, 21, 0)


@pytest.fixture(scope="module")
def gazetteer():
    """The project gazetteer, loaded once."""
    return load_gazetteer()


def _claims(gazetteer, text):
    """The claims of an article published on PUBLISHED."""
    return extract_article(text, PUBLISHED, gazetteer).claims


def _spoken(gazetteer, text):
    """(speaker surface, cue lemma, claim text) of each claim."""
    return [(c.speaker_surface, c.cue_verb, c.claim_text) for c in _claims(gazetteer, text)]


@pytest.mark.parametrize(("text", "speaker", "content"), [
    ("Vorhees said the levy was unfair to the farmers.", "Vorhees", "the levy was unfair to the farmers"),
    ("“We are ready to vote,” said Okafor.", "Okafor", "We are ready to vote"),
    ("“We are ready to vote,” Okafor said on Tuesday.", "Okafor", "We are ready to vote"),
    ("Sen. Marta Quillfeather (D-Ore.) said the bill would pass.", "Sen. Marta Quillfeather",
     "the bill would pass"),
    ("Critics say the plan leaves rural schools behind.", "Critics", "the plan leaves rural schools behind"),
])
def test_a_name_the_gazetteer_lacks_is_a_speaker(gazetteer, text, speaker, content):
    assert (speaker, "say", content) in _spoken(gazetteer, text)


def test_a_hyphenated_adjective_is_not_a_speaker(gazetteer):
    text = "Kremlin-backed officials met on Monday. Pro-Western parties boycotted the vote. He demanded that the count stop."
    claims = _claims(gazetteer, text)
    assert [c.speaker_surface for c in claims] == ["He"]


def test_double_apostrophe_quotes_are_quotes(gazetteer):
    text = "Budget\n\n''The plan is dead on arrival,'' Ms. Vantreight said. ''Nobody will vote for it.''"
    claims = _claims(gazetteer, text)
    assert len(claims) == 1
    assert claims[0].is_direct_quote and claims[0].speaker_surface == "Ms. Vantreight"
    assert claims[0].claim_text == "The plan is dead on arrival. Nobody will vote for it."


@pytest.mark.parametrize(("text", "cue", "content"), [
    ("Vorhees believes the tax will pass in the spring.", "believe", "the tax will pass in the spring"),
    ("Vorhees hopes the bridge reopens before winter.", "hope", "the bridge reopens before winter"),
    ("Vorhees plans to run for mayor next year.", "plan", "to run for mayor next year"),
    ("Vorhees wants the council to vote again.", "want", "the council to vote again"),
    ("Vorhees tweeted that the count was rigged.", "tweet", "the count was rigged"),
    ("Vorhees wrote that the count was rigged.", "write", "the count was rigged"),
    ("Vorhees told the Ledger that the count was rigged.", "tell", "the count was rigged"),
    ("Vorhees said in an interview that the count was rigged.", "say", "the count was rigged"),
    ("The count was rigged, according to Vorhees.", "according to", "The count was rigged"),
    ("Vorhees said in a statement that the count was rigged.", "say", "the count was rigged"),
])
def test_how_news_attributes(gazetteer, text, cue, content):
    assert ("Vorhees", cue, content) in _spoken(gazetteer, text)


def test_a_quote_over_several_sentences_is_kept_whole(gazetteer):
    text = ("Bridge\n\nMs. Alder said: “The bridge is closed. It will stay closed all winter. "
            "Nobody should drive there.” The county agreed.")
    [claim] = _claims(gazetteer, text)
    assert claim.claim_text == "The bridge is closed. It will stay closed all winter. Nobody should drive there."


def test_he_is_the_nearest_named_person_not_an_earlier_speaker(gazetteer):
    text = ("Talks\n\nPresident Vladimir Putin said on Monday that the talks were over.\n\n"
            "Foreign Minister Sergei Lavrov arrived in Geneva on Tuesday. "
            "“We will not retreat,” he told the Tass news agency.")
    quote = _only_text(_claims(gazetteer, text), "We will not retreat")
    assert quote.speaker_actor_id == "sergey-lavrov"


def test_he_said_continues_the_named_speaker_of_the_previous_sentence(gazetteer):
    text = ("Council\n\nOakhurst said the levy had doubled since spring. "
            "He said the council would vote again in May.")
    claims = _spoken(gazetteer, text)
    assert ("He", "say", "the council would vote again in May") in claims


def test_a_quote_relayed_by_an_agency_credits_the_speaker_via_the_agency(gazetteer):
    text = ("Talks\n\nPresident Vladimir Putin spoke on Monday.\n\nForeign Minister Sergei Lavrov arrived in Geneva. "
            "“We will not retreat,” he said, according to Tass.")
    quote = _only_text(_claims(gazetteer, text), "We will not retreat")
    assert (quote.speaker_actor_id, quote.via_actor_id) == ("sergey-lavrov", "tass")


def test_an_unnamed_official_stays_anonymous_with_the_affiliation(gazetteer):
    text = ("Talks\n\nAntony Blinken met his counterpart on Friday. "
            "A State Department official said the talks had stalled.")
    official = _only_text(_claims(gazetteer, text), "the talks had stalled")
    assert official.speaker_actor_id == "anonymous-state-department-official"


def _only_text(claims, text):
    """The one claim with this text."""
    hits = [c for c in claims if c.claim_text == text]
    assert len(hits) == 1, claims
    return hits[0]


@pytest.mark.parametrize(("text", "speaker", "cue", "content"), [
    ("Marta Vell, who farms outside the county seat, Brookfield, said the levy was unfair.", "Marta Vell", "say",
     "the levy was unfair"),
    ("The levy is unfair, said Ohio State University professor Dana Quill.", "Dana Quill", "say",
     "The levy is unfair"),
    ("“The levy is unfair,” said one longtime farmer familiar with the county budget.",
     "one longtime farmer familiar with the county budget", "say", "The levy is unfair"),
    ("But rural voters and county clerks say the levy is unfair.", "rural voters and county clerks", "say",
     "the levy is unfair"),
    ("Another survey says it's not an improvement.", "Another survey", "say", "it's not an improvement"),
    ("The levy pays for two bridges, Commissioner Dana Quill told a county panel Wednesday.",
     "Commissioner Dana Quill", "tell", "The levy pays for two bridges"),
])
def test_appositives_roles_and_unnamed_phrases_around_the_cue(gazetteer, text, speaker, cue, content):
    assert (speaker, cue, content) in _spoken(gazetteer, text)


def test_who_said_is_an_attribution_of_its_own(gazetteer):
    text = "Ruth Okafor, who said she would not run again, tweeted that the count was rigged."
    spoken = _spoken(gazetteer, text)
    assert ("who", "say", "she would not run again") in spoken
    assert ("Ruth Okafor", "tweet", "the count was rigged") in spoken


@pytest.mark.parametrize(("text", "speaker", "content"), [
    ("Ad\n\n“You work hard. Why didn’t he pay?” a narrator in the county ad asks. The spot ends.",
     "a narrator in the county ad", "You work hard. Why didn’t he pay?"),
    ("Court\n\n\"A county cannot avoid the conclusion,\" said the ruling.", "the ruling",
     "A county cannot avoid the conclusion"),
    ("Letters\n\n“We can build a wall around him.” ― Dana Quill\n", "Dana Quill", "We can build a wall around him."),
    ("Tax\n\nSaid Okafor: “I don’t see any interest in reform.”", "Okafor", "I don’t see any interest in reform."),
    ("Tax\n\nOkafor continued, “Nobody in the county wants this levy.”", "Okafor", "Nobody in the county wants this levy."),
])
def test_quotes_signed_asked_or_continued(gazetteer, text, speaker, content):
    assert [(c.speaker_surface, c.claim_text) for c in _claims(gazetteer, text)] == [(speaker, content)]


def test_continued_without_a_quote_is_no_claim(gazetteer):
    assert _claims(gazetteer, "Okafor continued to farm the land near the county seat for years.") == ()


@pytest.mark.parametrize(("text", "speaker", "content"), [
    ("Turnout fell by a third, according to early returns.", "early returns", "Turnout fell by a third"),
    ("According to recent data from the county assessor, the levy doubled.", "recent data from the county assessor",
     "the levy doubled"),
])
def test_according_to_any_source(gazetteer, text, speaker, content):
    assert (speaker, "according to", content) in _spoken(gazetteer, text)


def test_saying_after_an_action_belongs_to_the_sentence_subject(gazetteer):
    text = "Okafor praised the county budget on Monday, saying it would keep both bridges open."
    assert ("Okafor", "say", "it would keep both bridges open") in _spoken(gazetteer, text)


@pytest.mark.parametrize(("text", "speaker", "content"), [
    ("Dana Quill, 49, a farmer who rents land from the county, said the levy was unfair.", "Dana Quill",
     "the levy was unfair"),
    ("Sen. Marta Quillfeather, D-Ore., speaking after the vote, said the levy was unfair.",
     "Sen. Marta Quillfeather", "the levy was unfair"),
    ("In Brookfield, the turnout was the highest in years, county officials said.", "officials",
     "In Brookfield, the turnout was the highest in years"),
    ("The levy is popular in the valley, said a handful of farmers who rent county land.", "a handful of farmers",
     "The levy is popular in the valley"),
    ("“The levy is unfair,” said one longtime adviser to the county board.", "one longtime adviser to the county board",
     "The levy is unfair"),
])
def test_ages_party_labels_and_modified_sources(gazetteer, text, speaker, content):
    assert (speaker, "say", content) in _spoken(gazetteer, text)


def test_an_adverbial_opener_is_not_a_speaker(gazetteer):
    text = "After the county board announced the levy, Okafor said it was unfair."
    assert [c.speaker_surface for c in _claims(gazetteer, text)] == ["Okafor"]


@pytest.mark.parametrize("text", [
    "Okafor calls county demands ‘non-starters’ as talks near\n\nThe talks begin on Monday.",
    "Talks\n\nTalks between the United States and the county are set for Monday.",
])
def test_headlines_nouns_and_objects_are_not_attributions(gazetteer, text):
    assert _claims(gazetteer, text) == ()


def test_a_quote_after_a_finished_quote_is_not_the_next_sentence_s_attribution(gazetteer):
    text = ("Talks\n\n“The talks began well,” Mr. Peskov said. “But we see disagreement.” "
            "Anatoly Voronin, an analyst, said the Kremlin would wait.")
    claims = _claims(gazetteer, text)
    assert {c.speaker_surface for c in claims if "disagreement" in c.claim_text} == {"Mr. Peskov"}


def test_a_name_coordinated_after_a_preposition_is_not_the_speaker(gazetteer):
    text = "Talks\n\nSeparatist leaders in Brookfield and Luhansk announced on Friday that the road would close."
    assert [c.speaker_surface for c in _claims(gazetteer, text)] == ["Separatist leaders in Brookfield and Luhansk"]


def test_asking_not_to_be_named_is_no_claim(gazetteer):
    text = "Vote\n\n“Norway will host the vote,” said one diplomat, who asked not to be named."
    assert all("named" not in c.claim_text for c in _claims(gazetteer, text))
