"""Shared fixtures: repo paths, settings in a temp dir, a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import hashlib
import os
import threading
from datetime import datetime
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb
import pytest

from pipelines.schema import ensure_schema
from pipelines.settings import Settings

REPO = Path(__file__).resolve().parents[1]
SAMPLE_FEEDS = REPO / "seeds" / "feeds.yml"
SHARED_CORPUS = REPO.parent / "shared" / "corpus"

os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


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
    """Serves registered bodies at paths, with ETag/Last-Modified and scripted statuses."""

    def __init__(self) -> None:
        self.routes: dict[str, dict] = {}
        self.requests: list[dict] = []
        handler = self._handler()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def serve(self, path: str, body: bytes, *, status: int = 200, headers: dict | None = None,
              conditional: bool = True) -> None:
        self.routes[path] = {"body": body, "status": status, "headers": headers or {}, "conditional": conditional,
                             "etag": '"' + hashlib.sha1(body).hexdigest()[:12] + '"',
                             "last_modified": formatdate(1641800000, usegmt=True)}

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_GET(self):
                server.requests.append({"path": self.path, "headers": dict(self.headers)})
                route = server.routes.get(self.path)
                if route is None:
                    self.send_error(404)
                    return
                if route["conditional"] and self.headers.get("If-None-Match") == route["etag"]:
                    self.send_response(304)
                    self.end_headers()
                    return
                self.send_response(route["status"])
                if route["conditional"]:
                    self.send_header("ETag", route["etag"])
                    self.send_header("Last-Modified", route["last_modified"])
                for key, value in route["headers"].items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(route["body"])))
                self.end_headers()
                self.wfile.write(route["body"])

        return Handler


@pytest.fixture
def feed_server():
    server = FeedServer()
    server.thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()
