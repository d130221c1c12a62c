import socket

from pipelines.fetch import fetch


def test_http_200_then_conditional_304(feed_server):
    feed_server.serve("/feed.xml", b"<rss/>")
    first = fetch(feed_server.url("/feed.xml"))
    assert first.ok and first.http_status == 200 and first.body == b"<rss/>"
    second = fetch(feed_server.url("/feed.xml"), etag=first.headers["etag"],
                   last_modified=first.headers["last-modified"])
    assert second.ok and second.not_modified and second.body is None
    assert feed_server.requests[-1]["headers"]["If-None-Match"] == first.headers["etag"]


def test_http_error_status_is_an_error_not_an_exception(feed_server):
    feed_server.serve("/broken.xml", b"oops", status=500, conditional=False)
    result = fetch(feed_server.url("/broken.xml"))
    assert not result.ok and result.http_status == 500 and "HTTP 500" in result.error


def test_connection_refused_has_no_status():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again before the fetch: nothing listens there
    result = fetch(f"http://127.0.0.1:{port}/feed.xml")
    assert not result.ok and result.http_status is None and "ConnectionError" in result.error


def test_file_urls_and_missing_files(tmp_path):
    path = tmp_path / "f.xml"
    path.write_bytes(b"<feed/>")
    assert fetch(path.as_uri()).body == b"<feed/>"
    missing = fetch((tmp_path / "nope.xml").as_uri())
    assert not missing.ok and "cannot read" in missing.error
