"""The fetcher against a real HTTP server on 127.0.0.1: validators, redirects, errors and every bound."""

import gzip
import socket

import pytest

from pipelines.fetch.client import fetch
from pipelines.fetch.polling import FetchPolicy

FEED = b"<rss version='2.0'><channel><title>Bound test</title></channel></rss>"
FAST = FetchPolicy(connect_timeout_s=2, read_timeout_s=2, total_timeout_s=5)


def test_http_200_then_conditional_304_with_etag(feed_server):
    feed_server.serve("/feed.xml", FEED)
    first = fetch(feed_server.url("/feed.xml"))
    assert first.ok and first.http_status == 200 and first.body == FEED and not first.not_modified
    second = fetch(feed_server.url("/feed.xml"), etag=first.headers["etag"],
                   last_modified=first.headers["last-modified"])
    assert second.ok and second.not_modified and second.http_status == 304 and second.body is None
    assert feed_server.requests[-1]["headers"]["If-None-Match"] == first.headers["etag"]


def test_last_modified_round_trip_without_etag(feed_server):
    feed_server.serve("/feed.xml", FEED, etag=False)
    first = fetch(feed_server.url("/feed.xml"))
    assert "etag" not in first.headers and first.headers["last-modified"]
    second = fetch(feed_server.url("/feed.xml"), last_modified=first.headers["last-modified"])
    assert second.not_modified and second.body is None
    assert feed_server.requests[-1]["headers"]["If-Modified-Since"] == first.headers["last-modified"]
    assert "If-None-Match" not in feed_server.requests[-1]["headers"]


@pytest.mark.reliability(
    kind="fault",
    fault="the feed server answers HTTP 500",
    outcome="the fetch returns an error carrying the status (no exception escapes)",
    lost="that poll of that feed")
def test_http_error_status_is_an_error_not_an_exception(feed_server):
    feed_server.serve("/broken.xml", b"oops", status=500, conditional=False)
    result = fetch(feed_server.url("/broken.xml"))
    assert not result.ok and result.http_status == 500 and "HTTP 500" in result.error


@pytest.mark.reliability(
    kind="fault",
    fault="the feed server answers 429 Too Many Requests with Retry-After",
    outcome="an error that keeps the Retry-After header, for the scheduler to honour",
    lost="that poll of that feed")
def test_429_keeps_the_retry_after_header(feed_server):
    feed_server.serve("/busy.xml", b"slow down", status=429, headers={"Retry-After": "120"}, conditional=False)
    result = fetch(feed_server.url("/busy.xml"))
    assert not result.ok and result.http_status == 429 and result.headers["retry-after"] == "120"


@pytest.mark.reliability(
    kind="fault",
    fault="connection refused: nothing listens on the feed's port",
    outcome="an error naming the connection failure, with no HTTP status",
    lost="that poll of that feed")
def test_connection_refused_has_no_status():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again before the fetch: nothing listens there
    result = fetch(f"http://127.0.0.1:{port}/feed.xml", policy=FAST)
    assert not result.ok and result.http_status is None and "ConnectionError" in result.error


def test_permanent_redirects_301_and_308_move_the_feed(feed_server):
    feed_server.redirect("/old.xml", "/middle.xml", 301)
    feed_server.redirect("/middle.xml", feed_server.url("/new.xml"), 308)
    feed_server.serve("/new.xml", FEED)
    result = fetch(feed_server.url("/old.xml"))
    assert result.ok and result.body == FEED
    assert result.final_url == feed_server.url("/new.xml") == result.permanent_url
    assert [status for status, _ in result.redirects] == [301, 308]


def test_temporary_redirect_does_not_move_the_feed(feed_server):
    feed_server.redirect("/feed.xml", "/today.xml", 302)
    feed_server.serve("/today.xml", FEED)
    result = fetch(feed_server.url("/feed.xml"))
    assert result.ok and result.final_url == feed_server.url("/today.xml") and result.permanent_url is None


def test_a_permanent_move_stops_at_the_first_temporary_hop(feed_server):
    feed_server.redirect("/a.xml", "/b.xml", 301)
    feed_server.redirect("/b.xml", "/c.xml", 302)
    feed_server.redirect("/c.xml", "/d.xml", 301)
    feed_server.serve("/d.xml", FEED)
    result = fetch(feed_server.url("/a.xml"))
    assert result.ok and result.permanent_url == feed_server.url("/b.xml")
    assert result.final_url == feed_server.url("/d.xml")


@pytest.mark.reliability(
    kind="fault",
    fault="a redirect loop (ping -> pong -> ping)",
    outcome="stopped after the two requests of the loop with the error 'redirect loop'",
    lost="that poll of that feed")
def test_redirect_loop_is_an_error(feed_server):
    feed_server.redirect("/ping.xml", "/pong.xml", 302)
    feed_server.redirect("/pong.xml", "/ping.xml", 302)
    result = fetch(feed_server.url("/ping.xml"))
    assert not result.ok and "redirect loop" in result.error and len(feed_server.requests) == 2


@pytest.mark.reliability(
    kind="fault",
    fault="a chain of redirects one hop longer than the limit",
    outcome="the error 'too many redirects'; a chain within the limit is followed",
    lost="that poll of that feed")
def test_redirect_limit(feed_server):
    for i in range(4):
        feed_server.redirect(f"/hop{i}.xml", f"/hop{i + 1}.xml", 307)
    feed_server.serve("/hop4.xml", FEED)
    assert fetch(feed_server.url("/hop0.xml"), policy=FetchPolicy(max_redirects=4)).ok
    result = fetch(feed_server.url("/hop0.xml"), policy=FetchPolicy(max_redirects=3))
    assert not result.ok and "too many redirects" in result.error


@pytest.mark.reliability(
    kind="fault",
    fault="a server that accepts the request and then says nothing",
    outcome="the read timeout ends the fetch with an error",
    lost="that poll of that feed")
def test_read_timeout(feed_server):
    feed_server.serve("/slow.xml", FEED, delay_s=10)  # released when the test ends
    result = fetch(feed_server.url("/slow.xml"), policy=FetchPolicy(read_timeout_s=0.3, total_timeout_s=5))
    assert not result.ok and result.http_status is None and "read timeout" in result.error


@pytest.mark.reliability(
    kind="fault",
    fault="a dripping body: every byte within the read timeout, the whole far too slow",
    outcome="the total-time bound ends the fetch with an error; no partial body is kept",
    lost="that poll of that feed")
def test_total_time_bounds_a_body_that_trickles_in(feed_server):
    # every byte arrives well within the read timeout; only the total bound can stop this fetch
    feed_server.serve("/drip.xml", FEED * 20, trickle_s=0.02)
    result = fetch(feed_server.url("/drip.xml"), policy=FetchPolicy(read_timeout_s=5, total_timeout_s=0.3))
    assert not result.ok and result.body is None and "took over 0.3 s" in result.error


def test_gzip_body_is_decompressed_and_counted_decompressed(feed_server):
    feed_server.serve("/zipped.xml", FEED * 50, gzip=True)
    result = fetch(feed_server.url("/zipped.xml"))
    assert result.ok and result.headers["content-encoding"] == "gzip" and result.body == FEED * 50
    limited = fetch(feed_server.url("/zipped.xml"), policy=FetchPolicy(max_body_bytes=len(FEED) * 10))
    assert not limited.ok and "limit" in limited.error


@pytest.mark.reliability(
    kind="input",
    fault="a gzip bomb: 5 MB of spaces sent as under 10 KB of gzip",
    outcome="decompression stops at the body limit (counted after decompression); an error, no body",
    lost="that poll of that feed")
def test_gzip_bomb_stops_at_the_limit(feed_server):
    bomb = b"<rss>" + b" " * 5_000_000 + b"</rss>"
    feed_server.serve("/bomb.xml", bomb, gzip=True)
    assert len(gzip.compress(bomb)) < 10_000
    result = fetch(feed_server.url("/bomb.xml"), policy=FetchPolicy(max_body_bytes=1_000_000))
    assert not result.ok and result.body is None and "over the 1000000-byte limit" in result.error


@pytest.mark.reliability(
    kind="fault",
    fault="a huge body, with and without a Content-Length",
    outcome="refused from the announced length, or cut off at the byte limit while streaming",
    lost="that poll of that feed")
def test_body_over_the_limit_announced_or_not(feed_server):
    feed_server.serve("/big.xml", FEED * 100)
    feed_server.serve("/big-unannounced.xml", FEED * 100, content_length=False)
    policy = FetchPolicy(max_body_bytes=len(FEED) * 10)
    announced = fetch(feed_server.url("/big.xml"), policy=policy)
    assert not announced.ok and "announced" in announced.error
    streamed = fetch(feed_server.url("/big-unannounced.xml"), policy=policy)
    assert not streamed.ok and streamed.error == f"body over the {policy.max_body_bytes}-byte limit"
    assert fetch(feed_server.url("/big-unannounced.xml")).body == FEED * 100


@pytest.mark.reliability(
    kind="fault",
    fault="a file:// feed that does not exist",
    outcome="an error 'cannot read'",
    lost="that poll of that feed")
def test_file_urls_have_validators_and_missing_files_are_errors(tmp_path):
    path = tmp_path / "f.xml"
    path.write_bytes(FEED)
    first = fetch(path.as_uri())
    assert first.body == FEED and first.headers["etag"]
    again = fetch(path.as_uri(), etag=first.headers["etag"])
    assert again.ok and again.not_modified and again.body is None
    path.write_bytes(FEED + b"\n")
    assert fetch(path.as_uri(), etag=first.headers["etag"]).body == FEED + b"\n"
    missing = fetch((tmp_path / "nope.xml").as_uri())
    assert not missing.ok and "cannot read" in missing.error


@pytest.mark.reliability(
    kind="input",
    fault="an ftp:// feed URL",
    outcome="an error 'unsupported URL scheme'",
    lost="that poll of that feed")
def test_unsupported_scheme():
    result = fetch("ftp://example.org/feed.xml")
    assert not result.ok and "unsupported URL scheme" in result.error
