"""The third-party corpus (../shared/corpus): every file parsed and ingested as its MANIFEST row asks.

The files are not ours, so nothing here or in tests/golden/corpus/ holds their text: the golden
files keep counts, flags, dates and SHA-1s of strings, and the per-file outcomes below compare
hashes. The whole module is skipped when the corpus folder is absent (a user's clone).

Regenerate the golden files after an intended parser change with
`EVENTWATCH_UPDATE_GOLDEN=1 make test-fast`, then read the diff before committing it.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
from datetime import timedelta
from pathlib import Path

import pytest

from pipelines.parse.feed import ParsedFeed, parse_feed
from pipelines.store import archive
from tests.conftest import REPO, SHARED_CORPUS
from tests.pipelines.conftest import T0

FEEDS = SHARED_CORPUS / "feeds"
GOLDEN = REPO / "tests" / "golden" / "corpus"
pytestmark = [pytest.mark.corpus, pytest.mark.skipif(not FEEDS.is_dir(), reason="../shared/corpus is absent")]


def _manifest() -> dict[str, dict]:
    path = SHARED_CORPUS / "MANIFEST.tsv"
    if not path.exists():
        return {}
    with path.open(encoding="utf-8") as f:
        return {Path(row["file"]).name: row for row in csv.DictReader(f, delimiter="\t")}


MANIFEST = _manifest()
FILES = sorted(MANIFEST)
# text decoded as the wrong charset leaves these marks: replacement characters, C1 controls,
# and UTF-8 sequences read as cp1252 ("Ã©", "â€™")
_MOJIBAKE = re.compile("[\ufffd\u0080-\u009f]|[\u00c2\u00c3][\u0080-\u00bf]|\u00e2\u20ac")


def _sha1(text: str | None) -> str | None:
    return hashlib.sha1(text.encode("utf-8")).hexdigest() if text is not None else None


def _clean(*texts: str | None) -> bool:
    return not any(t and _MOJIBAKE.search(t) for t in texts)


def _parse(name: str) -> ParsedFeed:
    return parse_feed((FEEDS / name).read_bytes())  # raw bytes, no headers: sniffed from the bytes


def _summary(name: str) -> dict:
    body = (FEEDS / name).read_bytes()
    parsed = _parse(name)
    return {
        "sha256": hashlib.sha256(body).hexdigest(),
        "bytes": len(body),
        "format": parsed.version,
        "is_feed": parsed.is_feed,
        "bozo": _bozo_kinds(parsed.bozo_reason),
        "encoding": parsed.decoded.encoding if parsed.decoded else None,
        "encoding_source": parsed.decoded.source if parsed.decoded else None,
        "title_sha1": _sha1(parsed.title),
        "title_clean": _clean(parsed.title),
        "rejected": [r.reason for r in parsed.rejected],
        "entries": [
            {
                "key_sha1": _sha1(e.entry_key),
                "title_sha1": _sha1(e.title),
                "url_sha1": _sha1(e.url),
                "canonical_url_sha1": _sha1(e.canonical_url),
                "text_sha1": _sha1(e.content_text),
                "text_chars": len(e.content_text),
                "html_sha1": _sha1(e.content_html),
                "published_at": e.published_at.isoformat() if e.published_at else None,
                "updated_at": e.updated_at.isoformat() if e.updated_at else None,
                "date_parsed_by": e.date_parsed_by,
                "enclosures": len(e.enclosures),
                "clean": _clean(e.title, e.content_text, e.author),
            }
            for e in parsed.entries
        ],
    }


def _bozo_kinds(reason: str | None) -> list[str]:
    """The kinds of problem (exception names, "encoding"), not their messages."""
    kinds = re.findall(r"(?:^|; )(\w+)(?=: )", reason or "")
    return sorted(set(kinds))


def test_the_manifest_lists_every_corpus_file():
    assert sorted(p.name for p in FEEDS.iterdir()) == FILES and len(FILES) == 32


@pytest.mark.parametrize("name", FILES)
def test_corpus_file_parses_as_its_golden_file(name):
    actual = _summary(name)
    golden = GOLDEN / f"{Path(name).stem}.json"
    if os.environ.get("EVENTWATCH_UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(json.dumps(actual, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    assert golden.exists(), f"no golden file {golden.name}: run with EVENTWATCH_UPDATE_GOLDEN=1"
    assert actual == json.loads(golden.read_text(encoding="utf-8"))


def _entries_text(parsed: ParsedFeed) -> str:
    return "\n".join(f"{e.title or ''}\n{e.content_text}" for e in parsed.entries)


# What each MANIFEST row asks for, beyond what every file gets (checked in the test below).
# Strings from the files appear only as SHA-1s.
OUTCOMES = {
    "E01": lambda p: p.is_feed and p.bozo_reason and not p.entries,
    "E02": lambda p: not p.is_feed and p.bozo_reason,  # an error is recorded by the loader
    "E03": lambda p: p.bozo_reason and len(p.entries) <= 1,
    "E04": lambda p: p.is_feed and p.bozo_reason,
    "E05": lambda p: p.is_feed and _sha1(p.title) == "2739bb260ce45a5ad560051592efe21fb19aca85",
    "E06": lambda p: p.decoded.encoding == "iso8859_7" and p.decoded.source == "xml-declaration",
    "E07": lambda p: p.decoded.encoding == "koi8_r" and _mostly_cyrillic(_entries_text(p)),
    "E08": lambda p: len(p.entries) == 1 and p.bozo_reason,
    "E09": lambda p: "'bogus' is unknown" in p.bozo_reason and p.decoded.encoding == "ascii",
    "E10": lambda p: p.bozo_reason and "\u00f1" in p.title and "\u0468" in p.title,  # both halves decoded
    "E11": lambda p: len(p.entries) == 1 and p.bozo_reason,
    "E12": lambda p: p.decoded.source == "bom" and p.is_feed and not p.bozo_reason,
    "E13": lambda p: p.decoded.source == "xml-pattern" and p.is_feed and not p.bozo_reason,
    "E14": lambda p: "\u2019" in p.entries[0].content_text,
    "E15": lambda p: p.bozo_reason and p.entries[0].content_text == "\u2026",
    "E16": lambda p: "\u2019" in p.title,
    "E17": lambda p: _sha1(p.entries[0].entry_key) == "bde8ae5e581d4469eb1e6b99f0d6e026ca761315",
    "E18": lambda p: (_sha1(p.entries[0].guid) == "cff262a7faf585fca165a0bc4d829c17e3f45446"
                      and p.entries[0].canonical_url is None),
    "E19": lambda p: _sha1(p.entries[0].content_text) == "9d22f9bca696e8479a8c10acc43b145b11d6caa3",
    "E20": lambda p: "58927454710c22ffbf38b091ba340b0b91cb3cb3" in _href_hashes(p.entries[0].content_html),
    "E21": lambda p: (p.entries[0].title is None and len(p.entries[0].enclosures) == 2
                      and p.entries[0].entry_key == p.entries[0].canonical_url),
    "E22": lambda p: _sha1(p.entries[0].url) == "d8476c1bf68bf54556375bb59c54a058ac8cdc34",
    "R01": lambda p: all(e.published_at and e.date_parsed_by is None for e in p.entries)
    and not any("<" in e.content_text for e in p.entries),
    "R02": lambda p: p.decoded.encoding == "cp1252" and all(e.date_parsed_by == "rules" and e.published_raw
                                                            for e in p.entries) and _has_accents(p),
    "R03": lambda p: p.decoded.encoding == "cp1252" and _has_accents(p),
    "R04": lambda p: p.version == "atom10" and all(e.published_at or e.updated_at for e in p.entries),
    "R05": lambda p: all(e.title and "\n" not in e.title for e in p.entries),
    "R06": lambda p: p.entries[0].published_at.isoformat() == "2022-11-15T23:38:15"
    and p.entries[0].date_parsed_by == "rules",
    "R07": lambda p: p.entries[0].published_at.isoformat() == "2022-11-15T20:15:04"
    and "&#39;" not in p.entries[0].content_text and "&amp;" not in p.entries[0].content_text,
    "R08": lambda p: p.entries[0].published_at.isoformat() == "2023-12-16T14:02:33",
    "R09": lambda p: p.entries[0].enclosures and p.entries[0].enclosures[0].media_type == "audio/mpeg",
    "R10": lambda p: p.entries[0].url == p.entries[0].url.strip() and p.entries[0].canonical_url,
}


def _mostly_cyrillic(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return sum("\u0400" <= c <= "\u04ff" for c in letters) > 0.9 * len(letters)


def _has_accents(parsed: ParsedFeed) -> bool:
    return bool(set(_entries_text(parsed)) & set("\u00e1\u00e3\u00e7\u00e9\u00ea\u00ed\u00f3\u00f5\u00fa"))


def _href_hashes(html: str) -> set[str]:
    return {_sha1(h) for h in re.findall(r'href="([^"]*)"', html)}


@pytest.mark.parametrize("name", FILES)
@pytest.mark.reliability(
    kind="input",
    fault="each file of the third-party corpus of malformed, mis-encoded and hostile feeds (../shared/corpus)",
    outcome="every entry parsed or set aside with a reason, no mojibake where the bytes allow, no active content in"
            " stored HTML: the outcome its MANIFEST row asks for",
    lost="only the entries set aside, each with its reason")
def test_corpus_file_gets_the_outcome_its_manifest_row_asks_for(name):
    row = MANIFEST[name]
    parsed = _parse(name)
    # every file: all its entries either parsed or set aside with a reason
    assert len(parsed.entries) + len(parsed.rejected) == int(row["n_entries"])
    assert all(r.reason for r in parsed.rejected)
    # no mojibake where the bytes allow a right answer, and no active content in stored HTML
    assert _clean(parsed.title) and all(_clean(e.title, e.content_text, e.author) for e in parsed.entries)
    for entry in parsed.entries:
        html = entry.content_html.lower()
        assert "<script" not in html and "javascript:" not in html and not re.search(r"\son\w+\s*=", html)
    assert OUTCOMES[name[:3]](parsed), f"{name}: {row['notes'][:120]}"


@pytest.mark.reliability(
    kind="input",
    fault="the whole third-party corpus served over HTTP, then polled again",
    outcome="every body archived byte for byte; only the empty document fails; the second poll is all conditional "
            "and changes no row",
    lost="the empty document's poll")
def test_every_corpus_file_ingested_over_http_then_only_conditional_requests(ingest, feed_server):
    urls = {}
    for name in FILES:
        # E06's upstream test served it as text/xml with no charset; the others as an HTTP body would
        content_type = "text/xml" if name.startswith("E06") else "application/xml"
        feed_server.serve(f"/corpus/{name}", (FEEDS / name).read_bytes(), headers={"Content-Type": content_type})
        urls[name[:3].lower()] = feed_server.url(f"/corpus/{name}")
    ingest.feeds(urls)
    first = ingest.run()
    failed = {o.feed_id: o.error for o in first.outcomes if not o.ok}
    assert set(failed) == {"e02"} and failed["e02"].startswith("not a feed")

    for name in FILES:
        feed_id = name[:3].lower()
        digest, seen = ingest.one("select archive_sha256, entries_seen from raw.fetch_log where feed_id = ?", [feed_id])
        assert archive.read(ingest.settings.archive_dir, digest) == (FEEDS / name).read_bytes(), name
        if feed_id != "e02":
            assert seen == int(MANIFEST[name]["n_entries"]), name
    for title, text, author, html in ingest.all("select title, content_text, author, content_html from raw.entries"):
        assert _clean(title, text, author)
        assert "<script" not in html.lower() and not re.search(r"\son\w+\s*=", html.lower())
    stored = ingest.all("select * from raw.entries order by entry_version_id")

    requests_before = len(feed_server.requests)
    second = ingest.run(timedelta(hours=1))
    later = feed_server.requests[requests_before:]
    assert len(later) == 32
    assert all("If-None-Match" in r["headers"] for r in later if not r["path"].endswith("E02_fp_empty_document.xml"))
    assert second.feeds_not_modified == 31 and [o.feed_id for o in second.outcomes if not o.ok] == ["e02"]
    assert ingest.all("select * from raw.entries order by entry_version_id") == stored
    assert second.total("new") + second.total("new_versions") == 0
    assert ingest.one("select min(fetched_at), max(fetched_at) from raw.fetch_log") == (T0, T0 + timedelta(hours=1))
