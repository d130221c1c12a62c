"""Property tests of feed parsing and normalization: any bytes, any mutation of a real feed, any URL.

Examples come from hypothesis under the deterministic profile of tests/conftest.py. The properties:
nothing raises, each call ends well inside a generous bound (a blow-up detector, not a speed test),
and what comes out keeps the parser's own promises (UTC naive datetimes, text without markup).
"""

from __future__ import annotations

import gzip
import time

import pytest
from hypothesis import given, strategies as st

from pipelines.parse.encoding import decode_feed, repair_mojibake
from pipelines.parse.feed import ParsedFeed, canonical_url, parse_feed
from tests.conftest import REPO

SEED_FEEDS = sorted(p for p in (REPO / "seeds" / "corpus").rglob("*") if p.suffix in (".rss", ".atom", ".rdf"))  # the sample feeds
BOUND_S = 5.0

_FUZZ = pytest.mark.reliability


def _timed(call, *args, **kwargs):
    """Run call and fail when it takes more than BOUND_S seconds of CPU (the CI box is shared)."""
    started = time.process_time()
    result = call(*args, **kwargs)
    elapsed = time.process_time() - started
    assert elapsed < BOUND_S, f"{call.__name__} took {elapsed:.1f} s"
    return result


def _check_parsed(parsed: ParsedFeed) -> None:
    """The promises a parse keeps whatever the input."""
    assert isinstance(parsed, ParsedFeed)
    for entry in parsed.entries:
        assert entry.entry_key
        for when in (entry.published_at, entry.updated_at):
            assert when is None or when.tzinfo is None
    keys = [e.entry_key for e in parsed.entries]
    assert len(keys) == len(set(keys))


@st.composite
def _mutated_feed(draw) -> bytes:
    """A sample feed with a few random edits: cuts, insertions, duplicated and swapped slices."""
    body = bytearray(SEED_FEEDS[draw(st.integers(0, len(SEED_FEEDS) - 1))].read_bytes())
    for _ in range(draw(st.integers(1, 6))):
        if not body:
            break
        at = draw(st.integers(0, len(body) - 1))
        size = draw(st.integers(1, 200))
        edit = draw(st.sampled_from(["delete", "insert", "duplicate", "truncate", "flip", "markup"]))
        if edit == "delete":
            del body[at:at + size]
        elif edit == "insert":
            body[at:at] = draw(st.binary(min_size=1, max_size=64))
        elif edit == "duplicate":
            body[at:at] = body[at:at + size] * draw(st.integers(2, 20))
        elif edit == "truncate":
            del body[at:]
        elif edit == "flip":
            body[at] ^= draw(st.integers(1, 255))
        else:
            body[at:at] = draw(st.sampled_from([
                b"<![CDATA[", b"]]>", b"&amp;", b"&#x0;", b"&nbsp;", b"<item>", b"</item>", b"<entry>",
                b"<?xml version='1.0' encoding='koi8-r'?>", b"\xef\xbb\xbf", b"\xff\xfe", b"<pubDate>31 Feb 2022</pubDate>",
                b"<link>javascript:alert(1)</link>", b"<guid></guid>", b"<?xml version='1.0' encoding='utf\x00-8'?>", b"<!DOCTYPE x [<!ENTITY a 'aaaa'>]>",
            ]))
    return bytes(body)


def test_the_seed_feeds_are_there():
    assert len(SEED_FEEDS) >= 5, SEED_FEEDS
    assert all(_timed(parse_feed, p.read_bytes()).entries for p in SEED_FEEDS)


@_FUZZ(kind="fuzz", fault="arbitrary bytes given to the feed parser", outcome="a ParsedFeed (maybe empty, with a bozo reason); nothing raises", lost="nothing")
@given(st.binary(max_size=4096))
def test_any_bytes_parse_without_raising(body):
    _check_parsed(_timed(parse_feed, body))


@_FUZZ(kind="fuzz", fault="arbitrary bytes with a Content-Type header naming any charset", outcome="decoded by the sniffing rules; nothing raises", lost="nothing")
@given(st.binary(max_size=2048), st.sampled_from([None, "text/xml", "application/rss+xml; charset=utf-8",
                                                  "text/xml; charset=koi8-r", "text/xml; charset=bogus-42",
                                                  "text/xml; charset=", "text/xml; charset=utf-16"]))
def test_any_bytes_under_any_charset_header(body, content_type):
    decoded = _timed(decode_feed, body, content_type)
    assert isinstance(decoded.utf8_document(), bytes)
    _check_parsed(_timed(parse_feed, body, {"Content-Type": content_type} if content_type else None))


@_FUZZ(kind="fuzz", fault="a real sample feed with random cuts, insertions, duplicated slices, flipped bytes and stray markup",
       outcome="the entries that survive are parsed, the rest set aside or lost with the document's bozo reason; nothing raises",
       lost="only the entries the edits destroyed")
@given(_mutated_feed())
def test_mutated_feeds_parse_without_raising(body):
    _check_parsed(_timed(parse_feed, body))


@_FUZZ(kind="fuzz", fault="a mutated sample feed sent gzip-compressed, or claiming gzip when it is not",
       outcome="gunzipped when it is gzip, parsed as it is otherwise; nothing raises", lost="nothing")
@given(_mutated_feed(), st.booleans())
def test_gzip_bodies_parse_without_raising(body, compress):
    _check_parsed(_timed(parse_feed, gzip.compress(body) if compress else b"\x1f\x8b" + body))


@_FUZZ(kind="fuzz", fault="any string as an entry link", outcome="a canonical URL or None; nothing raises", lost="nothing")
@given(st.one_of(st.text(max_size=300), st.from_regex(r"https?://[\w.\-\[\]:@%]{0,40}(/[\w%.~\-]*){0,4}(\?[\w=&%;+]*)?(#.*)?", fullmatch=True)))
def test_canonical_url_never_raises(url):
    canon = _timed(canonical_url, url)
    if canon is not None:
        assert canon.startswith("https://") and "#" not in canon
        assert canonical_url(canon) == canon  # canonical once is canonical for good


@_FUZZ(kind="fuzz", fault="any text given to the mojibake repair", outcome="text comes back (repaired or as it was); nothing raises", lost="nothing")
@given(st.text(max_size=500))
def test_mojibake_repair_never_raises(text):
    assert isinstance(_timed(repair_mojibake, text), str)
