"""Property tests of the extractors: any text, and text made of the words the rules look for.

Under the deterministic hypothesis profile of tests/conftest.py. Random characters alone rarely reach
the grammar, so most examples are sentences drawn from the extractors' own vocabulary (titles,
names, cue verbs, quote marks, months, numbers, deadlines) in any order. The properties: nothing
raises, every call ends well inside a generous bound, and every offset points at its surface.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, strategies as st

from pipelines.extract import extract_article, load_gazetteer
from pipelines.extract.deadlines import find_time_expressions
from pipelines.extract.text import split_sentences

BOUND_S = 5.0
GAZETTEER = load_gazetteer()

_ACTOR_WORDS = """President Prime Minister Foreign Chancellor Secretary of State Mr. Ms. Dr. Gen. Sen. Ambassador
Vladimir Putin Joe Biden Lavrov Blinken Kremlin NATO Moscow Kyiv Washington Russia Ukraine Russia's
Marta Kowalczyk Tomas Herzel O'Neill McAlpha Jean-Luc Jr. the president the prime minister the
chancellor his counterpart her predecessor the alliance the ministry a senior official officials
analysts two Western diplomats the Institute for Policy Studies an analyst at University""".split()
_CLAIM_WORDS = """said says told warned according to added insisted denied claimed quoted as saying that
" “ ” ‘ ’ ' , : ; — ( ) he she they it his her statement readout spokesman called""".split()
_TIME_WORDS = """on by until before after within next last this coming Monday Friday weekend week month year
January Feb. March Sept. Dec. 1 2 10 15 31 32 2016 2022 1998 1st 3rd 20th mid- early late end of
the a.m. p.m. 10:30 noon midnight days hours two three ten tomorrow yesterday today tonight
quarter third fiscal ago every each weekly now past future recent nineteen ninety-six years year-ago
deadline summit talks meeting vote postponed cancelled confirmed in Geneva Brussels - / .""".split()
_WORDS = _ACTOR_WORDS + _CLAIM_WORDS + _TIME_WORDS
_ENDS = [". ", "? ", "! ", ".\n\n", "\n", " "]

_words = st.lists(st.sampled_from(_WORDS), min_size=1, max_size=40)
_sentence = st.builds(lambda words, end: " ".join(words) + end, _words, st.sampled_from(_ENDS))
_vocabulary_text = st.lists(_sentence, min_size=1, max_size=12).map("".join)
_any_text = st.text(max_size=600)
_texts = st.one_of(_vocabulary_text, _any_text, st.builds(lambda a, b: a + b, _vocabulary_text, _any_text))
_published = st.builds(
    lambda days, hours, aware: datetime(1990, 1, 1) + timedelta(days=days, hours=hours)
    if not aware else (datetime(1990, 1, 1) + timedelta(days=days, hours=hours)).replace(tzinfo=UTC),
    st.integers(0, 365 * 40), st.integers(0, 23), st.booleans(),
)

_FUZZ = pytest.mark.reliability


def _timed(call, *args):
    """Run call and fail when it takes more than BOUND_S seconds of CPU (the CI box is shared)."""
    started = time.process_time()
    result = call(*args)
    elapsed = time.process_time() - started
    assert elapsed < BOUND_S, f"{call.__name__} took {elapsed:.1f} s"
    return result


@_FUZZ(kind="fuzz", fault="any text, and shuffled sentences of titles, names, cue verbs, quote marks and dates",
       outcome="mentions, claims and time expressions whose offsets point at their surfaces; nothing raises",
       lost="nothing")
@given(_texts, _published)
def test_extract_article_never_raises_and_offsets_hold(text, published_at):
    result = _timed(extract_article, text, published_at, GAZETTEER)
    actors = {a.actor_id for a in result.actors}
    for mention in result.mentions:
        assert text[mention.start_char:mention.end_char] == mention.surface
        assert mention.actor_id in actors
    for claim in result.claims:
        assert 0 <= claim.start_char <= claim.end_char <= len(text)
        assert claim.speaker_actor_id is None or claim.speaker_actor_id in actors
    for expression in result.time_expressions:
        assert text[expression.start_char:expression.end_char] == expression.surface
        if expression.is_deadline_candidate:
            assert expression.due_start <= expression.due_end
        else:  # a duration, set or ref has no range; a TimeML-only date may
            assert (expression.due_start is None) is (expression.due_end is None)
        assert expression.timex_type in ("DATE", "TIME", "DURATION", "SET") and expression.value


@_FUZZ(kind="fuzz", fault="sentences of dates, weekdays, numbers, ranges and deadline words in any order, on any publication day 1990-2030",
       outcome="resolved or skipped time expressions; nothing raises", lost="nothing")
@given(st.lists(st.builds(lambda words, end: " ".join(words) + end, st.lists(st.sampled_from(_TIME_WORDS), min_size=1,
                                                                             max_size=30), st.sampled_from(_ENDS)),
                min_size=1, max_size=8).map("".join), _published)
def test_the_time_grammar_never_raises(text, published_at):
    published_at = published_at.replace(tzinfo=None)
    for expression in _timed(find_time_expressions, text, split_sentences(text), published_at):
        assert text[expression.start_char:expression.end_char] == expression.surface
        assert expression.precision


@_FUZZ(kind="fuzz", fault="any text given to the sentence splitter", outcome="sentences that tile the text in order, each its own slice",
       lost="nothing")
@given(_texts)
def test_sentences_are_slices_of_the_text_in_order(text):
    sentences = _timed(split_sentences, text)
    previous_end = 0
    for number, sentence in enumerate(sentences):
        assert sentence.index == number
        assert previous_end <= sentence.start < sentence.end <= len(text)
        assert text[sentence.start:sentence.end] == sentence.text
        previous_end = sentence.end
