"""Pathological text finishes: long runs of the characters and words the extractors' patterns repeat.

A blow-up detector, not a speed target: each input is tens of kilobytes (200 kB for one endless
sentence) of a shape that made a pattern or a loop super-linear, and must extract in under
BOUND_S seconds of CPU time (not wall time: the CI box is shared) where a quadratic path would take
minutes. Each case is written here, by us.
"""

from __future__ import annotations

import time
from datetime import datetime

import pytest

from pipelines.extract import extract_article, load_gazetteer
from pipelines.extract.text import MAX_SENTENCE, split_sentences
from pipelines.parse.feed import parse_feed

BOUND_S = 5.0
PUBLISHED = datetime(2022, 1, 5, 9, 30)
KB = 1024

pytestmark = pytest.mark.slow  # about 20 s of CPU for the whole module


def _run_of(unit: str, size: int = 40 * KB) -> str:
    """unit repeated to about size characters."""
    return unit * (size // len(unit) + 1)


CASES = {
    "capitalised words": _run_of("Alpha Bravo Charlie "),
    "capitalised words then a cue": _run_of("Alpha Bravo ") + "said.",
    "quote marks": _run_of('"'),
    "spaced quote marks": _run_of('" '),
    "curly quotes": _run_of("“") + _run_of("”"),
    "commas": _run_of(","),
    "words and commas": _run_of("word, "),
    "Mr. repeated": _run_of("Mr. "),
    "Mr. and a surname repeated": _run_of("Mr. Alpha "),
    "digits and dots": _run_of("1."),
    "digits": _run_of("7"),
    "a dotted number": _run_of("12.5.2022."),
    "nested parentheses": "(" * 20 * KB + "word" + ")" * 20 * KB,
    "open parentheses and words": _run_of("(a "),
    "a long lowercase word": "a" * 100 * KB,
    "a long capitalised word": "A" + "b" * 100 * KB,
    "a hyphenated capitalised chain": _run_of("Alpha-"),
    "initials": _run_of("A. "),
    "one 200 kB sentence of clauses": _run_of("the minister said that ", 200 * KB),
    "cue verbs": _run_of("said ", 20 * KB),
    "according to": _run_of("according to ", 20 * KB),
    "role descriptions": _run_of("the president ", 20 * KB),
    "titles and names": _run_of("President Alpha "),
    "dates with commas": _run_of("January 1, ", 20 * KB),
    "deadline phrases": _run_of("within two weeks ", 20 * KB),
    "by the end of": _run_of("until the end of "),
    "apostrophes": _run_of("'"),
    "possessives": _run_of("Russia's "),
    "many short attributed sentences": _run_of("Mr. Alpha said. "),
    "many quoted sentences": _run_of('"We go," Mr. Alpha said. '),
    "a titled person and the role, repeated": _run_of("President Alpha Bravo spoke. The president said so. "),
    "anonymous sources": _run_of("A senior official said. "),
    "whitespace": _run_of(" \t"),
    "blank lines": _run_of("\n"),
}


@pytest.mark.reliability(
    kind="input", fault="tens of kilobytes of one repeated shape (capitalised words, quote marks, commas, 'Mr. ', "
    "digits and dots, nested parentheses, one endless sentence, ...)",
    outcome="the article extracts in seconds, not minutes", lost="nothing")
@pytest.mark.parametrize("name", sorted(CASES))
def test_pathological_text_extracts_in_bounded_time(name):
    text = CASES[name]
    started = time.process_time()
    result = extract_article(text, PUBLISHED, load_gazetteer())
    elapsed = time.process_time() - started
    assert elapsed < BOUND_S, f"{name}: {len(text)} characters took {elapsed:.1f} s"
    assert all(text[m.start_char:m.end_char] == m.surface for m in result.mentions)


def test_an_overlong_sentence_is_cut_at_spaces_into_bounded_pieces():
    text = "word " * 1000 + "x" * 4500 + " end."
    sentences = split_sentences(text)
    assert len(sentences) > 1
    assert all(s.end - s.start <= MAX_SENTENCE and text[s.start:s.end] == s.text for s in sentences)
    assert [s.text for s in sentences][:2] == [text[:1999], text[2000:3999]]  # cut at the space before the limit


def test_a_real_length_sentence_is_not_cut():
    sentence = "The minister said that " + "the talks would go on, " * 80 + "and nothing else."
    assert len(sentence) < MAX_SENTENCE
    assert [s.text for s in split_sentences(sentence)] == [sentence]


@pytest.mark.reliability(
    kind="input", fault="a feed whose one item holds 200 kB of repeated markup-like text",
    outcome="the feed parses in seconds and its entry extracts", lost="nothing")
def test_a_feed_of_pathological_text_parses_and_extracts_in_bounded_time():
    body = ("<?xml version='1.0'?><rss version='2.0'><channel><title>t</title><item><title>Alpha said</title>"
            "<link>https://example.org/a</link><description>" + _run_of("&lt;b&gt;Mr. Alpha, &quot;", 200 * KB)
            + "</description></item></channel></rss>").encode()
    started = time.process_time()
    parsed = parse_feed(body)
    entry = parsed.entries[0]
    extract_article(entry.title + "\n\n" + entry.content_text, PUBLISHED, load_gazetteer())
    assert time.process_time() - started < BOUND_S
