"""Shared fixtures: repo paths, settings in a temp dir, a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import gzip as gzip_module
import hashlib
import os
import threading
from collections import Counter
from datetime import datetime
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, settings as hypothesis_settings

from pipelines.settings import Settings
from pipelines.store.tables import ensure_schema

REPO = Path(__file__).resolve().parents[1]
SAMPLE_FEEDS = REPO / "seeds" / "feeds.yml"
SHARED_CORPUS = REPO.parent / "shared" / "corpus"

os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

# Property tests are reproducible: the same examples on every run and machine (derandomize, no
# example database), few enough that the whole property suite stays under a minute, no per-example
# deadline on a shared CI box (the tests bound their own time with generous limits instead).
hypothesis_settings.register_profile(
    "eventwatch", derandomize=True, database=None, max_examples=60, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
hypothesis_settings.load_profile("eventwatch")


@pytest.fixture
def fresh_db() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the Python-owned tables."""
    con = duckdb.connect()
    ensure_schema(con)
    yield con
    con.close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", feeds_file=SAMPLE_FEEDS, as_of=datetime(2022, 2, 23, 12))


class FeedServer:
    """Serves registered bodies at paths over real HTTP on 127.0.0.1.

    Per route: ETag and Last-Modified validators (304 on a match), a scripted status and headers,
    gzip transfer encoding, a delay before the response or a slowly trickled body (both end early
    when the test is over), and a sequence of responses (the last one repeats). Redirects are
    routes with a Location header. Every request is recorded with its headers and the other paths
    in flight when it was answered, and the server counts requests in flight per Host header.
    """

    def __init__(self) -> None:
        self.routes: dict[str, list[dict]] = {}
        self.requests: list[dict] = []
        self.in_flight: Counter = Counter()
        self.max_in_flight: Counter = Counter()
        self.in_flight_paths: set[str] = set()
        self.released = threading.Event()  # set at teardown: every held response lets go
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def serve(self, path: str, body: bytes = b"", *, status: int = 200, headers: dict | None = None,
              conditional: bool = True, etag: bool = True, gzip: bool = False, delay_s: float = 0.0,
              trickle_s: float = 0.0, hold_s: float = 0.0, content_length: bool = True,
              hold_until: threading.Event | None = None, hold_until_in_flight: int = 0,
              hold_timeout_s: float = 2.0, hold_until_path: str | None = None,
              then_set: threading.Event | None = None) -> None:
        """Register one response for `path` (replacing any before).

        `hold_until` holds the response until the event is set (or 5 s pass); `hold_until_in_flight`
        until that many requests to the same host are in flight, and `hold_until_path` until a
        request to that path is in flight (both for at most `hold_timeout_s`); `then_set` is set
        once the response is sent.
        """
        route = self._route(body, status, headers, conditional, etag, gzip, delay_s, trickle_s, hold_s, content_length)
        route.update(hold_until=hold_until, hold_until_in_flight=hold_until_in_flight, hold_timeout_s=hold_timeout_s,
                     hold_until_path=hold_until_path, then_set=then_set)
        self.routes[path] = [route]

    def then(self, path: str, body: bytes = b"", **options) -> None:
        """Append a response for the next request to `path` (the last one registered repeats)."""
        self.routes[path].append(self._route(body, options.pop("status", 200), options.pop("headers", None),
                                             options.pop("conditional", True), options.pop("etag", True),
                                             options.pop("gzip", False), options.pop("delay_s", 0.0),
                                             options.pop("trickle_s", 0.0), options.pop("hold_s", 0.0),
                                             options.pop("content_length", True)))

    def redirect(self, path: str, to: str, status: int = 301) -> None:
        self.serve(path, b"", status=status, headers={"Location": to}, conditional=False)

    def requests_to(self, path: str) -> list[dict]:
        return [r for r in self.requests if r["path"] == path]

    @staticmethod
    def _route(body, status, headers, conditional, etag, gzip, delay_s, trickle_s, hold_s, content_length) -> dict:
        return {"body": body, "status": status, "headers": headers or {}, "conditional": conditional,
                "etag": '"' + hashlib.sha1(body).hexdigest()[:12] + '"' if etag else None,
                "last_modified": formatdate(1641800000, usegmt=True), "gzip": gzip, "delay_s": delay_s,
                "trickle_s": trickle_s, "hold_s": hold_s, "content_length": content_length,
                "hold_until": None, "hold_until_in_flight": 0, "hold_until_path": None, "then_set": None}

    def _next_route(self, path: str) -> dict | None:
        with self._lock:
            script = self.routes.get(path)
            if not script:
                return None
            return script.pop(0) if len(script) > 1 else script[0]

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep test output clean
                pass

            def do_GET(self):
                host = (self.headers.get("Host") or "").rsplit(":", 1)[0]
                record = {"path": self.path, "host": host, "headers": dict(self.headers)}
                with server._lock:
                    server.requests.append(record)
                    server.in_flight[host] += 1
                    server.in_flight_paths.add(self.path)
                    server.max_in_flight[host] = max(server.max_in_flight[host], server.in_flight[host])
                    server._changed.notify_all()
                try:
                    route = server._next_route(self.path)
                    if route and route["hold_until_in_flight"]:
                        with server._changed:
                            server._changed.wait_for(
                                lambda: server.in_flight[host] >= route["hold_until_in_flight"] or server.released.is_set(),
                                timeout=route["hold_timeout_s"])
                    if route and route["hold_until_path"]:
                        with server._changed:
                            server._changed.wait_for(
                                lambda: route["hold_until_path"] in server.in_flight_paths or server.released.is_set(),
                                timeout=route["hold_timeout_s"])
                    if route and route["hold_until"] is not None:
                        route["hold_until"].wait(5)
                    with server._lock:
                        record["in_flight"] = server.in_flight_paths - {self.path}  # when it is answered
                    self._respond(route)
                    if route and route["then_set"] is not None:
                        route["then_set"].set()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test): nothing to answer
                finally:
                    with server._lock:
                        server.in_flight[host] -= 1
                        server.in_flight_paths.discard(self.path)
                        server._changed.notify_all()

            def _respond(self, route):
                if route is None:
                    self.send_error(404)
                    return
                if route["delay_s"]:
                    server.released.wait(route["delay_s"])  # a slow server: headers come late
                if route["hold_s"]:
                    server.released.wait(route["hold_s"])
                if route["conditional"] and (
                    (route["etag"] and self.headers.get("If-None-Match") == route["etag"])
                    or (not route["etag"] and self.headers.get("If-Modified-Since") == route["last_modified"])
                ):
                    self.send_response(304)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = gzip_module.compress(route["body"]) if route["gzip"] else route["body"]
                self.send_response(route["status"])
                if route["conditional"]:
                    if route["etag"]:
                        self.send_header("ETag", route["etag"])
                    self.send_header("Last-Modified", route["last_modified"])
                if route["gzip"]:
                    self.send_header("Content-Encoding", "gzip")
                for key, value in route["headers"].items():
                    self.send_header(key, value)
                if route["content_length"]:
                    self.send_header("Content-Length", str(len(body)))
                else:
                    self.send_header("Connection", "close")
                    self.close_connection = True
                self.end_headers()
                if route["trickle_s"]:
                    for i in range(len(body)):  # a body that dribbles in, a byte at a time
                        self.wfile.write(body[i:i + 1])
                        self.wfile.flush()
                        if server.released.wait(route["trickle_s"]):
                            return
                else:
                    self.wfile.write(body)

        return Handler


@pytest.fixture
def feed_server():
    server = FeedServer()
    server.thread.start()
    yield server
    server.released.set()
    server.httpd.shutdown()
    server.httpd.server_close()
