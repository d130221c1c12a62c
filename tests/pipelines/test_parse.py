"""Parsing: identity, canonical URLs, sanitized HTML, xml:base, dates, charsets, bad input."""

import gzip
from datetime import datetime

import pytest

from pipelines.parse.encoding import decode_feed, repair_mojibake
from pipelines.parse.feed import canonical_url, html_to_text, parse_feed
from pipelines.parse.sanitize import sanitize_html
from tests.pipelines.feeds_fixtures import (
    ACCENTED_TITLE,
    ATOM_WITH_BASE,
    LATIN_TITLE,
    RDF_ONE_ITEM,
    RSS_TWO_ITEMS,
    RUSSIAN_TEXT,
    SANITIZE_ME,
    rss_with_title,
)


@pytest.mark.parametrize(
    "url, expected",
    [
        ("https://a.example/x", "https://a.example/x"),
        ("HTTP://A.Example/x/", "https://a.example/x"),
        ("http://a.example/x?utm_source=agg&utm_medium=rss#comments", "https://a.example/x"),
        ("https://a.example/x?id=3&fbclid=abc", "https://a.example/x?id=3"),
        ("https://a.example:443/", "https://a.example/"),
        ("  https://a.example/x\n", "https://a.example/x"),
        ("http://example.c[o.test/", None),
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


@pytest.mark.reliability(
    kind="input",
    fault="script injection: script, style, iframe, svg, forms, event handlers, javascript:/data: URLs in an item's"
          " HTML",
    outcome="stored HTML keeps the text and safe links and images only",
    lost="the active content, by design")
def test_sanitized_html_has_no_script_style_handler_or_dangerous_url():
    html = sanitize_html(SANITIZE_ME, base="https://ok.example/news/")
    lowered = html.lower()
    for banned in ("<script", "<style", "<iframe", "<object", "<svg", "<form", "<button", "onclick", "onmouseover",
                   "onerror", "onload", "javascript:", "vbscript:", "data:", "style=", "formaction", "display: none"):
        assert banned not in lowered, banned
    assert '<a href="https://ok.example/a">a link</a>' in html and "<b>bold</b>" in html
    assert '<img src="https://ok.example/i.png" alt="pic">' in html
    assert '<a href="https://ok.example/news/relative/page.html">relative</a>' in html
    assert '<a href="mailto:desk@ok.example">mail</a>' in html and "kept text" in html
    assert "framed text" not in html and "bad" not in html
    assert html.count("<p>") == html.count("</p>") and html.count("<div>") == html.count("</div>")


def test_parse_rss_entries_are_normalized_and_sanitized():
    parsed = parse_feed(RSS_TWO_ITEMS)
    assert parsed.bozo_reason is None and parsed.rejected == () and parsed.version == "rss20"
    first, second = parsed.entries
    assert first.entry_key == "tw-1"
    assert first.canonical_url == "https://testwire.example/2022/01/04/second-round"
    assert first.published_at == datetime(2022, 1, 4, 14, 30)  # -0500 to UTC
    assert first.published_raw == "Tue, 04 Jan 2022 09:30:00 -0500"
    assert "Geneva on Jan. 10" in first.content_text and "alert" not in first.content_text
    assert "<script" not in first.content_html and "onclick" not in first.content_html
    assert "javascript:" not in first.content_html
    # no guid: the canonical link is the key; no date: None (the loader applies the fallback)
    assert second.entry_key == "https://testwire.example/2022/01/03/quiet-day"
    assert second.published_at is None and second.published_raw is None


def test_xml_base_resolves_links_in_entries_and_content():
    parsed = parse_feed(ATOM_WITH_BASE, {"content-type": "application/atom+xml"},
                        base_url="https://mirror.example/feeds/harbour.atom")
    ferry, dues = parsed.entries
    assert ferry.url == "https://harbourdesk.example/news/2022/01/ferry-talks.html"
    assert 'href="https://harbourdesk.example/news/port/office.html"' in ferry.content_html
    assert 'src="https://harbourdesk.example/img/map.png"' in ferry.content_html
    assert ferry.title == "Ferry talks resume"  # HTML title as text
    assert ferry.published_at == datetime(2022, 1, 12, 7) and ferry.updated_at == datetime(2022, 1, 12, 8, 15)
    assert dues.published_at is None and dues.updated_at == datetime(2022, 1, 11, 17)


def test_relative_links_in_a_file_feed_resolve_against_the_site():
    body = RSS_TWO_ITEMS.replace(b"<link>https://testwire.example/2022/01/03/quiet-day/</link>",
                                 b"<link>/2022/01/03/quiet-day/</link>")
    quiet = parse_feed(body).entries[1]  # no base URL: read from a file
    assert quiet.url == "https://testwire.example/2022/01/03/quiet-day/"


def test_rdf_dc_date_is_the_updated_date_in_utc():
    (item,) = parse_feed(RDF_ONE_ITEM).entries
    assert parse_feed(RDF_ONE_ITEM).version == "rss10"
    assert item.updated_at == datetime(2022, 1, 10, 3, 30) and item.entry_key == "https://valleypost.example/bridge"


@pytest.mark.parametrize("written, expected, how", [
    ("Mon, 10 Jan 2022 10:00:00 +0100", datetime(2022, 1, 10, 9), None),
    ("Mon, 10 Jan 2022 10:00:00 EST", datetime(2022, 1, 10, 15), None),
    ("2022-01-10T10:00:00-08:00", datetime(2022, 1, 10, 18), None),
    ("Seg, 10 Jan 2022 19:42:40 -0300", datetime(2022, 1, 10, 22, 42, 40), "rules"),  # Portuguese
    ("lun, 10 gen 2022 00:38:15 +0100", datetime(2022, 1, 9, 23, 38, 15), "rules"),  # Italian
    ("Mo, 10 Dez 2021 08:00:00 +0100", datetime(2021, 12, 10, 7), "rules"),  # German
    ("Mon, Jan 10 2022 02:02:33 PM", datetime(2022, 1, 10, 14, 2, 33), "rules"),  # 12-hour clock, no zone
    ("the tenth of January", None, "unparsed"),
])
def test_dates_to_utc(written, expected, how):
    body = RSS_TWO_ITEMS.replace(b"Tue, 04 Jan 2022 09:30:00 -0500", written.encode())
    entry = parse_feed(body).entries[0]
    assert (entry.published_at, entry.date_parsed_by, entry.published_raw) == (expected, how, written)


@pytest.mark.reliability(
    kind="input",
    fault="a feed cut off in the middle of an item",
    outcome="the entries before the cut are kept and the feed is flagged not well-formed",
    lost="the cut-off item")
def test_a_partly_well_formed_feed_keeps_what_parses():
    cut = RSS_TWO_ITEMS.split(b"<item>\n  <title>A quiet")[0] + b"<item><title>Half an it"
    parsed = parse_feed(cut)
    assert [e.entry_key for e in parsed.entries][:1] == ["tw-1"] and parsed.bozo_reason


@pytest.mark.reliability(
    kind="input",
    fault="an empty item, and one key carried by two items with different content",
    outcome="each is set aside with its reason (raw.quarantine); the other entries load",
    lost="the ambiguous and empty items, kept in quarantine")
def test_bad_entries_are_set_aside_with_a_reason():
    body = RSS_TWO_ITEMS.replace(b"</channel>", b"<item><description> </description></item>"
                                 b"<item><guid isPermaLink=\"false\">tw-1</guid><title>Again</title></item></channel>")
    parsed = parse_feed(body)
    # tw-1 is carried by two items with different content: neither can be trusted over the other
    assert [e.title for e in parsed.entries] == ["A quiet day in Vienna"]
    ambiguous = "its key is carried by 2 items with different content in one document; every copy is set aside"
    assert [r.reason for r in parsed.rejected] == [
        "entry 2: entry has no id, no title, no body, no link and no enclosure",
        f"entry 0: {ambiguous}", f"entry 3: {ambiguous}"]


def test_an_item_repeated_identically_keeps_its_first_copy():
    first_item = RSS_TWO_ITEMS.split(b"<item>")[1].split(b"</item>")[0]
    parsed = parse_feed(RSS_TWO_ITEMS.replace(b"</channel>", b"<item>" + first_item + b"</item></channel>"))
    assert len(parsed.entries) == 2
    assert [r.reason for r in parsed.rejected] == ["entry 2: duplicate entry key in one document"]


@pytest.mark.reliability(
    kind="input",
    fault="an HTML page or an empty body where a feed should be",
    outcome="not a feed: no entries, and the fetch fails with that reason",
    lost="that poll of that feed")
def test_not_a_feed():
    parsed = parse_feed(b"<html><head><title>Welcome</title></head><body>hello</body></html>")
    assert not parsed.is_feed and parsed.entries == ()
    assert not parse_feed(b"").is_feed and parse_feed(RSS_TWO_ITEMS).is_feed


@pytest.mark.reliability(
    kind="input",
    fault="XXE: an external entity pointing at a local file",
    outcome="the entity is never resolved; the file's content appears nowhere in the parse",
    lost="nothing")
@pytest.mark.reliability(
    kind="input",
    fault="billion laughs: eight levels of nested entities",
    outcome="the entities do not expand; the parse stays small",
    lost="nothing")
def test_external_entities_are_never_fetched_and_entity_bombs_do_not_expand(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("THE-SECRET-VALUE")
    xxe = (f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY s SYSTEM "{secret.as_uri()}">]>'
           '<rss version="2.0"><channel><title>t &s;</title><item><guid>x</guid><title>i &s;</title>'
           '<description>d &s;</description></item></channel></rss>').encode()
    parsed = parse_feed(xxe)
    assert "THE-SECRET-VALUE" not in repr(parsed)
    levels = "".join(f'<!ENTITY e{i} "{f"&e{i - 1};" * 10}">' for i in range(1, 9))
    bomb = (f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY e0 "ha">{levels}]>'
            '<rss version="2.0"><channel><title>t</title><item><guid>x</guid><title>&e8;</title></item>'
            '</channel></rss>').encode()
    parsed = parse_feed(bomb)
    assert all(len(e.title or "") < 1000 for e in parsed.entries)


@pytest.mark.reliability(
    kind="input",
    fault="a gzip bomb served as the body itself (no Content-Encoding)",
    outcome="decompressed up to the body limit, then refused as not a feed",
    lost="that poll of that feed")
def test_a_gzipped_body_is_sniffed_from_its_bytes_and_bounded():
    assert parse_feed(gzip.compress(RSS_TWO_ITEMS)).entries == parse_feed(RSS_TWO_ITEMS).entries
    bomb = parse_feed(gzip.compress(b"<rss>" + b" " * 200_000 + b"</rss>"), max_bytes=100_000)
    assert not bomb.is_feed and "over the 100000-byte limit" in bomb.bozo_reason


# --- charsets: every clue weighed, the bytes decide when the clues lie ---

@pytest.mark.parametrize("body, content_type, encoding, source", [
    (rss_with_title(ACCENTED_TITLE, "utf-8", "utf-8"), None, "utf_8", "utf-8"),
    (rss_with_title(ACCENTED_TITLE, "utf-8", "utf-8"), "text/xml; charset=ISO-8859-1", "utf_8", "utf-8"),
    (rss_with_title(LATIN_TITLE, "windows-1252", "cp1252"), None, "cp1252", "xml-declaration"),
    (rss_with_title(LATIN_TITLE, "iso-8859-1", "cp1252"), None, "cp1252", "xml-declaration"),  # the web's latin-1
    (rss_with_title(LATIN_TITLE, None, "cp1252"), "application/xml; charset=windows-1252", "cp1252", "http"),
    (rss_with_title(LATIN_TITLE, "utf-8", "cp1252"), None, "cp1252", "detected"),
    (rss_with_title(LATIN_TITLE, None, "cp1252"), None, "cp1252", "detected"),
    (rss_with_title(ACCENTED_TITLE, "utf-16", "utf-16"), None, "utf-16-le", "bom"),
    (rss_with_title(ACCENTED_TITLE, "utf-16", "utf-16-be"), None, "utf-16-be", "xml-pattern"),
    (rss_with_title(ACCENTED_TITLE, "utf-8", "utf-8-sig"), "text/xml; charset=windows-1251", "utf-8", "bom"),
])
def test_charset_detection(body, content_type, encoding, source):
    parsed = parse_feed(body, {"content-type": content_type} if content_type else {})
    title = LATIN_TITLE if "bient" in parsed.entries[0].title else ACCENTED_TITLE
    assert parsed.entries[0].title == title
    assert (parsed.decoded.encoding, parsed.decoded.source) == (encoding, source)


def test_undeclared_koi8r_and_declared_cp1251_russian():
    for body, content_type, codec in (
        (rss_with_title(RUSSIAN_TEXT, None, "koi8_r"), None, "koi8_r"),
        (rss_with_title(RUSSIAN_TEXT, None, "cp1251"), "text/xml; charset=windows-1251", "cp1251"),
    ):
        parsed = parse_feed(body, {"content-type": content_type} if content_type else {})
        assert parsed.entries[0].title == RUSSIAN_TEXT and parsed.decoded.encoding == codec


@pytest.mark.reliability(
    kind="input",
    fault="an XML declaration naming an unknown charset; UTF-8 declared over cp1252 bytes",
    outcome="decoded from the bytes; the lie is recorded in bozo_reason",
    lost="nothing")
def test_lies_are_recorded_as_the_documents_problem():
    bogus = parse_feed(rss_with_title(LATIN_TITLE, "no-such-charset", "utf-8"))
    assert "declared encoding 'no-such-charset' is unknown" in bogus.bozo_reason
    lying = parse_feed(rss_with_title(LATIN_TITLE, "utf-8", "cp1252"))
    assert "not valid UTF-8" in lying.bozo_reason and lying.entries[0].title == LATIN_TITLE


def test_utf8_with_a_few_stray_cp1252_bytes_keeps_both():
    body = rss_with_title(ACCENTED_TITLE, "utf-8", "utf-8").replace(b"Charset Desk", "Caf\u00e9 Desk".encode("cp1252"))
    decoded = decode_feed(body)
    assert decoded.source == "mixed" and "Caf\u00e9 Desk" in decoded.text and ACCENTED_TITLE in decoded.text


@pytest.mark.reliability(
    kind="input",
    fault="mojibake: C1 control characters and double-encoded UTF-8 in titles",
    outcome="repaired to the intended characters; real Latin text is left alone",
    lost="nothing")
def test_c1_controls_and_double_encoded_utf8_are_repaired():
    body = rss_with_title("don\u0092t", "utf-8", "utf-8")  # a cp1252 quote written as a Unicode C1 control
    assert parse_feed(body).entries[0].title == "don\u2019t"
    assert repair_mojibake("Caf\u00c3\u00a9 \u00e2\u20ac\u201c ok") == "Caf\u00e9 \u2013 ok"
    assert repair_mojibake("Ça va, São Paulo, Ärger") == "Ça va, São Paulo, Ärger"  # real Latin text untouched


@pytest.mark.reliability(
    kind="input",
    fault="script injection inside a feed item's description",
    outcome="the stored HTML of the parsed entry has no active content; its text is kept",
    lost="the active content, by design")
def test_stored_html_of_a_parsed_feed_is_sanitized():
    from xml.sax.saxutils import escape

    body = RSS_TWO_ITEMS.replace(b"Diplomats met briefly and left without comment.", escape(SANITIZE_ME).encode())
    quiet = parse_feed(body, base_url="https://testwire.example/feed.xml").entries[1]
    lowered = quiet.content_html.lower()
    for banned in ("<script", "<svg", "<form", "onclick", "onerror", "javascript:", "style="):
        assert banned not in lowered, banned
    assert "kept text" in quiet.content_text and "Allowed bold and a link." in quiet.content_text
