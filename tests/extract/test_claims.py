"""Claim extraction: direct quotes, reported speech, relayed speech, anonymous and pronoun speakers."""

from __future__ import annotations

import time
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


def _only(claims, **fields):
    """The single claim whose fields match."""
    hits = [c for c in claims if all(getattr(c, k) == v for k, v in fields.items())]
    assert len(hits) == 1, (fields, claims)
    return hits[0]


def test_curly_quote_with_attribution_after(gazetteer):
    text = "Kremlin reply\n\n“We will not be pushed around,” Mr. Peskov said on Thursday."
    claim = _only(_claims(gazetteer, text), speaker_actor_id="dmitry-peskov")
    assert claim.is_direct_quote
    assert claim.cue_verb == "say" and claim.claim_type == "statement"
    assert claim.claim_text == "We will not be pushed around"
    assert text[claim.start_char:claim.end_char].startswith("We will not")


def test_straight_quote_with_inverted_attribution(gazetteer):
    text = 'Warning\n\n"The door to diplomacy is still open," warned Antony Blinken, the secretary of state.'
    claim = _only(_claims(gazetteer, text), speaker_actor_id="antony-blinken")
    assert claim.cue_verb == "warn" and claim.claim_type == "warning" and claim.is_direct_quote


def test_quote_split_by_attribution_is_one_claim(gazetteer):
    text = ("Call ends\n\n“Any new sanctions would be a colossal mistake,” Yuri Ushakov, a Kremlin aide, told "
            "reporters. “We hope the Americans understand this.”")
    claims = _claims(gazetteer, text)
    assert len(claims) == 1
    claim = claims[0]
    assert claim.speaker_actor_id == "yuri-ushakov" and claim.cue_verb == "tell"
    assert claim.claim_text == ("Any new sanctions would be a colossal mistake. "
                                "We hope the Americans understand this.")


def test_quote_spanning_sentences_with_lowercase_continuation(gazetteer):
    text = ("Biden speaks\n\n“We are ready for diplomacy. We are also ready for the alternative,” "
            "Mr. Biden said, “and Moscow should not doubt it.”")
    claim = _only(_claims(gazetteer, text), speaker_actor_id="joe-biden")
    assert claim.claim_text == ("We are ready for diplomacy. We are also ready for the alternative "
                                "and Moscow should not doubt it.")


def test_pronoun_speaker_is_the_last_person_mentioned(gazetteer):
    text = ("NATO chief\n\nJens Stoltenberg opened the meeting in Brussels. “Allies are united,” he said. "
            "Ms. Sherman joined later. “We listened carefully,” she said.")
    claims = _claims(gazetteer, text)
    assert _only(claims, claim_text="Allies are united").speaker_actor_id == "jens-stoltenberg"
    she = _only(claims, claim_text="We listened carefully")
    assert she.speaker_actor_id == "wendy-sherman" and she.speaker_surface == "she"


def test_pronoun_respects_honorific_gender(gazetteer):
    text = ("Geneva\n\nMs. Sherman sat across from Mr. Ryabkov. “The talks were frank,” she said.")
    assert _only(_claims(gazetteer, text), cue_verb="say").speaker_actor_id == "wendy-sherman"


def test_reported_speech_with_that(gazetteer):
    text = "Moscow\n\nThe Kremlin said on Thursday that it saw no reason to delay the talks."
    claim = _only(_claims(gazetteer, text), speaker_actor_id="kremlin")
    assert not claim.is_direct_quote
    assert claim.claim_text == "it saw no reason to delay the talks"


def test_reported_speech_warned_object_that(gazetteer):
    text = ("Phone call\n\nPresident Biden warned Mr. Putin that the United States would respond "
            "decisively if Russia invaded Ukraine.")
    claim = _only(_claims(gazetteer, text), speaker_actor_id="joe-biden")
    assert claim.cue_verb == "warn" and claim.claim_type == "warning"
    assert claim.claim_text == "the United States would respond decisively if Russia invaded Ukraine"


def test_reported_speech_without_that(gazetteer):
    text = "Pentagon\n\nMr. Austin told reporters the troops would stay in Poland."
    claim = _only(_claims(gazetteer, text), speaker_actor_id="lloyd-austin")
    assert claim.cue_verb == "tell" and claim.claim_text == "the troops would stay in Poland"


def test_relayed_speech_through_an_aide(gazetteer):
    text = ("Second call\n\nYuri Ushakov, a Kremlin aide, told reporters that Mr. Putin had warned that "
            "sanctions would lead to a complete rupture of ties.")
    claims = _claims(gazetteer, text)
    assert len(claims) == 1
    claim = claims[0]
    assert claim.speaker_actor_id == "vladimir-putin"
    assert claim.via_actor_id == "yuri-ushakov"
    assert claim.cue_verb == "warn"
    assert claim.claim_text == "sanctions would lead to a complete rupture of ties"


def test_according_to_at_start_and_end(gazetteer):
    text = ("Readouts\n\nAccording to the White House, the two presidents spoke for 50 minutes. "
            "The call was requested by Moscow, according to Mr. Ushakov.")
    claims = _claims(gazetteer, text)
    first = _only(claims, speaker_actor_id="white-house")
    assert first.cue_verb == "according to"
    assert first.claim_text == "the two presidents spoke for 50 minutes"
    second = _only(claims, speaker_actor_id="yuri-ushakov")
    assert second.claim_text == "The call was requested by Moscow"


def test_news_agency_as_intermediary(gazetteer):
    text = ("Agency report\n\nMr. Lavrov said the answers must come in writing, according to Tass. "
            "Tass quoted Mr. Ryabkov as saying that Russia would not make concessions.")
    claims = _claims(gazetteer, text)
    lavrov = _only(claims, speaker_actor_id="sergey-lavrov")
    assert lavrov.via_actor_id == "tass" and lavrov.claim_text == "the answers must come in writing"
    ryabkov = _only(claims, speaker_actor_id="sergei-ryabkov")
    assert ryabkov.via_actor_id == "tass" and ryabkov.claim_text == "Russia would not make concessions"


def test_anonymous_source_claims(gazetteer):
    text = ("Inside\n\nThe talks would resume next week, a senior administration official said. "
            "“Nobody expects a breakthrough,” said a Western diplomat, who spoke on the condition of anonymity.")
    claims = _claims(gazetteer, text)
    official = _only(claims, speaker_actor_id="anonymous-senior-administration-official")
    assert official.claim_text == "The talks would resume next week" and not official.is_direct_quote
    diplomat = _only(claims, speaker_actor_id="anonymous-western-diplomat")
    assert diplomat.is_direct_quote and diplomat.claim_text == "Nobody expects a breakthrough"


def test_partial_quote_inside_reported_speech(gazetteer):
    text = ("Warning\n\nMr. Putin warned that new sanctions would be a “colossal mistake” with "
            "grave consequences.")
    claim = _only(_claims(gazetteer, text), speaker_actor_id="vladimir-putin")
    assert not claim.is_direct_quote
    assert claim.claim_text == "new sanctions would be a “colossal mistake” with grave consequences"


def test_whole_quote_after_that_is_direct(gazetteer):
    text = "Denial\n\nMr. Peskov denied that “any invasion is being planned.”"
    claim = _only(_claims(gazetteer, text), speaker_actor_id="dmitry-peskov")
    assert claim.is_direct_quote and claim.cue_verb == "deny" and claim.claim_type == "denial"
    assert claim.claim_text == "any invasion is being planned."


def test_claim_types_from_cue_verbs(gazetteer):
    text = ("Positions\n\nRussia demanded guarantees that NATO would stop expanding. "
            "Mr. Blinken rejected the demand. Mr. Zelensky vowed to defend every city. "
            "Ms. Kowalczyk, an analyst at the Baltic Policy Institute, argued that sanctions would not deter Moscow. "
            "Moscow threatened to cut gas supplies.")
    claims = _claims(gazetteer, text)
    assert _only(claims, speaker_actor_id="russia", cue_verb="demand").claim_text == (
        "guarantees that NATO would stop expanding")
    assert _only(claims, speaker_actor_id="antony-blinken").claim_type == "denial"
    assert _only(claims, speaker_actor_id="volodymyr-zelensky").claim_type == "commitment"
    assert _only(claims, cue_verb="argue").claim_type == "assessment"
    assert _only(claims, cue_verb="threaten").claim_text == "to cut gas supplies"


def test_role_noun_resolves_to_titled_person(gazetteer):
    text = ("Aide briefs\n\nPresident Vladimir Putin spoke first. Mr. Ushakov said the president warned "
            "that new deployments would be answered.")
    claim = _only(_claims(gazetteer, text), cue_verb="warn")
    assert claim.speaker_actor_id == "vladimir-putin" and claim.via_actor_id == "yuri-ushakov"
    assert claim.speaker_surface == "the president"


def test_non_speech_uses_of_cues_are_not_claims(gazetteer):
    text = ("Build-up\n\nRussia added ten thousand troops near the border. Putin's demands were published. "
            "The two “republics” were recognized.")
    assert _claims(gazetteer, text) == ()


def test_claim_offsets_point_into_text(gazetteer):
    text = ("Call\n\n“It was a serious conversation,” Mr. Ushakov said. Mr. Biden said the allies "
            "were united.")
    for claim in _claims(gazetteer, text):
        assert claim.claim_text in text or claim.is_direct_quote
        assert text[claim.start_char:claim.end_char].startswith(claim.claim_text[:10])
        assert claim.sentence in text


def test_name_as_appositive_and_government_as_speaker(gazetteer):
    text = ("London and Berlin\n\nBritain's foreign secretary, Liz Truss, said London would not stand by. "
            "Mr. Scholz will travel to Moscow in mid-February, the German government said.")
    claims = _claims(gazetteer, text)
    assert _only(claims, speaker_actor_id="liz-truss").claim_text == "London would not stand by"
    assert _only(claims, speaker_actor_id="germany").claim_text == (
        "Mr. Scholz will travel to Moscow in mid-February")


def test_second_verb_of_the_subject(gazetteer):
    text = ("Geneva\n\nSecretary of State Antony J. Blinken met Mr. Lavrov for 90 minutes and said afterward "
            "that written answers would follow.")
    claim = _only(_claims(gazetteer, text), cue_verb="say")
    assert claim.speaker_actor_id == "antony-blinken" and claim.claim_text == "written answers would follow"


def test_attribution_in_the_middle_of_the_sentence(gazetteer):
    text = ("Answers\n\nNATO will answer in writing by Jan. 26, officials said, and a new round could follow. "
            "The plan is dead, said the Kremlin, which rejected it.")
    claims = _claims(gazetteer, text)
    assert _only(claims, speaker_actor_id="anonymous-official").claim_text == (
        "NATO will answer in writing by Jan. 26")
    assert _only(claims, speaker_actor_id="kremlin").claim_text == "The plan is dead"


def test_post_positioned_cue_needs_a_closing_speaker(gazetteer):
    # "demands" here is a second verb of a headline, not an inverted attribution
    text = "Russia hands over draft treaties, demands NATO halt expansion\n\nNo more."
    assert not [c for c in _claims(gazetteer, text) if c.speaker_actor_id == "nato"]


def test_readout_as_intermediary(gazetteer):
    text = ("Readout\n\nAccording to a White House readout, Mr. Biden told Mr. Putin that the allies would "
            "respond decisively.")
    claims = _claims(gazetteer, text)
    assert len(claims) == 1
    claim = claims[0]
    assert (claim.speaker_actor_id, claim.via_actor_id, claim.cue_verb) == ("joe-biden", "white-house", "tell")
    assert claim.claim_text == "the allies would respond decisively"


def test_negated_inner_verb_is_not_relayed_speech(gazetteer):
    text = "Geneva\n\nMr. Lavrov said Russia had never threatened the Ukrainian people."
    claims = _claims(gazetteer, text)
    assert [(c.speaker_actor_id, c.via_actor_id) for c in claims] == [("sergey-lavrov", None)]
    assert claims[0].claim_text == "Russia had never threatened the Ukrainian people"


def test_pathological_gaps_stay_fast(gazetteer):
    text = "Noise\n\nMr. Putin " + "reportedly " * 60 + "X. " + "“" + "publicly, " * 60 + "” he"
    started = time.perf_counter()
    extract_article(text, PUBLISHED, gazetteer)
    extract_article("", PUBLISHED, gazetteer)
    assert time.perf_counter() - started < 1.0


# --- attribution inside the sentence, participles, naming, questions ---


def test_parenthetical_attribution(gazetteer):
    text = "Banks\n\nThe first sanctions, Ms. Psaki said, would fall on the largest banks."
    claim = _only(_claims(gazetteer, text), speaker_actor_id="jen-psaki")
    assert claim.claim_text == "The first sanctions would fall on the largest banks"
    assert not claim.is_direct_quote


def test_participle_continues_the_speaker_before_the_comma(gazetteer):
    text = ("Helmets\n\nGermany will send 5,000 helmets, Christine Lambrecht said on Wednesday, adding that "
            "weapons would not follow.")
    claims = _claims(gazetteer, text)
    assert [c.speaker_actor_id for c in claims] == ["christine-lambrecht", "christine-lambrecht"]
    assert claims[1].cue_verb == "add" and claims[1].claim_text == "weapons would not follow"
    assert claims[0].claim_text == "Germany will send 5,000 helmets"


def test_called_with_a_quote(gazetteer):
    text = "Reply\n\nMr. Kuleba called the Russian drafts “a list of ultimatums.”"
    claim = _only(_claims(gazetteer, text), speaker_actor_id="dmytro-kuleba")
    assert (claim.cue_verb, claim.is_direct_quote, claim.claim_text) == ("call", True, "a list of ultimatums.")


def test_an_unattributed_quote_continues_the_last_speaker(gazetteer):
    text = ("Brussels\n\nJens Stoltenberg said the allies had offered talks on missiles.\n\n"
            "“We are ready to talk. We are also ready for the worst.”")
    claims = _claims(gazetteer, text)
    assert [(c.speaker_actor_id, c.is_direct_quote) for c in claims] == [
        ("jens-stoltenberg", False), ("jens-stoltenberg", True)]


def test_a_scare_quote_is_not_a_claim(gazetteer):
    text = "Peacekeepers\n\nRussian “peacekeepers” arrived in the region on Tuesday."
    assert _claims(gazetteer, text) == ()


def test_a_question_is_a_claim(gazetteer):
    text = "Kyiv\n\nMr. Zelensky asked whether the allies would still be there in a month."
    claim = _only(_claims(gazetteer, text), speaker_actor_id="volodymyr-zelensky")
    assert claim.cue_verb == "ask" and claim.claim_text.startswith("whether the allies")


def test_told_someone_to_is_a_demand(gazetteer):
    text = "Embassy\n\nThe State Department told American citizens to leave Ukraine at once."
    claim = _only(_claims(gazetteer, text), speaker_actor_id="state-department")
    assert (claim.claim_type, claim.claim_text) == ("demand", "to leave Ukraine at once")


def test_a_negated_cue_is_no_claim(gazetteer):
    text = "Kremlin\n\nMr. Peskov did not say when the president would answer."
    assert _claims(gazetteer, text) == ()


# --- speakers: pronouns, offices, documents, long subjects ---


def test_he_is_the_speaker_of_the_attribution_before(gazetteer):
    text = ("Call\n\nPresident Biden said he had spoken to Mr. Putin about the border. He said the allies were "
            "united.")
    claims = _claims(gazetteer, text)
    assert [c.speaker_actor_id for c in claims] == ["joe-biden", "joe-biden"]


def test_they_is_the_group_that_spoke_before(gazetteer):
    text = ("Supplies\n\nTwo Western officials said Russia had moved field hospitals forward, a step they "
            "described as ominous.")
    claims = _claims(gazetteer, text)
    assert {c.speaker_actor_id for c in claims} == {"anonymous-western-official"}
    assert [c.cue_verb for c in claims] == ["say", "describe"]


def test_an_office_speaks_for_its_holder(gazetteer):
    text = "Rome\n\nThe Italian prime minister phoned Mr. Zelensky on Friday and promised more aid, his office said."
    claim = _only(_claims(gazetteer, text), speaker_actor_id="mario-draghi")
    assert "promised more aid" in claim.claim_text


def test_the_statement_is_its_issuer(gazetteer):
    text = ("Readout\n\nIn a statement, the Élysée Palace said Mr. Macron would travel to Moscow. The trip would "
            "be followed by a stop in Kyiv, the statement said.")
    claims = _claims(gazetteer, text)
    assert [c.speaker_actor_id for c in claims] == ["elysee-palace", "elysee-palace"]


def test_a_subject_far_from_its_verb(gazetteer):
    text = ("Vienna\n\nHelga Schmid, the OSCE secretary general, who had chaired a session of the NATO-Russia "
            "Council observers in Vienna on Thursday, said the organization would keep its monitors in place.")
    claim = _only(_claims(gazetteer, text), speaker_actor_id="helga-schmid")
    assert claim.claim_text.startswith("the organization would keep")


def test_a_quote_attributed_after_a_role_and_name(gazetteer):
    text = "Warsaw\n\n“This is the moment to act,” the Polish prime minister, Mateusz Morawiecki, told lawmakers."
    claim = _only(_claims(gazetteer, text), speaker_actor_id="mateusz-morawiecki")
    assert claim.is_direct_quote and claim.cue_verb == "tell"


def test_a_quote_split_by_an_attribution_with_an_object(gazetteer):
    text = ("Kremlin\n\n“We note the tone,” Mr. Peskov said of the letter. “The substance is another matter.”")
    claims = _claims(gazetteer, text)
    assert len(claims) == 1
    assert claims[0].claim_text == "We note the tone. The substance is another matter."


def test_a_title_case_headline_claim(gazetteer):
    text = "Lavrov Warns Washington Against New Sanctions\n\nThe minister spoke in Moscow."
    claim = _only(_claims(gazetteer, text), speaker_actor_id="sergey-lavrov")
    assert claim.cue_verb == "warn"


# --- targets and types ---


def test_targets_are_the_object_of_the_cue(gazetteer):
    text = ("Targets\n\nMr. Putin warned Mr. Macron that the West was playing with fire. Mr. Blinken urged Moscow "
            "to pull back its forces. Mr. Scholz told him that Berlin was ready. NATO demanded that Russia "
            "withdraw. Mr. Lavrov told reporters that nothing had changed.")
    claims = {c.speaker_actor_id: c for c in _claims(gazetteer, text)}
    assert claims["vladimir-putin"].target_actor_ids == ("emmanuel-macron",)
    assert claims["antony-blinken"].target_actor_ids == ("russia",)
    assert claims["olaf-scholz"].target_actor_ids == ("antony-blinken",)
    assert claims["nato"].target_actor_ids == ("russia",)
    assert claims["sergey-lavrov"].target_actor_ids == ()


@pytest.mark.parametrize("sentence, claim_type", [
    ("Mr. Biden said Russia would pay a heavy price if it invaded.", "warning"),
    ("Mr. Lavrov said the reports were baseless.", "denial"),
    ("Mr. Kuleba said the allies must act now.", "demand"),
    ("Mr. Stoltenberg said an attack was likely.", "assessment"),
    ("Mr. Austin said the United States would keep sending aid.", "commitment"),
    ("Mr. Price said the talks had ended.", "statement"),
])
def test_claim_type_from_what_a_neutral_cue_reports(gazetteer, sentence, claim_type):
    claims = _claims(gazetteer, "Types\n\n" + sentence)
    assert [c.claim_type for c in claims] == [claim_type]


def test_a_condition_for_a_meeting_is_not_a_warning(gazetteer):
    claims = _claims(gazetteer, "Summit\n\nMs. Psaki said the summit would happen only if there was no invasion.")
    assert [c.claim_type for c in claims] == ["statement"]
