"""Feed inputs that made the parser raise, found by the property tests; each written here by us."""

from __future__ import annotations

import pytest

from pipelines.parse.encoding import decode_feed
from pipelines.parse.feed import parse_feed

_ONE_ITEM = ("<rss version='2.0'><channel><title>Desk</title><item><title>Talks resume</title>"
             "<link>https://example.org/talks</link><description>The talks resume on Monday.</description>"
             "</item></channel></rss>")


@pytest.mark.reliability(
    kind="input", fault="a NUL byte inside the charset name of the XML declaration or of the Content-Type header",
    outcome="the charset is treated as unknown, the bytes are sniffed and the feed parses", lost="nothing")
@pytest.mark.parametrize(("declaration", "content_type"), [
    ("<?xml version='1.0' encoding='utf\x00-8'?>", None),
    ("", "application/rss+xml; charset=utf\x00-8"),
])
def test_a_nul_in_a_charset_name_is_an_unknown_charset(declaration, content_type):
    body = (declaration + _ONE_ITEM).encode("utf-8")
    assert decode_feed(body, content_type).text.endswith("</rss>")
    parsed = parse_feed(body, {"Content-Type": content_type} if content_type else None)
    assert [e.title for e in parsed.entries] == ["Talks resume"]
