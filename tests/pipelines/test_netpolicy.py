"""Network policy: a feed listed on 127.0.0.1 may not redirect the fetcher to non-global addresses.

Each refused target is either unroutable (a connection attempt would hang until the connect
timeout, not give the "refused" reason) or a live server of our own that counts its requests and
must see none.
"""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from pipelines.fetch.client import address_kind, fetch, refusal, same_host
from pipelines.fetch.polling import FetchPolicy
from tests.pipelines.feeds_fixtures import RSS_TWO_ITEMS

# long enough that a connection attempt to an unroutable address would end in a timeout, not a refusal
PATIENT = FetchPolicy(connect_timeout_s=20, read_timeout_s=20, total_timeout_s=30)


class _CountingServer(ThreadingHTTPServer):
    """An HTTP server that answers 200 with a feed and counts the requests it gets."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], family: int = socket.AF_INET) -> None:
        self.address_family = family
        self.hits = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.hits += 1
                self.send_response(200)
                self.send_header("Content-Length", str(len(RSS_TWO_ITEMS)))
                self.end_headers()
                self.wfile.write(RSS_TWO_ITEMS)

            def log_message(self, *args):
                pass

        super().__init__(address, Handler)
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self) -> None:
        self.shutdown()
        self.server_close()


@pytest.fixture
def other_server():
    """A second live feed server on 127.0.0.1, on another port than feed_server."""
    server = _CountingServer(("127.0.0.1", 0))
    yield server
    server.close()


@pytest.fixture
def ipv6_server():
    """A live feed server on [::1], or a skip where the host has no IPv6 loopback."""
    try:
        server = _CountingServer(("::1", 0), socket.AF_INET6)
    except OSError:
        pytest.skip("no IPv6 loopback here")
    yield server
    server.close()


@pytest.mark.reliability(kind="fault", fault="a feed redirects to the cloud metadata address 169.254.169.254",
                         outcome="the redirect is refused before connecting; fetch_log says link-local",
                         lost="that fetch of the feed")
def test_redirect_to_the_cloud_metadata_address_is_refused(feed_server):
    feed_server.redirect("/feed.xml", "http://169.254.169.254/latest/meta-data/", 302)
    result = fetch(feed_server.url("/feed.xml"), policy=PATIENT)
    assert not result.ok and result.body is None
    assert result.error.startswith("redirect to http://169.254.169.254/latest/meta-data/ refused: ")
    assert "link-local address" in result.error and "timed out" not in result.error
    assert result.http_status == 302 and len(feed_server.requests) == 1


@pytest.mark.reliability(kind="fault", fault="a feed redirects to a private address (http://10.0.0.1/)",
                         outcome="the redirect is refused before connecting; fetch_log says private",
                         lost="that fetch of the feed")
def test_redirect_to_a_private_address_is_refused(feed_server):
    feed_server.redirect("/feed.xml", "http://10.0.0.1/", 301)
    result = fetch(feed_server.url("/feed.xml"), policy=PATIENT)
    assert not result.ok and "redirect to http://10.0.0.1/ refused: 10.0.0.1 is a private address" in result.error
    assert result.permanent_url == "http://10.0.0.1/"  # what was asked, recorded; never followed nor stored as a move


@pytest.mark.reliability(kind="fault", fault="a feed redirects to the IPv6 loopback http://[::1]:port/",
                         outcome="refused before connecting; the server there sees no request",
                         lost="that fetch of the feed")
def test_redirect_to_the_ipv6_loopback_is_refused(feed_server, ipv6_server):
    target = f"http://[::1]:{ipv6_server.server_address[1]}/feed.xml"
    feed_server.redirect("/feed.xml", target, 307)
    result = fetch(feed_server.url("/feed.xml"), policy=PATIENT)
    assert not result.ok and "::1 is a loopback address" in result.error
    assert ipv6_server.hits == 0
    assert fetch(target).ok and ipv6_server.hits == 1  # it was live all along: listed, it may be fetched


@pytest.mark.reliability(kind="fault", fault="a 127.0.0.1 feed redirects to localhost on another port",
                         outcome="refused (another host name, resolving to loopback); that server sees no request",
                         lost="that fetch of the feed")
def test_redirect_to_localhost_on_another_port_is_refused(feed_server, other_server):
    target = f"http://localhost:{other_server.server_address[1]}/feed.xml"
    feed_server.redirect("/feed.xml", target, 302)
    result = fetch(feed_server.url("/feed.xml"), policy=PATIENT)
    assert not result.ok and "refused: localhost (" in result.error and "is a loopback address" in result.error
    assert other_server.hits == 0


@pytest.mark.reliability(kind="fault", fault="a 127.0.0.1 feed redirects to 127.0.0.1 on another port",
                         outcome="refused: only the listed host and port are trusted; that server sees no request",
                         lost="that fetch of the feed")
def test_redirect_to_the_same_address_on_another_port_is_refused(feed_server, other_server):
    feed_server.redirect("/feed.xml", f"http://127.0.0.1:{other_server.server_address[1]}/feed.xml", 302)
    result = fetch(feed_server.url("/feed.xml"), policy=PATIENT)
    assert not result.ok and "127.0.0.1 is a loopback address" in result.error
    assert other_server.hits == 0


def test_redirects_on_the_listed_host_are_followed_and_a_later_bad_hop_is_refused(feed_server):
    feed_server.redirect("/a.xml", feed_server.url("/b.xml"), 301)  # absolute, same host and port
    feed_server.redirect("/b.xml", "/c.xml", 302)
    feed_server.serve("/c.xml", RSS_TWO_ITEMS)
    assert fetch(feed_server.url("/a.xml")).body == RSS_TWO_ITEMS
    feed_server.redirect("/c.xml", "http://10.1.2.3/c.xml", 302)
    result = fetch(feed_server.url("/a.xml"), policy=PATIENT)
    assert not result.ok and "refused" in result.error and len(result.redirects) == 3


@pytest.mark.reliability(kind="fault", fault="a feed once moved (301) to a host that now resolves to loopback",
                         outcome="the moved URL is refused before connecting, the listed one is still trusted",
                         lost="that fetch of the feed")
def test_a_moved_url_that_is_not_the_listed_one_is_checked_too(feed_server, other_server):
    moved = f"http://localhost:{other_server.server_address[1]}/feed.xml"
    result = fetch(moved, listed_url=feed_server.url("/feed.xml"), policy=PATIENT)
    assert not result.ok and result.error.startswith(f"refused {moved}: ") and other_server.hits == 0
    assert fetch(moved, listed_url=moved).ok and other_server.hits == 1


@pytest.mark.reliability(kind="fault", fault="a feed in the feeds file redirects to 169.254.169.254",
                         outcome="the fetch fails, raw.fetch_log.error says why, the feed keeps its URL",
                         lost="that fetch of the feed")
def test_a_refused_redirect_is_logged_in_fetch_log(ingest, feed_server):
    feed_server.redirect("/wire.xml", "http://169.254.169.254/latest/", 301)
    ingest.feeds({"wire": feed_server.url("/wire.xml")})
    summary = ingest.run()
    assert summary.feeds_failed == 1
    error, status = ingest.one("select error, http_status from raw.fetch_log where feed_id = 'wire'")
    assert status == 301 and "refused" in error and "169.254.169.254 is a link-local address" in error
    assert ingest.state("wire")["url"] == feed_server.url("/wire.xml")  # a refused move is no move


@pytest.mark.parametrize("address, kind", [
    ("127.0.0.1", "loopback"), ("127.8.9.10", "loopback"), ("::1", "loopback"),
    ("169.254.169.254", "link-local"), ("fe80::1", "link-local"), ("fe80::1%eth0", "link-local"),
    ("10.0.0.1", "private"), ("172.16.5.4", "private"), ("192.168.1.1", "private"),
    ("fc00::1", "unique-local"), ("fd12:3456::1", "unique-local"),
    ("224.0.0.251", "multicast"), ("239.1.2.3", "multicast"), ("ff02::1", "multicast"),
    ("0.0.0.0", "unspecified"), ("::", "unspecified"), ("100.64.0.1", "non-global"),
    ("::ffff:10.0.0.1", "private"), ("::ffff:127.0.0.1", "loopback"), ("2002:a9fe:a9fe::", "link-local"),
    ("8.8.8.8", None), ("93.184.216.34", None), ("2606:4700:4700::1111", None),
])
def test_address_kinds(address, kind):
    assert address_kind(address) == kind


def test_every_resolved_address_of_a_name_is_checked():
    def resolver(answers):
        return lambda host, port: answers

    assert refusal("http://news.example/feed", None, resolver(["93.184.216.34"])) is None
    assert "news.example (10.0.0.7) is a private address" in refusal("http://news.example/feed", None,
                                                                     resolver(["10.0.0.7"]))
    mixed = refusal("https://news.example/feed", None, resolver(["93.184.216.34", "10.0.0.7"]))
    assert mixed is not None and "10.0.0.7" in mixed
    assert "loopback" in refusal("http://localhost/feed", None)  # the system resolver, for real
    assert "cannot resolve" in refusal("http://no-such-host.invalid/feed", None)


@pytest.mark.parametrize("url, listed, same", [
    ("http://127.0.0.1:8080/b", "http://127.0.0.1:8080/a", True),
    ("http://127.0.0.1:8081/b", "http://127.0.0.1:8080/a", False),
    ("http://LOCALHOST:8080/b", "http://localhost:8080/a", True),
    ("http://localhost:8080/b", "http://127.0.0.1:8080/a", False),
    ("https://intranet/feed", "http://intranet/feed", True),  # the upgrade to https on the default ports
    ("https://intranet:8443/feed", "http://intranet/feed", False),
    ("http://intranet:80/feed", "http://intranet/feed", True),
    ("http://intranet:bad/feed", "http://intranet/feed", False),
])
def test_same_host(url, listed, same):
    assert same_host(url, listed) is same



@pytest.mark.reliability(kind="input", fault="a redirect to loopback spelled in octal, hex, decimal or as IPv4-in-IPv6",
                         outcome="refused: the name is resolved the way the HTTP client would, then checked",
                         lost="that fetch of the feed")
@pytest.mark.parametrize("url", ["http://0177.0.0.1/", "http://0x7f.1/", "http://2130706433/",
                                 "http://[::ffff:127.0.0.1]/", "http://127.1/"])
def test_obfuscated_loopback_spellings_are_refused(url):
    reason = refusal(url, "http://127.0.0.1:8080/feed.xml")
    assert reason is not None and "loopback address" in reason
