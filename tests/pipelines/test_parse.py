from datetime import datetime

import pytest

from pipelines.parse import canonical_url, html_to_text, parse_feed
from tests.pipelines.feeds_fixtures import RSS_TWO_ITEMS


@pytest.mark.parametrize(
    "url, expected",
    [
        ("https://a.example/x", "https://a.example/x"),
        ("HTTP://A.Example/x/", "https://a.example/x"),
        ("http://a.example/x?utm_source=agg&utm_medium=rss#comments", "https://a.example/x"),
        ("https://a.example/x?id=3&fbclid=abc", "https://a.example/x?id=3"),
        ("https://a.example:443/", "https://a.example/"),
        ("  https://a.example/x\n", "https://a.example/x"),
        ("mailto:someone@example.org", None),
        ("", None),
        (None, None),
    ],
)
def test_canonical_url(url, expected):
    assert canonical_url(url) == expected


def test_html_to_text_keeps_paragraphs_and_drops_scripts():
    text = html_to_text("<p>One&nbsp;&mdash; two</p><script>var x=1;</script><style>p{}</style><p>Three<br>four</p>")
    assert text == "One \u2014 two\n\nThree\n\nfour"


def test_parse_rss_entries_are_normalized_and_sanitized():
    parsed = parse_feed(RSS_TWO_ITEMS)
    assert parsed.bozo_reason is None and parsed.rejected == ()
    first, second = parsed.entries
    assert first.entry_key == "tw-1"
    assert first.canonical_url == "https://testwire.example/2022/01/04/second-round"
    assert first.published_at == datetime(2022, 1, 4, 14, 30)  # -0500 to UTC
    assert "Geneva on Jan. 10" in first.content_text and "alert" not in first.content_text
    assert "<script" not in first.content_html and "onclick" not in first.content_html
    assert "javascript:" not in first.content_html
    # no guid: the canonical link is the key; no date: None (the loader applies the fallback)
    assert second.entry_key == "https://testwire.example/2022/01/03/quiet-day"
    assert second.published_at is None


def test_parse_garbage_yields_no_entries_and_a_reason():
    parsed = parse_feed(b"<rss><channel><item><title>cut off")
    assert parsed.entries == () or all(e.title for e in parsed.entries)
    assert parsed.bozo_reason
