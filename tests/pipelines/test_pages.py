"""Article pages (pipelines.fetch.pages): real HTTP on 127.0.0.1, real archive, real DuckDB, real trafilatura."""

from __future__ import annotations

import hashlib
import time
from contextlib import closing
from datetime import timedelta
from pathlib import Path

import duckdb
import lxml.html
import pytest
import yaml

from pipelines.extract import load_gazetteer
from pipelines.extract.stage import run_extract
from pipelines.fetch.feeds import FeedsFileError, add_feed, load_feeds
from pipelines.fetch.polling import PagePolicy
from pipelines.load.reparse import reparse
from pipelines.parse.page import extract_page
from pipelines.store import archive
from pipelines.store.archive import ArchiveError
from tests.pipelines.conftest import T0, Ingest, assert_accounting_reconciles
from tests.pipelines.page_fixtures import CHROME_WORDS, EDIT, PAYWALL_STUB, STORY, article_page, rss

REPO = Path(__file__).resolve().parents[2]
CORPUS_PAGES = REPO / "seeds" / "corpus" / "pages"
HOUR = timedelta(hours=1)
TEASER = "Ministers will meet in Riga, the alliance said."


def _setup(ingest: Ingest, feeds: dict[str, str], full_text: str | None = None, **page) -> None:
    """A feeds file with these feeds, and page politeness fit for a test (no delay unless asked)."""
    rows = [{"id": k, "url": v, **({"full_text": full_text} if full_text else {})} for k, v in feeds.items()]
    ingest.feeds_file.write_text(yaml.safe_dump({"feeds": rows}))
    ingest.settings = ingest.settings.with_(page_policy=PagePolicy(**{"delay_s": 0.0, "timeout_s": 3.0, **page}))


def _teaser_feed(server, *paths: str) -> bytes:
    return rss([{"title": f"Story {i}", "link": server.url(p), "guid": f"story-{i}", "description": TEASER,
                 "pubDate": "Mon, 10 Jan 2022 09:00:00 GMT"} for i, p in enumerate(paths)])


def _page_rows(ingest: Ingest) -> list[tuple]:
    return ingest.all("select regexp_extract(entry_key, 'story-[0-9]+'), page_status, page_error is not null, next_check_at from raw.page_state "
                      "order by entry_key")


def test_extraction_keeps_the_story_and_drops_the_chrome():
    page = extract_page(article_page("Ministers to meet in Riga", STORY, canonical="https://harbourdesk.example/riga",
                                     published="2022-01-10T08:00:00+01:00"), "https://harbourdesk.example/riga?x=1")
    assert page.text.split("\n\n") == STORY
    assert not [w for w in CHROME_WORDS if w.lower() in page.text.lower()]
    assert (page.canonical_url, page.canonical_source) == ("https://harbourdesk.example/riga", "rel-canonical")
    assert page.published_at.isoformat() == "2022-01-10T07:00:00"
    assert page.published_source == "meta article:published_time" and page.author == "Lena Ardent"


def test_feeds_file_full_text_setting(tmp_path):
    path = tmp_path / "feeds.yml"
    add_feed(path, "web", "https://harbourdesk.example/rss")
    add_feed(path, "local", "corpus/local.rss")
    add_feed(path, "teasers", "corpus/teasers.rss", full_text="always")
    assert [(f.id, f.full_text, f.page_mode) for f in load_feeds(path)] == [
        ("web", "auto", "auto"), ("local", "never", "never"), ("teasers", "always", "always")]
    path.write_text("feeds:\n  - {id: a, url: 'https://a.example/rss', full_text: sometimes}\n")
    with pytest.raises(FeedsFileError, match="full_text 'sometimes' must be one of auto, always, never"):
        load_feeds(path)


def _articles_from_corpus_pages() -> list[tuple[str, bytes, list[str]]]:
    """(slug, page bytes, the story's paragraphs read straight from its <article>) for the sample pages."""
    out = []
    for page in sorted(CORPUS_PAGES.glob("*.html")):
        body = page.read_bytes()
        paragraphs = [p.text_content() for p in lxml.html.fromstring(body).xpath("//article/p[not(@class)]")]
        out.append((page.stem, body, paragraphs))
    return out


def _extractions(settings) -> dict[str, list]:
    with closing(duckdb.connect(str(settings.database))) as con:
        run_extract(con, load_gazetteer())
        assert_accounting_reconciles(con)
        return {
            "actors": con.execute("select distinct actor_id from extract.mentions order by 1").fetchall(),
            "claims": con.execute("select speaker_actor_id, cue_verb, claim_type, claim_text from extract.claims "
                                  "order by all").fetchall(),
            "deadlines": con.execute("select surface, due_start, due_end, event_label, location "
                                     "from extract.time_expressions order by all").fetchall(),
            "versions": con.execute("select count(*), count(distinct article_id) from raw.entries").fetchall(),
        }


def test_a_summary_feed_gives_what_a_full_content_feed_gives(tmp_path, feed_server):
    articles = _articles_from_corpus_pages()
    assert len(articles) >= 3
    for slug, body, _ in articles:
        feed_server.serve(f"/{slug}.html", body)
    items = [{"title": f"Story {slug}", "guid": slug, "pubDate": "Wed, 09 Feb 2022 12:00:00 GMT",
              "link": f"https://deskbriefs.example/2022/{slug}"} for slug, _, _ in articles]
    full = rss([{**item, "description": "A teaser.", "content": "".join(f"<p>{p}</p>" for p in paragraphs)}
                for item, (_, _, paragraphs) in zip(items, articles)])
    summary = rss([{**item, "description": "A teaser.", "link": feed_server.url(f"/{slug}.html")}
                   for item, (slug, _, _) in zip(items, articles)])
    feed_server.serve("/full.xml", full)
    feed_server.serve("/summary.xml", summary)
    results = {}
    for name in ("full", "summary"):
        (tmp_path / name).mkdir()
        ingest = Ingest(tmp_path / name)
        _setup(ingest, {name: feed_server.url(f"/{name}.xml")})
        ingest.run()
        ingest.close()
        results[name] = _extractions(ingest.settings)
    assert results["summary"] == results["full"]
    assert len(results["full"]["claims"]) >= 6 and len(results["full"]["deadlines"]) >= 4
    assert results["full"]["versions"] == [(len(articles), len(articles))]

    # a second run past the first re-check: every page is asked for conditionally, none is downloaded again
    ingest = Ingest(tmp_path / "summary")
    _setup(ingest, {"summary": feed_server.url("/summary.xml")})
    before = len(feed_server.requests)
    summary_run = ingest.run(2 * HOUR)
    later = [r for r in feed_server.requests[before:] if r["path"].endswith(".html")]
    assert len(later) == len(articles) and all(r["headers"].get("If-None-Match") for r in later)
    assert summary_run.pages.not_modified == len(articles) and summary_run.pages.new_versions == 0
    assert ingest.one("select count(*) from raw.entries") == (len(articles),)
    ingest.close()


def test_an_edited_page_becomes_a_version_and_an_unchanged_one_is_a_304(ingest, feed_server):
    feed_server.serve("/riga.html", article_page("Ministers to meet in Riga", STORY))
    feed_server.then("/riga.html", article_page("Ministers to meet in Riga", [EDIT, *STORY]))
    feed_server.serve("/feed.xml", _teaser_feed(feed_server, "/riga.html"))
    _setup(ingest, {"desk": feed_server.url("/feed.xml")})
    ingest.run()
    assert ingest.one("select content_text from raw.entries")[0].split("\n\n") == STORY
    assert _page_rows(ingest) == [("story-0", "ok", False, T0 + HOUR)]

    edited = ingest.run(HOUR)  # the feed is unchanged (304); the page is re-checked and has changed
    assert edited.feeds_not_modified == 1 and edited.pages.new_versions == 1
    texts = ingest.all("select content_text from raw.entries order by first_seen_at")
    assert [t[0].split("\n\n")[0] for t in texts] == [STORY[0], EDIT]
    assert ingest.one("select count(distinct article_id), count(distinct entry_key) from raw.entries") == (1, 1)
    assert ingest.one("select made_version from raw.page_log where run_id = 'run-2'") == (True,)

    again = ingest.run(6 * HOUR)
    assert again.pages.not_modified == 1 and again.pages.new_versions == 0
    assert feed_server.requests_to("/riga.html")[-1]["headers"].get("If-None-Match")
    assert _page_rows(ingest) == [("story-0", "not_modified", False, T0 + 24 * HOUR)]

    # reparse rebuilds the same versions from the archived feed and page bodies
    stored = ingest.all("select entry_version_id, article_id, content_text, first_seen_at from raw.entries order by 1")
    reparse(ingest.con, ingest.settings)
    assert ingest.all("select entry_version_id, article_id, content_text, first_seen_at from raw.entries "
                      "order by 1") == stored


@pytest.mark.reliability(kind="fault", fault="an article page whose body cannot be archived (its shard directory "
                         "is a file: the fast stand-in for a disk that fills up after the feed's body was kept)",
                         outcome="the fetch stage stops with ArchiveError naming the page and its feed; nothing of the "
                                 "feed is recorded, so the next run fetches the feed and the page again",
                         lost="nothing")
def test_a_page_that_cannot_be_archived_stops_the_stage_and_records_nothing(ingest, feed_server):
    page = article_page("Ministers to meet in Riga", STORY)
    feed = _teaser_feed(feed_server, "/riga.html")
    feed_server.serve("/riga.html", page)
    feed_server.serve("/feed.xml", feed)
    _setup(ingest, {"desk": feed_server.url("/feed.xml")})
    shard = archive.path_for(ingest.settings.archive_dir, hashlib.sha256(page).hexdigest()).parent
    assert shard != archive.path_for(ingest.settings.archive_dir, hashlib.sha256(feed).hexdigest()).parent
    ingest.con  # noqa: B018 - opening the connection makes the data dir exist
    shard.parent.mkdir(parents=True, exist_ok=True)
    shard.write_text("not a directory")  # the feed's body is kept; the page's cannot be
    with pytest.raises(ArchiveError, match=r"cannot archive the page http://127\.0\.0\.1:\d+/riga\.html of feed desk: "):
        ingest.run()
    assert ingest.one("select (select count(*) from raw.fetch_log), (select count(*) from raw.feed_state), "
                      "(select count(*) from raw.page_state), (select count(*) from raw.entries)") == (0, 0, 0, 0)
    shard.unlink()
    again = ingest.run()
    assert again.feeds_ok == 1
    assert ingest.one("select content_text from raw.entries")[0].split("\n\n") == STORY


@pytest.mark.reliability(kind="fault", fault="an article page that is a paywall stub (a two-line teaser)",
                         outcome="the feed's text is kept; page_status 'shorter' says why; re-checked later",
                         lost="nothing: the entry loads with the feed's text")
def test_a_paywall_stub_keeps_the_feed_text(ingest, feed_server):
    feed_server.serve("/riga.html", PAYWALL_STUB)
    feed_server.serve("/feed.xml", _teaser_feed(feed_server, "/riga.html"))
    _setup(ingest, {"desk": feed_server.url("/feed.xml")}, full_text="always")
    ingest.run()
    assert ingest.one("select content_text from raw.entries") == (TEASER,)
    assert _page_rows(ingest) == [("story-0", "shorter", True, T0 + HOUR)]


@pytest.mark.reliability(kind="fault", fault="an article page answers 404, then comes back with the article",
                         outcome="the entry loads with the feed's text and page_status 'failed'; the retry an hour "
                                 "later stores the page's text as a new version",
                         lost="nothing")
def test_a_missing_page_is_retried_later(ingest, feed_server):
    feed_server.serve("/riga.html", b"gone", status=404)
    feed_server.then("/riga.html", article_page("Ministers to meet in Riga", STORY))
    feed_server.serve("/feed.xml", _teaser_feed(feed_server, "/riga.html"))
    _setup(ingest, {"desk": feed_server.url("/feed.xml")})
    ingest.run()
    assert ingest.one("select content_text from raw.entries") == (TEASER,)
    assert ingest.one("select page_status, page_error, http_status from raw.page_state") == ("failed", "HTTP 404 Not Found", 404)
    retried = ingest.run(HOUR)
    assert retried.pages.new_versions == 1
    assert ingest.one("select content_text from raw.entries order by first_seen_at desc limit 1")[0].split("\n\n") == STORY


@pytest.mark.reliability(kind="fault", fault="robots.txt disallows the article's path",
                         outcome="the page is never requested; the feed's text is kept, page_status 'robots'",
                         lost="nothing: the entry loads with the feed's text")
def test_robots_txt_is_honoured(ingest, feed_server):
    feed_server.serve("/robots.txt", b"User-agent: *\nDisallow: /private/\n")
    feed_server.serve("/private/riga.html", article_page("Ministers to meet in Riga", STORY))
    feed_server.serve("/open/riga.html", article_page("Ministers to meet in Riga", STORY[:3]))
    feed_server.serve("/feed.xml", _teaser_feed(feed_server, "/private/riga.html", "/open/riga.html"))
    _setup(ingest, {"desk": feed_server.url("/feed.xml")})
    ingest.run()
    assert feed_server.requests_to("/private/riga.html") == [] and len(feed_server.requests_to("/robots.txt")) == 1
    assert [r[:2] for r in _page_rows(ingest)] == [("story-0", "robots"), ("story-1", "ok")]
    assert ingest.all("select regexp_extract(entry_key, 'story-[0-9]+'), content_text = ? from raw.entries order by 1", [TEASER]) == [
        ("story-0", True), ("story-1", False)]


@pytest.mark.reliability(kind="fault", fault="an article page slower than the page timeout",
                         outcome="the fetch gives up at the timeout; the entry loads with the feed's text and "
                                 "page_status 'failed' (timed out), retried an hour later",
                         lost="nothing")
def test_a_slow_page_times_out(ingest, feed_server):
    feed_server.serve("/riga.html", article_page("Ministers to meet in Riga", STORY), delay_s=5)
    feed_server.serve("/feed.xml", _teaser_feed(feed_server, "/riga.html"))
    _setup(ingest, {"desk": feed_server.url("/feed.xml")}, timeout_s=1.0)
    ingest.policy(read_timeout_s=1.0)
    started = time.monotonic()
    summary = ingest.run()
    assert time.monotonic() - started < 5 and summary.feeds_ok == 1
    assert ingest.one("select content_text from raw.entries") == (TEASER,)
    status, error, next_check = ingest.one("select page_status, page_error, next_check_at from raw.page_state")
    assert status == "failed" and "timed out" in error and next_check == T0 + HOUR


def test_a_canonical_url_merges_two_feed_links(ingest, feed_server):
    canonical = "https://harbourdesk.example/2022/01/10/riga"
    feed_server.serve("/riga.html", article_page("Ministers to meet in Riga", STORY, canonical=canonical))
    feed_server.serve("/amp/riga.html", article_page("Ministers to meet in Riga", STORY, canonical=canonical))
    feed_server.serve("/a.xml", _teaser_feed(feed_server, "/riga.html"))
    feed_server.serve("/b.xml", _teaser_feed(feed_server, "/amp/riga.html"))
    _setup(ingest, {"a": feed_server.url("/a.xml"), "b": feed_server.url("/b.xml")})
    ingest.run()
    assert ingest.all("select distinct article_id, canonical_url from raw.entries") == [
        (ingest.one("select article_id from raw.entries limit 1")[0], canonical)]
    assert ingest.one("select count(*), count(distinct feed_id) from raw.entries") == (2, 2)


def test_pages_are_fetched_within_the_per_host_limit_and_archived(ingest, feed_server):
    paths = [f"/story-{i}.html" for i in range(6)]
    for path in paths:
        feed_server.serve(path, article_page(f"Story {path}", STORY), hold_until_in_flight=3, hold_timeout_s=0.3)
    feed_server.serve("/feed.xml", _teaser_feed(feed_server, *paths))
    _setup(ingest, {"desk": feed_server.url("/feed.xml")})
    ingest.policy(per_host=2)
    ingest.run()
    assert feed_server.max_in_flight["127.0.0.1"] == 2
    digests = ingest.all("select archive_sha256 from raw.page_log where page_status = 'ok'")
    assert len(digests) == 6 and all(archive.path_for(ingest.settings.archive_dir, d).exists() for (d,) in digests)


@pytest.mark.reliability(kind="fault", fault="an article page redirects to a link-local address (cloud metadata)",
                         outcome="the redirect is refused before any connection; the feed's text is kept",
                         lost="nothing")
def test_a_page_redirect_to_a_private_address_is_refused(ingest, feed_server):
    feed_server.redirect("/riga.html", "http://169.254.169.254/latest/meta-data/", status=302)
    feed_server.serve("/feed.xml", _teaser_feed(feed_server, "/riga.html"))
    _setup(ingest, {"desk": feed_server.url("/feed.xml")})
    ingest.run()
    status, error = ingest.one("select page_status, page_error from raw.page_state")
    assert status == "failed" and "refused" in error and "link-local" in error
    assert ingest.one("select content_text from raw.entries") == (TEASER,)


def test_local_feeds_read_no_pages_unless_asked(ingest, tmp_path):
    page = tmp_path / "riga.html"
    page.write_bytes(article_page("Ministers to meet in Riga", STORY))
    feed = tmp_path / "feed.rss"
    feed.write_bytes(rss([{"title": "Riga", "link": "riga.html", "guid": "riga", "description": TEASER,
                           "pubDate": "Mon, 10 Jan 2022 09:00:00 GMT"}]).replace(
        b"<link>https://harbourdesk.example/</link>", b""))
    _setup(ingest, {"local": str(feed)})
    ingest.run()
    assert ingest.one("select content_text from raw.entries") == (TEASER,)
    _setup(ingest, {"local": str(feed)}, full_text="auto")
    feed.write_bytes(feed.read_bytes().replace(b"<title>Riga</title>", b"<title>Riga talks</title>"))
    ingest.run(HOUR)
    assert ingest.one("select content_text from raw.entries order by first_seen_at desc limit 1")[0].split("\n\n") \
        == STORY
